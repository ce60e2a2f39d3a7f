-- How many clients bought anything, and how many clients have no sale at all.
WITH buyers AS (
    SELECT count(DISTINCT client_id) AS buyers FROM sales
),
prospects AS (
    SELECT count(*) AS prospects FROM clients c
    WHERE NOT EXISTS (SELECT 1 FROM sales s WHERE s.client_id = c.client_id)
),
final AS (
    SELECT buyers, prospects FROM buyers CROSS JOIN prospects
)
SELECT * FROM final
