-- The engine's history: every sales line that is not a return, with its category (NULL where
-- unknown) and an order key (the invoice, else the client-day).
WITH lines AS (
    SELECT s.client_id, s.sku, p.category, s.date, s.amount,
           coalesce(s.invoice_id, s.client_id || '@' || CAST(s.date AS VARCHAR)) AS "order"
    FROM sales s LEFT JOIN products p USING (sku)
    WHERE NOT s.is_return AND s.client_id IS NOT NULL
),
final AS (SELECT * FROM lines ORDER BY date, client_id, sku, "order", amount, category)
SELECT * FROM final
