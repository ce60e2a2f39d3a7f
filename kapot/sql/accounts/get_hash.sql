SELECT pw_hash, disabled FROM accounts WHERE login = :login
