-- metrics/release_lease: gives a lease back (a one-pass sync that is done, or a poller stopping),
-- so that the next syncer need not wait for it to expire. Only when it is still ours.
-- returns: none
-- $1: text stream_arn
-- $2: text shard_id
-- $3: text owner
-- $4: bigint lease_counter
UPDATE public.metrics_stream_shards
SET lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
WHERE stream_arn = $1::text
  AND shard_id = $2::text
  AND lease_owner = $3::text
  AND lease_counter = $4::bigint
