-- Generated from the code by `npm run sql:emit`; do not edit.

-- db.appliedMigrations
SELECT name FROM migrations;

-- db.migrationLock
SELECT pg_advisory_lock($1);

-- db.migrationUnlock
SELECT pg_advisory_unlock($1);

-- db.ping
SELECT 1;
