-- users/cognito_id: the cognito_user_id of the user with this handle (for `cruddur dev-token`).
-- returns: value
-- $1: text handle
SELECT cognito_user_id FROM public.users WHERE handle = $1::text
