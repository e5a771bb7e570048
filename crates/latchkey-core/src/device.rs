//! The device authorization grant (RFC 8628): a device that cannot show a
//! browser asks `/device_authorization` for a device code and a user code,
//! the user types the user code at `/device` on another screen, signs in
//! and allows or denies, and meanwhile the device polls `/token` with the
//! device code until the decision is there.
//!
//! Both codes are kept only as keyed hashes (`Secrets::hash`). The device
//! code is a 256-bit random token; the user code is short enough to type
//! (8 letters from [`USER_CODE_ALPHABET`], about 34 bits), so the page that
//! takes it counts wrong codes per address.

use crate::crypto::{CryptoError, Secrets, random_bytes};

/// RFC 8628 §6.1: consonants only (no vowels, so no words; no look-alike
/// digits), case-insensitive.
pub const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
/// Characters in a user code, shown as two groups of four (`XXXX-XXXX`).
pub const USER_CODE_LEN: usize = 8;
/// Seconds added to the polling interval by each `slow_down` (RFC 8628 §3.5).
pub const SLOW_DOWN_STEP: i64 = 5;
/// The grant type a device polls `/token` with (RFC 8628 §3.4).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What the user's approval carries to the tokens: who signed in, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceApproval {
    pub sub: String,
    /// When the user authenticated (Unix seconds).
    pub auth_time: i64,
    pub acr: Option<String>,
    pub amr: Vec<String>,
    /// The browser session id (OIDC `sid`) of the approval.
    pub sid: Option<String>,
}

/// Where a device grant stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceState {
    /// Waiting for the user.
    Pending,
    /// The user allowed it; the next poll gets the tokens.
    Approved(DeviceApproval),
    /// The user refused.
    Denied,
    /// Approved and the tokens were issued (once).
    Redeemed,
}

/// One device authorization request, kept by the hashes of its codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceGrant {
    /// Keyed hash of the device code (the key every poll looks up).
    pub device_code_hash: String,
    /// Keyed hash of the user code, normalized ([`normalize_user_code`]).
    pub user_code_hash: String,
    pub client_id: String,
    /// The scope asked for, space separated (already validated).
    pub scope: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// The polling interval the device must keep, in seconds; grows by
    /// [`SLOW_DOWN_STEP`] with each `slow_down`.
    pub interval: i64,
    /// The last poll that was answered (not one told to slow down).
    pub last_polled_at: Option<i64>,
    pub state: DeviceState,
    /// The APIs the request named (RFC 8707), already checked; empty
    /// for none.
    pub resources: Vec<String>,
}

/// The outcome of [`DeviceStore::poll_device_grant`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevicePoll {
    /// No grant has this device code.
    Unknown,
    /// The device code was issued to another client (nothing changed).
    OtherClient,
    Expired,
    /// Polled sooner than the interval allows; the interval grew.
    SlowDown,
    Pending,
    Denied,
    /// Approved: the grant, with its approval, handed out exactly once.
    Approved(Box<DeviceGrant>),
    /// Its tokens were already issued.
    Redeemed,
}

/// A new user code, `XXXX-XXXX`, drawn uniformly from
/// [`USER_CODE_ALPHABET`] with the system's random generator.
pub fn new_user_code() -> Result<String, CryptoError> {
    // 240 is the largest multiple of 20 below 256: rejecting the bytes
    // above it keeps every letter equally likely.
    const LIMIT: u8 = 240;
    let mut letters = Vec::with_capacity(USER_CODE_LEN);
    while letters.len() < USER_CODE_LEN {
        for b in random_bytes::<16>()? {
            if b < LIMIT
                && letters.len() < USER_CODE_LEN
                && let Some(letter) = USER_CODE_ALPHABET.get(usize::from(b % 20))
            {
                letters.push(*letter);
            }
        }
    }
    Ok(display(&letters))
}

fn display(letters: &[u8]) -> String {
    let (a, b) = letters.split_at(USER_CODE_LEN / 2);
    format!(
        "{}-{}",
        String::from_utf8_lossy(a),
        String::from_utf8_lossy(b)
    )
}

/// A user code as typed, in its one canonical form (`XXXX-XXXX`): any case,
/// with or without the dash, spaces anywhere. `None` when it cannot be a
/// user code (wrong length, a letter outside the alphabet).
pub fn normalize_user_code(typed: &str) -> Option<String> {
    let letters: Vec<u8> = typed
        .bytes()
        .filter(|b| *b != b'-' && !b.is_ascii_whitespace())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if letters.len() != USER_CODE_LEN || !letters.iter().all(|b| USER_CODE_ALPHABET.contains(b)) {
        return None;
    }
    Some(display(&letters))
}

/// The keyed hash a user code is kept and looked up by: of its normalized
/// form, so every way of typing it finds the grant. `None` when the text
/// cannot be a user code.
pub fn user_code_hash(secrets: &Secrets, typed: &str) -> Option<String> {
    normalize_user_code(typed).map(|code| secrets.hash(&code))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_are_eight_letters_of_the_alphabet_in_two_groups() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let code = new_user_code().unwrap();
            assert_eq!(code.len(), 9, "{code}");
            assert_eq!(&code[4..5], "-");
            assert!(
                code.bytes()
                    .filter(|b| *b != b'-')
                    .all(|b| USER_CODE_ALPHABET.contains(&b)),
                "{code}"
            );
            assert_eq!(normalize_user_code(&code).as_deref(), Some(code.as_str()));
            seen.insert(code);
        }
        assert!(seen.len() > 195, "user codes repeat: {}", seen.len());
    }

    #[test]
    fn every_letter_of_the_alphabet_is_drawn() {
        let mut counts = [0usize; 20];
        for _ in 0..250 {
            for b in new_user_code().unwrap().bytes().filter(|b| *b != b'-') {
                let i = USER_CODE_ALPHABET.iter().position(|a| *a == b).unwrap();
                counts[i] += 1;
            }
        }
        // 2,000 letters: 100 expected each; far below 40 would mean a bias.
        assert!(counts.iter().all(|c| *c > 40), "{counts:?}");
    }

    #[test]
    fn typed_user_codes_are_normalized() {
        for typed in [
            "BCDF-GHJK",
            "bcdf-ghjk",
            "BCDFGHJK",
            "bcdfghjk",
            " bcdf ghjk ",
            "BcDf-gHjK",
            "B-C-D-F-G-H-J-K",
        ] {
            assert_eq!(
                normalize_user_code(typed).as_deref(),
                Some("BCDF-GHJK"),
                "{typed}"
            );
        }
        for typed in [
            "",
            "BCDF-GHJ",
            "BCDF-GHJKL",
            "ABCD-EFGH",
            "BCDF-GHJ1",
            "BCDF_GHJK",
            "BCDF-GHJÉ",
        ] {
            assert_eq!(normalize_user_code(typed), None, "{typed}");
        }
    }

    #[test]
    fn every_spelling_of_a_user_code_hashes_alike() {
        let secrets = Secrets::new("device test secret").unwrap();
        let kept = user_code_hash(&secrets, "WXZB-CDFG").unwrap();
        assert_eq!(user_code_hash(&secrets, "wxzbcdfg").unwrap(), kept);
        assert_ne!(user_code_hash(&secrets, "WXZB-CDFH").unwrap(), kept);
        assert_eq!(user_code_hash(&secrets, "nope"), None);
    }
}
