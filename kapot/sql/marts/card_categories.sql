-- The client card's categories: revenue per client and category over the 24 months before
-- $as_of, categories the client bought on balance only.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of
),
lines AS (
    SELECT s.client_id, coalesce(p.category, '?') AS category, s.amount
    FROM sales s
    LEFT JOIN products p USING (sku)
    CROSS JOIN params
    WHERE s.date < params.as_of AND s.date >= params.as_of - INTERVAL 24 MONTH
),
final AS (
    SELECT client_id, category, sum(amount) AS revenue
    FROM lines
    GROUP BY ALL
    HAVING sum(amount) > 0
)
SELECT * FROM final ORDER BY client_id, revenue DESC, category
