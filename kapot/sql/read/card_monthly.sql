-- Client $client's card months as of $as_of: the 24 months before it, months without a sale
-- as zeros.
WITH months AS (
    SELECT unnest(generate_series(
        date_trunc('month', CAST($as_of AS DATE) - INTERVAL 1 DAY) - INTERVAL 23 MONTH,
        date_trunc('month', CAST($as_of AS DATE) - INTERVAL 1 DAY),
        INTERVAL 1 MONTH)) AS month
),
sold AS (
    SELECT month, revenue, orders FROM card_monthly WHERE as_of = $as_of AND client_id = $client
),
final AS (
    SELECT CAST(m.month AS DATE) AS month, coalesce(s.revenue, 0) AS revenue,
           coalesce(s.orders, 0) AS orders
    FROM months m LEFT JOIN sold s ON s.month = CAST(m.month AS DATE)
)
SELECT * FROM final ORDER BY month
