-- Locked accounts (postgres; keep in step with the other dialect's
-- 0025_user_lock.sql): when an administrator locked the user, NULL when
-- the account is not locked. A locked user cannot sign in in any way.

ALTER TABLE users ADD COLUMN locked_at BIGINT;
