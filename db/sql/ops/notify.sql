-- ops/notify: a notification on the channel the writes notify (cruddur_writes), e.g. the probe
-- that proves at start-up that this server's LISTEN hears what the pool's connections send.
-- returns: none
-- $1: text payload
SELECT pg_notify('cruddur_writes', $1::text)
