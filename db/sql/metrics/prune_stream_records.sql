-- metrics/prune_stream_records: forgets the ids of stream records counted more than two days ago.
-- A stream keeps records 24 h, so neither a Lambda retry nor a sync from TRIM_HORIZON can bring
-- such a record back.
-- returns: none
DELETE FROM public.metrics_stream_records WHERE applied_at < now() - interval '2 days'
