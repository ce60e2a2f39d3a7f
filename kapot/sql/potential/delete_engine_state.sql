-- A date and horizon's earlier engine_state rows, replaced by a new scoring.
DELETE FROM engine_state WHERE as_of = $as_of AND horizon_days = $h
