-- The client card's months: revenue and orders per client and month over the 24 months before
-- $as_of, months without a sale left out (the read model fills them with zeros).
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of,
           date_trunc('month', CAST($as_of AS DATE) - INTERVAL 1 DAY) - INTERVAL 23 MONTH AS first_month
),
lines AS (
    SELECT s.client_id, s.date, s.amount, s.invoice_id
    FROM sales s CROSS JOIN params
    WHERE s.date < params.as_of AND s.date >= params.first_month
),
final AS (
    SELECT client_id, CAST(date_trunc('month', date) AS DATE) AS month,
           sum(amount) AS revenue,
           count(DISTINCT coalesce(invoice_id, CAST(date AS VARCHAR))) AS orders
    FROM lines
    GROUP BY ALL
)
SELECT * FROM final ORDER BY client_id, month
