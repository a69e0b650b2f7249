-- Users and their activities (cruds), with the constraints and the indexes the feeds need.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE public.users (
  uuid            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  display_name    text NOT NULL CHECK (char_length(btrim(display_name)) BETWEEN 1 AND 100),
  handle          text NOT NULL UNIQUE
                  CHECK (char_length(handle) BETWEEN 1 AND 64 AND handle !~ '[[:space:]/@]'),
  email           text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320 AND email LIKE '%_@_%'),
  cognito_user_id text NOT NULL UNIQUE CHECK (char_length(cognito_user_id) BETWEEN 1 AND 128),
  bio             text CHECK (char_length(bio) <= 1024),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.activities (
  uuid                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_uuid              uuid NOT NULL REFERENCES public.users (uuid) ON DELETE CASCADE,
  message                text NOT NULL,
  replies_count          integer NOT NULL DEFAULT 0 CHECK (replies_count >= 0),
  reposts_count          integer NOT NULL DEFAULT 0 CHECK (reposts_count >= 0),
  likes_count            integer NOT NULL DEFAULT 0 CHECK (likes_count >= 0),
  reply_to_activity_uuid uuid REFERENCES public.activities (uuid) ON DELETE CASCADE,
  expires_at             timestamptz,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  -- Cruds hold at most 280 characters, replies at most 1024; neither may be blank.
  CONSTRAINT activities_message_length CHECK (
    btrim(message) <> ''
    AND char_length(message) <= CASE WHEN reply_to_activity_uuid IS NULL THEN 280 ELSE 1024 END),
  CONSTRAINT activities_expiry_after_creation CHECK (expires_at IS NULL OR expires_at > created_at)
);

-- Home feed: newest first, keyset on (created_at, uuid).
CREATE INDEX activities_feed_idx ON public.activities (created_at DESC, uuid DESC);
-- Profile feed: one user's activities, newest first.
CREATE INDEX activities_user_feed_idx ON public.activities (user_uuid, created_at DESC, uuid DESC);
-- Show page: the replies of one activity, oldest first.
CREATE INDEX activities_replies_idx ON public.activities (reply_to_activity_uuid, created_at, uuid)
  WHERE reply_to_activity_uuid IS NOT NULL;
-- Search: substring match on the message without a table scan.
CREATE INDEX activities_message_trgm_idx ON public.activities USING gin (message gin_trgm_ops);
