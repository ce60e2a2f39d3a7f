-- The weekly report's order-taker facts: the revenue of the $weeks weeks before $as_of (returns
-- left out) per week back (0: the 7 days before $as_of), (region, manager) of the client, whether
-- the client had bought the line's category in the 12 months before it (routine), and how many
-- weeks back the client's first purchase ever was (capped at $weeks: older is never new).
WITH lines AS (
    SELECT s.client_id, s.date, s.amount, coalesce(p.category, '?') AS category,
           c.region, c.manager
    FROM sales s
    LEFT JOIN products p USING (sku)
    LEFT JOIN clients c USING (client_id)
    WHERE NOT s.is_return AND s.date < $as_of
),
firsts AS (
    SELECT client_id, min(date) AS first_purchase FROM lines GROUP BY client_id
),
recent AS (
    SELECT * FROM lines
    WHERE date >= CAST($as_of AS DATE) - to_days(CAST(7 * $weeks AS INTEGER))
),
kind AS (
    SELECT r.region, r.manager, r.amount,
           (CAST($as_of AS DATE) - r.date - 1) // 7 AS weeks_ago,
           least((CAST($as_of AS DATE) - f.first_purchase - 1) // 7, $weeks) AS first_weeks_ago,
           EXISTS (SELECT 1 FROM lines h WHERE h.client_id = r.client_id AND h.category = r.category
                   AND h.date < r.date AND h.date >= r.date - INTERVAL 12 MONTH) AS routine
    FROM recent r JOIN firsts f USING (client_id)
),
final AS (
    SELECT weeks_ago, first_weeks_ago, region, manager, routine, sum(amount) AS revenue
    FROM kind
    GROUP BY ALL
)
SELECT * FROM final ORDER BY weeks_ago, first_weeks_ago, region, manager, routine
