-- Every date a run was published for.
WITH final AS (
    SELECT DISTINCT as_of FROM runs
)
SELECT as_of FROM final ORDER BY as_of
