-- Sign-in by username ignoring case, or by verified email (sqlite; keep in
-- step with the other dialect's 0011_user_lookup.sql). `verified_email` is
-- the `email` claim, ASCII-lowercased, while `email_verified` is true; the
-- store writes it with every user row.
ALTER TABLE users ADD COLUMN verified_email TEXT;
UPDATE users SET verified_email = LOWER(json_extract(claims, '$.email'))
    WHERE json_type(claims, '$.email') = 'text'
    AND instr(json_extract(claims, '$.email'), '@') > 0
    AND (json_type(claims, '$.email_verified') = 'true'
         OR (json_type(claims, '$.email_verified') = 'text' AND json_extract(claims, '$.email_verified') = 'true'));
CREATE INDEX users_verified_email ON users (verified_email) WHERE verified_email IS NOT NULL;
CREATE INDEX users_username_folded ON users (LOWER(username));
