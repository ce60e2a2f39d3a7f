-- Client $client's card payments as of $as_of, oldest first.
WITH final AS (
    SELECT invoice_id, issued, due, paid, amount, days_late
    FROM card_payments WHERE as_of = $as_of AND client_id = $client
)
SELECT * FROM final ORDER BY issued, invoice_id
