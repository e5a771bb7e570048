//! `refresh_token` (RFC 6749 §6, OAuth 2.0 Security BCP §4.14): every use
//! rotates the token. A rotated token presented again within
//! `tokens.refresh_grace` seconds gets the same successor (a lost
//! response); after that, the whole family (the grant) is revoked.

use super::{
    GrantInfo, TokenContext, TokenResponse, issue_user_tokens, narrow, new_refresh, param,
};
use crate::Occurrence;
use crate::authorize::RawParams;
use crate::catalogue::*;
use crate::client::ClientRecord;
use crate::grant::RefreshRecord;
use crate::scope::Scope;
use crate::store::Store;

pub async fn exchange(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    params: &RawParams,
) -> Result<TokenResponse, Occurrence> {
    let Some(token) = param(params, "refresh_token")? else {
        return Err(MISSING_PARAMETER.with_detail("refresh_token"));
    };
    let requested = param(params, "scope")?;
    let named = crate::resource::named_at_token(params)?;
    let hash = ctx.secrets.hash(token);
    let Some(record) = store.get_refresh_token(&hash).await? else {
        return Err(REFRESH_TOKEN_UNKNOWN.occur());
    };
    if record.client_id != client.client_id {
        return Err(REFRESH_TOKEN_CLIENT_MISMATCH.occur());
    }
    if record.revoked_at.is_some() || store.is_grant_revoked(&record.grant_id).await? {
        return Err(revoked_why(store, &record).await?);
    }
    if record.expires_at <= ctx.now {
        return Err(REFRESH_TOKEN_EXPIRED.occur());
    }
    crate::dpop::check_grant_binding(record.dpop_jkt.as_deref(), ctx.dpop_jkt, "refresh token")?;
    let narrowed = narrow(requested, &Scope::split(&record.scope))?;
    // RFC 8707 §2.2: a refresh names one resource of the grant, or gets a
    // token for its first.
    let target = crate::resource::for_grant(
        store,
        ctx.issuer,
        &client.client_id,
        &record.resources,
        named,
        &narrowed,
        requested.is_some(),
    )
    .await?;
    let scope = narrowed.to_string();
    if record.rotated_at.is_some() {
        return reuse(store, ctx, client, &record, &scope, target.as_ref()).await;
    }
    let id_claims =
        super::id_token_claims(store, &record.sub, &scope, record.claims.as_ref()).await?;
    let grant = GrantInfo {
        id_claims: id_claims.as_ref(),
        target: target.as_ref(),
        ..grant_info(&record, &scope)
    };
    let (successor, mut successor_record) = new_refresh(ctx, client, &grant, &record.scope)?;
    // A successor keeps its family's binding: bound or not, as it began.
    successor_record.dpop_jkt = record.dpop_jkt.clone();
    let sealed = ctx.secrets.seal(successor.as_bytes(), hash.as_bytes())?;
    if !store
        .rotate_refresh_token(&hash, ctx.now, &successor_record, &sealed)
        .await?
    {
        // Another request rotated it first: this one is a reuse.
        let Some(record) = store.get_refresh_token(&hash).await? else {
            return Err(REFRESH_TOKEN_UNKNOWN.occur());
        };
        return reuse(store, ctx, client, &record, &scope, target.as_ref()).await;
    }
    issue_user_tokens(ctx, client, &grant, Some(successor))
}

/// Why a revoked refresh token is refused: its grant ended with its
/// session, or any other revocation (`refresh_token_revoked`).
async fn revoked_why(store: &dyn Store, record: &RefreshRecord) -> Result<Occurrence, Occurrence> {
    let reason = store.revocation_reason(&record.grant_id).await?;
    if reason.as_deref() == Some(crate::grant::SESSION_ENDED) {
        return Ok(REFRESH_TOKEN_SESSION_ENDED
            .with_detail("the refresh token was issued without offline_access")
            .subject(&record.sub));
    }
    Ok(REFRESH_TOKEN_REVOKED.occur())
}

fn grant_info<'a>(record: &'a RefreshRecord, scope: &'a str) -> GrantInfo<'a> {
    GrantInfo {
        grant_id: &record.grant_id,
        sub: &record.sub,
        scope,
        auth_time: record.auth_time,
        acr: record.acr.as_deref(),
        amr: &record.amr,
        sid: record.sid.as_deref(),
        nonce: None,
        claims: record.claims.as_ref(),
        id_claims: None,
        resources: &record.resources,
        target: None,
    }
}

/// A rotated token again: the same successor inside the grace window,
/// otherwise the family is revoked.
async fn reuse(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    record: &RefreshRecord,
    scope: &str,
    target: Option<&crate::resource::Target>,
) -> Result<TokenResponse, Occurrence> {
    let within_grace = record
        .rotated_at
        .is_some_and(|at| ctx.refresh_grace > 0 && ctx.now - at <= ctx.refresh_grace);
    if within_grace
        && record.revoked_at.is_none()
        && let Some(sealed) = &record.successor_sealed
    {
        let successor = ctx.secrets.open(sealed, record.token_hash.as_bytes())?;
        let successor = String::from_utf8(successor).map_err(|_| {
            INTERNAL_ERROR
                .occur()
                .debug("sealed refresh token is not UTF-8")
        })?;
        let id_claims =
            super::id_token_claims(store, &record.sub, scope, record.claims.as_ref()).await?;
        let grant = GrantInfo {
            id_claims: id_claims.as_ref(),
            target,
            ..grant_info(record, scope)
        };
        return issue_user_tokens(ctx, client, &grant, Some(successor));
    }
    store
        .revoke_grant(&record.grant_id, ctx.now, ctx.revocation_horizon())
        .await?;
    Err(REFRESH_TOKEN_REUSED
        .with_detail("use the newest refresh token; the user must sign in again")
        .subject(&record.sub))
}
