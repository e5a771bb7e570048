//! The consent step: Allow, Deny, or "Not you?" (sign in as someone else
//! in the same sign-in). For a device it is the confirmation: who is
//! asking, and Allow or Deny.

use crate::authorize::RawParams;
use crate::scope::Scope;
use crate::session::Consent;

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
    Other,
}

pub fn read(form: &RawParams) -> Action {
    match form.single("action").ok().flatten() {
        Some("allow") => Action::Allow,
        Some("other") => Action::Other,
        _ => Action::Deny,
    }
}

/// The consent to remember after Allow: what was granted before plus what
/// this request asked, space separated, earlier scopes first.
pub fn remembered(granted: Option<&str>, asked: &Scope) -> String {
    Scope::split(granted.unwrap_or("")).union(asked).to_string()
}

/// The resources to remember after Allow: those allowed before, then
/// the ones this request named that are new.
pub fn remembered_resources(granted: Option<&Consent>, asked: &[String]) -> Vec<String> {
    let mut all = granted.map(|g| g.resources.clone()).unwrap_or_default();
    for r in asked {
        if !all.contains(r) {
            all.push(r.clone());
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allow_allows() {
        assert_eq!(read(&RawParams::parse("action=allow")), Action::Allow);
        assert_eq!(read(&RawParams::parse("action=other")), Action::Other);
        assert_eq!(read(&RawParams::parse("action=deny")), Action::Deny);
        assert_eq!(read(&RawParams::parse("")), Action::Deny);
    }

    #[test]
    fn a_consent_grows_and_keeps_its_order() {
        let asked = Scope::split("openid email");
        assert_eq!(remembered(None, &asked), "openid email");
        assert_eq!(
            remembered(Some("profile openid"), &asked),
            "profile openid email"
        );
    }

    #[test]
    fn remembered_resources_grow_and_keep_their_order() {
        let before = Consent {
            scope: "openid".into(),
            resources: vec!["https://a.example".into()],
        };
        let asked = [
            "https://b.example".to_string(),
            "https://a.example".to_string(),
        ];
        assert_eq!(
            remembered_resources(Some(&before), &asked),
            ["https://a.example", "https://b.example"]
        );
        assert_eq!(
            remembered_resources(None, &asked[..1]),
            ["https://b.example"]
        );
        assert!(before.covers_resources(&asked[1..]));
        assert!(!before.covers_resources(&asked));
    }
}
