-- Every region and manager the clients have: what a report's scope may name.
WITH regions AS (
    SELECT DISTINCT 'region' AS kind, region AS value FROM clients WHERE region IS NOT NULL
),
managers AS (
    SELECT DISTINCT 'manager' AS kind, manager AS value FROM clients WHERE manager IS NOT NULL
),
final AS (
    SELECT * FROM regions UNION ALL SELECT * FROM managers
)
SELECT * FROM final ORDER BY kind, value
