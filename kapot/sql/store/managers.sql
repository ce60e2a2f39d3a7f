-- Every manager named in the clients.
WITH final AS (
    SELECT DISTINCT manager FROM clients WHERE manager IS NOT NULL
)
SELECT manager FROM final ORDER BY manager
