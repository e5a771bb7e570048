-- The claims request parameter (OpenID Connect Core 5.5), kept with the
-- grant like its scope (postgres; keep in step with the other dialect's
-- 0016_claims_request.sql): the code and every refresh token of a grant
-- hold the claims asked for by name, as JSON, or NULL when none were.

ALTER TABLE authorization_codes ADD COLUMN claims TEXT;
ALTER TABLE refresh_tokens ADD COLUMN claims TEXT;
