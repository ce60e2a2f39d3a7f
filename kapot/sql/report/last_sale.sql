-- The date of the last sale in the warehouse (NULL without sales).
WITH final AS (
    SELECT max(date) AS last_sale FROM sales
)
SELECT last_sale FROM final
