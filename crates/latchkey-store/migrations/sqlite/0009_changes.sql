-- A version counter per shared cache (sqlite; keep in step with the other
-- dialect's 0009_changes.sql). Every write to clients or signing keys bumps
-- its topic in the same transaction; nodes poll the counters and drop what
-- they cached, so a change made on one node reaches the others at once.
CREATE TABLE latchkey_changes (
    topic   TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO latchkey_changes (topic, version) VALUES ('clients', 0), ('keys', 0);
