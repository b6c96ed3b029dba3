-- The leases of a SQLite database moved to a file of their own, `<file>-leases` (db/lease.rs, db/mod.rs): their
-- writes no longer queue behind the data's in one writer. Rows here belonged to running requests only. Dropping the
-- table also makes an older binary refuse this file (it does not know this migration) instead of taking leases
-- where this one no longer looks: stop the old instance before starting the new one.
DROP TABLE leases;
