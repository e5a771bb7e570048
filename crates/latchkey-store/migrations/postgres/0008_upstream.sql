-- Upstream identity providers ("Sign in with ..."): links from an upstream
-- account to a local user, flows waiting for the upstream's answer, and
-- which upstream signed a session in
-- (postgres; keep in step with the other dialect's 0008_upstream.sql).

CREATE TABLE upstream_links (
    upstream_id   TEXT COLLATE "C" NOT NULL,
    upstream_sub  TEXT COLLATE "C" NOT NULL,
    sub           TEXT COLLATE "C" NOT NULL,
    created_at    BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL,
    PRIMARY KEY (upstream_id, upstream_sub)
);
-- A local user is linked to at most one account of each upstream.
CREATE UNIQUE INDEX upstream_links_sub ON upstream_links (upstream_id, sub);

CREATE TABLE upstream_states (
    state_hash      TEXT COLLATE "C" PRIMARY KEY,
    upstream_id     TEXT NOT NULL,
    interaction_id  TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    verifier_sealed BYTEA NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX upstream_states_expires_at ON upstream_states (expires_at);

CREATE TABLE upstream_sessions (
    sid          TEXT COLLATE "C" PRIMARY KEY,
    upstream_id  TEXT NOT NULL,
    upstream_sub TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX upstream_sessions_expires_at ON upstream_sessions (expires_at);
