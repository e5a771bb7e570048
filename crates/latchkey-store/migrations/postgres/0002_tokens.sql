-- Tokens (PostgreSQL; keep in step with ../sqlite/0002_tokens.sql): refresh
-- tokens with their family (grant), revoked grants, the access-token
-- denylist, client-assertion jtis, and the sealed client_secret_jwt secret.

ALTER TABLE clients ADD COLUMN secret_sealed BYTEA;

CREATE TABLE refresh_tokens (
    token_hash       TEXT COLLATE "C" PRIMARY KEY,
    grant_id         TEXT NOT NULL,
    client_id        TEXT NOT NULL,
    sub              TEXT NOT NULL,
    scope            TEXT NOT NULL,
    auth_time        BIGINT,
    acr              TEXT,
    amr              TEXT NOT NULL,
    sid              TEXT,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    rotated_at       BIGINT,
    successor_sealed BYTEA,
    revoked_at       BIGINT
);
CREATE INDEX refresh_tokens_grant_id ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

CREATE TABLE revoked_grants (
    grant_id   TEXT COLLATE "C" PRIMARY KEY,
    revoked_at BIGINT NOT NULL,
    keep_until BIGINT NOT NULL
);
CREATE INDEX revoked_grants_keep_until ON revoked_grants (keep_until);

CREATE TABLE denied_access_tokens (
    jti        TEXT COLLATE "C" PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX denied_access_tokens_expires_at ON denied_access_tokens (expires_at);

CREATE TABLE assertion_jtis (
    client_id  TEXT COLLATE "C" NOT NULL,
    jti        TEXT COLLATE "C" NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX assertion_jtis_expires_at ON assertion_jtis (expires_at);
