-- Upstream identity providers ("Sign in with ..."): links from an upstream
-- account to a local user, flows waiting for the upstream's answer, and
-- which upstream signed a session in
-- (sqlite; keep in step with the other dialect's 0008_upstream.sql).

CREATE TABLE upstream_links (
    upstream_id   TEXT NOT NULL,
    upstream_sub  TEXT NOT NULL,
    sub           TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_login_at INTEGER NOT NULL,
    PRIMARY KEY (upstream_id, upstream_sub)
);
-- A local user is linked to at most one account of each upstream.
CREATE UNIQUE INDEX upstream_links_sub ON upstream_links (upstream_id, sub);

CREATE TABLE upstream_states (
    state_hash      TEXT PRIMARY KEY,
    upstream_id     TEXT NOT NULL,
    interaction_id  TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    verifier_sealed BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX upstream_states_expires_at ON upstream_states (expires_at);

CREATE TABLE upstream_sessions (
    sid          TEXT PRIMARY KEY,
    upstream_id  TEXT NOT NULL,
    upstream_sub TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX upstream_sessions_expires_at ON upstream_sessions (expires_at);
