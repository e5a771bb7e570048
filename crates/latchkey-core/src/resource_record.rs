//! Resources (RFC 8707): the APIs an operator registers, which clients may
//! name in `resource` to get access tokens whose `aud` is that API. Part of
//! the data model, with the syntax rule of an identifier (§2).

use crate::Occurrence;
use crate::catalogue::{RESOURCE_HAS_FRAGMENT, RESOURCE_NOT_ABSOLUTE};
use serde::{Deserialize, Serialize};

/// A registered resource. Its identifier is compared character for
/// character: what the operator registered is what clients send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRecord {
    /// The resource indicator: an absolute URI without a fragment.
    pub identifier: String,
    /// Shown on the consent page.
    pub name: String,
    /// The scopes the resource accepts: a token for it carries only these.
    pub scopes: Vec<String>,
    /// The clients that may ask for it; empty: every client.
    pub allowed_clients: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ResourceRecord {
    /// Whether `client_id` may ask for a token for this resource.
    pub fn allows(&self, client_id: &str) -> bool {
        self.allowed_clients.is_empty() || self.allowed_clients.iter().any(|c| c == client_id)
    }

    /// Whether the resource accepts the scope value `scope`.
    pub fn accepts(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// RFC 8707 §2: a resource indicator is an absolute URI (RFC 3986 §4.3)
/// and must not carry a fragment. Spaces and control characters are not
/// part of any URI.
pub fn check_identifier(value: &str) -> Result<(), Occurrence> {
    if value.contains('#') {
        return Err(RESOURCE_HAS_FRAGMENT.with_detail(format!("resource {value}")));
    }
    let clean = !value.is_empty() && value.bytes().all(|b| (0x21..=0x7e).contains(&b));
    // The URL parser takes only a reference with a scheme: an absolute URI.
    let absolute = clean && url::Url::parse(value).is_ok();
    if !absolute {
        return Err(RESOURCE_NOT_ABSOLUTE.with_detail(format!("resource {value}")));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_identifier_is_an_absolute_uri_without_a_fragment() {
        for ok in [
            "https://api.example/",
            "https://api.example",
            "https://api.example/v1?x=1",
            "urn:example:api",
        ] {
            assert!(check_identifier(ok).is_ok(), "{ok}");
        }
        let cause = |v: &str| check_identifier(v).unwrap_err().cause.id;
        assert_eq!(cause("https://api.example/#top"), "resource_has_fragment");
        assert_eq!(cause("/api"), "resource_not_absolute");
        assert_eq!(cause("api"), "resource_not_absolute");
        assert_eq!(cause("https://api.example/a b"), "resource_not_absolute");
        assert_eq!(cause(""), "resource_not_absolute");
    }

    #[test]
    fn an_empty_client_list_allows_every_client() {
        let mut r = ResourceRecord {
            identifier: "https://api.example/".into(),
            name: "API".into(),
            scopes: vec!["api:read".into()],
            allowed_clients: vec![],
            created_at: 0,
            updated_at: 0,
        };
        assert!(r.allows("any"));
        r.allowed_clients = vec!["a".into()];
        assert!(r.allows("a"));
        assert!(!r.allows("b"));
        assert!(r.accepts("api:read"));
        assert!(!r.accepts("api"));
    }
}
