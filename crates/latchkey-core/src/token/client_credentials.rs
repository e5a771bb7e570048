//! `client_credentials` (RFC 6749 §4.4): a token for the client itself.
//! Scopes come from the client's registered `scope`; `openid` and
//! `offline_access` need a user and are never granted here. No refresh
//! token, no ID token, and no database write.

use super::access::{self, AccessClaims};
use super::{TokenContext, TokenResponse, param};
use crate::Occurrence;
use crate::authorize::RawParams;
use crate::catalogue::{SCOPE_MALFORMED, SCOPE_NOT_ALLOWED};
use crate::client::ClientRecord;

const USER_ONLY: &[&str] = &["openid", "offline_access"];

pub fn scope(client: &ClientRecord, requested: Option<&str>) -> Result<String, Occurrence> {
    let registered: Vec<&str> = client
        .metadata
        .scope
        .as_deref()
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty() && !USER_ONLY.contains(s))
        .collect();
    let Some(requested) = requested else {
        return Ok(registered.join(" "));
    };
    let mut out: Vec<&str> = Vec::new();
    for s in requested.split(' ') {
        if s.is_empty() {
            return Err(SCOPE_MALFORMED
                .with_detail("scope values are separated by single spaces (RFC 6749 §3.3)"));
        }
        if USER_ONLY.contains(&s) {
            return Err(SCOPE_NOT_ALLOWED.with_detail(format!(
                "scope {s} needs a user; client_credentials has none"
            )));
        }
        if !registered.contains(&s) {
            return Err(SCOPE_NOT_ALLOWED.with_detail(format!("scope {s}")));
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out.join(" "))
}

pub fn exchange(
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    params: &RawParams,
) -> Result<TokenResponse, Occurrence> {
    let scope = scope(client, param(params, "scope")?)?;
    let claims = AccessClaims {
        iss: ctx.issuer.to_string(),
        sub: client.client_id.clone(),
        aud: ctx.issuer.to_string(),
        client_id: client.client_id.clone(),
        scope: scope.clone(),
        iat: ctx.now,
        exp: ctx.now + ctx.access_token_ttl,
        jti: crate::crypto::random_token()?,
        auth_time: None,
        acr: None,
        amr: None,
        grant_id: None,
    };
    Ok(TokenResponse {
        access_token: access::sign(ctx, &claims)?.into(),
        token_type: "Bearer",
        expires_in: ctx.access_token_ttl,
        scope,
        refresh_token: None,
        id_token: None,
        sub: None,
    })
}
