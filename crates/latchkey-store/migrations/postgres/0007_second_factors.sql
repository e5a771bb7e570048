-- Second factors and identity confidence (postgres; keep in step with the
-- other dialect's 0007_second_factors.sql). The TOTP key is sealed;
-- recovery codes are keyed hashes, each usable once.

ALTER TABLE users ADD COLUMN identity_confidence BIGINT NOT NULL DEFAULT 0;

CREATE TABLE totp_factors (
    sub           TEXT COLLATE "C" PRIMARY KEY,
    secret_sealed BYTEA NOT NULL,
    confirmed_at  BIGINT,
    last_step     BIGINT,
    created_at    BIGINT NOT NULL
);

CREATE TABLE recovery_codes (
    sub        TEXT COLLATE "C" NOT NULL,
    code_hash  TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (sub, code_hash)
);
