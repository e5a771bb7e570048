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

use super::fetch::FetchError;
use super::respond::Failure;
use super::signin::{self, pending::Submitted};
pub use super::upstreams::Upstreams;
use super::upstreams::{fetch_failure, misconfigured};
use crate::app::App;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::Occurrence;
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{
    INTERACTION_EXPIRED, SESSION_LOST, UPSTREAM_ERROR, UPSTREAM_ID_TOKEN_INVALID,
    UPSTREAM_NOT_FOUND,
};
use latchkey_core::crypto::random_token;
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::i18n::{Arg, Lang};
use latchkey_core::upstream::{self as core, Metadata, STATE_TTL, UpstreamConfig};
use latchkey_core::upstream_record::{UpstreamSessionRecord, UpstreamStateRecord};
use latchkey_core::user::UserRecord;
use serde_json::Value;
use std::sync::Arc;

/// The sign-in buttons for the login page: one small form each, so no
/// script is needed and the CSRF token travels as on every other form.
pub fn buttons(app: &App, interaction_id: &str, csrf: &str, lang: Lang) -> String {
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
<button type=\"submit\" class=\"upstream\">{label}</button></form>",
                id = esc(&u.id),
                i = esc(interaction_id),
                csrf = esc(csrf),
                label = esc(&lang.t_with("login-with", &[("name", Arg::Text(&u.name))])),
            )
        })
        .collect();
    format!(
        "<div class=\"upstreams\"><p class=\"muted\">{}</p>{forms}</div>",
        esc(&lang.t("login-or"))
    )
}

/// `POST /upstream/{id}`: send the browser to the upstream.
pub async fn start(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    s: Submitted,
) -> Result<Response, Failure> {
    let interaction = &s.pending.interaction;
    let back = s.pending.back();
    let Some(up) = app.upstreams.get(&id) else {
        return Err(Failure::page(UPSTREAM_NOT_FOUND.with_detail(
            "no upstream identity provider is configured with this id",
        )));
    };
    let meta = match app.upstreams.metadata(&app.fetcher, up).await {
        Ok(m) => m,
        Err(occ) => return Err(signin::end(&app, interaction, occ).await),
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

/// `GET /upstream/{id}/callback`: the upstream's answer.
pub async fn callback(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
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
    let p = signin::pending::load(&app, &headers, Some(&record.interaction_id)).await?;
    let now = latchkey_core::now_unix();
    if record.expires_at <= now {
        let occ =
            INTERACTION_EXPIRED.with_detail("the sign-in at the identity provider took too long");
        return Err(signin::end(&app, &p.interaction, occ).await);
    }
    let address = super::client_address::of(&extensions, &headers, &app.config.trusted_proxies);
    let (user, upstream_sub) = match authenticate(&app, &record, &params, now).await {
        Ok(found) => found,
        Err(occ) => {
            // A failed upstream sign-in: who it was is not known here.
            use latchkey_core::audit::{Actor, AuditEvent, kind};
            let event = AuditEvent::new(&Actor::System, kind::SIGN_IN, "unknown")
                .failed()
                .address(address.map(|ip| ip.to_string()))
                .with("client_id", p.interaction.purpose.client_id())
                .with("method", "upstream")
                .with("upstream", record.upstream_id.as_str())
                .with("cause", occ.cause.id);
            crate::audit::record(&app, event).await;
            return Err(signin::end(&app, &p.interaction, occ).await);
        }
    };
    if let Some(refused) =
        signin::login::refuse_locked(&app, &p, &user.sub, "", "upstream", address).await?
    {
        return Ok(refused);
    }
    // policy.require_verified_email holds for every way of signing in: an
    // address the upstream did not vouch for is not verified here either.
    if let Some(occ) = super::verify_email::refuses(&app, &user) {
        return Ok(crate::http::pages::html_response(
            StatusCode::FORBIDDEN,
            super::verify_email::refused_page(&app, &p, &user.username, &occ),
        ));
    }
    sign_in(&app, p, &user, &record.upstream_id, &upstream_sub, address).await
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
    p: signin::pending::Pending,
    user: &UserRecord,
    upstream_id: &str,
    upstream_sub: &str,
    address: Option<std::net::IpAddr>,
) -> Result<Response, Failure> {
    let back = p.back();
    let client_id = p.interaction.purpose.client_id();
    let (token, session) = signin::new_session(
        app,
        &p.headers,
        &user.sub,
        vec!["fed".into()],
        client_id,
        address,
    )
    .await
    .map_err(&back)?;
    {
        use latchkey_core::audit::{Actor, AuditEvent, kind};
        let event = AuditEvent::new(
            &Actor::User(user.sub.clone()),
            kind::SIGN_IN,
            format!("user:{}", user.sub),
        )
        .address(address.map(|ip| ip.to_string()))
        .with("client_id", client_id)
        .with("method", "upstream")
        .with("upstream", upstream_id)
        .with("sid", session.sid.as_str());
        crate::audit::record(app, event).await;
    }
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
    Ok(
        signin::continue_signed_in(app, &p.headers, &token, session, &p.client, p.interaction)
            .await,
    )
}
