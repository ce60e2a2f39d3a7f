-- The first sale in the warehouse, as the report facts published as of $as_of say
-- (marts/report_span); NULL without those facts.
WITH final AS (
    SELECT max(first_sale) AS first_sale FROM report_span WHERE as_of = $as_of
)
SELECT first_sale FROM final
