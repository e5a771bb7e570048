-- Back-channel logout (sqlite; keep in step with the other dialect's
-- 0018_backchannel_logout.sql). grant_uses learns the browser session a
-- grant was made in, so a session's end finds the clients that received
-- tokens in it. backchannel_logouts is the queue of Logout Tokens to
-- deliver: a worker claims due rows for a lease (claim, claimed_until) so a
-- node that dies mid-delivery loses nothing; a row holds no token, only
-- who is logged out of which client.

ALTER TABLE grant_uses ADD COLUMN sid TEXT;
CREATE INDEX grant_uses_sub_sid ON grant_uses (sub, sid);

CREATE TABLE backchannel_logouts (
    id            TEXT PRIMARY KEY NOT NULL,
    client_id     TEXT NOT NULL,
    sub           TEXT NOT NULL,
    sid           TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    due_at        INTEGER NOT NULL,
    claim         TEXT,
    claimed_until INTEGER,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX backchannel_logouts_due_at ON backchannel_logouts (due_at);
CREATE INDEX backchannel_logouts_expires_at ON backchannel_logouts (expires_at);
