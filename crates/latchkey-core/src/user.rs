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

/// The administrative roles a user may hold. `admin` may do everything
/// the admin API and the console offer; `auditor` may read everything and
/// change nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Auditor,
}

/// The scope of an access token for the admin API that may change things.
pub const ADMIN_SCOPE: &str = "admin";
/// The scope of an access token for the admin API that may only read.
pub const ADMIN_READ_SCOPE: &str = "admin:read";
/// The console's own client (built in: a public client of this server).
pub const CONSOLE_CLIENT_ID: &str = "latchkey-console";
/// Both admin scopes, as the built-in admin resource accepts them.
pub const ADMIN_SCOPES: [&str; 2] = [ADMIN_SCOPE, ADMIN_READ_SCOPE];

impl Role {
    pub const ALL: [Role; 2] = [Role::Admin, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether holding this role allows an access token scope for the
    /// admin API (`admin`: reads and writes; `admin:read`: reads).
    pub fn allows_scope(self, scope: &str) -> bool {
        match self {
            Role::Admin => scope == ADMIN_SCOPE || scope == ADMIN_READ_SCOPE,
            Role::Auditor => scope == ADMIN_READ_SCOPE,
        }
    }
}

/// Whether any of the stored `roles` allows the admin scope `scope`.
pub fn roles_allow(roles: &[String], scope: &str) -> bool {
    roles
        .iter()
        .filter_map(|r| Role::parse(r))
        .any(|r| r.allows_scope(scope))
}

/// Whether a scope string names an admin scope.
pub fn names_admin_scope(scope: &str) -> bool {
    scope.split(' ').any(|s| ADMIN_SCOPES.contains(&s))
}

/// `scope` without the admin scopes `roles` do not allow: what a grant
/// keeps for a user who asked for them.
pub fn narrow_admin_scopes(scope: &str, roles: &[String]) -> String {
    scope
        .split(' ')
        .filter(|s| !s.is_empty() && (!ADMIN_SCOPES.contains(s) || roles_allow(roles, s)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Roles as sent (`["admin"]`): each a known role, sorted, each once.
/// `Err` names the first unknown one.
pub fn parse_roles<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let Some(role) = Role::parse(v) else {
            return Err(v.to_string());
        };
        out.push(role.as_str().to_string());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The `email` claim when `email_verified` says it is verified (a bool, or
/// the string "true" some upstreams send) and it looks like an address.
pub fn verified_email(claims: &serde_json::Map<String, serde_json::Value>) -> Option<&str> {
    use serde_json::Value;
    let verified = matches!(claims.get("email_verified"), Some(Value::Bool(true)))
        || claims.get("email_verified").and_then(Value::as_str) == Some("true");
    claims
        .get("email")
        .and_then(Value::as_str)
        .filter(|e| verified && e.contains('@'))
}

/// How a verified email is looked up: ASCII case folded, as the databases'
/// `LOWER` does on the stored column. `None` without a verified email.
pub fn email_key(claims: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    verified_email(claims).map(str::to_ascii_lowercase)
}

/// What a person typed at sign-in names: the user whose username is exactly
/// that; else the one whose username matches ignoring case; else the one
/// whose verified email matches ignoring case. Two users matching at the
/// same rung name nobody (`Err` with the rung), so a shared address signs
/// in neither.
pub fn pick_for_sign_in(
    typed: &str,
    candidates: Vec<UserRecord>,
) -> Result<Option<UserRecord>, &'static str> {
    if let Some(i) = candidates.iter().position(|u| u.username == typed) {
        return Ok(candidates.into_iter().nth(i));
    }
    let folded = typed.to_ascii_lowercase();
    for rung in ["username", "email"] {
        let matches = |u: &&UserRecord| match rung {
            "username" => u.username.to_ascii_lowercase() == folded,
            _ => email_key(&u.claims).as_deref() == Some(folded.as_str()),
        };
        let mut found: Vec<&UserRecord> = candidates.iter().filter(matches).collect();
        match found.len() {
            0 => continue,
            1 => return Ok(found.pop().cloned()),
            _ => return Err(rung),
        }
    }
    Ok(None)
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
    fn roles_allow_their_admin_scopes_only() {
        let admin = vec!["admin".to_string()];
        let auditor = vec!["auditor".to_string()];
        assert!(roles_allow(&admin, ADMIN_SCOPE));
        assert!(roles_allow(&admin, ADMIN_READ_SCOPE));
        assert!(!roles_allow(&auditor, ADMIN_SCOPE));
        assert!(roles_allow(&auditor, ADMIN_READ_SCOPE));
        assert!(!roles_allow(&[], ADMIN_READ_SCOPE));
        assert!(!roles_allow(&["root".to_string()], ADMIN_READ_SCOPE));
        assert_eq!(
            parse_roles(["auditor", "admin", "admin"]),
            Ok(vec!["admin".to_string(), "auditor".to_string()])
        );
        assert_eq!(parse_roles(["root"]), Err("root".to_string()));
        let asked = "openid admin:read admin";
        assert_eq!(narrow_admin_scopes(asked, &admin), asked);
        assert_eq!(narrow_admin_scopes(asked, &auditor), "openid admin:read");
        assert_eq!(narrow_admin_scopes(asked, &[]), "openid");
    }

    fn user(sub: &str, username: &str, email: Option<(&str, bool)>) -> UserRecord {
        let mut claims = serde_json::Map::new();
        if let Some((e, verified)) = email {
            claims.insert("email".into(), e.into());
            claims.insert("email_verified".into(), verified.into());
        }
        UserRecord {
            sub: sub.into(),
            username: username.into(),
            password_hash: None,
            claims,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn sign_in_names_a_user_by_username_then_verified_email() {
        let alice = user("1", "alice", Some(("Alice@Example.com", true)));
        let bob = user("2", "Bob", Some(("bob@example.com", false)));
        let pick = |typed: &str, c: &[&UserRecord]| {
            pick_for_sign_in(typed, c.iter().map(|u| (*u).clone()).collect())
                .map(|u| u.map(|u| u.sub))
        };
        assert_eq!(pick("alice", &[&alice]), Ok(Some("1".into())));
        assert_eq!(pick("ALICE", &[&alice]), Ok(Some("1".into())));
        assert_eq!(pick("alice@example.COM", &[&alice]), Ok(Some("1".into())));
        // An unverified email names nobody.
        assert_eq!(pick("bob@example.com", &[&bob]), Ok(None));
        assert_eq!(pick("bob", &[&bob]), Ok(Some("2".into())));
        // The exact username wins over a case-folded one.
        let other = user("3", "BOB", None);
        assert_eq!(pick("BOB", &[&bob, &other]), Ok(Some("3".into())));
        assert_eq!(pick("bOb", &[&bob, &other]), Err("username"));
        // A verified address two users share signs in neither.
        let twin = user("4", "alice2", Some(("alice@example.com", true)));
        assert_eq!(pick("alice@example.com", &[&alice, &twin]), Err("email"));
        // A username that looks like another user's email wins.
        let odd = user("5", "alice@example.com", None);
        assert_eq!(
            pick("alice@example.com", &[&alice, &odd]),
            Ok(Some("5".into()))
        );
    }

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
