-- Every client, prospects included, with the attributes the engine's peer rates group by.
WITH final AS (SELECT client_id, industry, region FROM clients)
SELECT * FROM final
