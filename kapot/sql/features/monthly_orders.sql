-- Orders per client and calendar month before $as_of, for the seasonality models.
-- An order is an invoice (or a client's purchase day where invoices are unknown).
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of
),
orders AS (
    SELECT client_id,
           coalesce(invoice_id, client_id || '@' || CAST(date AS VARCHAR)) AS order_key,
           min(date) AS date
    FROM sales CROSS JOIN params
    WHERE date < params.as_of AND NOT is_return
    GROUP BY ALL
),
final AS (
    SELECT client_id, date_trunc('month', date) AS month, count(*) AS orders
    FROM orders
    GROUP BY ALL
)
SELECT * FROM final
