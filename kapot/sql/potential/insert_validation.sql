-- One level's validation report.
INSERT INTO validation VALUES ($as_of, $h, $level, $report)
