-- metrics/take_lease: takes the lease of an open shard when it is free, expired or already ours,
-- and bumps its fencing counter. No row: another syncer holds it (or the shard is closed).
-- One row: lease_counter (the fencing token for metrics/checkpoint), sequence_number (text, the
-- last record applied; NULL: none yet).
-- returns: rows
-- $1: text stream_arn
-- $2: text shard_id
-- $3: text owner — this syncer (host, pid and a random part)
-- $4: interval lease — how long the lease lasts unless renewed
UPDATE public.metrics_stream_shards
SET lease_owner = $3::text,
    lease_counter = lease_counter + 1,
    lease_expires_at = now() + $4::interval,
    updated_at = now()
WHERE stream_arn = $1::text
  AND shard_id = $2::text
  AND NOT closed
  AND (lease_owner IS NULL OR lease_owner = $3::text OR lease_expires_at <= now())
RETURNING lease_counter::text, sequence_number::text
