-- The columns of table $table.
WITH final AS (
    SELECT column_name FROM duckdb_columns() WHERE table_name = $table
)
SELECT column_name FROM final
