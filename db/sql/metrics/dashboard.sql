-- metrics/dashboard: what GET /api/admin/metrics answers: the latest measured totals (0 before
-- the first sync) and the last 7 UTC days, oldest first, each with every series (0 when absent).
-- returns: object
WITH today AS (
  SELECT (now() AT TIME ZONE 'UTC')::date AS day
), days AS (
  SELECT (today.day - n)::date AS day FROM today, generate_series(6, 0, -1) AS n
), latest AS (
  SELECT DISTINCT ON (name) name, value
  FROM public.metrics_daily
  WHERE name IN ('users_total', 'activities_total')
  ORDER BY name, day DESC
)
SELECT json_build_object(
         'users', coalesce((SELECT value FROM latest WHERE name = 'users_total'), 0),
         'activities', coalesce((SELECT value FROM latest WHERE name = 'activities_total'), 0)
       ) AS totals,
       (SELECT json_agg(json_build_object(
                 'day', to_char(d.day, 'YYYY-MM-DD'),
                 'messages', coalesce(s.messages, 0),
                 'conversations', coalesce(s.conversations, 0),
                 'new_users', coalesce(s.new_users, 0),
                 'new_activities', coalesce(s.new_activities, 0)) ORDER BY d.day)
        FROM days AS d
        LEFT JOIN LATERAL (
          SELECT sum(value) FILTER (WHERE name = 'messages')::bigint AS messages,
                 sum(value) FILTER (WHERE name = 'conversations')::bigint AS conversations,
                 sum(value) FILTER (WHERE name = 'new_users')::bigint AS new_users,
                 sum(value) FILTER (WHERE name = 'new_activities')::bigint AS new_activities
          FROM public.metrics_daily AS m
          WHERE m.day = d.day
        ) AS s ON true) AS days
