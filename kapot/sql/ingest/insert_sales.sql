-- Append the staged lines not yet stored, as load $load_id.
INSERT INTO sales
SELECT b.*, $load_id FROM _sales_batch b
WHERE NOT EXISTS (SELECT 1 FROM sales s WHERE s.line_key = b.line_key)
