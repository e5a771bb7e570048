-- Failed sign-ins per account and per address, in a fixed window
-- (sqlite; keep in step with the other dialect's 0004_login_throttle.sql).
CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start INTEGER NOT NULL
);
CREATE INDEX login_failures_window_start ON login_failures (window_start);
