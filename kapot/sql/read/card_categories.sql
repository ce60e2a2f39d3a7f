-- Client $client's card categories as of $as_of, largest revenue first.
WITH final AS (
    SELECT category, revenue FROM card_categories WHERE as_of = $as_of AND client_id = $client
)
SELECT * FROM final ORDER BY revenue DESC, category
