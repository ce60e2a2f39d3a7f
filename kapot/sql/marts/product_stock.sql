-- The products the faces show, with the stock on hand and whether it is illiquid as of $as_of:
-- suppliable (in assortment, on stock) and arrived $min_age_days or more before the date.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of
),
products AS (
    SELECT sku, name, category, price, in_assortment, stock_qty, stock_since FROM products
),
final AS (
    SELECT p.*,
           coalesce(p.in_assortment, true) AND coalesce(p.stock_qty, 0) > 0
               AND coalesce(p.stock_since <= params.as_of - to_days(CAST($min_age_days AS INTEGER)), false)
               AS illiquid
    FROM products p CROSS JOIN params
)
SELECT * FROM final ORDER BY sku
