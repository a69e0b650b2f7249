-- users/update_bio: changes the bio of the user with this handle (test-only: the pool tests' write).
-- returns: none
-- $1: text handle
-- $2: text bio
UPDATE public.users
SET bio = $2::text, updated_at = now()
WHERE handle = $1::text
