-- The history's line of a move.
INSERT INTO transitions (client_id, manager, from_state, to_state, reason, recall_date, at, author)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
