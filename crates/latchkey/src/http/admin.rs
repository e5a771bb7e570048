//! The admin API, `/admin/v1`: clients, resources, users, keys and error
//! look-up.
//! Bearer `admin_token` for everything, `admin_readonly_token` for reads.
//! Errors use the admin channel (Okta-style bodies). Not in discovery.

use super::respond::Failure;
use crate::app::App;
use crate::manage;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use latchkey_core::audit::kind;
use latchkey_core::catalogue::{
    ADMIN_API_DISABLED, ERROR_ID_NOT_FOUND, MALFORMED_BODY, REQUEST_FORBIDDEN,
    REQUEST_UNAUTHORIZED, UNSUPPORTED_CONTENT_TYPE,
};
use latchkey_core::keys::Alg;
use serde_json::{Value, json};
use std::sync::Arc;
use subtle::ConstantTimeEq;

type AdminResult = Result<Response, Failure>;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/clients", get(list_clients).post(create_client))
        .route(
            "/clients/{client_id}",
            get(show_client).patch(update_client).delete(delete_client),
        )
        .route("/clients/{client_id}/secret", post(rotate_client_secret))
        .route("/resources", get(list_resources).post(create_resource))
        .route(
            "/resources/{resource}",
            get(show_resource)
                .patch(update_resource)
                .delete(delete_resource),
        )
        .route("/users", get(list_users).post(create_user))
        .route(
            "/users/{sub}",
            get(show_user).patch(update_user).delete(delete_user),
        )
        .route(
            "/users/{sub}/sessions",
            axum::routing::delete(end_user_sessions),
        )
        .route("/users/{sub}/passkeys", get(list_passkeys))
        .route(
            "/users/{sub}/passkeys/{id}",
            axum::routing::delete(delete_passkey),
        )
        .route("/keys", get(list_keys))
        .route("/keys/rotate", post(rotate_keys))
        .route("/errors/{error_id}", get(show_error))
        .route("/audit", get(list_audit))
        .route("/maintenance", get(show_maintenance).put(set_maintenance))
}

fn equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Check the bearer token. Reads accept either token, writes only the full one.
fn authorize(app: &App, method: &Method, headers: &HeaderMap) -> Result<(), Failure> {
    let Some(full) = app.config.admin_token.as_deref() else {
        return Err(Failure::admin(ADMIN_API_DISABLED.with_detail(
            "set admin_token (LATCHKEY_ADMIN_TOKEN) to enable it",
        )));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let Some(presented) = presented else {
        return Err(Failure::admin(
            REQUEST_UNAUTHORIZED.with_detail("send Authorization: Bearer with the admin token"),
        ));
    };
    if equal(presented, full) {
        return Ok(());
    }
    let readonly = app
        .config
        .admin_readonly_token
        .as_deref()
        .is_some_and(|t| equal(presented, t));
    match (readonly, method == Method::GET || method == Method::HEAD) {
        (true, true) => Ok(()),
        (true, false) => Err(Failure::admin(
            REQUEST_FORBIDDEN.with_detail(format!("the read-only admin token cannot {method}")),
        )),
        (false, _) => Err(Failure::admin(
            REQUEST_UNAUTHORIZED.with_detail("the bearer token is not an admin token"),
        )),
    }
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
    serde_json::from_slice(body)
        .map_err(|e| Failure::admin(MALFORMED_BODY.with_detail(format!("invalid JSON: {e}"))))
}

fn ok(status: StatusCode, body: Value) -> Response {
    let mut res = (status, axum::Json(body)).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

async fn list_clients(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let body = manage::clients::list(app.store.as_ref())
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, body))
}

async fn create_client(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let body = json_body(&headers, &body)?;
    let created = manage::clients::create(
        app.store.as_ref(),
        &app.secrets,
        &app.fetcher,
        app.config.client_limits(),
        body,
    )
    .await
    .map_err(Failure::admin)?;
    let event = crate::audit::client_created(
        &admin_actor(),
        address_of(&app, &extensions, &headers),
        &created,
    );
    crate::audit::record(&app, event).await;
    Ok(ok(StatusCode::CREATED, created))
}

async fn show_client(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    Path(client_id): Path<String>,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let client = manage::clients::get(app.store.as_ref(), &client_id)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, manage::clients::view(&client, None)))
}

async fn update_client(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(client_id): Path<String>,
    body: Bytes,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let patch = json_body(&headers, &body)?;
    let fields = field_names(&patch);
    let was_active = manage::clients::get(app.store.as_ref(), &client_id)
        .await
        .map_err(Failure::admin)?
        .active;
    let updated = manage::clients::update(
        app.store.as_ref(),
        &app.secrets,
        &app.fetcher,
        app.config.client_limits(),
        &client_id,
        patch,
    )
    .await
    .map_err(Failure::admin)?;
    let events = crate::audit::client_updated(
        &admin_actor(),
        address_of(&app, &extensions, &headers),
        was_active,
        fields,
        &updated,
    );
    crate::audit::append_all(app.store.as_ref(), events).await;
    Ok(ok(StatusCode::OK, updated))
}

