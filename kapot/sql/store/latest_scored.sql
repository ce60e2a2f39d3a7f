-- The latest published run date with potential scores (on or before $before when given).
WITH scored AS (
    SELECT DISTINCT as_of FROM potential
),
final AS (
    SELECT max(r.as_of) AS as_of
    FROM runs r JOIN scored s ON s.as_of = r.as_of
    WHERE CAST($before AS DATE) IS NULL OR r.as_of <= CAST($before AS DATE)
)
SELECT as_of FROM final
