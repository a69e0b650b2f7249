-- activities/profile: a user's profile and their live activities, newest first.
-- `cognito_user_uuid` keeps the original's field name. No row for an unknown handle.
-- returns: object
-- $1: text handle
-- $2: integer limit — activities to include
SELECT
  (SELECT row_to_json(p)
   FROM (SELECT u.uuid, u.cognito_user_id AS cognito_user_uuid, u.handle, u.display_name, u.bio,
                (SELECT count(*) FROM public.activities AS c WHERE c.user_uuid = u.uuid) AS cruds_count
        ) AS p) AS profile,
  (SELECT coalesce(json_agg(f ORDER BY f.created_at DESC, f.uuid DESC), '[]'::json)
   FROM (SELECT a.uuid, u.display_name, u.handle, a.message, a.replies_count, a.reposts_count,
                a.likes_count, a.reply_to_activity_uuid, a.expires_at, a.created_at
         FROM public.activities AS a
         WHERE a.user_uuid = u.uuid AND (a.expires_at IS NULL OR a.expires_at > now())
         ORDER BY a.created_at DESC, a.uuid DESC
         LIMIT $2::integer) AS f) AS activities
FROM public.users AS u
WHERE u.handle = $1::text