/// `POST /clients/{client_id}/secret`: a new secret, with the old one
/// valid for the optional `grace_seconds` (an empty body: none).
async fn rotate_client_secret(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(client_id): Path<String>,
    body: Bytes,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        json_body(&headers, &body)?
    };
    let grace = manage::clients::grace_from_body(&body).map_err(Failure::admin)?;
    let rotated =
        manage::clients::rotate_secret(app.store.as_ref(), &app.secrets, &client_id, grace)
            .await
            .map_err(Failure::admin)?;
    let event = crate::audit::client_secret_rotated(
        &admin_actor(),
        address_of(&app, &extensions, &headers),
        &client_id,
        grace,
    );
    crate::audit::record(&app, event).await;
    Ok(ok(StatusCode::OK, rotated))
}

async fn delete_client(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(client_id): Path<String>,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    manage::clients::delete(app.store.as_ref(), &client_id)
        .await
        .map_err(Failure::admin)?;
    let event = latchkey_core::audit::AuditEvent::new(
        &admin_actor(),
        latchkey_core::audit::kind::CLIENT_DELETED,
        format!("client:{client_id}"),
    )
    .address(address_of(&app, &extensions, &headers));
    crate::audit::record(&app, event).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_resources(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let body = manage::resources::list(app.store.as_ref())
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, body))
}

async fn create_resource(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let body = json_body(&headers, &body)?;
    let created = manage::resources::create(app.store.as_ref(), body)
        .await
        .map_err(Failure::admin)?;
    let identifier = created
        .get("resource")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    let event = crate::audit::resource_changed(&admin_actor(), kind::RESOURCE_CREATED, identifier)
        .address(address_of(&app, &extensions, &headers));
    crate::audit::record(&app, event).await;
    Ok(ok(StatusCode::CREATED, created))
}

/// The path names a resource by its identifier, percent-encoded
/// (`/admin/v1/resources/https%3A%2F%2Fapi.example%2F`).
async fn show_resource(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    Path(resource): Path<String>,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let record = manage::resources::get(app.store.as_ref(), &resource)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, manage::resources::view(&record)))
}

async fn update_resource(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(resource): Path<String>,
    body: Bytes,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let patch = json_body(&headers, &body)?;
    let fields = field_names(&patch);
    let updated = manage::resources::update(app.store.as_ref(), &resource, patch)
        .await
        .map_err(Failure::admin)?;
    let event = crate::audit::resource_changed(&admin_actor(), kind::RESOURCE_UPDATED, &resource)
        .with("fields", fields)
        .address(address_of(&app, &extensions, &headers));
    crate::audit::record(&app, event).await;
    Ok(ok(StatusCode::OK, updated))
}

async fn delete_resource(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(resource): Path<String>,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    manage::resources::delete(app.store.as_ref(), &resource)
        .await
        .map_err(Failure::admin)?;
    let event = crate::audit::resource_changed(&admin_actor(), kind::RESOURCE_DELETED, &resource)
        .address(address_of(&app, &extensions, &headers));
    crate::audit::record(&app, event).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_users(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let body = manage::users::list(app.store.as_ref())
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, body))
}

/// Record an admin API change to a user in the audit trail: which fields
/// (names only, never values), by the admin token, from where.
async fn audit_user(
    app: &App,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
    kind: &str,
    user: &Value,
    fields: Vec<String>,
) {
    use latchkey_core::audit::{Actor, AuditEvent};
    let sub = user["sub"].as_str().unwrap_or_default();
    let address = super::client_address::of(extensions, headers, &app.config.trusted_proxies)
        .map(|ip| ip.to_string());
    let mut event = AuditEvent::new(
        &Actor::Admin("admin_token".into()),
        kind,
        format!("user:{sub}"),
    )
    .address(address);
    if !fields.is_empty() {
        event = event.with("fields", fields);
    }
    crate::audit::record(app, event).await;
}

