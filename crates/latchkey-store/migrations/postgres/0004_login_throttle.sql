-- Failed sign-ins per account and per address, in a fixed window
-- (postgres; keep in step with the other dialect's 0004_login_throttle.sql).
CREATE TABLE login_failures (
    key          TEXT COLLATE "C" PRIMARY KEY,
    failures     BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);
CREATE INDEX login_failures_window_start ON login_failures (window_start);
