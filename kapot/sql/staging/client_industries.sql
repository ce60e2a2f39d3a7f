-- Each client's industry (what the seasonality's priors are pooled by).
WITH final AS (
    SELECT client_id, industry FROM clients
)
SELECT * FROM final
