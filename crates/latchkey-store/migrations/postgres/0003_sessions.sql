-- Browser sessions, pending interactions and remembered consents
-- (postgres; keep in step with the other dialect's 0003_sessions.sql).

CREATE TABLE sessions (
    id_hash    TEXT COLLATE "C" PRIMARY KEY,
    sid        TEXT NOT NULL,
    sub        TEXT NOT NULL,
    auth_time  BIGINT NOT NULL,
    amr        TEXT NOT NULL,
    acr        TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE interactions (
    id           TEXT COLLATE "C" PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    request      TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX interactions_expires_at ON interactions (expires_at);

CREATE TABLE consents (
    sub        TEXT COLLATE "C" NOT NULL,
    client_id  TEXT COLLATE "C" NOT NULL,
    scope      TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (sub, client_id)
);

-- Authorization codes: stored by keyed hash; used_at set once, atomically.
CREATE TABLE authorization_codes (
    code_hash             TEXT COLLATE "C" PRIMARY KEY,
    grant_id              TEXT NOT NULL,
    client_id             TEXT NOT NULL,
    redirect_uri          TEXT,
    sub                   TEXT NOT NULL,
    scope                 TEXT NOT NULL,
    nonce                 TEXT,
    code_challenge        TEXT,
    code_challenge_method TEXT,
    auth_time             BIGINT NOT NULL,
    acr                   TEXT,
    amr                   TEXT NOT NULL,
    sid                   TEXT,
    created_at            BIGINT NOT NULL,
    expires_at            BIGINT NOT NULL,
    used_at               BIGINT
);
CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);
