-- How many sales lines lie before $as_of.
WITH final AS (
    SELECT count(*) AS lines FROM sales WHERE date < $as_of
)
SELECT lines FROM final
