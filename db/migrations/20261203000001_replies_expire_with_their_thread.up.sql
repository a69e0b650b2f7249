-- Replies written before a reply carried its parent's expires_at (activities/reply): each one
-- without an expiry takes its parent's, down the thread, so that it vanishes with the thread and
-- the frontend never shows "Invalid DateTime". Replies whose thread never expires stay NULL.
WITH RECURSIVE thread AS (
  SELECT uuid, expires_at FROM public.activities WHERE reply_to_activity_uuid IS NULL
  UNION ALL
  SELECT child.uuid, coalesce(child.expires_at, thread.expires_at)
  FROM public.activities AS child
  JOIN thread ON child.reply_to_activity_uuid = thread.uuid
)
UPDATE public.activities AS reply
SET expires_at = thread.expires_at, updated_at = now()
FROM thread
WHERE reply.uuid = thread.uuid
  AND reply.expires_at IS NULL
  AND thread.expires_at IS NOT NULL
  AND thread.expires_at > reply.created_at;
