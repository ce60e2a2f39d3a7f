-- The first and last sale and the total revenue in the warehouse.
WITH final AS (
    SELECT min(date) AS first_sale, max(date) AS last_sale, sum(amount) AS revenue FROM sales
)
SELECT * FROM final
