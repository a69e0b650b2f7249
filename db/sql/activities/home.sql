-- activities/home: the home feed, newest first, expired cruds hidden, keyset-paginated. One row:
-- the page as a JSON array, and the cursor key of its last row (`<created_at as in the JSON>|
-- <uuid>`) when the page is full (NULL otherwise: there is no next page), so that the service
-- never re-reads the JSON.
-- Walks activities_feed_idx (created_at DESC, uuid DESC) from the cursor down. The inner LIMIT 100
-- (the service's maximum page) is a constant so that the planner can cost, and then keep, a
-- generic plan for this prepared statement instead of planning every call (docs/performance.md).
-- returns: rows
-- $1: integer limit — page size (the API clamps it to 1..100)
-- $2: timestamptz before_created_at — cursor: created_at of the last row of the previous page (NULL: first page)
-- $3: uuid before_uuid — cursor tie-break: uuid of that row (NULL: first page)
SELECT coalesce(json_agg(page ORDER BY page.created_at DESC, page.uuid DESC), '[]'::json)::text
         AS activities,
       CASE WHEN count(*) = $1::integer
         THEN (array_agg((to_json(page.created_at) #>> '{}') || '|' || page.uuid
                         ORDER BY page.created_at, page.uuid))[1]
       END AS next
FROM (
  SELECT candidate.*
  FROM (
    SELECT a.uuid,
           u.display_name,
           u.handle,
           a.message,
           a.replies_count,
           a.reposts_count,
           a.likes_count,
           a.reply_to_activity_uuid,
           a.expires_at,
           a.created_at
    FROM public.activities AS a
    JOIN public.users AS u ON u.uuid = a.user_uuid
    WHERE (a.created_at, a.uuid) < (coalesce($2::timestamptz, 'infinity'),
                                     coalesce($3::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
      AND (a.expires_at IS NULL OR a.expires_at > now())
    ORDER BY a.created_at DESC, a.uuid DESC
    LIMIT 100
  ) AS candidate
  ORDER BY candidate.created_at DESC, candidate.uuid DESC
  LIMIT $1::integer
) AS page
