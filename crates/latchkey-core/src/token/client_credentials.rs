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
use crate::resource_record::ResourceRecord;
use crate::scope::Scope;
use crate::store::ResourceStore;

const USER_ONLY: &[&str] = &["openid", "offline_access"];

pub fn scope(client: &ClientRecord, requested: Option<&str>) -> Result<Scope, Occurrence> {
    // The admin API's scopes are for people holding a role, never for a
    // client on its own.
    let registered = Scope::split(client.metadata.scope.as_deref().unwrap_or(""))
        .without(USER_ONLY)
        .without(&crate::user::ADMIN_SCOPES);
    let Some(requested) = requested else {
        return Ok(registered);
    };
    // Each word in turn, so the first one at fault names the error.
    for s in requested.split(' ') {
        if s.is_empty() {
            return Err(SCOPE_MALFORMED
                .with_detail("scope values are separated by single spaces (RFC 6749 §3.3)"));
        }
        if USER_ONLY.contains(&s) || crate::user::ADMIN_SCOPES.contains(&s) {
            return Err(SCOPE_NOT_ALLOWED.with_detail(format!(
                "scope {s} needs a user; client_credentials has none"
            )));
        }
        if !registered.contains(s) {
            return Err(SCOPE_NOT_ALLOWED.with_detail(format!("scope {s}")));
        }
    }
    Ok(Scope::split(requested))
}

/// With `resource` (RFC 8707), the token is for that registered resource
/// and carries the client's scopes it accepts; a `scope` asked for that it
/// does not accept is refused.
pub async fn exchange(
    store: &dyn ResourceStore,
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    params: &RawParams,
) -> Result<TokenResponse, Occurrence> {
    let resource = match crate::resource::named_at_token(params)? {
        Some(named) => Some(crate::resource::registered(store, named, &client.client_id).await?),
        None => None,
    };
    issue(ctx, client, params, resource.as_ref())
}

/// The token of [`exchange`], once the named resource (if any) is read.
pub fn issue(
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    params: &RawParams,
    resource: Option<&ResourceRecord>,
) -> Result<TokenResponse, Occurrence> {
    let requested = param(params, "scope")?;
    let scope = scope(client, requested)?;
    let (aud, scope) = match resource {
        Some(r) => {
            let t = crate::resource::target(r, &scope, requested.is_some())?;
            (t.aud, t.scope)
        }
        None => (ctx.issuer.to_string(), scope.to_string()),
    };
    let claims = AccessClaims {
        iss: ctx.issuer.to_string(),
        sub: client.client_id.clone(),
        aud,
        client_id: client.client_id.clone(),
        scope: scope.clone(),
        iat: ctx.now,
        exp: ctx.now + ctx.access_token_ttl,
        jti: crate::crypto::random_token()?,
        auth_time: None,
        acr: None,
        amr: None,
        grant_id: None,
        cnf: ctx.cnf(),
        act: None,
        userinfo_claims: None,
        sub_sealed: None,
    };
    Ok(TokenResponse {
        access_token: access::sign(ctx, &claims)?.into(),
        token_type: ctx.token_type(),
        expires_in: ctx.access_token_ttl,
        scope,
        refresh_token: None,
        id_token: None,
        issued_token_type: None,
        sub: None,
        grant_id: None,
        sid: None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::client::ClientMetadata;

    fn client(scope: &str) -> ClientRecord {
        ClientRecord {
            client_id: "svc".into(),
            secret_hash: Some("h".into()),
            previous_secret: None,
            active: true,
            metadata: ClientMetadata {
                scope: Some(scope.into()),
                ..Default::default()
            },
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn the_registered_scope_without_user_tokens_and_the_first_word_at_fault() {
        let c = client("openid api:read api:write offline_access");
        assert_eq!(scope(&c, None).unwrap().to_string(), "api:read api:write");
        let asked = scope(&c, Some("api:write api:read api:write")).unwrap();
        assert_eq!(asked.to_string(), "api:write api:read");
        let cause = |requested: &str| scope(&c, Some(requested)).unwrap_err().cause.id;
        assert_eq!(cause("openid  api:read"), "scope_not_allowed");
        assert_eq!(cause("api:read  openid"), "scope_malformed");
        assert_eq!(cause("api:delete"), "scope_not_allowed");
    }
}
