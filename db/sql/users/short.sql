-- users/short: the short profile shown next to a crud.
-- returns: object
-- $1: text handle
SELECT u.uuid, u.handle, u.display_name
FROM public.users AS u
WHERE u.handle = $1::text
