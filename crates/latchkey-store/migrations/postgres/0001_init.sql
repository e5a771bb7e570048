-- Latchkey schema, version 1 (PostgreSQL). Keep in step with
-- ../sqlite/0001_init.sql: same tables, columns and names; only the column
-- types differ. Times are Unix seconds; JSON is stored as text.
-- Identifiers use the "C" collation so ordering and uniqueness are
-- byte-wise, as in SQLite, whatever the database's default collation.

CREATE TABLE clients (
    client_id   TEXT COLLATE "C" PRIMARY KEY,
    secret_hash TEXT,
    active      BOOLEAN NOT NULL,
    metadata    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE users (
    sub           TEXT COLLATE "C" PRIMARY KEY,
    username      TEXT COLLATE "C" NOT NULL UNIQUE,
    password_hash TEXT,
    claims        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE signing_keys (
    kid            TEXT COLLATE "C" PRIMARY KEY,
    alg            TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('active', 'retired')),
    private_sealed BYTEA NOT NULL,
    public_jwk     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    retired_at     BIGINT,
    publish_until  BIGINT
);

CREATE INDEX signing_keys_alg_state ON signing_keys (alg, state);

CREATE TABLE error_records (
    error_id    TEXT COLLATE "C" PRIMARY KEY,
    cause       TEXT NOT NULL,
    code        TEXT NOT NULL,
    status      BIGINT NOT NULL,
    description TEXT NOT NULL,
    debug       TEXT,
    endpoint    TEXT NOT NULL,
    client_id   TEXT,
    created_at  BIGINT NOT NULL
);

CREATE INDEX error_records_created_at ON error_records (created_at);
