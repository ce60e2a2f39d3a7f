-- The clients in scope ($region and $manager, each NULL for everyone), with their names.
WITH final AS (
    SELECT c.client_id, c.name
    FROM clients c
    WHERE (CAST($region AS VARCHAR) IS NULL OR c.region = $region)
      AND (CAST($manager AS VARCHAR) IS NULL OR c.manager = $manager)
)
SELECT * FROM final ORDER BY client_id
