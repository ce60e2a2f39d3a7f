-- The weekly report's facts per ISO week (Monday start) of the two years before $as_of and per
-- (region, manager) of the clients: revenue (returns count), orders and active clients
-- (returns do not). The report sums the groups of its scope (a client is in one group).
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of,
           CAST(date_trunc('week', CAST($as_of AS DATE) - INTERVAL 2 YEAR) AS DATE) AS first_week
),
lines AS (
    SELECT s.client_id, s.date, s.amount, s.is_return,
           coalesce(s.invoice_id, s.client_id || '@' || CAST(s.date AS VARCHAR)) AS order_key,
           c.region, c.manager
    FROM sales s
    CROSS JOIN params
    LEFT JOIN clients c USING (client_id)
    WHERE s.date < params.as_of AND s.date >= params.first_week
),
final AS (
    SELECT CAST(date_trunc('week', date) AS DATE) AS week_start, region, manager,
           sum(amount) AS revenue,
           count(DISTINCT order_key) FILTER (WHERE NOT is_return) AS orders,
           count(DISTINCT client_id) FILTER (WHERE NOT is_return) AS active_clients
    FROM lines
    GROUP BY ALL
)
SELECT * FROM final ORDER BY week_start, region, manager
