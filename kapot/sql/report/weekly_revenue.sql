-- Revenue of each week in _weeks (week_start, ly_start) and of the same ISO week a year
-- earlier, for the clients in scope; sales read between $lo and $hi only.
WITH scoped AS (
    SELECT s.date, s.amount
    FROM sales s LEFT JOIN clients c USING (client_id)
    WHERE s.date >= $lo AND s.date < $hi
      AND (CAST($region AS VARCHAR) IS NULL OR c.region = $region)
      AND (CAST($manager AS VARCHAR) IS NULL OR c.manager = $manager)
),
final AS (
    SELECT w.week_start,
           (SELECT round(coalesce(sum(amount), 0), 2) FROM scoped s
            WHERE s.date >= w.week_start AND s.date < w.week_start + INTERVAL 7 DAY) AS revenue,
           (SELECT round(coalesce(sum(amount), 0), 2) FROM scoped s
            WHERE s.date >= w.ly_start AND s.date < w.ly_start + INTERVAL 7 DAY) AS revenue_last_year
    FROM _weeks w
)
SELECT * FROM final ORDER BY week_start
