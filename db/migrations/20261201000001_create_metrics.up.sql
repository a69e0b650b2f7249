-- Metrics (issue 12): the daily numbers of the admin dashboard, and what makes counting the
-- DynamoDB stream of `cruddur-messages` exactly once (docs/metrics.md, "Exactly once").

-- One number per UTC day and metric. `messages` and `conversations` are counted from the stream
-- (per UTC day of the message); `new_users` and `new_activities` are recomputed from PostgreSQL on
-- every sync; `users_total` and `activities_total` are dated the UTC day of the sync that measured
-- them.
CREATE TABLE public.metrics_daily (
  day        date        NOT NULL,
  name       text        NOT NULL CHECK (name IN ('messages', 'conversations', 'new_users',
                                                  'new_activities', 'users_total',
                                                  'activities_total')),
  value      bigint      NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, name)
);

-- The checkpoint of `cruddur metrics sync` per stream shard (the Kinesis Client Library's lease
-- table). `sequence_number` is the last record applied (NULL: none yet, read from TRIM_HORIZON),
-- stored as a number so that sequence numbers of different lengths compare as numbers. A syncer
-- works on a shard only while it holds the lease (`lease_owner` until `lease_expires_at`);
-- `lease_counter` is the fencing token: every take of the lease bumps it, and a checkpoint is
-- written only if the counter is still the one the writer took (compare-and-set), in the same
-- transaction as the increments. `closed`: the shard has ended and was read to its end, so its
-- children may be read.
CREATE TABLE public.metrics_stream_shards (
  stream_arn       text           NOT NULL,
  shard_id         text           NOT NULL,
  parent_shard_id  text,
  sequence_number  numeric(40, 0) CHECK (sequence_number >= 0),
  closed           boolean        NOT NULL DEFAULT false,
  lease_owner      text,
  lease_counter    bigint         NOT NULL DEFAULT 0,
  lease_expires_at timestamptz,
  records_applied  bigint         NOT NULL DEFAULT 0,  -- message records counted from this shard
  records_rejected bigint         NOT NULL DEFAULT 0,  -- message records that could not be read
  trimmed_count    bigint         NOT NULL DEFAULT 0,  -- times records were trimmed before read
  created_at       timestamptz    NOT NULL DEFAULT now(),
  updated_at       timestamptz    NOT NULL DEFAULT now(),
  PRIMARY KEY (stream_arn, shard_id)
);

-- The stream records already counted (their `eventID`), written in the same transaction as their
-- increments by both the CLI sync and the Lambda: a record delivered twice, or read by both, is
-- counted once. Records live 24 h in a stream; ids older than two days are pruned.
CREATE TABLE public.metrics_stream_records (
  event_id        text           PRIMARY KEY,
  sequence_number numeric(40, 0) NOT NULL,
  applied_at      timestamptz    NOT NULL DEFAULT now()
);
CREATE INDEX metrics_stream_records_applied_at_idx ON public.metrics_stream_records (applied_at);

-- Every conversation (message group) counted so far, with the time of its earliest message seen.
-- A conversation counts once, on the UTC day of its first message; when an earlier message of a
-- group arrives after a later one was counted, its count moves to the earlier day.
CREATE TABLE public.metrics_conversations (
  message_group_uuid uuid        PRIMARY KEY,
  first_message_at   timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL DEFAULT now()
);
