//! `POST /token` (RFC 6749 §3.2) and the client authentication shared with
//! /introspect and /revoke: parse the form, authenticate, call the grant,
//! render JSON with `no-store`.

use super::respond::Failure;
use crate::app::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::Occurrence;
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{
    DPOP_PROOF_MISSING, FAPI2_DPOP_REQUIRED, REPEATED_PARAMETER, UNSUPPORTED_CONTENT_TYPE,
};
use latchkey_core::client::ClientRecord;
use latchkey_core::client_auth::{self, AuthContext, Credentials};
use latchkey_core::fapi2;
use latchkey_core::keys::KeySet;
use latchkey_core::secret::Secret;
use latchkey_core::token::{self, TokenContext};
use std::sync::Arc;

/// The form body of a client-authenticated endpoint: form media type only,
/// no repeated parameter, empty values absent.
pub fn form(headers: &HeaderMap, body: &Bytes) -> Result<RawParams, Failure> {
    if !super::is_form(headers) {
        return Err(Failure::json(UNSUPPORTED_CONTENT_TYPE.with_detail(
            "send the parameters as application/x-www-form-urlencoded",
        )));
    }
    let params = RawParams::parse(&String::from_utf8_lossy(body));
    if let Some(name) = params.first_repeated() {
        return Err(Failure::json(
            REPEATED_PARAMETER.with_detail(name.to_string()),
        ));
    }
    Ok(params)
}

fn one(params: &RawParams, name: &str) -> Option<String> {
    params.single(name).ok().flatten().map(str::to_string)
}

/// Authenticate the client of a form request to the endpoint at `path`
/// (the extractor of the client-authenticated endpoints), and count it
/// against its rate limit.
pub async fn authenticate(
    app: &App,
    headers: &HeaderMap,
    params: &RawParams,
    path: &str,
) -> Result<ClientRecord, Failure> {
    let authorization = match headers.get(header::AUTHORIZATION) {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| {
                    Failure::json(
                        latchkey_core::catalogue::AUTHORIZATION_HEADER_MALFORMED
                            .with_detail("the Authorization header is not ASCII"),
                    )
                })?
                .to_string(),
        ),
        None => None,
    };
    let creds = Credentials {
        authorization: authorization.map(Secret::new),
        client_id: one(params, "client_id"),
        client_secret: one(params, "client_secret").map(Secret::new),
        client_assertion_type: one(params, "client_assertion_type"),
        client_assertion: one(params, "client_assertion").map(Secret::new),
    };
    let token_endpoint = format!("{}/token", app.config.issuer);
    let endpoint = format!("{}{path}", app.config.issuer);
    let ctx = AuthContext {
        issuer: &app.config.issuer,
        token_endpoint: &token_endpoint,
        endpoint: &endpoint,
        secrets: &app.secrets,
        now: latchkey_core::now_unix(),
        jwks: Some(&app.fetcher),
        fapi2: app.config.fapi2,
    };
    let client = client_auth::authenticate(app.store.as_ref(), &ctx, &creds)
        .await
        .map_err(|occ| Failure::json(naming_client(occ, &creds)))?;
    super::rate_limit::check_client(app, &client.client_id).await?;
    Ok(client)
}

/// The log line of a refused authentication names the client the request
/// claimed to be, when it named one.
fn naming_client(occ: Occurrence, creds: &Credentials) -> Occurrence {
    if occ.client_id.is_some() {
        return occ;
    }
    match client_auth::classify(creds) {
        Ok(attempt) => {
            let claimed = attempt.client_id().to_string();
            occ.client(claimed)
        }
        Err(_) => occ,
    }
}

pub fn context<'a>(app: &'a App, keys: &'a KeySet) -> TokenContext<'a> {
    TokenContext {
        issuer: &app.config.issuer,
        keys,
        secrets: &app.secrets,
        access_token_alg: app.config.access_token_alg,
        access_token_ttl: app.config.access_token_ttl,
        refresh_token_ttl: app.config.refresh_token_ttl,
        refresh_grace: app.config.refresh_grace,
        now: latchkey_core::now_unix(),
        dpop_jkt: None,
    }
}

