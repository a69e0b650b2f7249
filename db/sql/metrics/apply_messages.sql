-- metrics/apply_messages: counts the INSERTs of message items read from the stream, each record
-- once: a record whose eventID is already in metrics_stream_records is skipped. `messages` grows
-- on the UTC day of each message; a conversation counts once, on the UTC day of its earliest
-- message seen (when an earlier message arrives after a later one was counted, the count moves to
-- the earlier day). Run after metrics/lock_apply in the same transaction.
-- One row: received (records given), applied (counted now), duplicates (counted before),
-- conversations (conversations counted or moved now).
-- returns: rows
-- $1: json messages — [{"event_id","sequence_number","message_group_uuid","created_at"}]
WITH input AS (
  SELECT DISTINCT ON (r.event_id) r.event_id, r.sequence_number, r.message_group_uuid, r.created_at
  FROM json_to_recordset($1::json)
       AS r(event_id text, sequence_number numeric, message_group_uuid uuid, created_at timestamptz)
  ORDER BY r.event_id
), fresh AS (
  INSERT INTO public.metrics_stream_records (event_id, sequence_number)
  SELECT event_id, sequence_number FROM input
  ON CONFLICT (event_id) DO NOTHING
  RETURNING event_id
), messages AS (
  SELECT i.message_group_uuid, i.created_at, (i.created_at AT TIME ZONE 'UTC')::date AS day
  FROM input AS i
  JOIN fresh USING (event_id)
), firsts AS (
  SELECT message_group_uuid, min(created_at) AS first_at
  FROM messages
  GROUP BY message_group_uuid
), earlier AS (
  -- Conversations whose earliest message is in this batch: new ones, and known ones whose first
  -- message was later than one here.
  SELECT f.message_group_uuid, f.first_at, c.first_message_at AS previous_at
  FROM firsts AS f
  LEFT JOIN public.metrics_conversations AS c USING (message_group_uuid)
  WHERE c.first_message_at IS NULL OR f.first_at < c.first_message_at
), stored AS (
  INSERT INTO public.metrics_conversations AS c (message_group_uuid, first_message_at)
  SELECT message_group_uuid, first_at FROM earlier
  ON CONFLICT (message_group_uuid) DO UPDATE
    SET first_message_at = excluded.first_message_at, updated_at = now()
  RETURNING 1
), increments AS (
  SELECT day, 'messages' AS name, count(*) AS delta FROM messages GROUP BY day
  UNION ALL
  SELECT (first_at AT TIME ZONE 'UTC')::date, 'conversations', 1 FROM earlier
  UNION ALL
  SELECT (previous_at AT TIME ZONE 'UTC')::date, 'conversations', -1
  FROM earlier
  WHERE previous_at IS NOT NULL
), summed AS (
  SELECT day, name, sum(delta)::bigint AS delta
  FROM increments
  GROUP BY day, name
  HAVING sum(delta) <> 0
), counted AS (
  INSERT INTO public.metrics_daily AS m (day, name, value)
  SELECT day, name, delta FROM summed
  ON CONFLICT (day, name) DO UPDATE SET value = m.value + excluded.value, updated_at = now()
  RETURNING 1
)
SELECT (SELECT count(*) FROM input) AS received,
       (SELECT count(*) FROM fresh) AS applied,
       (SELECT count(*) FROM input) - (SELECT count(*) FROM fresh) AS duplicates,
       (SELECT count(*) FROM stored) AS conversations,
       (SELECT count(*) FROM counted) AS rows_changed
