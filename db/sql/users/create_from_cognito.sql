-- Inserts the user that Cognito has just confirmed (post-confirmation trigger).
-- Idempotent: Cognito retries a failed trigger, so a second insert of the same cognito_user_id
-- does nothing. A different user taking an existing handle still fails (unique_violation).
-- $1 display_name (Cognito `name`)
-- $2 email
-- $3 handle (Cognito `preferred_username`)
-- $4 cognito_user_id (Cognito `sub`)
-- Returns: one row `uuid` of the new user, or no row when the user already existed.
INSERT INTO public.users (display_name, email, handle, cognito_user_id)
VALUES ($1, $2, $3, $4)
ON CONFLICT (cognito_user_id) DO NOTHING
RETURNING uuid
