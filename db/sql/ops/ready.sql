-- ops/ready: proves a pool connection can run a statement (GET /api/ready).
-- returns: value
SELECT 'ready'::text
