-- Revenue of each week in _weeks (week_start, ly_start) and of the same ISO week a year
-- earlier, for the clients in scope, from the report facts published as of $as_of
-- (marts/report_weeks).
WITH scoped AS (
    SELECT week_start, sum(revenue) AS revenue
    FROM report_weeks
    WHERE as_of = $as_of
      AND (CAST($region AS VARCHAR) IS NULL OR region = $region)
      AND (CAST($manager AS VARCHAR) IS NULL OR manager = $manager)
    GROUP BY week_start
),
final AS (
    SELECT w.week_start,
           round(coalesce((SELECT s.revenue FROM scoped s WHERE s.week_start = w.week_start), 0), 2)
               AS revenue,
           round(coalesce((SELECT s.revenue FROM scoped s WHERE s.week_start = w.ly_start), 0), 2)
               AS revenue_last_year
    FROM _weeks w
)
SELECT * FROM final ORDER BY week_start
