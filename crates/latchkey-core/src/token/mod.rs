//! The token endpoint (RFC 6749 §3.2, §4.1.3, §4.4, §5, §6) and what it
//! issues. Dispatch is a `match` on `grant_type`, one module per grant;
//! the tokens themselves are made in `access` and `id_token`.

pub mod access;
pub mod authorization_code;
pub mod client_credentials;
pub mod device_code;
pub mod exchange;
pub mod id_token;
pub mod introspection;
pub mod refresh_token;
pub mod revocation;
pub mod step_up;
pub mod userinfo;

use crate::Occurrence;
use crate::authorize::RawParams;
use crate::catalogue::*;
use crate::claims::ClaimsRequest;
use crate::client::{ClientRecord, TOKEN_EXCHANGE};
use crate::crypto::Secrets;
use crate::device::GRANT_TYPE as DEVICE_CODE;
use crate::grant::RefreshRecord;
use crate::keys::{Alg, KeySet};
use crate::resource::Target;
use crate::scope::Scope;
use crate::secret::Secret;
use crate::store::Store;
use serde_json::{Map, Value};

/// Grant types registered with IANA that this server does not enable:
/// refused as `unknown_request` (U19) rather than "unknown grant".
pub const REGISTERED_NOT_ENABLED: &[&str] = &[
    "password",
    "implicit",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
    "urn:openid:params:grant-type:ciba",
];

/// ID tokens live one hour.
pub const ID_TOKEN_TTL: i64 = 3600;

/// Settings and state the grants need, for one request.
#[derive(Debug, Clone, Copy)]
pub struct TokenContext<'a> {
    pub issuer: &'a str,
    pub keys: &'a KeySet,
    pub secrets: &'a Secrets,
    pub access_token_alg: Alg,
    pub access_token_ttl: i64,
    pub refresh_token_ttl: i64,
    pub refresh_grace: i64,
    pub now: i64,
    /// The thumbprint of the key of the request's DPoP proof (checked by
    /// the caller): the access token is bound to it, and so is a public
    /// client's refresh token (RFC 9449 §5).
    pub dpop_jkt: Option<&'a str>,
}

impl TokenContext<'_> {
    /// How long a revoked grant is remembered: longer than anything issued
    /// from it can live.
    pub fn revocation_horizon(&self) -> i64 {
        self.now + self.refresh_token_ttl.max(self.access_token_ttl)
    }

    /// `cnf` of the access token issued now.
    pub fn cnf(&self) -> Option<access::Confirmation> {
        self.dpop_jkt.map(|jkt| access::Confirmation {
            jkt: jkt.to_string(),
        })
    }

    /// `token_type` of the answer (RFC 9449 §5): `DPoP` for a bound token.
    pub fn token_type(&self) -> &'static str {
        if self.dpop_jkt.is_some() {
            "DPoP"
        } else {
            "Bearer"
        }
    }
}

/// The longest `tokens.access_token_ttl` allowed (seconds): what a
/// revocation must outlive when the tokens' own lifetime is not at hand.
pub const ACCESS_TOKEN_TTL_MAX: i64 = 86_400;

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenResponse {
    pub access_token: Secret<String>,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<Secret<String>>,
    /// Token exchange: what `access_token` is (RFC 8693 §2.2.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<&'static str>,
    /// The user the tokens are for (none for client_credentials), for the
    /// operator's log; not part of the answer.
    #[serde(skip)]
    pub sub: Option<String>,
    /// The grant the tokens belong to (none for client_credentials): the
    /// caller notes its use for the account page; not part of the answer.
    #[serde(skip)]
    pub grant_id: Option<String>,
    /// The browser session the grant was made in, if any: the caller
    /// notes it with the grant's use, so the session's end reaches the
    /// client (back-channel logout); not part of the answer.
    #[serde(skip)]
    pub sid: Option<String>,
}

/// One parameter given at most once (repeats are refused before, but the
/// check costs nothing).
pub fn param<'p>(params: &'p RawParams, name: &str) -> Result<Option<&'p str>, Occurrence> {
    params
        .single(name)
        .map_err(|_| REPEATED_PARAMETER.with_detail(name.to_string()))
}

