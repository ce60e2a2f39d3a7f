-- A client given to a manager: new in their work (again, after a soft refusal that is due).
INSERT INTO work (client_id, manager, state, reason, recall_date, list_id, assigned_at, state_since)
VALUES (?, ?, 'new', NULL, NULL, ?, ?, ?)
ON CONFLICT(client_id) DO UPDATE SET manager = excluded.manager, state = 'new', reason = NULL,
    recall_date = NULL, list_id = excluded.list_id, assigned_at = excluded.assigned_at,
    state_since = excluded.state_since, version = work.version + 1
