-- ops/primary_lsn: the primary's current WAL write position, sampled to measure replica lag and to
-- know when a replica has replayed a write (docs/scaling.md). Fails on a standby.
-- returns: value
SELECT pg_current_wal_lsn()::text
