//! `authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6): the code is
//! bound to its client, to the redirect_uri of the authorization request
//! and to the PKCE challenge; it lives `tokens.code_ttl` and redeems once.
//! A second redemption revokes every token issued from the code's grant.

use super::{
    GrantInfo, TokenContext, TokenResponse, issue_user_tokens, keep_refresh, param, refresh_for,
};
use crate::Occurrence;
use crate::authorize::RawParams;
use crate::catalogue::*;
use crate::client::ClientRecord;
use crate::grant::CodeRecord;
use crate::grant::Redemption;
use crate::request::CodeChallengeMethod;
use crate::store::Store;
use subtle::ConstantTimeEq;

/// RFC 7636 §4.1: 43 to 128 characters of ALPHA / DIGIT / "-" / "." / "_" / "~".
pub fn is_verifier(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// RFC 7636 §4.6.
pub fn check_pkce(code: &CodeRecord, verifier: Option<&str>) -> Result<(), Occurrence> {
    match (code.code_challenge.as_deref(), verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(PKCE_VERIFIER_UNEXPECTED.occur()),
        (Some(_), None) => Err(PKCE_VERIFIER_MISSING.occur()),
        (Some(challenge), Some(verifier)) => {
            // Stored by /authorize, which always names the method; a
            // record without one is checked as S256, the stricter.
            let method = code
                .code_challenge_method
                .as_deref()
                .and_then(CodeChallengeMethod::parse);
            let computed = match method {
                Some(CodeChallengeMethod::Plain) => verifier.to_string(),
                Some(CodeChallengeMethod::S256) | None => crate::crypto::b64url(
                    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes())
                        .as_ref(),
                ),
            };
            if bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
                Ok(())
            } else {
                Err(PKCE_VERIFIER_MISMATCH.occur())
            }
        }
    }
}

pub async fn exchange(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    params: &RawParams,
) -> Result<TokenResponse, Occurrence> {
    let Some(code) = param(params, "code")? else {
        return Err(MISSING_PARAMETER.with_detail("code"));
    };
    let redirect_uri = param(params, "redirect_uri")?;
    let verifier = param(params, "code_verifier")?;
    if verifier.is_some_and(|v| !is_verifier(v)) {
        return Err(PKCE_VERIFIER_MALFORMED.occur());
    }
    let named = crate::resource::named_at_token(params)?;
    // The checks run on the redeemed record, inside the redemption's
    // transaction, so the refresh token is kept in the same commit.
    let mut refresh: Result<Option<String>, Occurrence> = Ok(None);
    let redemption = store
        .redeem_code_then(&ctx.secrets.hash(code), ctx.now, &mut |record| {
            let made = check_code(record, client, ctx.now, redirect_uri, verifier)
                .and_then(|()| {
                    crate::dpop::check_grant_binding(
                        record.dpop_jkt.as_deref(),
                        ctx.dpop_jkt,
                        "code",
                    )
                })
                .and_then(|()| {
                    let this_server = named == Some(ctx.issuer);
                    if this_server {
                        Ok(())
                    } else {
                        crate::resource::check_granted(&record.resources, named)
                    }
                })
                .and_then(|()| refresh_for(ctx, client, &grant_of(record)));
            keep_refresh(made, &mut refresh)
        })
        .await?;
    let record = match redemption {
        Redemption::Unknown => return Err(CODE_UNKNOWN.occur()),
        Redemption::Reused(record) => {
            // The end of its session and taking the app's access back
            // spend a code, and say why: not a replay.
            let reason = store.revocation_reason(&record.grant_id).await?;
            let why = match reason.as_deref() {
                Some(crate::grant::SESSION_ENDED) => Some(
                    CODE_SESSION_ENDED
                        .with_detail("the user's session ended before the code was redeemed"),
                ),
                Some(crate::grant::CONSENT_REVOKED) => {
                    Some(CODE_REVOKED.with_detail("the user took back the application's access"))
                }
                _ => None,
            };
            if let Some(occ) = why {
                return Err(occ.subject(&record.sub));
            }
            store
                .revoke_grant(&record.grant_id, ctx.now, ctx.revocation_horizon())
                .await?;
            return Err(CODE_REUSED
                .with_detail("every token issued from it is now revoked; start a new authorization")
                .subject(&record.sub));
        }
        Redemption::Fresh(record) => record,
    };
    // The same refusal the transaction made (the code is spent either way).
    crate::dpop::check_grant_binding(record.dpop_jkt.as_deref(), ctx.dpop_jkt, "code")?;
    let refresh = refresh?;
    let id_claims =
        super::id_token_claims(store, &record.sub, &record.scope, record.claims.as_ref()).await?;
    let target = crate::resource::for_grant(
        store,
        ctx.issuer,
        &client.client_id,
        &record.resources,
        named,
        &crate::scope::Scope::split(&record.scope),
        false,
    )
    .await?;
    let grant = GrantInfo {
        id_claims: id_claims.as_ref(),
        target: target.as_ref(),
        ..grant_of(&record)
    };
    issue_user_tokens(ctx, client, &grant, refresh)
}

/// What a fresh code must match: its client, its expiry, the
/// redirect_uri of its authorization request and its PKCE challenge.
fn check_code(
    record: &CodeRecord,
    client: &ClientRecord,
    now: i64,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Result<(), Occurrence> {
    if record.client_id != client.client_id {
        return Err(CODE_CLIENT_MISMATCH.occur());
    }
    if record.expires_at <= now {
        return Err(CODE_EXPIRED.occur());
    }
    if let Some(expected) = &record.redirect_uri {
        match redirect_uri {
            Some(given) if given == expected => {}
            Some(_) => return Err(CODE_REDIRECT_URI_MISMATCH.occur()),
            None => {
                return Err(CODE_REDIRECT_URI_MISMATCH.with_detail(
                    "redirect_uri is missing; send the one of the authorization request",
                ));
            }
        }
    }
    check_pkce(record, verifier)
}

fn grant_of(record: &CodeRecord) -> GrantInfo<'_> {
    GrantInfo {
        grant_id: &record.grant_id,
        sub: &record.sub,
        scope: &record.scope,
        auth_time: Some(record.auth_time),
        acr: record.acr.as_deref(),
        amr: &record.amr,
        sid: record.sid.as_deref(),
        nonce: record.nonce.as_deref(),
        claims: record.claims.as_ref(),
        id_claims: None,
        resources: &record.resources,
        target: None,
    }
}
