-- A date and horizon's earlier potential rows, replaced by a new scoring.
DELETE FROM potential WHERE as_of = $as_of AND horizon_days = $h
