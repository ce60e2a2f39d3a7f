INSERT INTO accounts (login, role, manager, regions, pw_hash, created_at, changed_at)
VALUES (:login, :role, :manager, :regions, :pw_hash, :now, :now)
