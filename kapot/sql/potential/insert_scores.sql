-- The scores registered as _scores, stored by column name.
INSERT INTO potential BY NAME SELECT * FROM _scores
