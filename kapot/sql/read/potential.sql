-- The stored category scores for $as_of and horizon $horizon_days.
WITH final AS (
    SELECT * FROM potential
    WHERE as_of = $as_of AND horizon_days = $horizon_days AND level = 'category'
)
SELECT * FROM final
