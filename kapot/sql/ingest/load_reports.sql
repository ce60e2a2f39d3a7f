-- Every entry in `loads`, oldest first.
WITH final AS (
    SELECT load_id, report FROM loads
)
SELECT * FROM final ORDER BY load_id
