-- ops/replayed_lsn: how far this server's data reaches in the primary's WAL: the replay position
-- on a standby; the current position on a primary (a read URL naming the primary never lags).
-- returns: value
SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
             ELSE pg_current_wal_lsn() END)::text
