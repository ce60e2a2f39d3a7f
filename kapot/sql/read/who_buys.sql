-- Who buys category $category or SKU $sku (one of them NULL): buyers are clients with
-- purchases of it in the $months months before $as_of. Per dimension value (industry, region,
-- size tier, peak month): buyers, their share among buyers, the share among all clients and
-- the lift.
WITH buyers AS (
    SELECT DISTINCT s.client_id
    FROM sales s LEFT JOIN products p USING (sku)
    WHERE (CAST($category AS VARCHAR) IS NULL OR p.category = $category)
      AND (CAST($sku AS VARCHAR) IS NULL OR s.sku = $sku)
      AND s.date < $as_of AND s.date >= $as_of - to_months($months) AND NOT s.is_return
),
base AS (
    SELECT c.client_id,
           coalesce(c.industry, '?') AS industry, coalesce(c.region, '?') AS region,
           coalesce(g.size_tier, '?') AS size_tier,
           CASE WHEN z.peak_month > 0 THEN CAST(z.peak_month AS VARCHAR) ELSE '-' END AS peak_month,
           b.client_id IS NOT NULL AS buyer
    FROM clients c
    LEFT JOIN segments g ON g.client_id = c.client_id AND g.as_of = $as_of
    LEFT JOIN seasonality z ON z.client_id = c.client_id AND z.as_of = $as_of
    LEFT JOIN buyers b ON b.client_id = c.client_id
),
long AS (
    SELECT 'industry' AS dimension, industry AS value, buyer FROM base
    UNION ALL SELECT 'region', region, buyer FROM base
    UNION ALL SELECT 'size_tier', size_tier, buyer FROM base
    UNION ALL SELECT 'peak_month', peak_month, buyer FROM base
),
shares AS (
    SELECT dimension, value,
           count(*) FILTER (WHERE buyer) AS buyers,
           count(*) FILTER (WHERE buyer) / nullif(sum(count(*) FILTER (WHERE buyer)) OVER (PARTITION BY dimension), 0)
               AS share_of_buyers,
           count(*) / sum(count(*)) OVER (PARTITION BY dimension) AS share_of_all
    FROM long GROUP BY dimension, value
),
final AS (
    SELECT *, share_of_buyers / nullif(share_of_all, 0) AS lift FROM shares
)
SELECT * FROM final ORDER BY dimension, buyers DESC, value
