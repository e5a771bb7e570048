//! Time-based one-time passwords (RFC 6238 over RFC 4226): HMAC-SHA-1,
//! 6 digits, 30-second steps, one step of clock drift either way. This is
//! what every authenticator app implements. Also the base32 keys they scan
//! and the recovery codes given at enrolment.

use crate::crypto::{CryptoError, random_bytes};
use aws_lc_rs::hmac;
use subtle::ConstantTimeEq;

pub const DIGITS: u32 = 6;
pub const STEP_SECONDS: i64 = 30;
/// Steps accepted either side of now (RFC 6238 §5.2 recommends one).
pub const DRIFT: i64 = 1;
/// 160-bit keys, as RFC 4226 §4 recommends.
pub const SECRET_BYTES: usize = 20;
/// Keys set by an operator must have at least 128 bits (RFC 4226 §4).
pub const MIN_SECRET_BYTES: usize = 16;
/// Recovery codes handed out at enrolment.
pub const RECOVERY_CODES: usize = 10;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32, upper case, without padding.
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in data {
        buffer = ((buffer << 8) | u32::from(byte)) & 0xFFFF;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.extend(symbol(buffer >> bits));
        }
    }
    if bits > 0 {
        out.extend(symbol(buffer << (5 - bits)));
    }
    out
}

/// The base32 symbol of the low five bits (always one of the 32).
fn symbol(bits: u32) -> Option<char> {
    let index = usize::try_from(bits & 31).ok()?;
    ALPHABET.get(index).copied().map(char::from)
}

/// Base32 as people type it: any case, spaces, dashes and `=` padding ignored.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !matches!(c, ' ' | '-' | '=')) {
        let upper = c.to_ascii_uppercase();
        let value = ALPHABET.iter().position(|&a| char::from(a) == upper)?;
        buffer = ((buffer << 5) | value as u32) & 0xFFFF;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xFF) as u8);
        }
    }
    Some(out)
}

/// A new random key.
pub fn generate_secret() -> Result<Vec<u8>, CryptoError> {
    Ok(random_bytes::<SECRET_BYTES>()?.to_vec())
}

/// The time step of a Unix time.
pub fn step_at(unix: i64) -> i64 {
    unix.div_euclid(STEP_SECONDS)
}

/// The code for one step (RFC 4226 §5.3 dynamic truncation), zero-padded.
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let counter = u64::try_from(step).unwrap_or(0).to_be_bytes();
    let mac = hmac::sign(&key, &counter);
    let h = mac.as_ref();
    // The low four bits of the last byte pick four bytes: always within
    // the 20 of HMAC-SHA1. Were they not, no code would match.
    let Some(word) = h
        .last()
        .map(|last| usize::from(last & 0x0f))
        .and_then(|offset| h.get(offset..offset + 4))
    else {
        return String::new();
    };
    let binary = word
        .iter()
        .fold(0u32, |acc, byte| (acc << 8) | u32::from(*byte))
        & 0x7fff_ffff;
    format!(
        "{:0width$}",
        binary % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// The step a presented code matches at `now`, within the drift window.
/// Every candidate is compared (in constant time), so timing does not tell
/// which step matched. The caller must still refuse a step already used.
pub fn verify(secret: &[u8], presented: &str, now: i64) -> Option<i64> {
    let presented: String = presented.chars().filter(|c| !c.is_whitespace()).collect();
    if presented.len() != DIGITS as usize || !presented.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = step_at(now);
    let mut found = None;
    for step in (current - DRIFT)..=(current + DRIFT) {
        let expected = code_at_step(secret, step);
        if bool::from(expected.as_bytes().ct_eq(presented.as_bytes())) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// The `otpauth://` URI authenticator apps read from the QR code
/// (the Key Uri Format of Google Authenticator, followed by all apps).
pub fn otpauth_uri(issuer_name: &str, account: &str, secret: &[u8]) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    // form encoding writes spaces as '+', which the label must not contain.
    let label = enc(&format!("{issuer_name}:{account}")).replace('+', "%20");
    format!(
        "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        base32_encode(secret),
        enc(issuer_name).replace('+', "%20"),
    )
}

/// A recovery code: 10 base32 characters (50 bits), shown as `XXXXX-XXXXX`.
pub fn recovery_code() -> Result<String, CryptoError> {
    let raw = base32_encode(&random_bytes::<7>()?);
    Ok(format!("{}-{}", &raw[..5], &raw[5..10]))
}

/// The form a recovery code is hashed in: upper case, no separators.
pub fn normalize_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows (8 digits there; the last 6 here).
    #[test]
    fn rfc6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at_step(secret, step_at(t)), code, "t={t}");
        }
    }

    #[test]
    fn base32_round_trips() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw 6ytb-oi======").unwrap(), b"foobar");
        assert!(base32_decode("not base32!").is_none());
        let s = generate_secret().unwrap();
        assert_eq!(base32_decode(&base32_encode(&s)).unwrap(), s);
    }

    #[test]
    fn verify_accepts_one_step_of_drift() {
        let secret = b"12345678901234567890";
        let now = 1_111_111_111;
        let current = code_at_step(secret, step_at(now));
        assert_eq!(verify(secret, &current, now), Some(step_at(now)));
        let previous = code_at_step(secret, step_at(now) - 1);
        assert_eq!(verify(secret, &previous, now), Some(step_at(now) - 1));
        let old = code_at_step(secret, step_at(now) - 2);
        assert_eq!(verify(secret, &old, now), None);
        assert_eq!(verify(secret, "12345", now), None);
        assert_eq!(verify(secret, "abcdef", now), None);
    }

    #[test]
    fn uri_and_recovery_codes() {
        let uri = otpauth_uri("My Login", "alice@example.com", b"12345678901234567890");
        assert!(uri.starts_with("otpauth://totp/My%20Login%3Aalice%40example.com?secret=GEZDGNBV"));
        let c = recovery_code().unwrap();
        assert_eq!(c.len(), 11);
        assert_eq!(normalize_recovery_code(&c.to_lowercase()).len(), 10);
    }
}
