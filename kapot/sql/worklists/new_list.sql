-- A new working list for a manager (its size is set once the clients are added).
INSERT INTO lists (manager, created_at, author, added) VALUES (?, ?, ?, 0)
