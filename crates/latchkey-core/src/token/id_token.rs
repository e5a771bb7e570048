//! ID tokens (OIDC Core §2, §3.1.3.6), signed with the client's
//! `id_token_signed_response_alg` (RS256 by default).

use super::{GrantInfo, ID_TOKEN_TTL, TokenContext};
use crate::Occurrence;
use crate::catalogue::INTERNAL_ERROR;
use crate::client::ClientRecord;
use crate::crypto::b64url;
use crate::keys::Alg;
use serde_json::{Value, json};

/// `at_hash`: the left half of the SHA-256 of the access token (both
/// ES256 and RS256 use SHA-256), base64url.
pub fn at_hash(access_token: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    let left: Vec<u8> = digest.as_ref().iter().take(16).copied().collect();
    b64url(&left)
}

/// Where Latchkey publishes its trustmark (RFC 8485 §5).
pub fn trustmark_uri(issuer: &str) -> String {
    format!("{issuer}/trustmark")
}

pub fn claims(
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    grant: &GrantInfo<'_>,
    access_token: &str,
) -> Value {
    let mut c = json!({
        "iss": ctx.issuer,
        "sub": client.subject(ctx.secrets, grant.sub),
        "aud": client.client_id,
        "azp": client.client_id,
        "exp": ctx.now + ID_TOKEN_TTL,
        "iat": ctx.now,
        "at_hash": at_hash(access_token),
    });
    if let Some(obj) = c.as_object_mut() {
        if let Some(t) = grant.auth_time {
            obj.insert("auth_time".into(), json!(t));
        }
        if let Some(n) = grant.nonce {
            obj.insert("nonce".into(), json!(n));
        }
        if let Some(a) = grant.acr {
            obj.insert("acr".into(), json!(a));
            // The acr Latchkey issues is the vector achieved: RFC 8485 §4
            // names it `vot`, with the trustmark that defines it.
            if crate::vtr::Vector::parse(a).is_ok() {
                obj.insert("vot".into(), json!(a));
                obj.insert("vtm".into(), json!(trustmark_uri(ctx.issuer)));
            }
        }
        if !grant.amr.is_empty() {
            obj.insert("amr".into(), json!(grant.amr));
        }
        if let Some(s) = grant.sid {
            obj.insert("sid".into(), json!(s));
        }
        // The user claims asked for by name (OIDC Core §5.5); never one
        // the token sets itself.
        for (name, value) in grant.id_claims.into_iter().flatten() {
            if !obj.contains_key(name) {
                obj.insert(name.clone(), value.clone());
            }
        }
    }
    c
}

pub fn sign(
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    grant: &GrantInfo<'_>,
    access_token: &str,
) -> Result<String, Occurrence> {
    let alg = Alg::parse(&client.metadata.id_token_signed_response_alg).unwrap_or(Alg::Rs256);
    let Some(key) = ctx.keys.signer(alg) else {
        return Err(INTERNAL_ERROR
            .occur()
            .debug(format!("no active {} signing key", alg.as_str())));
    };
    Ok(key.sign_jwt("JWT", &claims(ctx, client, grant, access_token))?)
}
