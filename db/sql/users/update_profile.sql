-- users/update_profile: the caller's bio and display name. One row: the short profile afterwards
-- as a JSON object, and `change`, what the write changed as JSON (write "profile", xid, user,
-- author = the handle), which the same statement also sends with NOTIFY on cruddur_writes
-- (docs/scaling.md); no row (and no notification) when the caller has no users row.
-- returns: rows
-- $1: text cognito_user_id — the caller (token `sub`)
-- $2: text bio — NULL clears it
-- $3: text display_name
WITH updated AS (
  UPDATE public.users
  SET bio = $2::text, display_name = $3::text, updated_at = now()
  WHERE cognito_user_id = $1::text
  RETURNING uuid, handle, display_name
), changed AS (
  SELECT row_to_json(u)::text AS profile,
         json_build_object('write', 'profile', 'xid', pg_current_xact_id()::text,
                           'user', $1::text, 'author', u.handle)::text AS change
  FROM updated AS u
)
SELECT changed.profile, changed.change
FROM changed, pg_notify('cruddur_writes', changed.change)
