-- Browser sessions, pending interactions and remembered consents
-- (sqlite; keep in step with the other dialect's 0003_sessions.sql).

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    sid        TEXT NOT NULL,
    sub        TEXT NOT NULL,
    auth_time  INTEGER NOT NULL,
    amr        TEXT NOT NULL,
    acr        TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE interactions (
    id           TEXT PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    request      TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX interactions_expires_at ON interactions (expires_at);

CREATE TABLE consents (
    sub        TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    scope      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (sub, client_id)
);

-- Authorization codes: stored by keyed hash; used_at set once, atomically.
CREATE TABLE authorization_codes (
    code_hash             TEXT PRIMARY KEY,
    grant_id              TEXT NOT NULL,
    client_id             TEXT NOT NULL,
    redirect_uri          TEXT,
    sub                   TEXT NOT NULL,
    scope                 TEXT NOT NULL,
    nonce                 TEXT,
    code_challenge        TEXT,
    code_challenge_method TEXT,
    auth_time             INTEGER NOT NULL,
    acr                   TEXT,
    amr                   TEXT NOT NULL,
    sid                   TEXT,
    created_at            INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL,
    used_at               INTEGER
);
CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);
