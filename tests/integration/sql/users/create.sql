-- users/create: a user confirmed by Cognito; returns its uuid and handle.
-- returns: rows
-- $1: text display_name
-- $2: text handle
-- $3: text email
-- $4: text cognito_user_id
INSERT INTO public.users (display_name, handle, email, cognito_user_id)
VALUES ($1::text, $2::text, $3::text, $4::text)
RETURNING uuid, handle
