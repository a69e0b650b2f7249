-- activities/show: one live activity of the user with this handle, and its live replies oldest
-- first. No row when either is unknown or the activity has expired.
-- returns: object
-- $1: text handle
-- $2: uuid activity_uuid
SELECT
  (SELECT row_to_json(x)
   FROM (SELECT a.uuid, u.display_name, u.handle, a.message, a.replies_count, a.reposts_count,
                a.likes_count, a.reply_to_activity_uuid, a.expires_at, a.created_at) AS x) AS activity,
  (SELECT coalesce(json_agg(r ORDER BY r.created_at, r.uuid), '[]'::json)
   FROM (SELECT c.uuid, cu.display_name, cu.handle, c.message, c.replies_count, c.reposts_count,
                c.likes_count, c.reply_to_activity_uuid, c.expires_at, c.created_at
         FROM public.activities AS c
         JOIN public.users AS cu ON cu.uuid = c.user_uuid
         WHERE c.reply_to_activity_uuid = a.uuid
           AND (c.expires_at IS NULL OR c.expires_at > now())) AS r) AS replies
FROM public.activities AS a
JOIN public.users AS u ON u.uuid = a.user_uuid
WHERE a.uuid = $2::uuid
  AND u.handle = $1::text
  AND (a.expires_at IS NULL OR a.expires_at > now())
