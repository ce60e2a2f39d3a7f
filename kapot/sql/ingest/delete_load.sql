-- Take the sales lines of load $load_id back out.
DELETE FROM sales WHERE load_id = $load_id
