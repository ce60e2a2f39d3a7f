-- Record a published run (in the same publish as its results).
INSERT INTO runs
SELECT coalesce(max(run_id), 0) + 1, CAST($as_of AS DATE), CAST($horizon_days AS INTEGER),
       CAST($started AS TIMESTAMP), CAST($finished AS TIMESTAMP), CAST($steps AS JSON),
       CAST($row_counts AS JSON), $code_version
FROM runs
RETURNING run_id
