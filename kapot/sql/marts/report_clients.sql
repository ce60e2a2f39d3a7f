-- The weekly report's facts per client with purchases (returns left out) before $as_of: the
-- first and last purchase and the revenue of the 12 months before $as_of (new and lost clients).
WITH bought AS (
    SELECT client_id, min(date) AS first_purchase, max(date) AS last_purchase,
           round(sum(amount) FILTER (WHERE date >= CAST($as_of AS DATE) - INTERVAL 12 MONTH), 2)
               AS revenue_12m
    FROM sales
    WHERE date < $as_of AND NOT is_return
    GROUP BY client_id
),
final AS (
    SELECT client_id, first_purchase, last_purchase, coalesce(revenue_12m, 0) AS revenue_12m
    FROM bought
)
SELECT * FROM final ORDER BY client_id
