-- Bookkeeping that every Cruddur database has before its migrations run. Idempotent.
-- Loaded by `cruddur db schema-load` (and by `migrate` when missing), in one transaction.

CREATE TABLE IF NOT EXISTS public.schema_migrations (
  version    bigint PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- One row per setting; `environment` is `development` or `production` and guards destructive
-- commands (`cruddur db drop`, `setup`).
CREATE TABLE IF NOT EXISTS public.cruddur_meta (
  key        text PRIMARY KEY,
  value      text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT cruddur_meta_environment CHECK (
    key <> 'environment' OR value IN ('development', 'production'))
);
