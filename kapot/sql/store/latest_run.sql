-- The date of the latest published run (on or before $before when given; scored only when
-- $scored): the one answer to "which date was built".
WITH candidates AS (
    SELECT as_of, horizon_days, finished, run_id
    FROM runs
    WHERE (CAST($before AS DATE) IS NULL OR as_of <= CAST($before AS DATE))
      AND (NOT $scored OR horizon_days IS NOT NULL)
),
final AS (
    SELECT as_of FROM candidates ORDER BY as_of DESC, finished DESC, run_id DESC LIMIT 1
)
SELECT as_of FROM final
