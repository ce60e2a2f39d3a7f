-- The staged lines are stored: drop them.
DROP TABLE _sales_batch
