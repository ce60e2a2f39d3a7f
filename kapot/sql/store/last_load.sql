-- The latest load: its id and when it was made.
WITH final AS (
    SELECT load_id, loaded_at FROM loads ORDER BY load_id DESC LIMIT 1
)
SELECT * FROM final
