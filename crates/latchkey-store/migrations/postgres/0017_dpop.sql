-- DPoP, RFC 9449 (postgres; keep in step with the other dialect's
-- 0017_dpop.sql). dpop_jtis keeps each proof's jti, per key thumbprint,
-- until the proof could no longer be accepted: a replay finds it, on any
-- node. A code whose authorization request carried dpop_jkt, and a
-- refresh token issued to a public client on a proof, keep the key's
-- thumbprint: they are redeemed only with a proof of that key.

CREATE TABLE dpop_jtis (
    jkt        TEXT COLLATE "C" NOT NULL,
    jti        TEXT COLLATE "C" NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (jkt, jti)
);
CREATE INDEX dpop_jtis_expires_at ON dpop_jtis (expires_at);

ALTER TABLE authorization_codes ADD COLUMN dpop_jkt TEXT;
ALTER TABLE refresh_tokens ADD COLUMN dpop_jkt TEXT;
