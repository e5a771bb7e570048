//! Client authentication at the token, introspection and revocation
//! endpoints (RFC 6749 §2.3, RFC 7523 §2.2, OIDC Core §9): one module per
//! method. Only the method the client registered is accepted; using two
//! mechanisms at once is refused (RFC 6749 §2.3: "MUST NOT use more than
//! one authentication method in each request").

pub mod assertion;
pub mod client_secret_basic;
pub mod client_secret_jwt;
pub mod client_secret_post;
pub mod none;
pub mod private_key_jwt;

#[cfg(test)]
mod tests;

use crate::Occurrence;
use crate::catalogue::*;
use crate::client::ClientRecord;
use crate::crypto::Secrets;
use crate::secret::Secret;
use crate::store::Store;

/// RFC 7523 §2.2.
pub const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Credentials as they arrived, before any of them is trusted. Empty
/// values are absent (the HTTP layer drops them). What authenticates is
/// [`Secret`]: `{:?}` does not show it.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// The raw `Authorization` header value (Basic carries the secret).
    pub authorization: Option<Secret<String>>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret<String>>,
    pub client_assertion_type: Option<String>,
    pub client_assertion: Option<Secret<String>>,
}

/// Fetches a client's `jwks_uri` (the HTTP layer owns the network, with
/// its limits and cache). `fresh` asks to bypass the cache, after a key
/// was not found (the client may have rotated).
#[async_trait::async_trait]
pub trait JwksFetcher: Send + Sync {
    async fn fetch(&self, uri: &str, fresh: bool) -> Result<serde_json::Value, Occurrence>;
}

/// What the checks need to know about this server and the moment.
#[derive(Clone, Copy)]
pub struct AuthContext<'a> {
    pub issuer: &'a str,
    /// Accepted as an assertion `aud`, besides the issuer.
    pub token_endpoint: &'a str,
    /// The URL of the endpoint receiving the request, accepted as an
    /// assertion `aud` too (RFC 7523 §3; RFC 9126 §2 names it for /par).
    pub endpoint: &'a str,
    pub secrets: &'a Secrets,
    pub now: i64,
    /// Where `jwks_uri` keys come from; `None`: not fetched.
    pub jwks: Option<&'a dyn JwksFetcher>,
    /// `profile = "fapi2"`: the FAPI 2.0 Security Profile holds for every
    /// client (else only for those whose metadata asks for it).
    pub fapi2: bool,
}

impl std::fmt::Debug for AuthContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthContext")
            .field("issuer", &self.issuer)
            .field("token_endpoint", &self.token_endpoint)
            .field("endpoint", &self.endpoint)
            .field("now", &self.now)
            .finish()
    }
}

/// The method a request used, decided from its shape alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Basic {
        client_id: String,
        secret: client_secret_basic::BasicSecret,
    },
    Post {
        client_id: String,
        secret: Secret<String>,
    },
    Assertion(assertion::Unverified),
    None {
        client_id: String,
    },
}

impl Attempt {
    /// The `token_endpoint_auth_method` this attempt corresponds to.
    pub fn method(&self) -> &'static str {
        match self {
            Attempt::Basic { .. } => "client_secret_basic",
            Attempt::Post { .. } => "client_secret_post",
            Attempt::Assertion(a) if a.is_hmac() => "client_secret_jwt",
            Attempt::Assertion(_) => "private_key_jwt",
            Attempt::None { .. } => "none",
        }
    }

    pub fn client_id(&self) -> &str {
        match self {
            Attempt::Basic { client_id, .. }
            | Attempt::Post { client_id, .. }
            | Attempt::None { client_id } => client_id,
            Attempt::Assertion(a) => &a.client_id,
        }
    }

    /// The HTTP authentication scheme named in `WWW-Authenticate` on failure.
    pub fn scheme(&self) -> Option<&'static str> {
        match self {
            Attempt::Basic { .. } => Some("Basic"),
            _ => None,
        }
    }
}

/// Decide which single method the request used. Refuses two mechanisms at
/// once (H5), a `client_id` in the body that differs from the one the
/// credentials name, and a request with no client at all.
pub fn classify(creds: &Credentials) -> Result<Attempt, Occurrence> {
    let basic = creds
        .authorization
        .as_ref()
        .map(|header| client_secret_basic::parse_header(header.expose_str()))
        .transpose()?;
    let assertion = creds.client_assertion.is_some() || creds.client_assertion_type.is_some();
    let used: Vec<&str> = [
        (
            basic.is_some(),
            "the Authorization header (client_secret_basic)",
        ),
        (creds.client_secret.is_some(), "client_secret in the body"),
        (assertion, "client_assertion"),
    ]
    .into_iter()
    .filter_map(|(yes, name)| yes.then_some(name))
    .collect();
    if used.len() > 1 {
        return Err(MULTIPLE_CLIENT_AUTH_METHODS.with_detail(format!(
            "the request used {}; use only the method the client registered",
            used.join(" and ")
        )));
    }
    let body_id = creds.client_id.as_deref();
    let conflict = |named: &str| -> Result<(), Occurrence> {
        match body_id {
            Some(id) if id != named => Err(CLIENT_ID_CONFLICT
                .with_detail("the client_id parameter names another client than the credentials")),
            _ => Ok(()),
        }
    };
    if let Some((client_id, secret)) = basic {
        conflict(&client_id)?;
        return Ok(Attempt::Basic { client_id, secret });
    }
    if let Some(secret) = &creds.client_secret {
        let Some(client_id) = body_id else {
            return Err(CLIENT_AUTH_MISSING.with_detail("client_secret was sent without client_id"));
        };
        return Ok(Attempt::Post {
            client_id: client_id.to_string(),
            secret: secret.clone(),
        });
    }
    if assertion {
        let unverified = assertion::Unverified::parse(
            creds.client_assertion_type.as_deref(),
            creds.client_assertion.as_ref().map(Secret::expose_str),
        )?;
        conflict(&unverified.client_id)?;
        return Ok(Attempt::Assertion(unverified));
    }
    match body_id {
        Some(id) => Ok(Attempt::None {
            client_id: id.to_string(),
        }),
        None => Err(CLIENT_AUTH_MISSING.with_detail(
            "send client credentials (HTTP Basic, client_secret_post or a client_assertion), or client_id for a public client",
        )),
    }
}

