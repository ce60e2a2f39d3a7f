-- How many invoices the warehouse holds (none: "pays on time" cannot be validated).
WITH final AS (SELECT count(*) AS n FROM invoices)
SELECT n FROM final
