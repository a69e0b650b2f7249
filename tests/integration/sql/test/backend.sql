-- test/backend: the backend pid and session settings of the connection that runs it.
-- returns: object
SELECT pg_backend_pid() AS pid, current_setting('TimeZone') AS time_zone,
       current_setting('application_name') AS application_name,
       current_setting('statement_timeout') AS statement_timeout,
       current_setting('work_mem') AS work_mem
