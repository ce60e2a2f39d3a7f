-- Per-client features as of $as_of, from sales strictly before it. One row per client in
-- `clients` or `sales` (prospects included). Money in the sales currency; days are integers.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of
),
lines AS (
    SELECT s.client_id, s.date, s.sku, s.amount, s.is_return,
           coalesce(s.invoice_id, s.client_id || '@' || CAST(s.date AS VARCHAR)) AS order_key,
           p.category, p.in_assortment
    FROM sales s
    LEFT JOIN products p USING (sku)
    CROSS JOIN params
    WHERE s.date < params.as_of
),
orders AS (
    SELECT client_id, order_key, min(date) AS date, sum(amount) AS amount
    FROM lines
    WHERE NOT is_return
    GROUP BY client_id, order_key
),
order_gaps AS (
    SELECT client_id, date,
           date - lag(date) OVER (PARTITION BY client_id ORDER BY date) AS gap
    FROM (SELECT DISTINCT client_id, date FROM orders)
),
line_agg AS (
    SELECT l.client_id,
           sum(amount) AS revenue_total,
           sum(amount) FILTER (WHERE date >= as_of - INTERVAL 3 MONTH) AS revenue_3m,
           sum(amount) FILTER (WHERE date >= as_of - INTERVAL 12 MONTH) AS revenue_12m,
           sum(amount) FILTER (WHERE date >= as_of - INTERVAL 24 MONTH) AS revenue_24m,
           sum(amount) FILTER (WHERE date >= as_of - INTERVAL 24 MONTH AND date < as_of - INTERVAL 12 MONTH)
               AS revenue_prev_12m,
           -sum(amount) FILTER (WHERE is_return) / nullif(sum(amount) FILTER (WHERE NOT is_return), 0)
               AS returns_share,
           count(DISTINCT sku) FILTER (WHERE NOT is_return) AS distinct_skus,
           count(DISTINCT category) FILTER (WHERE NOT is_return) AS distinct_categories,
           sum(amount) FILTER (WHERE in_assortment = false AND NOT is_return)
               / nullif(sum(amount) FILTER (WHERE NOT is_return), 0) AS off_assortment_share,
           min(date) AS first_purchase,
           max(date) FILTER (WHERE NOT is_return) AS last_purchase
    FROM lines l CROSS JOIN params
    GROUP BY l.client_id
),
order_agg AS (
    SELECT o.client_id,
           count(*) AS orders,
           count(*) FILTER (WHERE date >= as_of - INTERVAL 12 MONTH) AS orders_12m,
           avg(amount) AS avg_order_value
    FROM orders o CROSS JOIN params
    GROUP BY o.client_id
),
gap_agg AS (
    SELECT client_id, median(gap) AS median_days_between_orders
    FROM order_gaps
    WHERE gap IS NOT NULL
    GROUP BY client_id
),
-- revenue slope over the last 24 months (zero-filled), relative to the mean month
months AS (
    SELECT unnest(generate_series(0, 23)) AS k
),
monthly AS (
    SELECT client_id,
           23 - (date_diff('month', date_trunc('month', date), date_trunc('month', as_of - INTERVAL 1 DAY))) AS k,
           sum(amount) AS revenue
    FROM lines CROSS JOIN params
    WHERE date >= date_trunc('month', as_of - INTERVAL 1 DAY) - INTERVAL 23 MONTH
    GROUP BY ALL
),
grid AS (
    SELECT c.client_id, m.k, coalesce(mo.revenue, 0) AS revenue
    FROM (SELECT DISTINCT client_id FROM monthly) c
    CROSS JOIN months m
    LEFT JOIN monthly mo ON mo.client_id = c.client_id AND mo.k = m.k
),
trend AS (
    SELECT client_id,
           regr_slope(revenue, k) / nullif(avg(revenue), 0) AS trend_slope,
           stddev_pop(revenue) FILTER (WHERE k >= 12) / nullif(avg(revenue) FILTER (WHERE k >= 12), 0)
               AS revenue_cv_12m
    FROM grid
    GROUP BY client_id
),
pay AS (
    SELECT i.client_id,
           count(*) AS invoices,
           avg(CASE WHEN coalesce(CASE WHEN paid < as_of THEN paid END, as_of) > due
                    AND (paid < as_of OR due < as_of) THEN 1.0 ELSE 0.0 END)
               FILTER (WHERE due IS NOT NULL AND (paid < as_of OR due < as_of)) AS late_share,
           avg(greatest(0, date_diff('day', due, least(coalesce(paid, as_of), as_of))))
               FILTER (WHERE due IS NOT NULL AND (paid < as_of OR due < as_of)) AS avg_days_late,
           max(greatest(0, date_diff('day', due, least(coalesce(paid, as_of), as_of))))
               FILTER (WHERE due IS NOT NULL AND (paid < as_of OR due < as_of)) AS max_days_late,
           max(greatest(0, date_diff('day', due, least(coalesce(paid, as_of), as_of))))
               FILTER (WHERE due IS NOT NULL AND issued >= as_of - INTERVAL 12 MONTH
                       AND (paid < as_of OR due < as_of)) AS max_days_late_12m,
           avg(CASE WHEN coalesce(CASE WHEN paid < as_of THEN paid END, as_of) > due THEN 1.0 ELSE 0.0 END)
               FILTER (WHERE due IS NOT NULL AND issued >= as_of - INTERVAL 12 MONTH
                       AND (paid < as_of OR due < as_of)) AS late_share_12m,
           coalesce(sum(amount) FILTER (WHERE (paid IS NULL OR paid >= as_of) AND due < as_of), 0)
               AS overdue_amount
    FROM invoices i CROSS JOIN params
    WHERE i.issued < as_of
    GROUP BY i.client_id
),
everyone AS (
    SELECT client_id FROM clients
    UNION
    SELECT DISTINCT client_id FROM lines
),
final AS (
    SELECT e.client_id,
           p.as_of,
           la.client_id IS NULL AS is_prospect,
           coalesce(la.revenue_3m, 0) AS revenue_3m,
           coalesce(la.revenue_12m, 0) AS revenue_12m,
           coalesce(la.revenue_24m, 0) AS revenue_24m,
           coalesce(la.revenue_prev_12m, 0) AS revenue_prev_12m,
           coalesce(la.revenue_total, 0) AS revenue_total,
           coalesce(oa.orders, 0) AS orders,
           coalesce(oa.orders_12m, 0) AS orders_12m,
           oa.avg_order_value,
           date_diff('day', la.last_purchase, p.as_of) AS recency_days,
           date_diff('day', la.first_purchase, p.as_of) AS tenure_days,
           la.first_purchase,
           la.last_purchase,
           CASE WHEN coalesce(la.revenue_prev_12m, 0) > 0
                THEN la.revenue_12m / la.revenue_prev_12m - 1 END AS trend_12m,
           t.trend_slope,
           t.revenue_cv_12m,
           coalesce(la.distinct_skus, 0) AS distinct_skus,
           coalesce(la.distinct_categories, 0) AS distinct_categories,
           coalesce(la.returns_share, 0) AS returns_share,
           coalesce(la.off_assortment_share, 0) AS off_assortment_share,
           g.median_days_between_orders,
           CASE WHEN g.median_days_between_orders IS NOT NULL
                THEN la.last_purchase + CAST(round(g.median_days_between_orders) AS INTEGER) END
               AS expected_next_order,
           coalesce(oa.orders, 0) >= 3
               AND date_diff('day', la.last_purchase, p.as_of) > 1.5 * greatest(g.median_days_between_orders, 7)
               AS overdue_reorder,
           coalesce(pay.invoices, 0) AS invoices,
           pay.late_share,
           pay.avg_days_late,
           pay.max_days_late,
           coalesce(pay.overdue_amount, 0) AS overdue_amount,
           -- pays on time: nothing overdue now, and in the last 12 months at most 20 % of
           -- invoices late and none more than 30 days late; unknown (no invoices) is NULL
           CASE WHEN pay.client_id IS NULL THEN NULL
                ELSE coalesce(pay.overdue_amount, 0) = 0
                     AND coalesce(pay.late_share_12m, 0) <= 0.2
                     AND coalesce(pay.max_days_late_12m, 0) <= 30 END AS pays_on_time
    FROM everyone e
    CROSS JOIN params p
    LEFT JOIN line_agg la USING (client_id)
    LEFT JOIN order_agg oa USING (client_id)
    LEFT JOIN gap_agg g USING (client_id)
    LEFT JOIN trend t USING (client_id)
    LEFT JOIN pay USING (client_id)
)
SELECT * FROM final ORDER BY client_id
