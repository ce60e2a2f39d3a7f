-- The seasonality rows as of $as_of of the clients in the list $client_ids.
WITH final AS (
    SELECT * FROM seasonality WHERE as_of = $as_of AND client_id IN (SELECT unnest($client_ids))
)
SELECT * FROM final
