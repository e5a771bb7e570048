-- Roles (postgres; keep in step with the other dialect's 0023_roles.sql): the
-- administrative roles a user holds, space-separated ('admin', 'auditor');
-- empty for none. The admin API and the console check them on every call.

ALTER TABLE users ADD COLUMN roles TEXT NOT NULL DEFAULT '';
