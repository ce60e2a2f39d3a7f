-- Is there a table called $table?
WITH final AS (
    SELECT count(*) > 0 AS present FROM duckdb_tables() WHERE table_name = $table
)
SELECT present FROM final
