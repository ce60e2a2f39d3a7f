-- The date of the first sale in the warehouse (NULL without sales).
WITH final AS (
    SELECT min(date) AS first_sale FROM sales
)
SELECT first_sale FROM final
