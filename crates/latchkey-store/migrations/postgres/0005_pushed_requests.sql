-- Pushed authorization requests (RFC 9126) (postgres; keep in step with the
-- other dialect's 0005_pushed_requests.sql). The request_uri is kept only as
-- a keyed hash; used_at is set once, atomically, so a request_uri works once
-- whichever node receives it.

CREATE TABLE pushed_requests (
    uri_hash   TEXT COLLATE "C" PRIMARY KEY,
    client_id  TEXT NOT NULL,
    params     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX pushed_requests_expires_at ON pushed_requests (expires_at);
