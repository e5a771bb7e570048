-- Latchkey schema, version 1 (SQLite). Keep in step with
-- ../postgres/0001_init.sql: same tables, columns and names; only the
-- column types differ. Times are Unix seconds; JSON is stored as text.

CREATE TABLE clients (
    client_id   TEXT PRIMARY KEY NOT NULL,
    secret_hash TEXT,
    active      BOOLEAN NOT NULL,
    metadata    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE users (
    sub           TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    claims        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE signing_keys (
    kid            TEXT PRIMARY KEY NOT NULL,
    alg            TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('active', 'retired')),
    private_sealed BLOB NOT NULL,
    public_jwk     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    retired_at     INTEGER,
    publish_until  INTEGER
);

CREATE INDEX signing_keys_alg_state ON signing_keys (alg, state);

CREATE TABLE error_records (
    error_id    TEXT PRIMARY KEY NOT NULL,
    cause       TEXT NOT NULL,
    code        TEXT NOT NULL,
    status      INTEGER NOT NULL,
    description TEXT NOT NULL,
    debug       TEXT,
    endpoint    TEXT NOT NULL,
    client_id   TEXT,
    created_at  INTEGER NOT NULL
);

CREATE INDEX error_records_created_at ON error_records (created_at);
