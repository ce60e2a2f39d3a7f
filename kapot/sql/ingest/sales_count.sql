-- How many sales lines are stored (of load $load_id only, when given).
WITH final AS (
    SELECT count(*) AS lines FROM sales
    WHERE CAST($load_id AS INTEGER) IS NULL OR load_id = CAST($load_id AS INTEGER)
)
SELECT lines FROM final
