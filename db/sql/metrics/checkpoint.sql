-- metrics/checkpoint: the compare-and-set of a shard's checkpoint, in the transaction that applies
-- the batch read after it: moves it to the batch's last sequence number, counts what was applied
-- and rejected, closes the shard when it has been read to its end, and extends the lease. Only
-- while the lease is still the writer's (same owner and fencing counter): 0 rows affected means
-- another syncer took the shard, and the transaction must be rolled back.
-- returns: none
-- $1: text stream_arn
-- $2: text shard_id
-- $3: text owner
-- $4: bigint lease_counter — as metrics/take_lease returned it
-- $5: numeric sequence_number — the last record of the batch (NULL: unchanged)
-- $6: boolean closed — the shard has ended and this batch was its last
-- $7: interval lease
-- $8: bigint applied — message records counted in this batch
-- $9: bigint rejected — message records that could not be read
UPDATE public.metrics_stream_shards
SET sequence_number = coalesce($5::numeric, sequence_number),
    closed = $6::boolean,
    lease_owner = CASE WHEN $6::boolean THEN NULL ELSE lease_owner END,
    lease_expires_at = CASE WHEN $6::boolean THEN NULL ELSE now() + $7::interval END,
    records_applied = records_applied + $8::bigint,
    records_rejected = records_rejected + $9::bigint,
    updated_at = now()
WHERE stream_arn = $1::text
  AND shard_id = $2::text
  AND lease_owner = $3::text
  AND lease_counter = $4::bigint
