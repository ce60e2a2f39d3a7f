-- The client card's payments: the last $per_client invoices with a due date issued before
-- $as_of per client, with the days late as of that date.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of
),
issued AS (
    SELECT i.client_id, i.invoice_id, i.issued, i.due, i.paid, i.amount,
           greatest(0, date_diff('day', i.due, least(coalesce(i.paid, params.as_of), params.as_of)))
               AS days_late,
           row_number() OVER (PARTITION BY i.client_id ORDER BY i.issued DESC, i.invoice_id DESC)
               AS recent
    FROM invoices i CROSS JOIN params
    WHERE i.issued < params.as_of AND i.due IS NOT NULL
),
final AS (
    SELECT client_id, invoice_id, issued, due, paid, amount, days_late
    FROM issued
    WHERE recent <= $per_client
)
SELECT * FROM final ORDER BY client_id, issued, invoice_id
