-- Per manager, the revenue of [$period_start, $period_end) from clients in scope, split into
-- routine reorders (a category the client bought in the 12 months before the sale), new
-- categories for existing clients and new clients (first purchase ever in the period).
WITH lines AS (
    SELECT s.client_id, s.date, s.amount, coalesce(p.category, '?') AS category,
           coalesce(c.manager, '?') AS manager
    FROM sales s
    LEFT JOIN products p USING (sku)
    LEFT JOIN clients c USING (client_id)
    WHERE NOT s.is_return AND s.date < $period_end
      AND (CAST($region AS VARCHAR) IS NULL OR c.region = $region)
      AND (CAST($manager AS VARCHAR) IS NULL OR c.manager = $manager)
),
firsts AS (
    SELECT client_id, min(date) AS first_purchase FROM lines GROUP BY client_id
),
period AS (
    SELECT * FROM lines WHERE date >= $period_start
),
kind AS (
    SELECT p.manager, p.amount,
           CASE
               WHEN f.first_purchase >= $period_start THEN 'new_client'
               WHEN EXISTS (SELECT 1 FROM lines h WHERE h.client_id = p.client_id AND h.category = p.category
                            AND h.date < p.date AND h.date >= p.date - INTERVAL 12 MONTH) THEN 'routine'
               ELSE 'new_category'
           END AS kind
    FROM period p JOIN firsts f USING (client_id)
),
final AS (
    SELECT manager,
           round(coalesce(sum(amount) FILTER (WHERE kind = 'routine'), 0), 2) AS routine,
           round(coalesce(sum(amount) FILTER (WHERE kind = 'new_category'), 0), 2) AS new_category,
           round(coalesce(sum(amount) FILTER (WHERE kind = 'new_client'), 0), 2) AS new_client
    FROM kind GROUP BY manager
)
SELECT * FROM final ORDER BY manager
