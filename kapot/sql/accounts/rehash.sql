UPDATE accounts SET pw_hash = :pw_hash WHERE login = :login
