-- Tokens (sqlite; keep in step with ../postgres/0002_tokens.sql): refresh
-- tokens with their family (grant), revoked grants, the access-token
-- denylist, client-assertion jtis, and the sealed client_secret_jwt secret.

ALTER TABLE clients ADD COLUMN secret_sealed BLOB;

CREATE TABLE refresh_tokens (
    token_hash       TEXT PRIMARY KEY NOT NULL,
    grant_id         TEXT NOT NULL,
    client_id        TEXT NOT NULL,
    sub              TEXT NOT NULL,
    scope            TEXT NOT NULL,
    auth_time        INTEGER,
    acr              TEXT,
    amr              TEXT NOT NULL,
    sid              TEXT,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    rotated_at       INTEGER,
    successor_sealed BLOB,
    revoked_at       INTEGER
);
CREATE INDEX refresh_tokens_grant_id ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

CREATE TABLE revoked_grants (
    grant_id   TEXT PRIMARY KEY NOT NULL,
    revoked_at INTEGER NOT NULL,
    keep_until INTEGER NOT NULL
);
CREATE INDEX revoked_grants_keep_until ON revoked_grants (keep_until);

CREATE TABLE denied_access_tokens (
    jti        TEXT PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX denied_access_tokens_expires_at ON denied_access_tokens (expires_at);

CREATE TABLE assertion_jtis (
    client_id  TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX assertion_jtis_expires_at ON assertion_jtis (expires_at);
