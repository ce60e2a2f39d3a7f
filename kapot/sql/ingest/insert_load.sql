-- Record load (or unload) $load_id made at $at, with its report.
INSERT INTO loads VALUES ($load_id, $at, $report)
