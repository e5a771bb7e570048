//! `POST /register` (RFC 7591 §3) and the registration client URI
//! `/register/{client_id}` (RFC 7592 §2: GET, PUT, DELETE). Metadata errors
//! use the JSON channel; token errors are 401 with a Bearer challenge.
//! With `registration.mode = off` both answer `registration_disabled`.

use super::respond::{Channel, Failure};
use super::token::no_store_json;
use crate::app::App;
use crate::manage;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::Occurrence;
use latchkey_core::audit::{Actor, AuditEvent, kind};
use latchkey_core::catalogue::{
    MALFORMED_BODY, REGISTRATION_ACCESS_TOKEN_MISSING, REGISTRATION_DISABLED,
    REGISTRATION_TOKEN_INVALID, REGISTRATION_TOKEN_MISSING, UNSUPPORTED_CONTENT_TYPE,
};
use latchkey_core::registration::{self, Mode};
use serde_json::Value;
use std::sync::Arc;
use subtle::ConstantTimeEq;

type RegisterResult = Result<Response, Failure>;

/// A token failure: 401 with `WWW-Authenticate: Bearer ... error=...`.
fn bearer(occ: Occurrence) -> Failure {
    Failure {
        occ,
        channel: Channel::Bearer { scope: None },
    }
}

/// Token failures (401) get the challenge; the rest the JSON channel.
fn failure(occ: Occurrence) -> Failure {
    match occ.cause.status {
        401 => bearer(occ),
        _ => Failure::json(occ),
    }
}

fn enabled(app: &App) -> Result<(), Failure> {
    match app.config.registration_mode {
        Mode::Off => Err(Failure::json(
            REGISTRATION_DISABLED.with_detail("registration.mode is off on this server"),
        )),
        Mode::Token | Mode::Open => Ok(()),
    }
}

/// The bearer token of the Authorization header; `None` when there is no
/// header or it does not use the Bearer scheme.
fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

/// In token mode, the initial access token (RFC 7591 §3), compared in
/// constant time.
fn initial_access_token(app: &App, headers: &HeaderMap) -> Result<(), Failure> {
    let Some(expected) = app.config.registration_token.as_deref() else {
        return Ok(());
    };
    let Some(presented) = bearer_token(headers) else {
        return Err(bearer(REGISTRATION_TOKEN_MISSING.with_detail(
            "send Authorization: Bearer with the initial access token",
        )));
    };
    if bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(bearer(REGISTRATION_TOKEN_INVALID.occur()))
    }
}

/// RFC 7591 §3.1: the body is a JSON object sent as `application/json`.
fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, Failure> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(Failure::json(UNSUPPORTED_CONTENT_TYPE.with_detail(
            "client registration takes Content-Type: application/json",
        )));
    }
    serde_json::from_slice(body)
        .map_err(|e| Failure::json(MALFORMED_BODY.with_detail(format!("invalid JSON: {e}"))))
}

/// `POST /register`.
pub async fn register(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> RegisterResult {
    enabled(&app)?;
    initial_access_token(&app, &headers)?;
    let body = json_body(&headers, &body)?;
    let created = manage::registration::register(
        app.store.as_ref(),
        &app.secrets,
        &app.config.issuer,
        rules(&app),
        body,
    )
    .await
    .map_err(Failure::json)?;
    let actor = Actor::Client(
        created
            .get("client_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into(),
    );
    let event =
        crate::audit::client_created(&actor, address(&app, &extensions, &headers), &created).with(
            "registration",
            match app.config.registration_mode {
                Mode::Token => "token",
                Mode::Open | Mode::Off => "open",
            },
        );
    crate::audit::record(&app, event).await;
    let mut res = no_store_json(created);
    *res.status_mut() = StatusCode::CREATED;
    Ok(res)
}

/// The request's client address, as text, for the audit trail.
fn address(app: &App, extensions: &axum::http::Extensions, headers: &HeaderMap) -> Option<String> {
    super::client_address::of(extensions, headers, &app.config.trusted_proxies)
        .map(|ip| ip.to_string())
}

/// What a registered client may hold: the operator's sets and limits.
fn rules(app: &App) -> manage::registration::Rules<'_> {
    manage::registration::Rules {
        allowed: &app.config.registration_allowed,
        limits: app.config.client_limits(),
        fetcher: &app.fetcher,
    }
}

/// The client behind a registration client URI and the token that opened
/// it (RFC 7592 §2: any failure is a 401 that reveals nothing more).
async fn open(
    app: &App,
    headers: &HeaderMap,
    client_id: &str,
) -> Result<(latchkey_core::client::ClientRecord, String), Failure> {
    enabled(app)?;
    let Some(token) = bearer_token(headers) else {
        return Err(bearer(REGISTRATION_ACCESS_TOKEN_MISSING.with_detail(
            "send Authorization: Bearer with the registration_access_token",
        )));
    };
    let client = registration::authenticate(app.store.as_ref(), &app.secrets, client_id, &token)
        .await
        .map_err(failure)?;
    Ok((client, token))
}

/// `GET /register/{client_id}` (RFC 7592 §2.1).
pub async fn read(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(client_id): Path<String>,
) -> RegisterResult {
    let (client, token) = open(&app, &headers, &client_id).await?;
    Ok(no_store_json(registration::response(
        &client,
        None,
        &token,
        &app.config.issuer,
    )))
}

/// `PUT /register/{client_id}` (RFC 7592 §2.2).
pub async fn update(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(client_id): Path<String>,
    body: Bytes,
) -> RegisterResult {
    let (client, token) = open(&app, &headers, &client_id).await?;
    let body = json_body(&headers, &body)?;
    let fields = body
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let was_active = client.active;
    let updated = manage::registration::replace(
        app.store.as_ref(),
        &app.secrets,
        &app.config.issuer,
        rules(&app),
        client,
        &token,
        body,
    )
    .await
    .map_err(failure)?;
    let events = crate::audit::client_updated(
        &Actor::Client(client_id),
        address(&app, &extensions, &headers),
        was_active,
        fields,
        &updated,
    );
    crate::audit::append_all(app.store.as_ref(), events).await;
    Ok(no_store_json(updated))
}

/// `DELETE /register/{client_id}` (RFC 7592 §2.3): 204.
pub async fn delete(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(client_id): Path<String>,
) -> RegisterResult {
    let (client, _) = open(&app, &headers, &client_id).await?;
    manage::registration::delete(app.store.as_ref(), &client.client_id)
        .await
        .map_err(failure)?;
    let event = AuditEvent::new(
        &Actor::Client(client.client_id.clone()),
        kind::CLIENT_DELETED,
        format!("client:{}", client.client_id),
    )
    .address(address(&app, &extensions, &headers));
    crate::audit::record(&app, event).await;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}
