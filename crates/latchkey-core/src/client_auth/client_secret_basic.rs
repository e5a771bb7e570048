//! `client_secret_basic` (RFC 6749 §2.3.1): HTTP Basic, where the user and
//! password are the form-urlencoded client_id and secret.

use crate::Occurrence;
use crate::catalogue::{AUTHORIZATION_HEADER_MALFORMED, CLIENT_SECRET_MISMATCH};
use crate::client::ClientRecord;
use crate::crypto::Secrets;
use base64::Engine;

/// Parse `Basic base64(urlencode(id):urlencode(secret))`.
pub fn parse_header(value: &str) -> Result<(String, String), Occurrence> {
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
    let id = form_decode(id);
    let secret = form_decode(secret);
    if id.is_empty() {
        return Err(malformed("the Basic credentials name no client_id"));
    }
    Ok((id, secret))
}

/// application/x-www-form-urlencoded decoding of one value (`+` is a space).
fn form_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("v={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Compare the presented secret with the stored keyed hash, in constant time.
pub fn verify(client: &ClientRecord, secret: &str, secrets: &Secrets) -> Result<(), Occurrence> {
    match &client.secret_hash {
        Some(hash) if secrets.verify(secret, hash) => Ok(()),
        _ => Err(CLIENT_SECRET_MISMATCH.occur()),
    }
}
