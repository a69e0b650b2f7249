-- activities/search: live activities whose message contains the term (case-insensitive), newest
-- first. The caller escapes LIKE wildcards; activities_message_trgm_idx serves the match.
-- returns: array
-- $1: text pattern — `%<escaped term>%`
-- $2: integer limit
SELECT a.uuid, u.display_name, u.handle, a.message, a.replies_count, a.reposts_count,
       a.likes_count, a.reply_to_activity_uuid, a.expires_at, a.created_at
FROM public.activities AS a
JOIN public.users AS u ON u.uuid = a.user_uuid
WHERE a.message ILIKE $1::text
  AND (a.expires_at IS NULL OR a.expires_at > now())
ORDER BY a.created_at DESC, a.uuid DESC
LIMIT $2::integer
