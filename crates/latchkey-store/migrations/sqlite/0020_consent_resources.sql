-- Remembered consents keep the APIs (RFC 8707 resources) they allowed
-- (sqlite; keep in step with the other dialect's 0020_consent_resources.sql):
-- a JSON array of resource identifiers, or NULL for none. A request naming
-- resources skips the consent page only when each was allowed before.

ALTER TABLE consents ADD COLUMN resources TEXT;