/// The names of a JSON object's members.
fn field_names(body: &Value) -> Vec<String> {
    body.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

async fn create_user(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> AdminResult {
    use latchkey_core::audit::kind;
    authorize(&app, &method, &headers)?;
    let body = json_body(&headers, &body)?;
    let fields = field_names(&body);
    let created = manage::users::create(app.store.as_ref(), &app.secrets, body)
        .await
        .map_err(Failure::admin)?;
    audit_user(
        &app,
        &extensions,
        &headers,
        kind::ADMIN_USER_CREATED,
        &created,
        fields,
    )
    .await;
    if crate::mail::verify_new_user(&app.config, app.store.as_ref(), &app.secrets, &created).await {
        app.mail_wake.notify_one();
    }
    Ok(ok(StatusCode::CREATED, created))
}

async fn show_user(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    Path(sub): Path<String>,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let user = manage::users::get(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    let shown = manage::users::describe(app.store.as_ref(), &user)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, shown))
}

async fn update_user(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(sub): Path<String>,
    body: Bytes,
) -> AdminResult {
    use latchkey_core::audit::kind;
    authorize(&app, &method, &headers)?;
    let patch = json_body(&headers, &body)?;
    let fields = field_names(&patch);
    let locking = patch.get("locked") == Some(&Value::Bool(true));
    let updated = manage::users::update(app.store.as_ref(), &app.secrets, &sub, patch)
        .await
        .map_err(Failure::admin)?;
    if locking {
        // Locking queued Logout Tokens for the clients of the user's sessions.
        app.logout_wake.notify_one();
    }
    audit_user(
        &app,
        &extensions,
        &headers,
        kind::ADMIN_USER_UPDATED,
        &updated,
        fields,
    )
    .await;
    Ok(ok(StatusCode::OK, updated))
}

/// `DELETE /admin/v1/users/{sub}/sessions`: sign the user out of every
/// browser, revoking the grants made in their sessions without
/// `offline_access` (the others stay); the clients that received tokens for them
/// are sent Logout Tokens (back-channel logout).
async fn end_user_sessions(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(sub): Path<String>,
) -> AdminResult {
    use latchkey_core::audit::kind;
    authorize(&app, &method, &headers)?;
    let user = manage::users::get(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    let horizon = crate::backchannel::revocation_horizon(&app, latchkey_core::now_unix());
    let (ended, told) = manage::users::end_sessions(app.store.as_ref(), &user.sub, horizon)
        .await
        .map_err(Failure::admin)?;
    if told > 0 {
        app.logout_wake.notify_one();
    }
    let answer = json!({ "sub": user.sub, "sessions_ended": ended });
    audit_user(
        &app,
        &extensions,
        &headers,
        kind::ADMIN_SESSIONS_ENDED,
        &answer,
        Vec::new(),
    )
    .await;
    Ok(ok(StatusCode::OK, answer))
}

async fn delete_user(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(sub): Path<String>,
) -> AdminResult {
    use latchkey_core::audit::kind;
    authorize(&app, &method, &headers)?;
    let user = manage::users::get(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    let told = manage::users::delete(app.store.as_ref(), &user.sub)
        .await
        .map_err(Failure::admin)?;
    if told > 0 {
        app.logout_wake.notify_one();
    }
    let gone = json!({ "sub": user.sub });
    audit_user(
        &app,
        &extensions,
        &headers,
        kind::ADMIN_USER_DELETED,
        &gone,
        Vec::new(),
    )
    .await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_passkeys(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    Path(sub): Path<String>,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let listed = manage::passkeys::list(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, listed))
}

async fn delete_passkey(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path((sub, id)): Path<(String, String)>,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let actor = latchkey_core::audit::Actor::Admin("admin_token".into());
    let address = super::client_address::of(&extensions, &headers, &app.config.trusted_proxies)
        .map(|ip| ip.to_string());
    manage::passkeys::remove(app.store.as_ref(), &sub, &id, &actor, address)
        .await
        .map_err(Failure::admin)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_keys(State(app): State<Arc<App>>, method: Method, headers: HeaderMap) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let body = manage::keys::list(app.store.as_ref())
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, body))
}

/// `POST /admin/v1/keys/rotate`: a new active key per algorithm; this node
/// serves it at once, other nodes at their next key refresh.
async fn rotate_keys(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let store = app.store.as_ref();
    let new = manage::keys::rotate(store, &app.secrets, Alg::ALL, app.config.access_token_ttl)
        .await
        .map_err(Failure::admin)?;
    let keys = manage::keys::load(store, &app.secrets)
        .await
        .map_err(Failure::admin)?;
    app.set_keys(keys);
    let event = crate::audit::keys_rotated(&admin_actor(), &new).address(address_of(
        &app,
        &extensions,
        &headers,
    ));
    crate::audit::record(&app, event).await;
    let now = latchkey_core::now_unix();
    let body =
        json!({"rotated": new.iter().map(|k| manage::keys::view(k, now)).collect::<Vec<_>>()});
    Ok(ok(StatusCode::OK, body))
}

/// `GET /admin/v1/errors/{error_id}`: an occurrence with its internal
/// detail, for support.
async fn show_error(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    Path(error_id): Path<String>,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let record = app
        .store
        .get_error(&error_id)
        .await
        .map_err(|e| Failure::admin(latchkey_core::Occurrence::from(e)))?
        .ok_or_else(|| {
            Failure::admin(ERROR_ID_NOT_FOUND.with_detail(format!("error_id {error_id}")))
        })?;
    Ok(ok(
        StatusCode::OK,
        json!({
            "error_id": record.error_id,
            "cause": record.cause,
            "error": record.code,
            "status": record.status,
            "error_description": record.description,
            "debug": record.debug,
            "endpoint": record.endpoint,
            "client_id": record.client_id,
            "created_at": record.created_at,
        }),
    ))
}

/// The maintenance switch as this node sees it.
fn maintenance_view(app: &App) -> Value {
    json!({
        "enabled": app.in_maintenance(),
        "switched": app.stored_maintenance(),
        "setting": app.config.maintenance,
    })
}

/// `GET /admin/v1/maintenance`: `enabled` (in effect on this node),
/// `switched` (the admin API's switch, shared by every node) and `setting`
/// (this node's `maintenance` setting).
async fn show_maintenance(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    Ok(ok(StatusCode::OK, maintenance_view(&app)))
}

/// `PUT /admin/v1/maintenance {"enabled": bool}`: switch maintenance on or
/// off for every node (this one at once, the others within a second).
async fn set_maintenance(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let body = json_body(&headers, &body)?;
    let Some(on) = body.get("enabled").and_then(Value::as_bool) else {
        return Err(Failure::admin(
            MALFORMED_BODY
                .with_detail(r#"send {"enabled": true} or {"enabled": false}"#)
                .field("enabled", "must be true or false"),
        ));
    };
    crate::maintenance::switch(&app, on)
        .await
        .map_err(|e| Failure::admin(latchkey_core::Occurrence::from(e)))?;
    let event = latchkey_core::audit::AuditEvent::new(
        &admin_actor(),
        latchkey_core::audit::kind::MAINTENANCE_SWITCHED,
        "maintenance",
    )
    .address(address_of(&app, &extensions, &headers))
    .with("enabled", on);
    crate::audit::record(&app, event).await;
    Ok(ok(StatusCode::OK, maintenance_view(&app)))
}

/// `GET /admin/v1/audit?actor=&target=&kind=&limit=&before=`: the audit
/// trail, newest first. `next` is the `before` of the following page
/// (absent on the last one).
async fn list_audit(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> AdminResult {
    authorize(&app, &method, &headers)?;
    let params = latchkey_core::authorize::RawParams::parse(query.as_deref().unwrap_or(""));
    let q = manage::audit::query(&params).map_err(Failure::admin)?;
    let (events, next) = manage::audit::page(app.store.as_ref(), &q)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(
        StatusCode::OK,
        json!({ "events": events, "next": next }),
    ))
}

/// The full admin token, as the audit trail names it.
fn admin_actor() -> latchkey_core::audit::Actor {
    latchkey_core::audit::Actor::Admin("admin_token".into())
}

/// The request's client address, as text, for the audit trail.
fn address_of(
    app: &App,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
) -> Option<String> {
    super::client_address::of(extensions, headers, &app.config.trusted_proxies)
        .map(|ip| ip.to_string())
}

/// Layered over the admin routes: a request the token check refuses (no
/// or a wrong token, a write with the read-only one) is logged at WARN and
/// recorded in the audit trail as `admin.access_denied`, at most once per
/// address per minute (the kept event's `detail.unrecorded` counts those
/// in between), so guessing cannot flood the trail. The handler then
/// refuses it as before.
pub async fn record_denied(
    State(app): State<Arc<App>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use latchkey_core::audit::{Actor, AuditEvent, kind};
    if let Err(failure) = authorize(&app, request.method(), request.headers()) {
        let cause = failure.occ.cause;
        if cause.id == REQUEST_UNAUTHORIZED.id || cause.id == REQUEST_FORBIDDEN.id {
            let address = address_of(&app, request.extensions(), request.headers());
            let path = format!("/admin/v1{}", request.uri().path());
            let method = request.method().to_string();
            tracing::warn!(cause = cause.id, method = %method, path = %path, address = address.as_deref().unwrap_or_default(), "admin access denied");
            let key = address.clone().unwrap_or_default();
            if let Some(unrecorded) = app.admin_denied.admit(&key, latchkey_core::now_unix()) {
                let actor = match cause.id == REQUEST_FORBIDDEN.id {
                    true => Actor::Admin("admin_readonly_token".into()),
                    false => Actor::System,
                };
                let event = AuditEvent::new(&actor, kind::ADMIN_ACCESS_DENIED, "admin_api")
                    .failed()
                    .address(address)
                    .with("method", method)
                    .with("path", path)
                    .with("cause", cause.id)
                    .with("unrecorded", unrecorded);
                crate::audit::record(&app, event).await;
            }
        }
    }
    next.run(request).await
}
