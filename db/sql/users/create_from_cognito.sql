-- users/create_from_cognito: inserts the user that Cognito has just confirmed (post-confirmation
-- trigger). Idempotent: Cognito retries a failed trigger, so a second insert of the same
-- cognito_user_id does nothing. A different user taking an existing handle still fails
-- (unique_violation). One row `uuid` of the new user, or no row when the user already existed.
-- returns: rows
-- $1: text display_name — Cognito `name`
-- $2: text email
-- $3: text handle — Cognito `preferred_username`
-- $4: text cognito_user_id — Cognito `sub`
INSERT INTO public.users (display_name, email, handle, cognito_user_id)
VALUES ($1, $2, $3, $4)
ON CONFLICT (cognito_user_id) DO NOTHING
RETURNING uuid
