-- Undoes 20261201000001: removes the metrics tables (and every number and checkpoint in them).
DROP TABLE IF EXISTS public.metrics_conversations;
DROP TABLE IF EXISTS public.metrics_stream_records;
DROP TABLE IF EXISTS public.metrics_stream_shards;
DROP TABLE IF EXISTS public.metrics_daily;
