UPDATE accounts SET pw_hash = :pw_hash, changed_at = :now WHERE login = :login
