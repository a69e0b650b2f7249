-- activities/create: a crud by the user with this handle, expiring after the given interval.
-- returns: object
-- $1: text handle — the author
-- $2: text message
-- $3: interval ttl — e.g. '7 days'
INSERT INTO public.activities (user_uuid, message, expires_at)
SELECT u.uuid, $2::text, now() + $3::interval
FROM public.users AS u
WHERE u.handle = $1::text
RETURNING uuid, message, reply_to_activity_uuid, expires_at, created_at
