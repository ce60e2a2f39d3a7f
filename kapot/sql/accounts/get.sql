WITH final AS (SELECT login, role, manager, regions, disabled FROM accounts WHERE login = :login)
SELECT * FROM final
