-- users/by_cognito_id: the user of a Cognito `sub` (the caller of an authenticated request).
-- returns: object
-- $1: text cognito_user_id — the access token's `sub`
SELECT u.uuid, u.display_name, u.handle
FROM public.users AS u
WHERE u.cognito_user_id = $1::text
