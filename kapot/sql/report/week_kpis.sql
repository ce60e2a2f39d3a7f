-- Revenue, orders and active clients of the week starting $week_start, for the clients in
-- scope ($region and $manager, each NULL for everyone). Returns count as revenue, not orders.
WITH scoped AS (
    SELECT s.*
    FROM sales s LEFT JOIN clients c USING (client_id)
    WHERE s.date >= $week_start AND s.date < CAST($week_start AS DATE) + INTERVAL 7 DAY
      AND (CAST($region AS VARCHAR) IS NULL OR c.region = $region)
      AND (CAST($manager AS VARCHAR) IS NULL OR c.manager = $manager)
),
final AS (
    SELECT round(coalesce(sum(amount), 0), 2) AS revenue,
           count(DISTINCT coalesce(invoice_id, client_id || '@' || CAST(date AS VARCHAR)))
               FILTER (WHERE NOT is_return) AS orders,
           count(DISTINCT client_id) FILTER (WHERE NOT is_return) AS active_clients
    FROM scoped
)
SELECT * FROM final
