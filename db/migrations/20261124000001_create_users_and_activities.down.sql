-- Undoes 20261124000001: removes activities and users (and every row in them).
DROP TABLE IF EXISTS public.activities;
DROP TABLE IF EXISTS public.users;
DROP EXTENSION IF EXISTS pg_trgm;
