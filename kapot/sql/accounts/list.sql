-- never the hash
WITH final AS (
    SELECT login, role, manager, regions, disabled, created_at, changed_at FROM accounts
)
SELECT * FROM final ORDER BY login
