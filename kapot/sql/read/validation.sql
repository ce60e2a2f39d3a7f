-- The stored validation reports per level for $as_of and horizon $horizon_days.
WITH final AS (
    SELECT level, report FROM validation WHERE as_of = $as_of AND horizon_days = $horizon_days
)
SELECT * FROM final ORDER BY level
