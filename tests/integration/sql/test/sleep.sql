-- test/sleep: sleeps on the server (statement timeout and exhaustion tests only).
-- returns: value
-- $1: float8 seconds
SELECT pg_sleep($1::float8)::text
