WITH final AS (SELECT count(*) AS n FROM accounts WHERE disabled = 0)
SELECT n FROM final
