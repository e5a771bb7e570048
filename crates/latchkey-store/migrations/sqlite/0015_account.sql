-- The account page and the audit trail (sqlite; keep in step with the
-- other dialect's 0015_account.sql). Sessions remember the browser (a
-- User-Agent summary) and address they signed in from; grant_uses notes
-- which grants a client holds for a user and when tokens were last issued
-- from them (the account page's "last used", and how a revoked application's
-- grants are found); audit_events is append-only.

ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN address TEXT;
CREATE INDEX sessions_sub ON sessions (sub);

CREATE TABLE grant_uses (
    grant_id     TEXT PRIMARY KEY,
    sub          TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    last_used_at INTEGER NOT NULL,
    keep_until   INTEGER NOT NULL
);
CREATE INDEX grant_uses_sub_client ON grant_uses (sub, client_id);
CREATE INDEX grant_uses_keep_until ON grant_uses (keep_until);

CREATE TABLE audit_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    address TEXT,
    target  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail  TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_actor ON audit_events (actor, id);
CREATE INDEX audit_events_target ON audit_events (target, id);
CREATE INDEX audit_events_kind ON audit_events (kind, id);
