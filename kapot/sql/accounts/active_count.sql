SELECT count(*) FROM accounts WHERE disabled = 0
