-- The first and last sale in the store (NULLs without sales): the dates a pipeline run can
-- cover, asked before any run exists (kapot.pipeline.plan).
WITH final AS (
    SELECT min(date) AS first_sale, max(date) AS last_sale FROM sales
)
SELECT first_sale, last_sale FROM final
