-- The device authorization grant (RFC 8628) (sqlite; keep in step with the
-- other dialect's 0012_device_grants.sql). Both codes are kept only as
-- keyed hashes. state is pending, approved, denied or redeemed; the user's
-- approval (sub .. sid) is set with it. Every poll is one conditional
-- UPDATE of the row, which records its answer in last_outcome: an approved
-- grant becomes redeemed exactly once, whichever node is polled.

CREATE TABLE device_grants (
    device_code_hash TEXT PRIMARY KEY,
    user_code_hash   TEXT NOT NULL UNIQUE,
    client_id        TEXT NOT NULL,
    scope            TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    poll_interval    INTEGER NOT NULL,
    last_polled_at   INTEGER,
    state            TEXT NOT NULL,
    sub              TEXT,
    auth_time        INTEGER,
    acr              TEXT,
    amr              TEXT,
    sid              TEXT,
    decided_at       INTEGER,
    last_outcome     TEXT
);
CREATE INDEX device_grants_expires_at ON device_grants (expires_at);
CREATE INDEX device_grants_sub ON device_grants (sub);
