//! The account chooser (`prompt=select_account`, OIDC Core §3.1.2.1):
//! continue as the signed-in user, use another account, or cancel.

use crate::authorize::RawParams;

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Continue,
    /// Sign in as someone else in this same sign-in.
    Other,
    Cancel,
}

pub fn read(form: &RawParams) -> Action {
    match form.single("action").ok().flatten() {
        Some("continue") => Action::Continue,
        Some("other") => Action::Other,
        _ => Action::Cancel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anything_but_a_choice_cancels() {
        assert_eq!(read(&RawParams::parse("action=continue")), Action::Continue);
        assert_eq!(read(&RawParams::parse("action=other")), Action::Other);
        assert_eq!(read(&RawParams::parse("action=x")), Action::Cancel);
        assert_eq!(read(&RawParams::parse("")), Action::Cancel);
    }
}
