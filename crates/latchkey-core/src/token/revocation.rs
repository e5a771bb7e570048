//! Token revocation (RFC 7009). Unknown, malformed or expired tokens are
//! answered 200 with nothing done (§2.2). Revoking a refresh token revokes
//! its family (the grant) and the access tokens of that grant; revoking an
//! access token denylists its `jti` until it expires.
//!
//! Choice (§2.1: the server "verifies whether the token was issued to the
//! client making the revocation request. If this validation fails, the
//! request is refused"): another client's token is refused with
//! `revoke_token_client_mismatch` (`unauthorized_client`, §2.2.1).

use super::{TokenContext, access};
use crate::Occurrence;
use crate::catalogue::REVOKE_TOKEN_CLIENT_MISMATCH;
use crate::client::ClientRecord;
use crate::store::Store;

pub async fn revoke(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    token: &str,
    hint: Option<&str>,
) -> Result<(), Occurrence> {
    let refresh_first = hint == Some("refresh_token");
    if refresh_first && revoke_refresh(store, ctx, client, token).await? {
        return Ok(());
    }
    if let Ok(claims) = access::verify_issued(ctx.keys, ctx.issuer, token, ctx.now, false) {
        if claims.client_id != client.client_id {
            return Err(REVOKE_TOKEN_CLIENT_MISMATCH.occur());
        }
        if claims.exp > ctx.now {
            store.deny_access_token(&claims.jti, claims.exp).await?;
        }
        return Ok(());
    }
    if !refresh_first {
        revoke_refresh(store, ctx, client, token).await?;
    }
    Ok(())
}

/// True when `token` is one of our refresh tokens (then handled).
async fn revoke_refresh(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    token: &str,
) -> Result<bool, Occurrence> {
    let Some(record) = store.get_refresh_token(&ctx.secrets.hash(token)).await? else {
        return Ok(false);
    };
    if record.client_id != client.client_id {
        return Err(REVOKE_TOKEN_CLIENT_MISMATCH.occur());
    }
    store
        .revoke_grant(&record.grant_id, ctx.now, ctx.revocation_horizon())
        .await?;
    Ok(true)
}
