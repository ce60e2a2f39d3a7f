-- The served ranker and its snapshot (pickled) for $level, $as_of and horizon $horizon_days.
WITH final AS (
    SELECT state FROM engine_state
    WHERE as_of = $as_of AND horizon_days = $horizon_days AND level = $level
)
SELECT state FROM final
