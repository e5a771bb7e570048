//! End users: the accounts people sign in with.

/// A stored user. `sub` is a random, stable identifier, never the username
/// (OIDC Core §2: locally unique, never reassigned).
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub sub: String,
    pub username: String,
    /// Argon2id PHC string; `None` for accounts that cannot use a password.
    pub password_hash: Option<String>,
    /// Standard claims (OIDC Core §5.1) released by scope: `email`, `name`, ...
    pub claims: serde_json::Map<String, serde_json::Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Usernames: 1 to 255 characters, no control characters, no surrounding
/// white space (a login form trims nothing, so neither do we).
pub fn check_username(username: &str) -> Result<(), &'static str> {
    if username.is_empty() || username.chars().count() > 255 {
        return Err("must be 1 to 255 characters");
    }
    if username.trim() != username {
        return Err("must not start or end with white space");
    }
    if username.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(())
}

/// Passwords: at least 8 characters (NIST SP 800-63B §5.1.1.2), at most
/// 1024 so hashing cost stays bounded.
pub fn check_password(password: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < 8 {
        return Err("must be at least 8 characters");
    }
    if n > 1024 {
        return Err("must be at most 1024 characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_and_password_rules() {
        assert!(check_username("alice@example.com").is_ok());
        assert!(check_username("").is_err());
        assert!(check_username(" alice").is_err());
        assert!(check_username("a\u{7}b").is_err());
        assert!(check_password("correct horse").is_ok());
        assert!(check_password("short").is_err());
    }
}
