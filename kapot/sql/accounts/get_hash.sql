WITH final AS (SELECT pw_hash, disabled FROM accounts WHERE login = :login)
SELECT * FROM final
