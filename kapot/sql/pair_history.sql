-- Per client and item (a category, or a SKU when $level = 'sku') as of $as_of: what the client
-- bought of it before the date, and (for training and backtests) what it bought in the
-- $horizon days from the date. Only items in $items.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of,
           CAST($as_of AS DATE) + to_days(CAST($horizon AS INTEGER)) AS horizon_end
),
lines AS (
    SELECT s.client_id, s.date, s.amount, s.quantity,
           CASE WHEN $level = 'sku' THEN s.sku ELSE coalesce(p.category, '?') END AS item
    FROM sales s
    LEFT JOIN products p USING (sku)
    WHERE NOT s.is_return
),
picked AS (
    SELECT l.* FROM lines l WHERE l.item IN (SELECT unnest(CAST($items AS VARCHAR[])))
),
hist AS (
    SELECT client_id, item,
           count(*) AS item_lines,
           sum(amount) AS item_revenue_total,
           coalesce(sum(amount) FILTER (WHERE date >= as_of - INTERVAL 12 MONTH), 0) AS item_revenue_12m,
           coalesce(sum(amount) FILTER (WHERE date >= as_of - INTERVAL 3 MONTH), 0) AS item_revenue_3m,
           -- a 12-month window mid-month touches 13 calendar months: cap at 12
           least(12, count(DISTINCT date_trunc('month', date)) FILTER (WHERE date >= as_of - INTERVAL 12 MONTH))
               AS item_months_12m,
           date_diff('day', max(date), as_of) AS item_days_since,
           -- the same season last year: what it bought in the horizon's months a year ago
           coalesce(sum(amount) FILTER (WHERE date >= as_of - INTERVAL 1 YEAR
                                        AND date < horizon_end - INTERVAL 1 YEAR), 0)
               AS item_revenue_same_season_ly
    FROM picked CROSS JOIN params
    WHERE date < as_of
    GROUP BY client_id, item, as_of, horizon_end
),
future AS (
    SELECT client_id, item, sum(amount) AS future_amount, sum(quantity) AS future_quantity
    FROM picked CROSS JOIN params
    WHERE date >= as_of AND date < horizon_end
    GROUP BY client_id, item
),
final AS (
    SELECT coalesce(h.client_id, f.client_id) AS client_id,
           coalesce(h.item, f.item) AS item,
           h.* EXCLUDE (client_id, item),
           coalesce(f.future_amount, 0) AS future_amount,
           coalesce(f.future_quantity, 0) AS future_quantity
    FROM hist h
    FULL OUTER JOIN future f ON f.client_id = h.client_id AND f.item = h.item
)
SELECT * FROM final
