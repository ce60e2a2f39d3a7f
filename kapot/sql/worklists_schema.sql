-- The pipeline store (SQLite, worklists.sqlite beside the warehouse): who works which client
-- in which state, every transition, and the lists given.
CREATE TABLE IF NOT EXISTS work (
    client_id   TEXT PRIMARY KEY,
    manager     TEXT NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT,
    recall_date TEXT,
    list_id     INTEGER NOT NULL,
    assigned_at TEXT NOT NULL,
    state_since TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS transitions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id   TEXT NOT NULL,
    manager     TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    reason      TEXT,
    recall_date TEXT,
    at          TEXT NOT NULL,
    author      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lists (
    list_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    manager    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    author     TEXT NOT NULL,
    added      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS work_manager ON work(manager, state);