/// Exchange a grant for tokens. The client is already authenticated.
pub async fn exchange(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    params: &RawParams,
) -> Result<TokenResponse, Occurrence> {
    let Some(grant_type) = param(params, "grant_type")? else {
        return Err(GRANT_TYPE_MISSING.occur());
    };
    let registered = |g: &str| client.metadata.grant_types.iter().any(|x| x == g);
    match grant_type {
        "authorization_code" | "refresh_token" | "client_credentials" | DEVICE_CODE
        | TOKEN_EXCHANGE
            if !registered(grant_type) =>
        {
            Err(GRANT_TYPE_NOT_ALLOWED.with_detail(format!(
                "the client is not registered for {grant_type}; add it to its grant_types"
            )))
        }
        "authorization_code" => authorization_code::exchange(store, ctx, client, params).await,
        "refresh_token" => refresh_token::exchange(store, ctx, client, params).await,
        "client_credentials" => client_credentials::exchange(store, ctx, client, params).await,
        DEVICE_CODE => device_code::exchange(store, ctx, client, params).await,
        TOKEN_EXCHANGE => exchange::exchange(store, ctx, client, params).await,
        g if REGISTERED_NOT_ENABLED.contains(&g) => Err(UNKNOWN_REQUEST
            .with_detail(format!("the grant type {g} is not enabled on this server"))),
        _ => Err(UNSUPPORTED_GRANT_TYPE.with_detail(format!(
            "supported: {}",
            crate::client::GRANT_TYPES.join(", ")
        ))),
    }
}

/// Whether a scope as tokens carry it (space separated) contains `value`.
pub fn has_scope(scope: &str, value: &str) -> bool {
    Scope::split(scope).contains(value)
}

/// RFC 6749 §6: a refresh may ask for less than was granted, never more.
pub fn narrow(requested: Option<&str>, granted: &Scope) -> Result<Scope, Occurrence> {
    let Some(requested) = requested else {
        return Ok(granted.clone());
    };
    let requested = Scope::split(requested);
    if let Some(s) = requested.iter().find(|s| !granted.contains(s)) {
        return Err(SCOPE_BROADER_THAN_GRANTED.with_detail(format!("scope {s} was not granted")));
    }
    Ok(requested)
}

/// What tokens are issued from: a code or a refresh token of one grant.
#[derive(Debug, Clone)]
pub struct GrantInfo<'a> {
    pub grant_id: &'a str,
    pub sub: &'a str,
    /// The scope of these tokens (possibly narrowed).
    pub scope: &'a str,
    pub auth_time: Option<i64>,
    pub acr: Option<&'a str>,
    pub amr: &'a [String],
    pub sid: Option<&'a str>,
    pub nonce: Option<&'a str>,
    /// The claims asked for by name at /authorize (OIDC Core §5.5).
    pub claims: Option<&'a ClaimsRequest>,
    /// The user claims the ID token carries for them ([`id_token_claims`]).
    pub id_claims: Option<&'a Map<String, Value>>,
    /// The resources of the grant (RFC 8707), kept with its refresh tokens.
    pub resources: &'a [String],
    /// The resource the access token is for, with its scope; `None`: this
    /// server, with the whole scope.
    pub target: Option<&'a Target>,
}

/// The user claims a grant's claims request asks for in the ID token,
/// with the user's values now (OIDC Core §5.5): loaded only when it asks
/// for some and the tokens carry `openid`.
pub async fn id_token_claims(
    store: &dyn Store,
    sub: &str,
    scope: &str,
    claims: Option<&ClaimsRequest>,
) -> Result<Option<Map<String, Value>>, Occurrence> {
    let Some(claims) = claims else {
        return Ok(None);
    };
    if claims.id_token_claims().next().is_none() || !has_scope(scope, "openid") {
        return Ok(None);
    }
    let Some(user) = store.get_user(sub).await? else {
        return Ok(None);
    };
    Ok(Some(crate::claims::select(
        claims.id_token_claims(),
        &user.claims,
    )))
}

/// Issue the access token and, for `openid`, the ID token of a user grant.
pub fn issue_user_tokens(
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    grant: &GrantInfo<'_>,
    refresh_token: Option<String>,
) -> Result<TokenResponse, Occurrence> {
    let subject = client.subject(ctx.secrets, grant.sub);
    // A pairwise client's token names the user by the client's own `sub`;
    // the local one travels sealed, for /userinfo.
    let sub_sealed = if client.metadata.is_pairwise() {
        Some(access::seal_sub(ctx.secrets, grant.sub)?)
    } else {
        None
    };
    // The access token is for its resource and carries the scopes that
    // resource accepts; the ID token (and the answer's refresh token)
    // stay with the grant's scope.
    let access_scope = grant.target.map_or(grant.scope, |t| t.scope.as_str());
    let claims = access::AccessClaims {
        iss: ctx.issuer.to_string(),
        sub: subject,
        sub_sealed,
        aud: grant
            .target
            .map_or_else(|| ctx.issuer.to_string(), |t| t.aud.clone()),
        client_id: client.client_id.clone(),
        scope: access_scope.to_string(),
        iat: ctx.now,
        exp: ctx.now + ctx.access_token_ttl,
        jti: crate::crypto::random_token()?,
        auth_time: grant.auth_time,
        acr: grant.acr.map(str::to_string),
        amr: (!grant.amr.is_empty()).then(|| grant.amr.to_vec()),
        grant_id: Some(grant.grant_id.to_string()),
        cnf: ctx.cnf(),
        act: None,
        userinfo_claims: grant
            .claims
            .map(|c| c.userinfo_claims().map(str::to_string).collect::<Vec<_>>())
            .filter(|names| !names.is_empty()),
    };
    let access_token = access::sign(ctx, &claims)?;
    let id_token = if has_scope(grant.scope, "openid") {
        Some(id_token::sign(ctx, client, grant, &access_token)?)
    } else {
        None
    };
    Ok(TokenResponse {
        access_token: access_token.into(),
        token_type: ctx.token_type(),
        expires_in: ctx.access_token_ttl,
        scope: access_scope.to_string(),
        refresh_token: refresh_token.map(Secret::new),
        id_token: id_token.map(Secret::new),
        issued_token_type: None,
        sub: Some(grant.sub.to_string()),
        grant_id: Some(grant.grant_id.to_string()),
        sid: grant.sid.map(str::to_string),
    })
}

