-- Revenue per client and category as of $as_of (sales strictly before it), with shares.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of
),
lines AS (
    SELECT s.client_id, s.date, s.amount, coalesce(p.category, '?') AS category
    FROM sales s
    LEFT JOIN products p USING (sku)
    CROSS JOIN params
    WHERE s.date < params.as_of AND NOT s.is_return
),
agg AS (
    SELECT client_id, category,
           sum(amount) AS revenue_total,
           coalesce(sum(amount) FILTER (WHERE date >= as_of - INTERVAL 12 MONTH), 0) AS revenue_12m,
           min(date) AS first_bought,
           max(date) AS last_bought,
           count(*) AS lines
    FROM lines CROSS JOIN params
    GROUP BY client_id, category
),
final AS (
    SELECT client_id, category, revenue_total, revenue_12m, first_bought, last_bought, lines,
           revenue_total / nullif(sum(revenue_total) OVER (PARTITION BY client_id), 0) AS share
    FROM agg
)
SELECT * FROM final ORDER BY client_id, category
