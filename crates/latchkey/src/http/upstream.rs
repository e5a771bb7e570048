//! "Sign in with ...": the browser side of upstream identity providers.
//!
//! `POST /upstream/{id}` (a button on the login page) parks the PKCE
//! verifier, the nonce and our interaction server-side under a fresh
//! `state` and sends the browser to the upstream. `GET
//! /upstream/{id}/callback` takes that state once, checks the browser
//! binding through the interaction, redeems the code (client_secret_basic),
//! verifies the ID token, links the account to a local user and continues
//! the flow exactly as after a password sign-in. The upstream's failures
//! are translated into our causes and redirected to our client, whose
//! redirect URI was verified before the interaction existed.

use super::authorize::to_client;
use super::fetch::{FetchError, Fetcher};
use super::respond::Failure;
use super::ui;
use crate::app::App;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::Occurrence;
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{
    INTERACTION_EXPIRED, MISCONFIGURATION, SESSION_LOST, UPSTREAM_ERROR, UPSTREAM_ID_TOKEN_INVALID,
    UPSTREAM_NOT_FOUND, UPSTREAM_UNAVAILABLE,
};
use latchkey_core::crypto::random_token;
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::session::InteractionRecord;
use latchkey_core::upstream::{
    self as core, Metadata, STATE_TTL, UpstreamConfig, UpstreamSessionRecord, UpstreamStateRecord,
};
use latchkey_core::user::UserRecord;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A discovery document is reused this long.
const DISCOVERY_CACHE_FOR: Duration = Duration::from_secs(900);

/// Seconds a client is asked to wait when the upstream is unreachable.
const UNAVAILABLE_RETRY: u64 = 30;

/// The configured upstreams and their cached discovery documents.
pub struct Upstreams {
    list: Vec<UpstreamConfig>,
    discovery: Mutex<HashMap<String, (Instant, Arc<Metadata>)>>,
}