/// Choice: a refresh token is issued to clients registered for the
/// `refresh_token` grant type (whatever the scope), from user grants only.
pub fn wants_refresh(client: &ClientRecord) -> bool {
    client
        .metadata
        .grant_types
        .iter()
        .any(|g| g == "refresh_token")
}

/// The refresh token a new user grant starts with, and its record to
/// keep: made when [`wants_refresh`], for the grant's whole scope.
pub fn refresh_for(
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    grant: &GrantInfo<'_>,
) -> Result<Option<(String, RefreshRecord)>, Occurrence> {
    if wants_refresh(client) {
        new_refresh(ctx, client, grant, grant.scope).map(Some)
    } else {
        Ok(None)
    }
}

/// For a store call that keeps a new grant's refresh token in its own
/// transaction: hands it the record to keep and puts the token (or why it
/// could not be made) in `out`.
pub fn keep_refresh(
    made: Result<Option<(String, RefreshRecord)>, Occurrence>,
    out: &mut Result<Option<String>, Occurrence>,
) -> Option<RefreshRecord> {
    match made {
        Ok(Some((token, record))) => {
            *out = Ok(Some(token));
            Some(record)
        }
        Ok(None) => None,
        Err(e) => {
            *out = Err(e);
            None
        }
    }
}

/// Seconds a refresh token of `client` lives: the server's
/// `tokens.refresh_token_ttl`, or the client's shorter `refresh_token_ttl`
/// (browser apps, per the OAuth 2.0 for Browser-Based Apps BCP). The
/// server's setting caps it even if it was lowered after registration.
pub fn refresh_ttl(ctx: &TokenContext<'_>, client: &ClientRecord) -> i64 {
    match client.metadata.refresh_token_ttl {
        Some(ttl) => ttl.clamp(1, ctx.refresh_token_ttl.max(1)),
        None => ctx.refresh_token_ttl,
    }
}

/// A new refresh token of `grant` and its record (stored by hash).
pub fn new_refresh(
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    grant: &GrantInfo<'_>,
    grant_scope: &str,
) -> Result<(String, RefreshRecord), Occurrence> {
    let token = crate::crypto::random_token()?;
    let record = RefreshRecord {
        token_hash: ctx.secrets.hash(&token),
        grant_id: grant.grant_id.to_string(),
        client_id: client.client_id.clone(),
        sub: grant.sub.to_string(),
        scope: grant_scope.to_string(),
        auth_time: grant.auth_time,
        acr: grant.acr.map(str::to_string),
        amr: grant.amr.to_vec(),
        sid: grant.sid.map(str::to_string),
        claims: grant.claims.cloned(),
        resources: grant.resources.to_vec(),
        created_at: ctx.now,
        expires_at: ctx.now + refresh_ttl(ctx, client),
        rotated_at: None,
        successor_sealed: None,
        revoked_at: None,
        // Public clients only: a confidential client's refresh token is
        // bound to its authentication already (RFC 9449 §5).
        dpop_jkt: ctx
            .dpop_jkt
            .filter(|_| client.metadata.is_public())
            .map(str::to_string),
    };
    Ok((token, record))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_refresh_narrows_in_its_own_order_never_widens() {
        let granted = Scope::split("openid email profile");
        assert_eq!(narrow(None, &granted).unwrap(), granted);
        let narrowed = narrow(Some("profile  openid profile"), &granted).unwrap();
        assert_eq!(narrowed.to_string(), "profile openid");
        let wider = narrow(Some("openid phone"), &granted).unwrap_err();
        assert!(wider.is(&SCOPE_BROADER_THAN_GRANTED));
        assert!(wider.description().contains("scope phone was not granted"));
    }

    #[test]
    fn a_token_scope_holds_whole_tokens() {
        assert!(has_scope("openid email", "email"));
        assert!(!has_scope("openid email", "mail"));
        assert!(!has_scope("openid email", "openid email"));
    }
}
