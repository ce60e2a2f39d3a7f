-- One client's place in the work (no row: not in anyone's work).
WITH final AS (
    SELECT state, manager, reason FROM work WHERE client_id = ?
)
SELECT * FROM final
