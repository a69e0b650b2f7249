-- metrics/refresh_postgres: recomputes the PostgreSQL metrics and rewrites their rows, so that a
-- rerun writes the same numbers: `new_users` and `new_activities` for each of the last 7 UTC days
-- (today included, zero days too), and `users_total` and `activities_total` (every stored row,
-- replies and expired cruds included) dated today (UTC). Independent of the session's TimeZone.
-- returns: none
WITH today AS (
  SELECT (now() AT TIME ZONE 'UTC')::date AS day
), days AS (
  SELECT (today.day - n)::date AS day,
         (today.day - n)::timestamp AT TIME ZONE 'UTC' AS starts,
         (today.day - n + 1)::timestamp AT TIME ZONE 'UTC' AS ends
  FROM today, generate_series(0, 6) AS n
), measured (day, name, value) AS (
  SELECT d.day, 'new_users',
         (SELECT count(*) FROM public.users AS u
          WHERE u.created_at >= d.starts AND u.created_at < d.ends)
  FROM days AS d
  UNION ALL
  SELECT d.day, 'new_activities',
         (SELECT count(*) FROM public.activities AS a
          WHERE a.created_at >= d.starts AND a.created_at < d.ends)
  FROM days AS d
  UNION ALL
  SELECT today.day, 'users_total', (SELECT count(*) FROM public.users) FROM today
  UNION ALL
  SELECT today.day, 'activities_total', (SELECT count(*) FROM public.activities) FROM today
)
INSERT INTO public.metrics_daily AS m (day, name, value)
SELECT day, name, value FROM measured
ON CONFLICT (day, name) DO UPDATE SET value = excluded.value, updated_at = now()
