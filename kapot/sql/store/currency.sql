-- The company's currency and how it was set (no row when none is stored).
WITH final AS (
    SELECT value, source FROM settings WHERE key = 'currency'
)
SELECT * FROM final
