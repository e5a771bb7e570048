-- Sign-in by username ignoring case, or by verified email (postgres; keep
-- in step with the other dialect's 0011_user_lookup.sql). `verified_email`
-- is the `email` claim, ASCII-lowercased (the "C" collation folds ASCII
-- only, like the store), while `email_verified` is true; the store writes
-- it with every user row.
ALTER TABLE users ADD COLUMN verified_email TEXT COLLATE "C";
UPDATE users SET verified_email = LOWER((claims::jsonb ->> 'email') COLLATE "C")
    WHERE jsonb_typeof(claims::jsonb -> 'email') = 'string'
    AND strpos(claims::jsonb ->> 'email', '@') > 0
    AND (claims::jsonb -> 'email_verified') IN ('true'::jsonb, '"true"'::jsonb);
CREATE INDEX users_verified_email ON users (verified_email) WHERE verified_email IS NOT NULL;
CREATE INDEX users_username_folded ON users (LOWER(username));