/// A JSON answer that must not be cached (RFC 6749 §5.1).
pub fn no_store_json(body: impl serde::Serialize) -> Response {
    let mut res = axum::Json(body).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

/// `POST /token`.
pub async fn token(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> Result<Response, Failure> {
    match issue(&app, &headers, &body).await {
        Ok(res) => Ok(res),
        Err(failure) => {
            audit_replay(&app, &headers, &extensions, &failure.occ).await;
            Ok(super::dpop::refused(&app, failure))
        }
    }
}

/// A replayed code or rotated refresh token revoked the user's grant:
/// recorded in the audit trail by the server (`system`), on the user,
/// with the client that presented it.
async fn audit_replay(
    app: &App,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
    occ: &Occurrence,
) {
    use latchkey_core::audit::{Actor, AuditEvent, kind};
    use latchkey_core::catalogue::{CODE_REUSED, REFRESH_TOKEN_REUSED};
    let event_kind = if occ.is(&CODE_REUSED) {
        kind::CODE_REUSED
    } else if occ.is(&REFRESH_TOKEN_REUSED) {
        kind::REFRESH_TOKEN_REUSED
    } else {
        return;
    };
    let Some(target) = occ.subject.clone() else {
        return;
    };
    let address = super::client_address::of(extensions, headers, &app.config.trusted_proxies)
        .map(|ip| ip.to_string());
    let mut event = AuditEvent::new(&Actor::System, event_kind, target)
        .address(address)
        .with("cause", occ.cause.id)
        .with("grant_revoked", true);
    if let Some(client_id) = &occ.client_id {
        event = event.with("client_id", client_id.as_str());
    }
    crate::audit::record(app, event).await;
}

/// The DPoP proof of a token request (RFC 9449 §5), checked; required
/// when the client registered `dpop_bound_access_tokens`, and under the
/// FAPI 2.0 profile (§5.3.2.1: sender-constrained access tokens only),
/// where it is also signed with PS256 or ES256 (§5.4.1).
async fn token_proof(
    app: &App,
    headers: &HeaderMap,
    client: &ClientRecord,
) -> Result<Option<latchkey_core::dpop::Checked>, Occurrence> {
    let fapi2 = fapi2::applies(app.config.fapi2, &client.metadata);
    let checked = match super::dpop::proof_of(headers)? {
        Some(proof) => Some(super::dpop::check(app, proof, "POST", "/token", None).await?),
        None => None,
    };
    match &checked {
        None if fapi2 => {
            return Err(FAPI2_DPOP_REQUIRED.with_detail(
                "the FAPI 2.0 profile holds for this client: every token request carries a DPoP proof",
            ));
        }
        None if client.metadata.dpop_bound_access_tokens => {
            return Err(DPOP_PROOF_MISSING
                .with_detail("the client is registered with dpop_bound_access_tokens"));
        }
        Some(c) if fapi2 => super::dpop::fapi2_alg(c)?,
        _ => {}
    }
    Ok(checked)
}

async fn issue(app: &App, headers: &HeaderMap, body: &Bytes) -> Result<Response, Failure> {
    let params = form(headers, body)?;
    let client = authenticate(app, headers, &params, "/token").await?;
    fapi2::check_client(&client.metadata, app.config.fapi2)
        .map_err(|occ| Failure::json(occ.client(client.client_id.as_str())))?;
    let checked = token_proof(app, headers, &client)
        .await
        .map_err(|occ| Failure::json(occ.client(client.client_id.as_str())))?;
    let keys = app.keys();
    let mut ctx = context(app, &keys);
    ctx.dpop_jkt = checked.as_ref().map(|c| c.proof.jkt.as_str());
    if fapi2::applies(app.config.fapi2, &client.metadata) {
        // §5.4.1: no RS256 access tokens for a client under the profile.
        ctx.access_token_alg = latchkey_core::keys::Alg::Es256;
    }
    fail::fail_point!("token.issue", |_| Err(Failure::json(
        latchkey_core::catalogue::INTERNAL_ERROR
            .occur()
            .debug("failpoint token.issue is armed")
    )));
    let response = token::exchange(app.store.as_ref(), &ctx, &client, &params)
        .await
        .map_err(|occ: Occurrence| Failure::json(occ.client(client.client_id.as_str())))?;
    tracing::info!(
        client_id = client.client_id.as_str(),
        grant_type = params.single("grant_type").ok().flatten().unwrap_or_default(),
        sub = response.sub.as_deref(),
        scope = %response.scope,
        token_type = response.token_type,
        refresh_token = response.refresh_token.is_some(),
        id_token = response.id_token.is_some(),
        "tokens issued"
    );
    if let (Some(grant_id), Some(sub)) = (&response.grant_id, &response.sub) {
        crate::grant_uses::note(
            app,
            grant_id,
            sub,
            &client.client_id,
            response.sid.as_deref(),
        )
        .await;
    }
    crate::grant_uses::note_client(app, &client.client_id);
    let res = super::dpop::answered(app, no_store_json(response), checked.as_ref());
    Ok(super::cors::answered(res, &client.client_id))
}
