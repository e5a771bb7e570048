-- Client secret rotation with a grace period (postgres; keep in step with the
-- other dialect's 0021_previous_secret.sql): the secret a rotation replaced
-- stays valid until previous_secret_expires_at (Unix seconds). Its keyed
-- hash, and for client_secret_jwt its sealed form, are kept until then;
-- the maintenance purge clears them afterwards.

ALTER TABLE clients ADD COLUMN previous_secret_hash TEXT;
ALTER TABLE clients ADD COLUMN previous_secret_expires_at BIGINT;
ALTER TABLE clients ADD COLUMN previous_secret_sealed BYTEA;
