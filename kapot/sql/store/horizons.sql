-- The horizons (days) scored for $as_of, longest first.
WITH final AS (
    SELECT DISTINCT horizon_days FROM potential WHERE as_of = $as_of
)
SELECT horizon_days FROM final ORDER BY horizon_days DESC
