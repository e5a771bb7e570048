//! Access tokens: RFC 9068 JWTs (`typ: at+jwt`), signed with the key for
//! `tokens.access_token_alg`. Issuing one writes nothing; revocation
//! denylists its `jti` (or its grant) until it expires.
//!
//! Choice: `aud` is the issuer, since the resource these tokens are for is
//! this server's /userinfo; a registered resource (RFC 8707, see
//! `crate::resource`) or token exchange may name another audience, and
//! such tokens are ours (introspection, revocation) but not /userinfo's.

use super::TokenContext;
use crate::Occurrence;
use crate::catalogue::*;
use crate::client::ClientRecord;
use crate::crypto::Secrets;
use crate::keys::{Alg, KeySet};
use crate::store::Store;
use jsonwebtoken::errors::ErrorKind;

pub const TYP: &str = "at+jwt";

pub use crate::keys::{AccessClaims, Confirmation, VERIFIED_TOKENS, VerifiedTokens};

/// What a sealed `sub` is bound to (so no other sealed value passes as one).
const SUB_CONTEXT: &[u8] = b"access-token-sub";

/// The local `sub` sealed for an access token of a pairwise client.
pub fn seal_sub(secrets: &Secrets, sub: &str) -> Result<String, Occurrence> {
    Ok(crate::crypto::b64url(
        &secrets.seal(sub.as_bytes(), SUB_CONTEXT)?,
    ))
}

/// The user an access token is for, by the local `sub`: its `sub`, or for
/// a pairwise client's token the sealed one.
pub fn local_sub(secrets: &Secrets, claims: &AccessClaims) -> Result<String, Occurrence> {
    let Some(sealed) = &claims.sub_sealed else {
        return Ok(claims.sub.clone());
    };
    let unreadable = || TOKEN_MALFORMED.with_detail("the token's subject cannot be read");
    let bytes = crate::crypto::b64url_decode(sealed).ok_or_else(unreadable)?;
    let plain = secrets
        .open(&bytes, SUB_CONTEXT)
        .map_err(|_| unreadable())?;
    String::from_utf8(plain).map_err(|_| unreadable())
}

pub fn sign(ctx: &TokenContext<'_>, claims: &AccessClaims) -> Result<String, Occurrence> {
    let Some(key) = ctx.keys.signer(ctx.access_token_alg) else {
        return Err(INTERNAL_ERROR.occur().debug(format!(
            "no active {} signing key",
            ctx.access_token_alg.as_str()
        )));
    };
    Ok(key.sign_jwt(TYP, claims)?)
}

pub(crate) fn jose(alg: Alg) -> jsonwebtoken::Algorithm {
    match alg {
        Alg::Es256 => jsonwebtoken::Algorithm::ES256,
        Alg::Rs256 => jsonwebtoken::Algorithm::RS256,
    }
}

/// Check signature, type, issuer, audience (this server) and expiry of
/// an access token we issued. `check_exp: false` accepts expired tokens.
pub fn verify(
    keys: &KeySet,
    issuer: &str,
    token: &str,
    now: i64,
    check_exp: bool,
) -> Result<AccessClaims, Occurrence> {
    let claims = verify_issued(keys, issuer, token, now, check_exp)?;
    if claims.aud != issuer {
        return Err(
            TOKEN_AUDIENCE_MISMATCH.with_detail("the token was issued for another resource")
        );
    }
    Ok(claims)
}

/// [`verify`] for a token of any audience: one of ours, for whichever
/// resource (introspection and revocation serve them all).
pub fn verify_issued(
    keys: &KeySet,
    issuer: &str,
    token: &str,
    now: i64,
    check_exp: bool,
) -> Result<AccessClaims, Occurrence> {
    // A hit passed every check for its own issuer; the issuer asked now
    // must be that one.
    let claims = match keys.verified.get(token) {
        Ok(claims) if claims.iss == issuer => claims,
        hit => {
            let claims = verify_signed(keys, issuer, token)?;
            if let Err(generation) = hit {
                keys.verified.put(generation, token, &claims);
            }
            claims
        }
    };
    if check_exp && claims.exp <= now {
        return Err(TOKEN_INACTIVE.with_detail("the token has expired"));
    }
    Ok(claims)
}

/// Everything but expiry and which audience: type, key, signature,
/// issuer, an audience present, without the cache of verified tokens.
pub fn verify_signed(keys: &KeySet, issuer: &str, token: &str) -> Result<AccessClaims, Occurrence> {
    let header = jsonwebtoken::decode_header(token)
        .map_err(|_| TOKEN_MALFORMED.with_detail("the token is not a JWT"))?;
    let typ_ok = header.typ.as_deref().is_some_and(|t| {
        t.eq_ignore_ascii_case(TYP) || t.eq_ignore_ascii_case("application/at+jwt")
    });
    if !typ_ok {
        return Err(TOKEN_WRONG_TYPE.with_detail("the JWT is not of type at+jwt"));
    }
    let Some((alg, key)) = header.kid.as_deref().and_then(|kid| keys.verifier(kid)) else {
        return Err(
            TOKEN_SIGNATURE_INVALID.with_detail("the token is not signed by a key of this server")
        );
    };
    let mut validation = jsonwebtoken::Validation::new(jose(*alg));
    validation.leeway = 0;
    validation.validate_exp = false;
    validation.set_issuer(&[issuer]);
    // The audience is checked by the caller that cares (`verify`).
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<AccessClaims>(token, key, &validation)
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm => {
                TOKEN_SIGNATURE_INVALID.occur()
            }
            ErrorKind::InvalidAudience | ErrorKind::InvalidIssuer => {
                TOKEN_AUDIENCE_MISMATCH.with_detail("the token was issued for another resource")
            }
            _ => TOKEN_MALFORMED.with_detail("the token claims are not those of an access token"),
        })?
        .claims;
    Ok(claims)
}

/// Everything that makes an access token for this server active:
/// signature and expiry, not denylisted, its grant not revoked, its client
/// still active.
pub async fn check(
    store: &dyn Store,
    keys: &KeySet,
    issuer: &str,
    token: &str,
    now: i64,
) -> Result<(AccessClaims, ClientRecord), Occurrence> {
    let claims = verify(keys, issuer, token, now, true)?;
    active(store, claims).await
}

/// [`check`] for a token of any audience.
pub async fn check_issued(
    store: &dyn Store,
    keys: &KeySet,
    issuer: &str,
    token: &str,
    now: i64,
) -> Result<(AccessClaims, ClientRecord), Occurrence> {
    let claims = verify_issued(keys, issuer, token, now, true)?;
    active(store, claims).await
}

async fn active(
    store: &dyn Store,
    claims: AccessClaims,
) -> Result<(AccessClaims, ClientRecord), Occurrence> {
    if store.is_access_token_denied(&claims.jti).await? {
        return Err(TOKEN_INACTIVE.with_detail("the token was revoked"));
    }
    if let Some(grant) = &claims.grant_id
        && store.is_grant_revoked(grant).await?
    {
        return Err(TOKEN_INACTIVE.with_detail("the token was revoked"));
    }
    match store.get_client(&claims.client_id).await? {
        Some(client) if client.active => Ok((claims, client)),
        _ => Err(TOKEN_CLIENT_DEACTIVATED.occur()),
    }
}
