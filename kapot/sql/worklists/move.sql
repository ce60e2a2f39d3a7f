-- A client moved to a new state.
UPDATE work SET state = ?, reason = ?, recall_date = ?, state_since = ?, version = version + 1
WHERE client_id = ?