impl Upstreams {
    pub fn new(list: Vec<UpstreamConfig>) -> Upstreams {
        Upstreams {
            list,
            discovery: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, id: &str) -> Option<&UpstreamConfig> {
        self.list.iter().find(|u| u.id == id)
    }

    /// The upstream's discovery document, fetched through the fence and
    /// cached; a failure is not cached.
    async fn metadata(
        &self,
        fetcher: &Fetcher,
        up: &UpstreamConfig,
    ) -> Result<Arc<Metadata>, Occurrence> {
        let cached = self.discovery.lock().ok().and_then(|c| {
            c.get(&up.id)
                .filter(|(at, _)| at.elapsed() < DISCOVERY_CACHE_FOR)
                .map(|(_, m)| m.clone())
        });
        if let Some(meta) = cached {
            return Ok(meta);
        }
        let url = up.discovery_url();
        let doc = fetcher
            .get_json(&url, None)
            .await
            .map_err(|e| fetch_failure(up, "discovery document", &url, e))?;
        let meta = core::parse_metadata(&up.issuer, &doc)
            .map_err(|why| misconfigured(up, format!("discovery document at {url}: {why}")))?;
        let meta = Arc::new(meta);
        if let Ok(mut cache) = self.discovery.lock() {
            cache.insert(up.id.clone(), (Instant::now(), meta.clone()));
        }
        Ok(meta)
    }
}

/// The upstream's setup is wrong (our registration there, or its
/// documents): `server_error`, cause `misconfiguration`, the details
/// (never the secret) in the log.
fn misconfigured(up: &UpstreamConfig, why: impl std::fmt::Display) -> Occurrence {
    MISCONFIGURATION
        .with_detail(format!(
            "signing in with the upstream identity provider {} is misconfigured",
            up.id
        ))
        .debug(format!(
            "[[upstream]] id={} issuer={} client_id={}: {why}",
            up.id, up.issuer, up.client_id
        ))
}

/// A fetch that failed: unreachable (or overloaded) is temporary, a
/// refused URL or an unusable answer is a misconfiguration.
fn fetch_failure(up: &UpstreamConfig, what: &str, url: &str, err: FetchError) -> Occurrence {
    match err {
        FetchError::Unreachable(why) => UPSTREAM_UNAVAILABLE
            .with_detail(format!(
                "the upstream identity provider {} cannot be reached",
                up.id
            ))
            .retry_after(UNAVAILABLE_RETRY)
            .debug(format!("upstream {} {what} at {url}: {why}", up.id)),
        FetchError::Status(502..=504, _) => UPSTREAM_UNAVAILABLE
            .with_detail(format!(
                "the upstream identity provider {} is unavailable",
                up.id
            ))
            .retry_after(UNAVAILABLE_RETRY)
            .debug(format!("upstream {} {what} at {url}: {err}", up.id)),
        err => misconfigured(up, format!("{what} at {url}: {err}")),
    }
}

/// The sign-in buttons for the login page: one small form each, so no
/// script is needed and the CSRF token travels as on every other form.
pub fn buttons(app: &App, interaction_id: &str, csrf: &str) -> String {
    if app.upstreams.list.is_empty() {
        return String::new();
    }
    let forms: String = app
        .upstreams
        .list
        .iter()
        .map(|u| {
            format!(
                "<form method=\"post\" action=\"/upstream/{id}\">\
<input type=\"hidden\" name=\"i\" value=\"{i}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<button type=\"submit\" class=\"upstream\">Sign in with {name}</button></form>",
                id = esc(&u.id),
                i = esc(interaction_id),
                csrf = esc(csrf),
                name = esc(&u.name),
            )
        })
        .collect();
    format!("<div class=\"upstreams\"><p class=\"muted\">or</p>{forms}</div>")
}

/// `POST /upstream/{id}`: send the browser to the upstream.
pub async fn start(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let form = ui::Form::parse(&headers, &body)?;
    let (interaction, _client, browser) = ui::load(&app, &headers, form.get("i")).await?;
    let back = to_client(&interaction.request);
    ui::check_csrf(&app, &form, &browser, &interaction.request)?;
    let Some(up) = app.upstreams.get(&id) else {
        return Err(Failure::page(UPSTREAM_NOT_FOUND.with_detail(
            "no upstream identity provider is configured with this id",
        )));
    };
    let meta = match app.upstreams.metadata(&app.fetcher, up).await {
        Ok(m) => m,
        Err(occ) => return Err(end(&app, &interaction, back(occ)).await),
    };
    let state = random_token().map_err(|e| back(e.into()))?;
    let nonce = random_token().map_err(|e| back(e.into()))?;
    let verifier = random_token().map_err(|e| back(e.into()))?;
    let state_hash = app.secrets.hash(&state);
    let now = latchkey_core::now_unix();
    let record = UpstreamStateRecord {
        verifier_sealed: app
            .secrets
            .seal(verifier.as_bytes(), state_hash.as_bytes())
            .map_err(|e| back(e.into()))?,
        state_hash,
        upstream_id: up.id.clone(),
        interaction_id: interaction.id.clone(),
        nonce: nonce.clone(),
        created_at: now,
        expires_at: now + STATE_TTL,
    };
    app.store
        .insert_upstream_state(&record)
        .await
        .map_err(|e| back(e.into()))?;
    let url = core::authorization_url(
        &meta,
        up,
        &up.redirect_uri(&app.config.issuer),
        &state,
        &nonce,
        &verifier,
    )
    .map_err(|why| back(misconfigured(up, why)))?;
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// A failure that ends the flow: the interaction is finished too, so the
/// login page cannot be submitted after the client got its error.
async fn end(app: &App, interaction: &InteractionRecord, failure: Failure) -> Failure {
    let _ = app.store.take_interaction(&interaction.id).await;
    failure
}

/// `GET /upstream/{id}/callback`: the upstream's answer.
pub async fn callback(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let params = RawParams::parse(query.as_deref().unwrap_or(""));
    let lost = |detail: &str| Failure::page(SESSION_LOST.with_detail(detail.to_string()));
    let state = param(&params, "state")
        .ok_or_else(|| lost("the answer of the identity provider names no sign-in in progress"))?;
    let record = app
        .store
        .take_upstream_state(&app.secrets.hash(state))
        .await
        .map_err(|e| Failure::page(Occurrence::from(e)))?
        .ok_or_else(|| lost("this sign-in is unknown or already finished"))?;
    if record.upstream_id != id {
        return Err(lost(
            "this answer came back from another identity provider than the one asked",
        ));
    }
    let (interaction, client, _browser) =
        ui::load(&app, &headers, Some(&record.interaction_id)).await?;
    let back = to_client(&interaction.request);
    let now = latchkey_core::now_unix();
    if record.expires_at <= now {
        let occ =
            INTERACTION_EXPIRED.with_detail("the sign-in at the identity provider took too long");
        return Err(end(&app, &interaction, back(occ)).await);
    }
    let (user, upstream_sub) = match authenticate(&app, &record, &params, now).await {
        Ok(found) => found,
        Err(occ) => return Err(end(&app, &interaction, back(occ)).await),
    };
    sign_in(
        &app,
        &headers,
        interaction,
        &client,
        &user,
        &record.upstream_id,
        &upstream_sub,
    )
    .await
}

fn param<'p>(params: &'p RawParams, name: &str) -> Option<&'p str> {
    params.single(name).ok().flatten()
}

