-- activities/notifications: live replies by others to the caller's activities, newest first.
-- returns: array
-- $1: text cognito_user_id — the caller (token `sub`)
-- $2: integer limit
SELECT r.uuid, ru.display_name, ru.handle, r.message, r.replies_count, r.reposts_count,
       r.likes_count, r.reply_to_activity_uuid, r.expires_at, r.created_at
FROM public.users AS me
JOIN public.activities AS p ON p.user_uuid = me.uuid
JOIN public.activities AS r ON r.reply_to_activity_uuid = p.uuid
JOIN public.users AS ru ON ru.uuid = r.user_uuid
WHERE me.cognito_user_id = $1::text
  AND r.user_uuid <> me.uuid
  AND (r.expires_at IS NULL OR r.expires_at > now())
ORDER BY r.created_at DESC, r.uuid DESC
LIMIT $2::integer
