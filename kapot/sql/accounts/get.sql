SELECT login, role, manager, regions, disabled FROM accounts WHERE login = :login
