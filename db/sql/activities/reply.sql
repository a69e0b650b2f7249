-- activities/reply: the caller's reply to a live activity, and the parent's replies_count bumped
-- in the same statement (one transaction). The reply carries its parent's expires_at: it vanishes
-- with its thread, and is never NULL for a parent that expires (the frontend renders a NULL as
-- "Invalid DateTime"). No row when the parent is missing or expired, or the caller has no users
-- row (then nothing is changed and nothing notified). One row otherwise: the reply as a JSON
-- object, and `change`, what the write changed as JSON (write "reply", xid, user, author,
-- parent_uuid, parent_author, and grandparent_uuid/grandparent_author when the parent is itself a
-- reply, else null: its show page lists the parent with its replies_count), which the same
-- statement also sends with NOTIFY on cruddur_writes (docs/scaling.md).
-- returns: rows
-- $1: text cognito_user_id — the caller (token `sub`)
-- $2: uuid parent_uuid — the activity replied to
-- $3: text message
WITH me AS (
  SELECT uuid, display_name, handle FROM public.users WHERE cognito_user_id = $1::text
), parent AS (
  UPDATE public.activities AS p
  SET replies_count = p.replies_count + 1, updated_at = now()
  WHERE p.uuid = $2::uuid
    AND (p.expires_at IS NULL OR p.expires_at > now())
    AND EXISTS (SELECT 1 FROM me)
  RETURNING p.uuid, p.user_uuid, p.reply_to_activity_uuid, p.expires_at
), inserted AS (
  INSERT INTO public.activities (user_uuid, message, reply_to_activity_uuid, expires_at)
  SELECT me.uuid, $3::text, parent.uuid, parent.expires_at FROM me, parent
  RETURNING *
), replied AS (
  SELECT row_to_json(a)::text AS activity,
         json_build_object('write', 'reply', 'xid', pg_current_xact_id()::text, 'user', $1::text,
                           'author', a.handle, 'parent_uuid', parent.uuid,
                           'parent_author', pu.handle, 'grandparent_uuid', g.uuid,
                           'grandparent_author', gu.handle)::text AS change
  FROM (
    SELECT i.uuid, me.display_name, me.handle, i.message, i.replies_count, i.reposts_count,
           i.likes_count, i.reply_to_activity_uuid, i.expires_at, i.created_at
    FROM inserted AS i, me
  ) AS a
  JOIN parent ON parent.uuid = a.reply_to_activity_uuid
  JOIN public.users AS pu ON pu.uuid = parent.user_uuid
  LEFT JOIN public.activities AS g ON g.uuid = parent.reply_to_activity_uuid
  LEFT JOIN public.users AS gu ON gu.uuid = g.user_uuid
)
SELECT replied.activity, replied.change
FROM replied, pg_notify('cruddur_writes', replied.change)
