//! `scope` (RFC 6749 §3.3): a set of scope tokens, kept in the order they
//! were first given and without duplicates. Read once where it arrives
//! ([`Scope::parse`] for a request, [`Scope::split`] for a value Latchkey
//! stored itself), then asked questions: [`Scope::contains`],
//! [`Scope::covers`]. Written back space separated by `Display`.
//!
//! Stored in interactions as a JSON array of its tokens, the shape an
//! authorization request's `scopes` always had.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashSet;
use std::fmt;

/// Scope tokens, in request order, each once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope(Vec<String>);

/// A `scope` value outside the RFC 6749 §3.3 grammar: an empty token
/// (leading, trailing or doubled spaces) or a character outside `NQCHAR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("scope values are separated by single spaces (RFC 6749 §3.3)")
    }
}

impl std::error::Error for Malformed {}

/// `NQCHAR = %x21 / %x23-5B / %x5D-7E` (RFC 6749 Appendix A).
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

impl Scope {
    /// A `scope` parameter as RFC 6749 §3.3 defines it: tokens of `NQCHAR`
    /// separated by single spaces. Repeated tokens are dropped (the first
    /// keeps its place), in one pass: the value may come unauthenticated
    /// and hold thousands of words.
    pub fn parse(value: &str) -> Result<Scope, Malformed> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut tokens = Vec::new();
        for s in value.split(' ') {
            if !is_token(s) {
                return Err(Malformed);
            }
            if seen.insert(s) {
                tokens.push(s.to_string());
            }
        }
        Ok(Scope(tokens))
    }

    /// The words of a space-separated value, empty ones skipped and
    /// characters not checked: for values Latchkey wrote itself (a
    /// registered `scope`, a grant's scope, a remembered consent) and where
    /// a request has always been read this leniently (a refresh's `scope`).
    pub fn split(value: &str) -> Scope {
        Scope::from_words(value.split(' ').map(str::to_string))
    }

    fn from_words(words: impl IntoIterator<Item = String>) -> Scope {
        let mut seen: HashSet<String> = HashSet::new();
        let tokens = words
            .into_iter()
            .filter(|w| !w.is_empty() && seen.insert(w.clone()))
            .collect();
        Scope(tokens)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn contains(&self, token: &str) -> bool {
        self.0.iter().any(|t| t == token)
    }

    /// Whether every token of `other` is in this one.
    pub fn covers(&self, other: &Scope) -> bool {
        other.iter().all(|t| self.contains(t))
    }

    /// This scope, then the tokens of `other` it lacks, in their order.
    pub fn union(&self, other: &Scope) -> Scope {
        let mut out = self.clone();
        for t in other.iter() {
            if !out.contains(t) {
                out.0.push(t.to_string());
            }
        }
        out
    }

    /// This scope without the tokens `drop` names.
    pub fn without(&self, drop: &[&str]) -> Scope {
        Scope(
            self.0
                .iter()
                .filter(|t| !drop.contains(&t.as_str()))
                .cloned()
                .collect(),
        )
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::str::FromStr for Scope {
    type Err = Malformed;

    fn from_str(s: &str) -> Result<Scope, Malformed> {
        Scope::parse(s)
    }
}

/// Space separated, as the `scope` parameter and the stored columns.
impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for t in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(t)?;
            first = false;
        }
        Ok(())
    }
}

/// A JSON array of the tokens.
impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(&self.0)
    }
}

/// From a JSON array of tokens; repeated and empty ones are dropped.
impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scope, D::Error> {
        Vec::<String>::deserialize(d).map(Scope::from_words)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn tokens(s: &Scope) -> Vec<&str> {
        s.iter().collect()
    }

    #[test]
    fn parse_keeps_the_first_order_and_drops_repeats() {
        let s = Scope::parse("email openid email profile openid").unwrap();
        assert_eq!(tokens(&s), ["email", "openid", "profile"]);
        assert_eq!(s.len(), 3);
        assert_eq!(s.to_string(), "email openid profile");
        assert_eq!("api:read".parse::<Scope>().unwrap().to_string(), "api:read");
    }

    #[test]
    fn parse_refuses_what_rfc_6749_does_not_allow() {
        for bad in [
            "",
            " openid",
            "openid ",
            "openid  email",
            "open\"id",
            "open\\id",
            "caf\u{e9}",
            "openid\temail",
        ] {
            assert_eq!(Scope::parse(bad), Err(Malformed), "{bad:?}");
        }
        assert!(Malformed.to_string().contains("RFC 6749 §3.3"));
    }

    #[test]
    fn split_is_lenient_for_stored_values() {
        let s = Scope::split(" openid  email openid ");
        assert_eq!(tokens(&s), ["openid", "email"]);
        assert!(Scope::split("").is_empty());
        assert_eq!(Scope::split("").to_string(), "");
    }

    #[test]
    fn contains_covers_union_without() {
        let granted = Scope::split("profile openid");
        let asked = Scope::split("openid email");
        assert!(granted.contains("openid") && !granted.contains("email"));
        assert!(!granted.covers(&asked));
        let grown = granted.union(&asked);
        assert_eq!(grown.to_string(), "profile openid email");
        assert!(grown.covers(&asked) && grown.covers(&granted));
        assert!(grown.covers(&Scope::default()));
        assert_eq!(
            grown.without(&["openid", "offline_access"]).to_string(),
            "profile email"
        );
    }

    #[test]
    fn serde_is_the_array_interactions_always_stored() {
        let s = Scope::parse("openid email").unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"["openid","email"]"#);
        assert_eq!(serde_json::from_str::<Scope>(&json).unwrap(), s);
        let stored: Scope = serde_json::from_str(r#"["openid","email","openid",""]"#).unwrap();
        assert_eq!(stored, s);
        assert!(serde_json::from_str::<Scope>(r#""openid email""#).is_err());
    }
}
