//! The admin API, `/admin/v1`: clients, resources, users, keys, error
//! look-up and counts, the audit trail and the maintenance switch, one
//! module each. Bearer `admin_token` for everything,
//! `admin_readonly_token` for reads, or a person's access token
//! ([`caller`]). Errors use the admin channel (Okta-style bodies). Not in
//! discovery.

pub(crate) mod audit;
pub mod caller;
pub(crate) mod clients;
pub(crate) mod errors;
pub(crate) mod keys;
pub(crate) mod maintenance;
pub(crate) mod resources;
pub(crate) mod users;

pub use caller::{Caller, Rights, rights};

/// What every handler module uses.
mod prelude {
    pub(super) use super::caller::Caller;
    pub(super) use super::{AdminResult, address_of, field_names, json_body, ok};
    pub(super) use crate::app::App;
    pub(super) use crate::http::respond::Failure;
    pub(super) use crate::manage;
    pub(super) use axum::body::Bytes;
    pub(super) use axum::extract::{Path, State};
    pub(super) use axum::http::{HeaderMap, Method, StatusCode, header};
    pub(super) use axum::response::{IntoResponse, Response};
    pub(super) use latchkey_core::audit::kind;
    pub(super) use latchkey_core::catalogue::*;
    pub(super) use latchkey_core::error::render::AdminErrorBody as AdminError;
    pub(super) use serde_json::{Value, json};
    pub(super) use std::sync::Arc;
}

use axum::Router;
use axum::routing::{get, post};
use prelude::*;

type AdminResult = Result<Response, Failure>;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/clients",
            get(clients::list_clients).post(clients::create_client),
        )
        .route(
            "/clients/{client_id}",
            get(clients::show_client)
                .patch(clients::update_client)
                .delete(clients::delete_client),
        )
        .route(
            "/clients/{client_id}/secret",
            post(clients::rotate_client_secret),
        )
        .route(
            "/resources",
            get(resources::list_resources).post(resources::create_resource),
        )
        .route(
            "/resources/{resource}",
            get(resources::show_resource)
                .patch(resources::update_resource)
                .delete(resources::delete_resource),
        )
        .route("/users", get(users::list_users).post(users::create_user))
        .route(
            "/users/{sub}",
            get(users::show_user)
                .patch(users::update_user)
                .delete(users::delete_user),
        )
        .route(
            "/users/{sub}/sessions",
            get(users::list_user_sessions).delete(users::end_user_sessions),
        )
        .route(
            "/users/{sub}/sessions/{sid}",
            axum::routing::delete(users::end_user_session),
        )
        .route(
            "/users/{sub}/password-reset",
            post(users::send_password_reset),
        )
        .route("/users/{sub}/passkeys", get(users::list_passkeys))
        .route(
            "/users/{sub}/passkeys/{id}",
            axum::routing::delete(users::delete_passkey),
        )
        .route("/keys", get(keys::list_keys))
        .route("/keys/rotate", post(keys::rotate_keys))
        .route("/errors", get(errors::count_errors))
        .route("/errors/{error_id}", get(errors::show_error))
        .route("/audit", get(audit::list_audit))
        .route(
            "/maintenance",
            get(maintenance::show_maintenance).put(maintenance::set_maintenance),
        )
}

/// Parse a JSON body, refusing other media types and bad JSON by cause.
fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, Failure> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/json")
        })
        .unwrap_or(false);
    if !is_json {
        return Err(Failure::admin(
            UNSUPPORTED_CONTENT_TYPE
                .with_detail("the admin API takes Content-Type: application/json"),
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Failure::admin(MALFORMED_BODY.with_detail(format!("invalid JSON: {e}"))))?;
    match nul_in(&value, "") {
        None => Ok(value),
        Some(field) => Err(Failure::admin(
            MALFORMED_BODY
                .with_detail(format!("{field} holds a NUL character (U+0000)"))
                .field(field, "must not hold a NUL character (U+0000)"),
        )),
    }
}

/// The first member of `value` (as a path from the body: `claims.name`,
/// `redirect_uris[0]`; the body itself is `body`) whose name or text holds
/// a NUL character: nothing Latchkey keeps may (PostgreSQL refuses it).
fn nul_in(value: &Value, at: &str) -> Option<String> {
    let here = || match at {
        "" => "body".to_string(),
        _ => at.to_string(),
    };
    match value {
        Value::String(s) if s.contains('\0') => Some(here()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_in(item, &format!("{}[{i}]", here()))),
        Value::Object(members) => members.iter().find_map(|(name, member)| {
            let shown = name.replace('\0', "\\u0000");
            let path = match at {
                "" => shown,
                _ => format!("{at}.{shown}"),
            };
            match name.contains('\0') {
                true => Some(path),
                false => nul_in(member, &path),
            }
        }),
        _ => None,
    }
}

fn ok(status: StatusCode, body: Value) -> Response {
    let mut res = (status, axum::Json(body)).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

/// `GET /admin/v1/openapi.json`: this API's OpenAPI document, with the
/// issuer's `/admin/v1` as its server. It holds no secret, so it needs no
/// token, and it is served without `admin_token` too: people's access
/// tokens for the admin API work then.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "openapi",
    summary = "This document",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of the admin API", body = Object),
        (status = 503, description = "The node is overloaded (`overloaded`): try again after `Retry-After`", body = AdminError, headers(("Retry-After" = String)))
    ),
    security(())
)]
pub async fn openapi(State(app): State<Arc<App>>) -> AdminResult {
    let server = format!("{}/admin/v1", app.config.issuer.trim_end_matches('/'));
    Ok(ok(StatusCode::OK, crate::http::openapi::document(&server)))
}

/// The names of a JSON object's members.
fn field_names(body: &Value) -> Vec<String> {
    body.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// The request's client address, as text, for the audit trail.
fn address_of(
    app: &App,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
) -> Option<String> {
    crate::http::client_address::of(extensions, headers, &app.config.trusted_proxies)
        .map(|ip| ip.to_string())
}
