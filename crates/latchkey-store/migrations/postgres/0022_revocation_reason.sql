-- Why a grant was revoked (postgres; keep in step with the other dialect's
-- 0022_revocation_reason.sql): 'session_ended' when the end of the browser
-- session it was bound to revoked it (a grant without offline_access), so
-- /token can say so; NULL for every other revocation. The first reason
-- stays.

ALTER TABLE revoked_grants ADD COLUMN reason TEXT;
