-- Every client in the store: its state, refusal reason and re-call date.
WITH final AS (
    SELECT client_id, state, reason, recall_date FROM work
)
SELECT * FROM final
