UPDATE accounts SET disabled = :disabled, changed_at = :now WHERE login = :login
