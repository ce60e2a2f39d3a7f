-- A date and horizon's earlier validation rows, replaced by a new scoring.
DELETE FROM validation WHERE as_of = $as_of AND horizon_days = $h
