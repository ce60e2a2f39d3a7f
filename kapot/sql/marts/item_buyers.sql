-- Who buys each category and each SKU, for who-buys: per item (kind 'category' or 'sku') and
-- dimension value (industry, region, size tier, peak month), how many clients bought it in the
-- $months months before $as_of (returns aside); kind 'all' (item '') counts every client. Reads
-- the segments and seasonality just published for $as_of.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of
),
lines AS (
    SELECT s.client_id, s.sku, p.category
    FROM sales s
    LEFT JOIN products p USING (sku)
    CROSS JOIN params
    WHERE s.date < params.as_of AND s.date >= params.as_of - to_months($months) AND NOT s.is_return
),
bought AS (
    SELECT DISTINCT 'category' AS kind, category AS item, client_id
    FROM lines WHERE category IS NOT NULL
    UNION ALL
    SELECT DISTINCT 'sku' AS kind, sku AS item, client_id FROM lines
),
base AS (
    SELECT c.client_id,
           coalesce(c.industry, '?') AS industry, coalesce(c.region, '?') AS region,
           coalesce(g.size_tier, '?') AS size_tier,
           CASE WHEN z.peak_month > 0 THEN CAST(z.peak_month AS VARCHAR) ELSE '-' END AS peak_month
    FROM clients c
    LEFT JOIN segments g ON g.client_id = c.client_id AND g.as_of = $as_of
    LEFT JOIN seasonality z ON z.client_id = c.client_id AND z.as_of = $as_of
),
long AS (
    SELECT client_id, 'industry' AS dimension, industry AS value FROM base
    UNION ALL SELECT client_id, 'region', region FROM base
    UNION ALL SELECT client_id, 'size_tier', size_tier FROM base
    UNION ALL SELECT client_id, 'peak_month', peak_month FROM base
),
items AS (
    SELECT b.kind, b.item, l.dimension, l.value, count(*) AS buyers
    FROM bought b JOIN long l USING (client_id)
    GROUP BY b.kind, b.item, l.dimension, l.value
),
everyone AS (
    SELECT 'all' AS kind, '' AS item, dimension, value, count(*) AS buyers
    FROM long GROUP BY dimension, value
),
final AS (
    SELECT * FROM items UNION ALL SELECT * FROM everyone
)
SELECT kind, item, dimension, value, buyers FROM final ORDER BY kind, item, dimension, value
