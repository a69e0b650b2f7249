-- users/update_profile: the caller's bio and display name; the short profile afterwards.
-- No row when the caller has no users row.
-- returns: object
-- $1: text cognito_user_id — the caller (token `sub`)
-- $2: text bio — NULL clears it
-- $3: text display_name
UPDATE public.users
SET bio = $2::text, display_name = $3::text, updated_at = now()
WHERE cognito_user_id = $1::text
RETURNING uuid, handle, display_name
