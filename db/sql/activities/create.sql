-- activities/create: a crud by the caller, expiring after the given interval. One row: the new
-- activity as a JSON object with the feed's fields, and `change`, what the write changed as JSON
-- (write "create", xid, user, author: docs/scaling.md), which the same statement also sends with
-- NOTIFY on cruddur_writes, so every server hears it when the row commits. No row (and no
-- notification) when the caller has no users row.
-- The JSON is built here because data-modifying CTEs must stay top level.
-- returns: rows
-- $1: text cognito_user_id — the caller (token `sub`)
-- $2: text message
-- $3: interval ttl — e.g. '7 days'
WITH me AS (
  SELECT uuid, display_name, handle FROM public.users WHERE cognito_user_id = $1::text
), inserted AS (
  INSERT INTO public.activities (user_uuid, message, expires_at)
  SELECT me.uuid, $2::text, now() + $3::interval FROM me
  RETURNING *
), created AS (
  SELECT row_to_json(a)::text AS activity,
         json_build_object('write', 'create', 'xid', pg_current_xact_id()::text,
                           'user', $1::text, 'author', a.handle)::text AS change
  FROM (
    SELECT i.uuid, me.display_name, me.handle, i.message, i.replies_count, i.reposts_count,
           i.likes_count, i.reply_to_activity_uuid, i.expires_at, i.created_at
    FROM inserted AS i, me
  ) AS a
)
SELECT created.activity, created.change
FROM created, pg_notify('cruddur_writes', created.change)