/// RFC 6749 §2.3.1: client_secret_basic, each part form-encoded first.
fn basic(up: &UpstreamConfig) -> String {
    use base64::Engine;
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!(
        "{}:{}",
        enc(&up.client_id),
        enc(up.client_secret.expose_str())
    );
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// From the upstream's answer to a local user: check the answer, redeem
/// the code, verify the ID token, read UserInfo, link.
async fn authenticate(
    app: &App,
    record: &UpstreamStateRecord,
    params: &RawParams,
    now: i64,
) -> Result<(UserRecord, String), Occurrence> {
    let up = app.upstreams.get(&record.upstream_id).ok_or_else(|| {
        UPSTREAM_NOT_FOUND.with_detail("the identity provider was removed during the sign-in")
    })?;
    let meta = app.upstreams.metadata(&app.fetcher, up).await?;
    // RFC 9207: an answer naming another issuer is a mix-up.
    match param(params, "iss") {
        Some(iss) if iss != up.issuer => {
            return Err(UPSTREAM_ERROR
                .with_detail(format!("the answer did not come from {}", up.id))
                .debug(format!("upstream {} callback iss={iss:?}", up.id)));
        }
        None if meta.iss_in_response => {
            return Err(UPSTREAM_ERROR
                .with_detail(format!("the answer of {} names no issuer", up.id))
                .debug(format!(
                    "upstream {} announces iss in responses but sent none",
                    up.id
                )));
        }
        _ => {}
    }
    if let Some(error) = param(params, "error") {
        return Err(core::authorization_error(
            &up.id,
            error,
            param(params, "error_description"),
        ));
    }
    let code = param(params, "code").ok_or_else(|| {
        UPSTREAM_ERROR.with_detail(format!("{} sent neither a code nor an error", up.id))
    })?;
    let verifier = app
        .secrets
        .open(&record.verifier_sealed, record.state_hash.as_bytes())?;
    let verifier = String::from_utf8_lossy(&verifier).into_owned();
    let redirect_uri = up.redirect_uri(&app.config.issuer);
    let (status, body) = app
        .fetcher
        .post_form(
            &meta.token_endpoint,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &redirect_uri),
                ("code_verifier", &verifier),
            ],
            Some(&basic(up)),
        )
        .await
        .map_err(|e| fetch_failure(up, "token endpoint", &meta.token_endpoint, e))?;
    if !(200..300).contains(&status) {
        return Err(core::token_error(&up.id, status, &body));
    }
    let id_token = body
        .get("id_token")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            UPSTREAM_ID_TOKEN_INVALID
                .with_detail(format!("{} returned no ID token", up.id))
                .debug(format!(
                    "upstream {} token response without id_token",
                    up.id
                ))
        })?;
    let (alg, kid) = core::id_token_header(&up.id, &meta, id_token)?;
    let key = match signing_key(app, up, &meta, kid.as_deref(), alg, false).await? {
        Some(key) => key,
        // A kid we have not seen: the upstream may have rotated its keys.
        None => signing_key(app, up, &meta, kid.as_deref(), alg, true)
            .await?
            .ok_or_else(|| {
                UPSTREAM_ID_TOKEN_INVALID
                    .with_detail(format!("the ID token of {} did not verify", up.id))
                    .debug(format!(
                        "upstream {} ID token: no key for kid {kid:?} and {alg:?} in its JWKS",
                        up.id
                    ))
            })?,
    };
    let id = core::verify_id_token(up, id_token, alg, &key, &record.nonce, now)?;
    let userinfo = match (
        &meta.userinfo_endpoint,
        body.get("access_token").and_then(Value::as_str),
    ) {
        (Some(endpoint), Some(access_token)) => {
            let info = app
                .fetcher
                .get_json(endpoint, Some(&format!("Bearer {access_token}")))
                .await
                .map_err(|e| match e {
                    FetchError::Status(status, _) => UPSTREAM_ERROR
                        .with_detail(format!("{} did not release the user's claims", up.id))
                        .debug(format!(
                            "upstream {} userinfo answered HTTP {status}",
                            up.id
                        )),
                    e => fetch_failure(up, "userinfo endpoint", endpoint, e),
                })?;
            // OIDC Core §5.3.2: UserInfo must be about the same subject.
            if info.get("sub").and_then(Value::as_str) != Some(id.sub.as_str()) {
                return Err(UPSTREAM_ERROR
                    .with_detail(format!("{} answered about another user", up.id))
                    .debug(format!(
                        "upstream {} userinfo sub differs from the ID token",
                        up.id
                    )));
            }
            info.as_object().cloned()
        }
        _ => None,
    };
    let claims = core::merge_claims(&id, userinfo.as_ref());
    let (user, linked) = core::resolve_user(app.store.as_ref(), up, &id.sub, &claims, now).await?;
    tracing::info!(upstream = %up.id, sub = %user.sub, linked = ?linked, "upstream sign-in");
    Ok((user, id.sub))
}

