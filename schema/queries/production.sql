-- Generated from the code by `npm run sql:emit`; do not edit.

-- production.anyNetboxConnection
SELECT EXISTS (SELECT 1 FROM netbox_connection) AS present;
