-- The device authorization grant (RFC 8628) (postgres; keep in step with the
-- other dialect's 0012_device_grants.sql). Both codes are kept only as
-- keyed hashes. state is pending, approved, denied or redeemed; the user's
-- approval (sub .. sid) is set with it. Every poll is one conditional
-- UPDATE of the row, which records its answer in last_outcome: an approved
-- grant becomes redeemed exactly once, whichever node is polled.

CREATE TABLE device_grants (
    device_code_hash TEXT COLLATE "C" PRIMARY KEY,
    user_code_hash   TEXT COLLATE "C" NOT NULL UNIQUE,
    client_id        TEXT NOT NULL,
    scope            TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    poll_interval    BIGINT NOT NULL,
    last_polled_at   BIGINT,
    state            TEXT NOT NULL,
    sub              TEXT COLLATE "C",
    auth_time        BIGINT,
    acr              TEXT,
    amr              TEXT,
    sid              TEXT,
    decided_at       BIGINT,
    last_outcome     TEXT
);
CREATE INDEX device_grants_expires_at ON device_grants (expires_at);
CREATE INDEX device_grants_sub ON device_grants (sub);
