//! The UserInfo endpoint's decision (OIDC Core §5.3): an active access
//! token with `openid`, then the user's claims released per scope (§5.4).

use super::access;
use super::step_up::Demand;
use crate::Occurrence;
use crate::catalogue::{SCOPE_NOT_GRANTED, TOKEN_INACTIVE};
use crate::crypto::Secrets;
use crate::keys::KeySet;
use crate::store::Store;
use serde_json::{Map, Value};

/// Claims each scope releases (OIDC Core §5.4).
pub use crate::claims::SCOPE_CLAIMS;

/// The claims of `user_claims` that `scope` releases, plus `sub`.
pub fn release(sub: &str, scope: &str, user_claims: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("sub".into(), Value::String(sub.to_string()));
    for (s, names) in SCOPE_CLAIMS {
        if super::has_scope(scope, s) {
            for name in *names {
                if let Some(v) = user_claims.get(*name) {
                    out.insert((*name).to_string(), v.clone());
                }
            }
        }
    }
    out
}

pub async fn userinfo(
    store: &dyn Store,
    keys: &KeySet,
    secrets: &Secrets,
    issuer: &str,
    token: &str,
    now: i64,
) -> Result<Map<String, Value>, Occurrence> {
    let asked = Asked {
        token,
        dpop_jkt: None,
        demand: &Demand::default(),
    };
    Ok(answer(store, keys, secrets, issuer, &asked, now).await?.0)
}

/// What a /userinfo request brings.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    pub token: &'a str,
    /// The key of the DPoP proof the token came with (checked by the
    /// caller); `None` for a bearer token, which a DPoP-bound token must
    /// not be.
    pub dpop_jkt: Option<&'a str>,
    /// What the caller asks of the user's sign-in (RFC 9470).
    pub demand: &'a Demand,
}

/// [`userinfo`] and the client the access token was issued to (whose
/// browser origins may read the answer).
pub async fn answer(
    store: &dyn Store,
    keys: &KeySet,
    secrets: &Secrets,
    issuer: &str,
    asked: &Asked<'_>,
    now: i64,
) -> Result<(Map<String, Value>, String), Occurrence> {
    let (claims, client) = access::check(store, keys, issuer, asked.token, now).await?;
    crate::dpop::check_token_binding(claims.cnf.as_ref().map(|c| c.jkt.as_str()), asked.dpop_jkt)?;
    asked.demand.check(&claims, now)?;
    if !super::has_scope(&claims.scope, "openid") {
        return Err(
            SCOPE_NOT_GRANTED.with_detail("the userinfo endpoint requires the openid scope")
        );
    }
    let local = access::local_sub(secrets, &claims)?;
    let Some(user) = store.get_user(&local).await? else {
        return Err(TOKEN_INACTIVE.with_detail("the user of this token no longer exists"));
    };
    // `sub` as the client knows it: pairwise clients have their own.
    let mut released = release(&claims.sub, &claims.scope, &user.claims);
    // The claims asked for by name at /authorize (OIDC Core §5.5).
    let named = claims
        .userinfo_claims
        .iter()
        .flatten()
        .map(String::as_str)
        .filter(|n| crate::claims::scope_of(n).is_some());
    released.extend(crate::claims::select(named, &user.claims));
    Ok((released, client.client_id))
}
