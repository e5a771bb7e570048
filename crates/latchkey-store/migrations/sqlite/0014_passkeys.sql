-- Passkeys (sqlite; keep in step with the other dialect's 0014_passkeys.sql).
-- Several per user, each named by its user. `credential` is the verified
-- public key credential as webauthn-rs serialises it (JSON: public key,
-- counter, flags); `credential_id` (base64url) is unique across users, so a
-- discoverable sign-in finds its passkey by it.

CREATE TABLE passkeys (
    id            TEXT PRIMARY KEY NOT NULL,
    sub           TEXT NOT NULL,
    credential_id TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    credential    TEXT NOT NULL,
    sign_count    INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX passkeys_sub ON passkeys (sub);

-- A ceremony in progress (registration or authentication): its state is
-- kept here between the page that starts it and the form that finishes it,
-- on any node. Keyed by the hash of the id the page carries; taken once;
-- purged when expired.
CREATE TABLE passkey_ceremonies (
    id_hash    TEXT PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL,
    binding    TEXT NOT NULL,
    sub        TEXT,
    state      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies (expires_at);
