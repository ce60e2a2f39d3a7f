-- Orders per client, category and month before $as_of, for the client x category seasonality.
-- Only pairs with at least $min_orders orders over the last $months months: below that a
-- yearly pattern cannot be told from noise, and skipping them keeps the build fast.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of
),
orders AS (
    SELECT s.client_id, coalesce(p.category, '?') AS category,
           coalesce(s.invoice_id, s.client_id || '@' || CAST(s.date AS VARCHAR)) AS order_key,
           min(s.date) AS date
    FROM sales s
    LEFT JOIN products p USING (sku)
    CROSS JOIN params
    WHERE s.date < params.as_of AND NOT s.is_return
    GROUP BY ALL
),
monthly AS (
    SELECT client_id, category, date_trunc('month', date) AS month, count(*) AS orders
    FROM orders
    GROUP BY ALL
),
enough AS (
    SELECT client_id, category
    FROM monthly CROSS JOIN params
    WHERE month >= date_trunc('month', as_of) - to_months($months)
    GROUP BY client_id, category
    HAVING sum(orders) >= $min_orders
),
final AS (
    SELECT m.client_id, m.category, m.month, m.orders
    FROM monthly m
    JOIN enough e USING (client_id, category)
)
SELECT * FROM final
