//! The second-factor step (`/mfa`): a code of the enrolled authenticator,
//! a recovery code, the first code of a new authenticator, Continue after
//! the recovery codes were shown, or Cancel. Checking codes is the
//! caller's (store and sealed keys); the form and the words are here.

use crate::authorize::RawParams;

#[derive(Debug, PartialEq, Eq)]
pub enum Action<'a> {
    Cancel,
    /// After the recovery codes: the session already has the factor.
    Continue,
    Verify(&'a str),
    Recovery(&'a str),
    Enrol(&'a str),
}

impl Action<'_> {
    /// The method named in the log line of a passed factor.
    pub fn method(&self) -> &'static str {
        match self {
            Action::Recovery(_) => "recovery",
            Action::Enrol(_) => "enrol",
            _ => "verify",
        }
    }
}

pub fn read(form: &RawParams) -> Action<'_> {
    let get = |name: &str| form.single(name).ok().flatten();
    let code = get("code").unwrap_or("");
    match get("action").unwrap_or("verify") {
        "cancel" => Action::Cancel,
        "continue" => Action::Continue,
        "recovery" => Action::Recovery(get("recovery_code").unwrap_or("")),
        "enrol" => Action::Enrol(code),
        _ => Action::Verify(code),
    }
}

/// Wrong codes are throttled per account, with the sign-in limit.
pub fn throttle_key(sub: &str) -> String {
    format!("totp:{sub}")
}

/// What the person is told when a code is refused, by cause.
pub fn refusal(lang: crate::i18n::Lang, cause_id: &str) -> String {
    lang.t(match cause_id {
        "recovery_code_invalid" => "second-factor-recovery-invalid",
        "totp_confirmation_invalid" => "second-factor-confirmation-invalid",
        _ => "second-factor-code-invalid",
    })
}

/// The session's methods once the factor passed (RFC 8176).
pub fn amr() -> Vec<String> {
    crate::vtr::AMR_SECOND_FACTOR
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_as_an_action() {
        let read_ = |q: &str| format!("{:?}", read(&RawParams::parse(q)));
        assert_eq!(read_("code=123456"), "Verify(\"123456\")");
        assert_eq!(read_("action=enrol&code=1"), "Enrol(\"1\")");
        assert_eq!(
            read_("action=recovery&recovery_code=ab-cd"),
            "Recovery(\"ab-cd\")"
        );
        assert_eq!(read_("action=continue"), "Continue");
        assert_eq!(read_("action=cancel&code=1"), "Cancel");
    }

    #[test]
    fn every_refusal_says_what_to_do() {
        for cause in [
            "recovery_code_invalid",
            "totp_confirmation_invalid",
            "totp_code_invalid",
        ] {
            for lang in crate::i18n::Lang::ALL {
                assert!(refusal(lang, cause).ends_with('.'));
            }
        }
        assert_eq!(amr(), ["pwd", "otp", "mfa"]);
    }
}
