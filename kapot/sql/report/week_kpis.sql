-- Revenue, orders and active clients of the week starting $week_start, for the clients in
-- scope ($region and $manager, each NULL for everyone), from the report facts the pipeline
-- published as of $as_of (marts/report_weeks). Returns count as revenue, not orders.
WITH scoped AS (
    SELECT revenue, orders, active_clients
    FROM report_weeks
    WHERE as_of = $as_of AND week_start = $week_start
      AND (CAST($region AS VARCHAR) IS NULL OR region = $region)
      AND (CAST($manager AS VARCHAR) IS NULL OR manager = $manager)
),
final AS (
    SELECT round(coalesce(sum(revenue), 0), 2) AS revenue,
           coalesce(sum(orders), 0) AS orders,
           coalesce(sum(active_clients), 0) AS active_clients
    FROM scoped
)
SELECT * FROM final
