-- The admin console's view of a client (postgres; keep in step with the
-- other dialect's 0024_client_uses.sql): client_uses keeps when each
-- client last got tokens at /token (written at most once a minute per
-- client by each node; it goes with its client), and error occurrences
-- are counted per client over a recent span.

CREATE TABLE client_uses (
    client_id    TEXT COLLATE "C" PRIMARY KEY REFERENCES clients (client_id) ON DELETE CASCADE,
    last_used_at BIGINT NOT NULL
);

CREATE INDEX error_records_client ON error_records (client_id, created_at);
