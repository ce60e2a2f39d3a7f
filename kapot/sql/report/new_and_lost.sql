-- Clients in scope won (first purchase ever on or after $week_start) or lost (crossed
-- $lost_after_days days without a purchase) in the week [$week_start, $week_end).
WITH bought AS (
    SELECT client_id, min(date) AS first_purchase, max(date) AS last_purchase,
           round(sum(amount) FILTER (WHERE date >= CAST($week_end AS DATE) - INTERVAL 12 MONTH), 2)
               AS revenue_12m
    FROM sales
    WHERE date < $week_end AND NOT is_return
    GROUP BY client_id
),
final AS (
    SELECT s.client_id, coalesce(c.name, s.client_id) AS name, c.region, c.manager,
           CASE WHEN first_purchase >= $week_start THEN 'new' ELSE 'lost' END AS status,
           first_purchase, last_purchase, coalesce(revenue_12m, 0) AS revenue_12m
    FROM bought s LEFT JOIN clients c USING (client_id)
    WHERE (first_purchase >= $week_start
           OR (last_purchase < CAST($week_end AS DATE) - to_days(CAST($lost_after_days AS INTEGER))
               AND last_purchase >= CAST($week_start AS DATE) - to_days(CAST($lost_after_days AS INTEGER))))
      AND (CAST($region AS VARCHAR) IS NULL OR c.region = $region)
      AND (CAST($manager AS VARCHAR) IS NULL OR c.manager = $manager)
)
SELECT * FROM final ORDER BY status DESC, revenue_12m DESC, client_id
