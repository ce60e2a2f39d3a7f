-- The weekly report's span of the data: the first sale in the warehouse (weeks before it have
-- no figures, not zeros).
WITH final AS (
    SELECT min(date) AS first_sale FROM sales
)
SELECT first_sale FROM final
