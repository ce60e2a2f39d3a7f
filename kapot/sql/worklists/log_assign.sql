-- The history's line of an assignment.
INSERT INTO transitions (client_id, manager, from_state, to_state, at, author)
VALUES (?, ?, ?, 'new', ?, ?)
