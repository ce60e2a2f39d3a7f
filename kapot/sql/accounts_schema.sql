-- the account store (accounts.sqlite beside the warehouse; SQLite, not the warehouse's DuckDB)
CREATE TABLE IF NOT EXISTS accounts (
    login      TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    manager    TEXT,
    regions    TEXT NOT NULL DEFAULT '',
    pw_hash    TEXT NOT NULL,
    disabled   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
