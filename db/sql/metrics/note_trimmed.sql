-- metrics/note_trimmed: counts one loss of records that the stream trimmed (24 h retention) before
-- they were read. When the lost part is the rest of a shard that the stream no longer lists, the
-- shard is closed too, so that its children are read. Only while the lease is ours (same owner
-- and fencing counter).
-- returns: none
-- $1: text stream_arn
-- $2: text shard_id
-- $3: text owner
-- $4: bigint lease_counter
-- $5: boolean closed — the shard is gone from the stream: close it and release its lease
UPDATE public.metrics_stream_shards
SET trimmed_count = trimmed_count + 1,
    closed = closed OR $5::boolean,
    lease_owner = CASE WHEN $5::boolean THEN NULL ELSE lease_owner END,
    lease_expires_at = CASE WHEN $5::boolean THEN NULL ELSE lease_expires_at END,
    updated_at = now()
WHERE stream_arn = $1::text
  AND shard_id = $2::text
  AND lease_owner = $3::text
  AND lease_counter = $4::bigint
