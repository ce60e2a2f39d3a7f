-- Every category and every SKU the products name (kind 'category' or 'sku').
WITH categories AS (
    SELECT DISTINCT 'category' AS kind, category AS value FROM products WHERE category IS NOT NULL
),
skus AS (
    SELECT DISTINCT 'sku' AS kind, sku AS value FROM products
),
final AS (
    SELECT * FROM categories UNION ALL SELECT * FROM skus
)
SELECT * FROM final ORDER BY kind, value