/// Authenticate the client of a request: classify, load, check the
/// registered method, verify, then refuse a deactivated client (G1).
/// Every `invalid_client` failure names the scheme the client tried.
pub async fn authenticate(
    store: &dyn Store,
    ctx: &AuthContext<'_>,
    creds: &Credentials,
) -> Result<ClientRecord, Occurrence> {
    let attempt = classify(creds)?;
    let scheme = attempt.scheme();
    let with_scheme = |mut occ: Occurrence| {
        if let Some(s) = scheme
            && occ.cause.status == 401
        {
            occ = occ.auth_scheme(s);
        }
        occ
    };
    let Some(client) = store.get_client(attempt.client_id()).await? else {
        return Err(with_scheme(UNKNOWN_CLIENT.occur()));
    };
    if crate::fapi2::applies(ctx.fapi2, &client.metadata) {
        fapi2_rules(&client, &attempt, ctx).map_err(with_scheme)?;
    }
    let registered = client.metadata.token_endpoint_auth_method.as_str();
    if attempt.method() != registered {
        return Err(with_scheme(CLIENT_AUTH_METHOD_NOT_ALLOWED.with_detail(
            format!(
                "the client is registered for {registered} but used {}",
                attempt.method()
            ),
        )));
    }
    let verified = match &attempt {
        Attempt::Basic { secret, .. } => {
            client_secret_basic::verify(&client, secret, ctx.secrets, ctx.now)
        }
        Attempt::Post { secret, .. } => {
            client_secret_post::verify(&client, secret.expose_str(), ctx.secrets, ctx.now)
        }
        Attempt::Assertion(a) if a.is_hmac() => {
            client_secret_jwt::verify(store, ctx, &client, a).await
        }
        Attempt::Assertion(a) => private_key_jwt::verify(store, ctx, &client, a).await,
        Attempt::None { .. } => none::verify(&client),
    };
    verified.map_err(with_scheme)?;
    if !client.active {
        return Err(CLIENT_DEACTIVATED.with_detail(format!(
            "the client {} is deactivated; an administrator can reactivate it",
            client.client_id
        )));
    }
    Ok(client)
}

/// FAPI 2.0 Security Profile §5.3.2.1 and §5.4.1, for a client the
/// profile holds for: registered for `private_key_jwt` (so confidential),
/// and an assertion signed with PS256 or ES256 whose `aud` is the issuer,
/// as a single string (an array, or an endpoint URL, could be replayed at
/// another server that shares this audience). Checked before the
/// signature, like the registered algorithm.
fn fapi2_rules(
    client: &ClientRecord,
    attempt: &Attempt,
    ctx: &AuthContext<'_>,
) -> Result<(), Occurrence> {
    let registered = client.metadata.token_endpoint_auth_method.as_str();
    if client.metadata.is_public() {
        return Err(FAPI2_PUBLIC_CLIENT.with_detail(format!(
            "the client {} is registered as public (none); register it for private_key_jwt",
            client.client_id
        )));
    }
    if registered != crate::fapi2::AUTH_METHOD {
        return Err(FAPI2_CLIENT_AUTH_METHOD.with_detail(format!(
            "the client {} is registered for {registered}; register it for private_key_jwt",
            client.client_id
        )));
    }
    if let Attempt::Assertion(a) = attempt {
        let alg = assertion::alg_name(a.alg);
        if !crate::fapi2::ALGS.contains(&alg.as_str()) {
            return Err(FAPI2_CLIENT_ASSERTION_ALG.with_detail(format!(
                "the client_assertion is signed with {alg}; use ES256 or PS256"
            )));
        }
        match &a.aud {
            Some(serde_json::Value::String(aud)) if aud == ctx.issuer => {}
            Some(serde_json::Value::Array(_)) => {
                return Err(FAPI2_CLIENT_ASSERTION_AUDIENCE.with_detail(format!(
                    "aud is an array; send the issuer {} as a string",
                    ctx.issuer
                )));
            }
            _ => {
                return Err(FAPI2_CLIENT_ASSERTION_AUDIENCE
                    .with_detail(format!("aud must be the issuer {}", ctx.issuer)));
            }
        }
    }
    Ok(())
}
