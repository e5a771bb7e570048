-- Resource indicators (RFC 8707) (postgres; keep in step with the other
-- dialect's 0019_resources.sql). resources holds the APIs the operator
-- registered: the identifier clients name in `resource` (an absolute URI,
-- compared exactly), a display name for the consent page, the scopes it
-- accepts and the clients allowed to ask for it (JSON arrays of strings;
-- an empty list allows every client). The code and every refresh token of
-- a grant keep the resources its authorization request named, as a JSON
-- array, or NULL when it named none.

CREATE TABLE resources (
    identifier      TEXT COLLATE "C" PRIMARY KEY,
    name            TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    allowed_clients TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

ALTER TABLE authorization_codes ADD COLUMN resources TEXT;
ALTER TABLE refresh_tokens ADD COLUMN resources TEXT;
