-- The regions of manager $manager's clients as of $as_of.
WITH final AS (
    SELECT DISTINCT region FROM client_profile
    WHERE as_of = $as_of AND manager = $manager
)
SELECT region FROM final ORDER BY region
