-- Run-time settings an operator changes through the admin API, shared by
-- every node (sqlite; keep in step with the other dialect's 0010_settings.sql).
-- A write bumps the 'settings' topic of latchkey_changes in its transaction,
-- so every node picks the new value up within a second.
CREATE TABLE latchkey_settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO latchkey_changes (topic, version) VALUES ('settings', 0);
