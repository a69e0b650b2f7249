-- metrics/renew_lease: extends a lease that is still ours (same owner and fencing counter).
-- 0 rows affected: another syncer took the shard.
-- returns: none
-- $1: text stream_arn
-- $2: text shard_id
-- $3: text owner
-- $4: bigint lease_counter
-- $5: interval lease
UPDATE public.metrics_stream_shards
SET lease_expires_at = now() + $5::interval, updated_at = now()
WHERE stream_arn = $1::text
  AND shard_id = $2::text
  AND lease_owner = $3::text
  AND lease_counter = $4::bigint
