//! ID tokens (OIDC Core §2, §3.1.3.6), signed with the client's
//! `id_token_signed_response_alg` (RS256 by default).

use super::{GrantInfo, ID_TOKEN_TTL, TokenContext};
use crate::Occurrence;
use crate::catalogue::INTERNAL_ERROR;
use crate::client::ClientRecord;
use crate::crypto::b64url;
use crate::keys::{Alg, KeySet};
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

/// The claims of an ID token this server signed with one of `keys`, for
/// `issuer`: its type (`JWT`, or none; our access tokens are `at+jwt`), key
/// and signature. Expiry and audience are the caller's to judge (a logout
/// hint may be expired). `Err` says why not, for the caller's cause.
pub fn verify_ours(keys: &KeySet, issuer: &str, token: &str) -> Result<Value, &'static str> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| "it is not a signed JWT")?;
    match header.typ.as_deref() {
        None => {}
        Some(t) if t.eq_ignore_ascii_case("JWT") => {}
        Some(t)
            if t.eq_ignore_ascii_case(super::access::TYP)
                || t.eq_ignore_ascii_case("application/at+jwt") =>
        {
            return Err("it is an access token (typ at+jwt), not an ID token");
        }
        Some(_) => return Err("its typ is not that of an ID token (JWT)"),
    }
    let kid = header
        .kid
        .as_deref()
        .ok_or("it names no signing key (kid)")?;
    let (alg, key) = keys
        .verifier(kid)
        .ok_or("it was not signed by one of this server's keys")?;
    let mut validation = jsonwebtoken::Validation::new(super::access::jose(*alg));
    validation.leeway = 0;
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["iss"]);
    validation.set_issuer(&[issuer]);
    jsonwebtoken::decode::<Value>(token, key, &validation)
        .map(|data| data.claims)
        .map_err(|_| "its signature or issuer is not valid")
}
