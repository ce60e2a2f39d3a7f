-- The latest run published at least four weeks before $as_of ("last month"), with segments.
WITH built AS (
    SELECT DISTINCT as_of FROM segments
),
final AS (
    SELECT max(as_of) AS as_of FROM built WHERE as_of <= CAST($as_of AS DATE) - INTERVAL 28 DAY
)
SELECT as_of FROM final
