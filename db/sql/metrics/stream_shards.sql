-- metrics/stream_shards: the checkpoints of one stream's shards, with who holds each lease.
-- Columns: shard_id, parent_shard_id, sequence_number (text, NULL: none yet), closed ('t'/'f'),
-- lease_owner (NULL when free or expired), lease_expires_at.
-- returns: rows
-- $1: text stream_arn
SELECT shard_id, parent_shard_id, sequence_number::text AS sequence_number, closed,
       CASE WHEN lease_expires_at > now() THEN lease_owner END AS lease_owner,
       CASE WHEN lease_expires_at > now() THEN lease_expires_at END AS lease_expires_at
FROM public.metrics_stream_shards
WHERE stream_arn = $1::text
ORDER BY shard_id
