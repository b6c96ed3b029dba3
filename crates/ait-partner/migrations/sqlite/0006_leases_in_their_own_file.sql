-- The leases of a SQLite database moved to a file of their own, `<file>-leases` (db/lease.rs, db/mod.rs): their
-- writes no longer queue behind the data's in one writer. Rows here belonged to running requests only. An older
-- binary refuses to start on the migrated file (sqlx: an applied migration it does not know); one still running
-- would fail its requests (no leases table): stop the old instance before starting the new one.
DROP TABLE leases;
