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
    SignIn {
        name: &'a str,
        password: &'a str,
    },
    /// The passkey form: the browser's answer to the ceremony, or the name
    /// of the error it reported instead.
    Passkey(PasskeyAnswer<'a>),
}

/// What a passkey form brings back (the login, second-factor and
/// add-a-passkey pages).
#[derive(Debug, PartialEq, Eq)]
pub struct PasskeyAnswer<'a> {
    pub ceremony: &'a str,
    /// The credential, as JSON.
    pub credential: &'a str,
    /// The browser's `DOMException` name, when it refused.
    pub error: &'a str,
}

impl<'a> PasskeyAnswer<'a> {
    pub fn read(form: &'a RawParams) -> PasskeyAnswer<'a> {
        let get = |name: &str| form.single(name).ok().flatten().unwrap_or("");
        PasskeyAnswer {
            ceremony: get("ceremony"),
            credential: get("credential"),
            error: get("passkey_error"),
        }
    }
}

/// Whether to offer adding a passkey after a password sign-in
/// (`webauthn.offer_after_password`, passkeys on, the user has none).
pub fn offer_passkey(offer: bool, passkeys_on: bool, has_passkeys: bool) -> bool {
    offer && passkeys_on && !has_passkeys
}

pub fn read(form: &RawParams) -> Action<'_> {
    let get = |name: &str| form.single(name).ok().flatten();
    match get("action") {
        Some("cancel") => return Action::Cancel,
        Some("passkey") => return Action::Passkey(PasskeyAnswer::read(form)),
        _ => {}
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
        let passkey = RawParams::parse("action=passkey&ceremony=c&passkey_error=NotAllowedError");
        assert_eq!(
            read(&passkey),
            Action::Passkey(PasskeyAnswer {
                ceremony: "c",
                credential: "",
                error: "NotAllowedError"
            })
        );
        assert!(offer_passkey(true, true, false));
        assert!(!offer_passkey(true, true, true));
        assert!(!offer_passkey(false, true, false));
        assert!(!offer_passkey(true, false, false));
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
