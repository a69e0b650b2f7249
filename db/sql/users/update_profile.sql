-- users/update_profile: the caller's bio and display name. One row: the short profile afterwards
-- as a JSON object, and the handle (for the feed cache's invalidation); no row when the caller has
-- no users row.
-- returns: rows
-- $1: text cognito_user_id — the caller (token `sub`)
-- $2: text bio — NULL clears it
-- $3: text display_name
WITH updated AS (
  UPDATE public.users
  SET bio = $2::text, display_name = $3::text, updated_at = now()
  WHERE cognito_user_id = $1::text
  RETURNING uuid, handle, display_name
)
SELECT row_to_json(u)::text AS profile, u.handle
FROM updated AS u
