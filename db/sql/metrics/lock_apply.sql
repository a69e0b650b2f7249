-- metrics/lock_apply: serialises the appliers of stream records (CLI syncs and Lambdas) until the
-- end of the transaction, so that the next statement, metrics/apply_messages, sees every
-- conversation an earlier applier stored. It must come before metrics/apply_messages in the
-- transaction. A transaction-level advisory lock: readers are never blocked, it is released by
-- COMMIT or ROLLBACK (or when the connection dies), and it works through transaction poolers.
-- returns: none
SELECT pg_advisory_xact_lock(hashtextextended('cruddur.metrics.apply', 0))
