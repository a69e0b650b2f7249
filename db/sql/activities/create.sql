-- activities/create: a crud by the caller, expiring after the given interval. One row: the new
-- activity as a JSON object with the feed's fields, and the author's handle (for the feed cache's
-- invalidation); no row when the caller has no users row.
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
)
SELECT row_to_json(a)::text AS activity, a.handle
FROM (
  SELECT i.uuid, me.display_name, me.handle, i.message, i.replies_count, i.reposts_count,
         i.likes_count, i.reply_to_activity_uuid, i.expires_at, i.created_at
  FROM inserted AS i, me
) AS a
