-- never the hash
SELECT login, role, manager, regions, disabled, created_at, changed_at FROM accounts ORDER BY login
