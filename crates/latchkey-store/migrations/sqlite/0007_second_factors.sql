-- Second factors and identity confidence (sqlite; keep in step with the
-- other dialect's 0007_second_factors.sql). The TOTP key is sealed;
-- recovery codes are keyed hashes, each usable once.

ALTER TABLE users ADD COLUMN identity_confidence INTEGER NOT NULL DEFAULT 0;

CREATE TABLE totp_factors (
    sub           TEXT PRIMARY KEY NOT NULL,
    secret_sealed BLOB NOT NULL,
    confirmed_at  INTEGER,
    last_step     INTEGER,
    created_at    INTEGER NOT NULL
);

CREATE TABLE recovery_codes (
    sub        TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (sub, code_hash)
);
