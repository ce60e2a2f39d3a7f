-- The id the next entry in `loads` gets.
WITH final AS (
    SELECT coalesce(max(load_id), 0) + 1 AS load_id FROM loads
)
SELECT load_id FROM final
