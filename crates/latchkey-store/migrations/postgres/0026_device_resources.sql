-- Resource indicators in the device flow (postgres; keep in step with the
-- other dialect's 0026_device_resources.sql): the APIs a device
-- authorization request named (RFC 8707 §2), as a JSON array, or NULL
-- when it named none.

ALTER TABLE device_grants ADD COLUMN resources TEXT;
