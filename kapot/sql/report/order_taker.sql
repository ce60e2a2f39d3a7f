-- Per manager, the revenue of the $weeks weeks before $as_of from clients in scope, split into
-- routine reorders (a category the client bought in the 12 months before the sale), new
-- categories for existing clients and new clients (first purchase ever in the period), from
-- the report facts the pipeline published as of $as_of (marts/report_order_mix).
WITH facts AS (
    SELECT manager, revenue, routine, first_weeks_ago
    FROM report_order_mix
    WHERE as_of = $as_of AND weeks_ago < $weeks
      AND (CAST($region AS VARCHAR) IS NULL OR region = $region)
      AND (CAST($manager AS VARCHAR) IS NULL OR manager = $manager)
),
kind AS (
    SELECT coalesce(manager, '?') AS manager, revenue,
           CASE
               WHEN first_weeks_ago < $weeks THEN 'new_client'
               WHEN routine THEN 'routine'
               ELSE 'new_category'
           END AS kind
    FROM facts
),
final AS (
    SELECT manager,
           round(coalesce(sum(revenue) FILTER (WHERE kind = 'routine'), 0), 2) AS routine,
           round(coalesce(sum(revenue) FILTER (WHERE kind = 'new_category'), 0), 2) AS new_category,
           round(coalesce(sum(revenue) FILTER (WHERE kind = 'new_client'), 0), 2) AS new_client
    FROM kind GROUP BY manager
)
SELECT * FROM final ORDER BY manager
