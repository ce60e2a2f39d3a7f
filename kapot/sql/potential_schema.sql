-- The engine's result tables: the served ranker and snapshot per level (pickled) and the
-- validation report per level (JSON). The scores' table takes the columns of _scores.
CREATE TABLE IF NOT EXISTS potential AS SELECT * FROM _scores LIMIT 0;
CREATE TABLE IF NOT EXISTS engine_state (as_of DATE, horizon_days INTEGER, level VARCHAR, state BLOB);
CREATE TABLE IF NOT EXISTS validation (as_of DATE, horizon_days INTEGER, level VARCHAR, report JSON);
