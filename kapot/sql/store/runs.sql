-- Every pipeline run published, newest first.
WITH final AS (
    SELECT run_id, as_of, horizon_days, started, finished, steps, row_counts, code_version
    FROM runs
)
SELECT * FROM final ORDER BY finished DESC, run_id DESC
