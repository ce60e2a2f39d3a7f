-- The weekly report's order-taker facts: the revenue of the $weeks weeks before $as_of (returns
-- left out) per week back (0: the 7 days before $as_of), (region, manager) of the client, whether
-- the client had bought the line's category in the 12 months before it (routine), and how many
-- weeks back the client's first purchase ever was (capped at $weeks: older is never new).
-- A line is routine when the client's last earlier day with that category is at most 12 months
-- before the line's day: one window over (client, category, day), not a lookup per line.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of,
           CAST($as_of AS DATE) - to_days(CAST(7 * $weeks AS INTEGER)) AS first_day
),
lines AS (
    SELECT s.client_id, s.date, s.amount, s.sku
    FROM sales s CROSS JOIN params
    WHERE NOT s.is_return AND s.date < params.as_of
),
firsts AS (
    SELECT client_id, min(date) AS first_purchase FROM lines GROUP BY client_id
),
days AS (  -- the days that can be a recent line's day or its routine's (13 months back: margin)
    SELECT l.client_id, coalesce(p.category, '?') AS category, l.date, sum(l.amount) AS amount
    FROM lines l
    CROSS JOIN params
    LEFT JOIN products p USING (sku)
    WHERE l.date >= params.first_day - INTERVAL 13 MONTH
    GROUP BY ALL
),
previous AS (
    SELECT *, lag(date) OVER (PARTITION BY client_id, category ORDER BY date) AS previous_day
    FROM days
),
kind AS (
    SELECT c.region, c.manager, r.amount,
           (params.as_of - r.date - 1) // 7 AS weeks_ago,
           least((params.as_of - f.first_purchase - 1) // 7, $weeks) AS first_weeks_ago,
           coalesce(r.previous_day >= r.date - INTERVAL 12 MONTH, false) AS routine
    FROM previous r
    CROSS JOIN params
    JOIN firsts f USING (client_id)
    LEFT JOIN clients c USING (client_id)
    WHERE r.date >= params.first_day
),
final AS (
    SELECT weeks_ago, first_weeks_ago, region, manager, routine, sum(amount) AS revenue
    FROM kind
    GROUP BY ALL
)
SELECT * FROM final ORDER BY weeks_ago, first_weeks_ago, region, manager, routine
