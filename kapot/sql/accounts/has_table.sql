WITH final AS (SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'accounts')
SELECT n FROM final
