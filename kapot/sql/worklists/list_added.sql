-- How many clients a list gave.
UPDATE lists SET added = ? WHERE list_id = ?
