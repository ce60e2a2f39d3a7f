-- SKUs we can supply (in assortment, on stock) whose stock arrived $min_age_days or more
-- before $as_of: the slow movers to find buyers for.
WITH final AS (
    SELECT sku FROM products
    WHERE coalesce(in_assortment, true) AND stock_qty > 0
      AND stock_since <= CAST($as_of AS DATE) - to_days(CAST($min_age_days AS INTEGER))
)
SELECT sku FROM final ORDER BY sku
