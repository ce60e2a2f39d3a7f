-- Clients in scope won (first purchase ever on or after $week_start) or lost (crossed
-- $lost_after_days days without a purchase) in the week [$week_start, $week_end), from the
-- report facts the pipeline published as of $week_end (marts/report_clients).
WITH bought AS (
    SELECT client_id, first_purchase, last_purchase, revenue_12m
    FROM report_clients
    WHERE as_of = $week_end
),
final AS (
    SELECT s.client_id, coalesce(c.name, s.client_id) AS name, c.region, c.manager,
           CASE WHEN first_purchase >= $week_start THEN 'new' ELSE 'lost' END AS status,
           first_purchase, last_purchase, revenue_12m
    FROM bought s LEFT JOIN clients c USING (client_id)
    WHERE (first_purchase >= $week_start
           OR (last_purchase < CAST($week_end AS DATE) - to_days(CAST($lost_after_days AS INTEGER))
               AND last_purchase >= CAST($week_start AS DATE) - to_days(CAST($lost_after_days AS INTEGER))))
      AND (CAST($region AS VARCHAR) IS NULL OR c.region = $region)
      AND (CAST($manager AS VARCHAR) IS NULL OR c.manager = $manager)
)
SELECT * FROM final ORDER BY status DESC, revenue_12m DESC, client_id
