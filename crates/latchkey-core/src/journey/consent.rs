//! The consent step: Allow, Deny, or "Not you?" (sign in as someone else
//! in the same sign-in). For a device it is the confirmation: who is
//! asking, and Allow or Deny.

use crate::authorize::RawParams;
use crate::scope::Scope;

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
}
