-- Outgoing mail and single-use links (postgres; keep in step with the other
-- dialect's 0013_mail.sql). The outbox holds a message until it is sent
-- (deleted then) or expires; a worker claims due rows for a lease
-- (claim, claimed_until) so a node that dies mid-send loses nothing.
-- Links are kept as keyed hashes only; purpose is recovery or verify.

CREATE TABLE mail_outbox (
    id            TEXT COLLATE "C" PRIMARY KEY,
    recipient     TEXT NOT NULL,
    subject       TEXT NOT NULL,
    body_text     TEXT NOT NULL,
    body_html     TEXT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    due_at        BIGINT NOT NULL,
    claim         TEXT COLLATE "C",
    claimed_until BIGINT,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX mail_outbox_due_at ON mail_outbox (due_at);
CREATE INDEX mail_outbox_expires_at ON mail_outbox (expires_at);

CREATE TABLE mail_links (
    link_hash  TEXT COLLATE "C" NOT NULL,
    purpose    TEXT NOT NULL,
    sub        TEXT COLLATE "C" NOT NULL,
    email      TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (link_hash, purpose)
);
CREATE INDEX mail_links_expires_at ON mail_links (expires_at);
CREATE INDEX mail_links_sub ON mail_links (sub);
