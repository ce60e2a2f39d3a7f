-- Orders per category and month before $as_of (an order counts once per category it holds).
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of
),
lines AS (
    SELECT coalesce(p.category, '?') AS category, s.date,
           coalesce(s.invoice_id, s.client_id || '@' || CAST(s.date AS VARCHAR)) AS order_key
    FROM sales s
    LEFT JOIN products p USING (sku)
    CROSS JOIN params
    WHERE s.date < params.as_of AND NOT s.is_return
),
final AS (
    SELECT category, date_trunc('month', date) AS month, count(DISTINCT order_key) AS orders
    FROM lines
    GROUP BY ALL
)
SELECT * FROM final
