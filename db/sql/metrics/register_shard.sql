-- metrics/register_shard: adds a shard of a stream to the checkpoints (no checkpoint yet: read it
-- from TRIM_HORIZON). A shard already known is left as it is.
-- returns: none
-- $1: text stream_arn
-- $2: text shard_id
-- $3: text parent_shard_id — NULL for a shard without a parent
INSERT INTO public.metrics_stream_shards (stream_arn, shard_id, parent_shard_id)
VALUES ($1::text, $2::text, $3::text)
ON CONFLICT (stream_arn, shard_id) DO NOTHING
