//! Token introspection (RFC 7662). Anything not active — unknown, expired,
//! revoked, malformed, another issuer's — is `{"active": false}` and
//! nothing else (§2.2).

use super::TokenContext;
use super::access;
use crate::Occurrence;
use crate::store::Store;
use serde_json::{Value, json};

pub fn inactive() -> Value {
    json!({"active": false})
}

pub async fn introspect(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    token: &str,
    hint: Option<&str>,
) -> Result<Value, Occurrence> {
    if hint == Some("refresh_token") {
        if let Some(v) = refresh(store, ctx, token).await? {
            return Ok(v);
        }
        return Ok(access_token(store, ctx, token)
            .await?
            .unwrap_or_else(inactive));
    }
    if let Some(v) = access_token(store, ctx, token).await? {
        return Ok(v);
    }
    Ok(refresh(store, ctx, token).await?.unwrap_or_else(inactive))
}

/// Store failures propagate (503); every other failure is "not active".
fn inactive_unless_store(occ: Occurrence) -> Result<Option<Value>, Occurrence> {
    if occ.cause.status >= 500 {
        Err(occ)
    } else {
        Ok(None)
    }
}

async fn access_token(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    token: &str,
) -> Result<Option<Value>, Occurrence> {
    if token.split('.').count() != 3 {
        return Ok(None);
    }
    match access::check_issued(store, ctx.keys, ctx.issuer, token, ctx.now).await {
        Ok((c, _)) => {
            let mut v = json!({
                "active": true,
                "token_type": "Bearer",
                "scope": c.scope,
                "client_id": c.client_id,
                "sub": c.sub,
                "exp": c.exp,
                "iat": c.iat,
                "iss": c.iss,
                "aud": c.aud,
                "jti": c.jti,
            });
            if let (Some(act), Some(fields)) = (c.act, v.as_object_mut()) {
                fields.insert("act".into(), act);
            }
            Ok(Some(v))
        }
        Err(occ) => inactive_unless_store(occ),
    }
}

async fn refresh(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    token: &str,
) -> Result<Option<Value>, Occurrence> {
    let Some(r) = store.get_refresh_token(&ctx.secrets.hash(token)).await? else {
        return Ok(None);
    };
    let active = r.rotated_at.is_none()
        && r.revoked_at.is_none()
        && r.expires_at > ctx.now
        && !store.is_grant_revoked(&r.grant_id).await?;
    let client = match store.get_client(&r.client_id).await? {
        Some(c) if c.active => c,
        _ => return Ok(Some(inactive())),
    };
    if !active {
        return Ok(Some(inactive()));
    }
    Ok(Some(json!({
        "active": true,
        "token_type": "refresh_token",
        "scope": r.scope,
        "client_id": r.client_id,
        "sub": client.subject(ctx.secrets, &r.sub),
        "exp": r.expires_at,
        "iat": r.created_at,
        "iss": ctx.issuer,
        "aud": r.client_id,
    })))
}
