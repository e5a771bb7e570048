//! The login step: a name and a password, or Cancel. The password check,
//! the attempt reservations and the new session are the caller's (they
//! are I/O); what the form asks and what the person is told are here.

use crate::authorize::RawParams;
use crate::catalogue::INVALID_CREDENTIALS;
use crate::i18n::{Arg, Lang};

/// What the login form asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Action<'a> {
    Cancel,
    SignIn { name: &'a str, password: &'a str },
}

pub fn read(form: &RawParams) -> Action<'_> {
    let get = |name: &str| form.single(name).ok().flatten();
    if get("action") == Some("cancel") {
        return Action::Cancel;
    }
    Action::SignIn {
        name: get("username").unwrap_or(""),
        password: get("password").unwrap_or(""),
    }
}

/// The authentication methods a password sign-in gives (RFC 8176).
pub fn amr() -> Vec<String> {
    vec!["pwd".into()]
}

/// Whole minutes, rounded up, for a wait in seconds.
pub fn minutes(wait: i64) -> i64 {
    (wait + 59) / 60
}

/// The alert when this account's attempts are used up.
pub fn account_throttled(lang: Lang, wait: i64, client: &str) -> String {
    lang.t_with(
        "login-account-throttled",
        &[
            ("minutes", Arg::Number(minutes(wait))),
            ("client", Arg::Text(client)),
        ],
    )
}

/// The alert when the person's address has failed too often: the wrong
/// password is said first, since that is what happened.
pub fn address_throttled(lang: Lang, wait: i64) -> String {
    let busy = lang.t_with(
        "login-address-throttled",
        &[("minutes", Arg::Number(minutes(wait)))],
    );
    format!("{} {busy}", INVALID_CREDENTIALS.page_text_in(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_as_an_action() {
        let form = RawParams::parse("username=alice&password=p%20w&action=login");
        assert_eq!(
            read(&form),
            Action::SignIn {
                name: "alice",
                password: "p w"
            }
        );
        assert_eq!(read(&RawParams::parse("action=cancel")), Action::Cancel);
        assert_eq!(
            read(&RawParams::parse("")),
            Action::SignIn {
                name: "",
                password: ""
            }
        );
    }

    #[test]
    fn waits_read_in_whole_minutes() {
        assert_eq!(minutes(1), 1);
        assert_eq!(minutes(60), 1);
        assert_eq!(minutes(61), 2);
        assert!(account_throttled(Lang::En, 300, "Shop").contains("in 5 minutes,"));
        assert!(account_throttled(Lang::En, 60, "Shop").contains("in 1 minute,"));
        assert!(account_throttled(Lang::En, 300, "Shop").ends_with("back to Shop."));
        let de = address_throttled(Lang::De, 120);
        assert!(
            de.starts_with("Der Benutzername oder das Passwort ist falsch. "),
            "{de}"
        );
        assert!(de.contains("in 2 Minuten erneut"), "{de}");
    }
}
