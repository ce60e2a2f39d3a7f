-- The SKUs whose stock is illiquid as of $as_of (see marts/product_stock.sql).
WITH final AS (
    SELECT sku FROM product_stock WHERE as_of = $as_of AND illiquid
)
SELECT sku FROM final ORDER BY sku