async fn signing_key(
    app: &App,
    up: &UpstreamConfig,
    meta: &Metadata,
    kid: Option<&str>,
    alg: core::Algorithm,
    fresh: bool,
) -> Result<Option<core::DecodingKey>, Occurrence> {
    let jwks = app
        .fetcher
        .jwks(&meta.jwks_uri, fresh)
        .await
        .map_err(|e| fetch_failure(up, "JWKS", &meta.jwks_uri, e))?;
    Ok(core::signing_key(&jwks, kid, alg))
}

/// A new session for the upstream's user, then the flow continues as
/// after a password sign-in (`amr` = `fed`, RFC 8176; which upstream is
/// kept beside the session).
async fn sign_in(
    app: &Arc<App>,
    headers: &HeaderMap,
    interaction: InteractionRecord,
    client: &latchkey_core::client::ClientRecord,
    user: &UserRecord,
    upstream_id: &str,
    upstream_sub: &str,
) -> Result<Response, Failure> {
    let req = interaction.request.clone();
    let back = to_client(&req);
    let (token, session) =
        ui::new_session(app, headers, &user.sub, vec!["fed".into()], &req.client_id)
            .await
            .map_err(&back)?;
    app.store
        .insert_upstream_session(&UpstreamSessionRecord {
            sid: session.sid.clone(),
            upstream_id: upstream_id.to_string(),
            upstream_sub: upstream_sub.to_string(),
            created_at: session.created_at,
            expires_at: session.expires_at,
        })
        .await
        .map_err(|e| back(e.into()))?;
    Ok(ui::continue_signed_in(app, headers, &token, session, req, client, interaction).await)
}
