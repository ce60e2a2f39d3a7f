-- The $n regions with the most revenue.
WITH revenue AS (
    SELECT coalesce(c.region, '?') AS region, sum(s.amount) AS revenue
    FROM sales s LEFT JOIN clients c USING (client_id)
    GROUP BY 1
),
final AS (
    SELECT region, revenue FROM revenue ORDER BY revenue DESC, region LIMIT $n
)
SELECT * FROM final ORDER BY revenue DESC, region
