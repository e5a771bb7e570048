//! `client_secret_basic` (RFC 6749 §2.3.1): HTTP Basic, where the user and
//! password are the form-urlencoded client_id and secret.
//!
//! Some widely used libraries (Authlib, requests-oauthlib) put the secret
//! in the header as it is, without form-encoding it first. For a secret
//! with `+` or `%` the two readings differ, so both are readings of the one
//! secret: the form-decoded one and the raw one, and either may match.

use crate::Occurrence;
use crate::catalogue::{AUTHORIZATION_HEADER_MALFORMED, CLIENT_SECRET_MISMATCH};
use crate::client::ClientRecord;
pub use crate::client::changed_by_form_encoding;
use crate::crypto::Secrets;
use base64::Engine;

/// The password of a Basic header, read both ways. Its `Debug` shows
/// neither reading.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicSecret {
    /// Form-decoded (RFC 6749 §2.3.1); `None` when the decoded bytes are
    /// not UTF-8 (never replaced: two secrets must not decode alike).
    pub decoded: Option<String>,
    /// As sent, for libraries that do not form-encode it.
    pub raw: String,
}

impl std::fmt::Debug for BasicSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BasicSecret(..)")
    }
}

/// Parse `Basic base64(urlencode(id):urlencode(secret))`.
pub fn parse_header(value: &str) -> Result<(String, BasicSecret), Occurrence> {
    let malformed = |why: &str| AUTHORIZATION_HEADER_MALFORMED.with_detail(why.to_string());
    let (scheme, rest) = value
        .trim()
        .split_once(' ')
        .ok_or_else(|| malformed("expected Basic followed by base64 credentials"))?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed(
            "only the Basic scheme authenticates clients at this endpoint",
        ));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .map_err(|_| malformed("the Basic credentials are not valid base64"))?;
    let text =
        String::from_utf8(decoded).map_err(|_| malformed("the Basic credentials are not UTF-8"))?;
    let (id, secret) = text
        .split_once(':')
        .ok_or_else(|| malformed("the Basic credentials have no colon between id and secret"))?;
    let id = form_decode(id).ok_or_else(|| malformed("the decoded client_id is not UTF-8"))?;
    if id.is_empty() {
        return Err(malformed("the Basic credentials name no client_id"));
    }
    let secret = BasicSecret {
        decoded: form_decode(secret),
        raw: secret.to_string(),
    };
    Ok((id, secret))
}

/// application/x-www-form-urlencoded decoding of one whole value: `+` is a
/// space and `%XX` a byte. Unlike parsing a query string, `&` and `=` are
/// ordinary characters here (a secret may contain them, and nothing after
/// them may be dropped). A `%` without two hex digits stays as it is.
/// `None` when the bytes are not UTF-8 (not replaced: two different
/// secrets must not decode to the same text).
fn form_decode(s: &str) -> Option<String> {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Compare both readings of the presented secret with the stored keyed
/// hash, and with the previous secret's while its grace period lasts at
/// `now`, each in constant time. Every comparison always runs (with no
/// previous secret, the current hash stands in for it), so the time taken
/// does not tell which reading, nor which secret, matched.
pub fn verify(
    client: &ClientRecord,
    secret: &BasicSecret,
    secrets: &Secrets,
    now: i64,
) -> Result<(), Occurrence> {
    let Some(hash) = &client.secret_hash else {
        return Err(CLIENT_SECRET_MISMATCH.occur());
    };
    let previous = client.previous_secret_hash(now);
    let decoded = secret.decoded.as_deref().unwrap_or(&secret.raw);
    let mut matched = false;
    for reading in [decoded, secret.raw.as_str()] {
        let current = secrets.verify(reading, hash);
        let before = secrets.verify(reading, previous.unwrap_or(hash)) & previous.is_some();
        matched |= current | before;
    }
    if matched {
        Ok(())
    } else {
        Err(CLIENT_SECRET_MISMATCH.occur())
    }
}
