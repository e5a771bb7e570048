-- Dynamic client registration (postgres; keep in step with the other
-- dialect's 0006_registration.sql): the keyed hash of the registration
-- access token (RFC 7592) of a dynamically registered client.
ALTER TABLE clients ADD COLUMN registration_token_hash TEXT;
