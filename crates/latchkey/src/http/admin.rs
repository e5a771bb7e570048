//! The admin API, `/admin/v1`: clients, resources, users, keys, error
//! look-up and counts, the audit trail and the maintenance switch.
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
use latchkey_core::error::render::AdminErrorBody as AdminError;
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
            get(list_user_sessions).delete(end_user_sessions),
        )
        .route(
            "/users/{sub}/sessions/{sid}",
            axum::routing::delete(end_user_session),
        )
        .route("/users/{sub}/password-reset", post(send_password_reset))
        .route("/users/{sub}/passkeys", get(list_passkeys))
        .route(
            "/users/{sub}/passkeys/{id}",
            axum::routing::delete(delete_passkey),
        )
        .route("/keys", get(list_keys))
        .route("/keys/rotate", post(rotate_keys))
        .route("/errors", get(count_errors))
        .route("/errors/{error_id}", get(show_error))
        .route("/audit", get(list_audit))
        .route("/maintenance", get(show_maintenance).put(set_maintenance))
}

fn equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Who is calling the admin API: one of the static tokens (by its setting's
/// name), or a person with an access token for the admin API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Token(&'static str),
    Person { sub: String },
}

impl Caller {
    /// As the audit trail names the caller: `admin:{token name}`, or
    /// `user:{sub}` for a person.
    pub fn actor(&self) -> latchkey_core::audit::Actor {
        use latchkey_core::audit::Actor;
        match self {
            Caller::Token(name) => Actor::Admin((*name).to_string()),
            Caller::Person { sub } => Actor::User(sub.clone()),
        }
    }
}

/// Check the bearer token. Reads accept either static token, writes only
/// the full one; an access token for the admin API (`{issuer}/admin`)
/// works by its scope (`admin`, `admin:read` for reads) and by what its
/// user's roles allow now.
async fn authorize(app: &App, method: &Method, headers: &HeaderMap) -> Result<Caller, Failure> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let read = method == Method::GET || method == Method::HEAD;
    let full = app.config.admin_token.as_deref();
    let Some(presented) = presented else {
        if full.is_none() {
            return Err(Failure::admin(ADMIN_API_DISABLED.with_detail(
                "set admin_token (LATCHKEY_ADMIN_TOKEN) to enable it, or sign in at /admin",
            )));
        }
        return Err(Failure::admin(REQUEST_UNAUTHORIZED.with_detail(
            "send Authorization: Bearer with the admin token or an access token for the admin API",
        )));
    };
    if full.is_some_and(|t| equal(presented, t)) {
        return Ok(Caller::Token("admin_token"));
    }
    let readonly = full.is_some()
        && app
            .config
            .admin_readonly_token
            .as_deref()
            .is_some_and(|t| equal(presented, t));
    if readonly {
        return match read {
            true => Ok(Caller::Token("admin_readonly_token")),
            false => Err(Failure::admin(
                REQUEST_FORBIDDEN.with_detail(format!("the read-only admin token cannot {method}")),
            )),
        };
    }
    // A JWT: perhaps a person's access token.
    if presented.split('.').count() == 3 {
        return person(app, presented, read).await.map_err(Failure::admin);
    }
    if full.is_none() {
        return Err(Failure::admin(ADMIN_API_DISABLED.with_detail(
            "set admin_token (LATCHKEY_ADMIN_TOKEN) to enable it, or sign in at /admin",
        )));
    }
    Err(Failure::admin(
        REQUEST_UNAUTHORIZED.with_detail("the bearer token is not an admin token"),
    ))
}

/// What a person's access token for the admin API allows now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rights {
    pub sub: String,
    /// The user's roles as stored now.
    pub roles: Vec<String>,
    /// The token's scope.
    pub scope: String,
}

impl Rights {
    fn has(&self, scope: &str) -> bool {
        latchkey_core::token::has_scope(&self.scope, scope)
    }

    /// Reads: scope `admin` or `admin:read`, and a role that allows reading.
    pub fn can_read(&self) -> bool {
        use latchkey_core::user::{ADMIN_READ_SCOPE, ADMIN_SCOPE, roles_allow};
        (self.has(ADMIN_SCOPE) || self.has(ADMIN_READ_SCOPE))
            && roles_allow(&self.roles, ADMIN_READ_SCOPE)
    }

    /// Changes: scope `admin` and the admin role.
    pub fn can_write(&self) -> bool {
        use latchkey_core::user::{ADMIN_SCOPE, roles_allow};
        self.has(ADMIN_SCOPE) && roles_allow(&self.roles, ADMIN_SCOPE)
    }
}

/// Check a person's access token for the admin API with the validator of
/// every access token (signature, expiry, revocation, its client), then
/// its audience, and read its user's roles as they are now.
pub async fn rights(app: &App, token: &str) -> Result<Rights, latchkey_core::Occurrence> {
    use latchkey_core::catalogue::{
        ADMIN_TOKEN_INACTIVE, ADMIN_TOKEN_NOT_FOR_ADMIN, TOKEN_AUDIENCE_MISMATCH,
    };
    use latchkey_core::token::access;
    let keys = app.keys();
    let now = latchkey_core::now_unix();
    let resource = crate::builtin::admin_resource(&app.config.issuer);
    let (claims, _client) =
        access::check_issued(app.store.as_ref(), &keys, &app.config.issuer, token, now)
            .await
            .map_err(|occ| {
                if occ.is(&TOKEN_AUDIENCE_MISMATCH) {
                    ADMIN_TOKEN_NOT_FOR_ADMIN
                        .with_detail(format!("the admin API takes tokens for {resource}"))
                } else if occ.cause.status >= 500 {
                    occ
                } else {
                    let why = occ
                        .detail
                        .clone()
                        .unwrap_or_else(|| occ.cause.summary.to_string());
                    ADMIN_TOKEN_INACTIVE.with_detail(why)
                }
            })?;
    if claims.aud != resource {
        return Err(ADMIN_TOKEN_NOT_FOR_ADMIN.with_detail(format!(
            "the token is for {}, not for the admin API ({resource})",
            claims.aud
        )));
    }
    if claims.cnf.is_some() {
        return Err(ADMIN_TOKEN_INACTIVE
            .with_detail("the admin API takes bearer tokens; this one is DPoP-bound"));
    }
    let sub = access::local_sub(&app.secrets, &claims)?;
    let Some(roles) = app.store.user_roles(&sub).await? else {
        return Err(ADMIN_TOKEN_INACTIVE.with_detail("the user of this token no longer exists"));
    };
    Ok(Rights {
        sub,
        roles,
        scope: claims.scope,
    })
}

/// A person's access token: issued here, active, for the admin API, with
/// the scope the request needs, and its user holding a role that allows it.
async fn person(app: &App, token: &str, read: bool) -> Result<Caller, latchkey_core::Occurrence> {
    use latchkey_core::catalogue::{ADMIN_ROLE_MISSING, ADMIN_SCOPE_MISSING};
    use latchkey_core::user::{ADMIN_READ_SCOPE, ADMIN_SCOPE, roles_allow};
    let r = rights(app, token).await?;
    let scope_ok = r.has(ADMIN_SCOPE) || (read && r.has(ADMIN_READ_SCOPE));
    if !scope_ok {
        return Err(ADMIN_SCOPE_MISSING
            .with_detail(match read {
                true => "reads need scope admin:read or admin",
                false => "changes need scope admin; this token may only read",
            })
            .subject(&r.sub));
    }
    let needed = if read { ADMIN_READ_SCOPE } else { ADMIN_SCOPE };
    if !roles_allow(&r.roles, needed) {
        return Err(ADMIN_ROLE_MISSING
            .with_detail(match (read, r.roles.is_empty()) {
                (_, true) => "the user of this token holds no administrative role".to_string(),
                (false, false) => format!(
                    "the user of this token is {}: changes need the admin role",
                    r.roles.join(", ")
                ),
                (true, false) => "the user's roles do not allow reading".to_string(),
            })
            .subject(&r.sub));
    }
    Ok(Caller::Person { sub: r.sub })
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

/// `GET /admin/v1/clients`: every client, or those `q` matches.
#[utoipa::path(
    get,
    path = "/clients",
    tag = "clients",
    summary = "List or search the clients",
    params(("q" = Option<String>, Query, description = "Text the client's id, name or a redirect URI contains (ignoring case); empty matches every client", example = "shop")),
    responses(
        (status = 200, description = "The clients, oldest first, each with its last use", body = Vec<manage::clients::ClientView>),
        (status = 400, description = "`q` given twice or holding a NUL character (`admin_query_invalid`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn list_clients(
    State(app): State<Arc<App>>,
    _caller: Caller,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> AdminResult {
    let params = latchkey_core::authorize::RawParams::parse(query.as_deref().unwrap_or(""));
    manage::plain_query(&params, &latchkey_core::catalogue::ADMIN_QUERY_INVALID)
        .map_err(Failure::admin)?;
    let q = params.single("q").ok().flatten().unwrap_or_default();
    let body = crate::builtin::without_built_ins(
        manage::clients::listed(app.store.as_ref(), q)
            .await
            .map_err(Failure::admin)?,
    );
    Ok(ok(StatusCode::OK, body))
}

#[utoipa::path(
    post,
    path = "/clients",
    tag = "clients",
    summary = "Create a client",
    request_body(content = super::openapi::ClientWrite, content_type = "application/json", description = "Client metadata (RFC 7591 §2, OpenID Connect Registration §2) and Latchkey's fields; unknown members are ignored"),
    responses(
        (status = 201, description = "The client, with its secret when it uses one (shown this once)", body = manage::clients::ClientView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or metadata that is refused (`invalid_client_metadata`, `invalid_redirect_uri`, ...; `errorCauses` names the fields)", body = AdminError),
        (status = 409, description = "The `client_id` is taken (`client_id_taken`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn create_client(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> AdminResult {
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
        &caller.actor(),
        address_of(&app, &extensions, &headers),
        &created,
    );
    crate::audit::record(&app, event).await;
    Ok(ok(StatusCode::CREATED, created))
}

#[utoipa::path(
    get,
    path = "/clients/{client_id}",
    tag = "clients",
    summary = "Show a client",
    params(("client_id" = String, Path, description = "The client's id", example = "my-app")),
    responses(
        (status = 200, description = "The client", body = manage::clients::ClientView),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such client (`client_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn show_client(
    State(app): State<Arc<App>>,
    _caller: Caller,
    Path(client_id): Path<String>,
) -> AdminResult {
    let shown = manage::clients::shown(app.store.as_ref(), &client_id)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, shown))
}

#[utoipa::path(
    patch,
    path = "/clients/{client_id}",
    tag = "clients",
    summary = "Change a client",
    params(("client_id" = String, Path, description = "The client's id", example = "my-app")),
    request_body(content = super::openapi::ClientWrite, content_type = "application/json", description = "The members to change: each replaces the stored one, `null` restores its default; unknown members are ignored"),
    responses(
        (status = 200, description = "The client as changed, with its new secret when one was set", body = manage::clients::ClientView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or metadata that is refused (`invalid_client_metadata`, `invalid_redirect_uri`, ...)", body = AdminError),
        (status = 404, description = "No such client (`client_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn update_client(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(client_id): Path<String>,
    body: Bytes,
) -> AdminResult {
    crate::builtin::guard_client(&client_id).map_err(Failure::admin)?;
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
        &caller.actor(),
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
#[utoipa::path(
    post,
    path = "/clients/{client_id}/secret",
    tag = "clients",
    summary = "Rotate a client's secret",
    params(("client_id" = String, Path, description = "The client's id", example = "my-app")),
    request_body(content = super::openapi::SecretRotation, content_type = "application/json", description = "Optional: an empty body keeps no grace period (a `null` body is refused)"),
    responses(
        (status = 200, description = "The client with its new secret (shown this once) and `grace_seconds`", body = manage::clients::ClientView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or a refused rotation (`secret_rotation_invalid`: a bad `grace_seconds`, or a client without a secret)", body = AdminError),
        (status = 404, description = "No such client (`client_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn rotate_client_secret(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(client_id): Path<String>,
    body: Bytes,
) -> AdminResult {
    crate::builtin::guard_client(&client_id).map_err(Failure::admin)?;
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
        &caller.actor(),
        address_of(&app, &extensions, &headers),
        &client_id,
        grace,
    );
    crate::audit::record(&app, event).await;
    Ok(ok(StatusCode::OK, rotated))
}

#[utoipa::path(
    delete,
    path = "/clients/{client_id}",
    tag = "clients",
    summary = "Delete a client",
    params(("client_id" = String, Path, description = "The client's id", example = "my-app")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such client (`client_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn delete_client(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(client_id): Path<String>,
) -> AdminResult {
    crate::builtin::guard_client(&client_id).map_err(Failure::admin)?;
    manage::clients::delete(app.store.as_ref(), &client_id)
        .await
        .map_err(Failure::admin)?;
    let event = latchkey_core::audit::AuditEvent::new(
        &caller.actor(),
        latchkey_core::audit::kind::CLIENT_DELETED,
        format!("client:{client_id}"),
    )
    .address(address_of(&app, &extensions, &headers));
    crate::audit::record(&app, event).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    get,
    path = "/resources",
    tag = "resources",
    summary = "List the resources",
    responses(
        (status = 200, description = "Every resource", body = Vec<manage::resources::ResourceView>)
    ),
    security(("bearer" = []))
)]
async fn list_resources(State(app): State<Arc<App>>, _caller: Caller) -> AdminResult {
    let body = crate::builtin::without_built_ins(
        manage::resources::list(app.store.as_ref())
            .await
            .map_err(Failure::admin)?,
    );
    Ok(ok(StatusCode::OK, body))
}

#[utoipa::path(
    post,
    path = "/resources",
    tag = "resources",
    summary = "Register a resource",
    request_body(content = super::openapi::ResourceCreate, content_type = "application/json"),
    responses(
        (status = 201, description = "The resource", body = manage::resources::ResourceView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or refused attributes (`invalid_resource_attributes`)", body = AdminError),
        (status = 409, description = "The identifier is registered already (`resource_exists`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn create_resource(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> AdminResult {
    let body = json_body(&headers, &body)?;
    let created = manage::resources::create(app.store.as_ref(), body)
        .await
        .map_err(Failure::admin)?;
    let identifier = created
        .get("resource")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    let event = crate::audit::resource_changed(&caller.actor(), kind::RESOURCE_CREATED, identifier)
        .address(address_of(&app, &extensions, &headers));
    crate::audit::record(&app, event).await;
    Ok(ok(StatusCode::CREATED, created))
}

/// The path names a resource by its identifier, percent-encoded
/// (`/admin/v1/resources/https%3A%2F%2Fapi.example%2F`).
#[utoipa::path(
    get,
    path = "/resources/{resource}",
    tag = "resources",
    summary = "Show a resource",
    params(("resource" = String, Path, description = "The resource's identifier, percent-encoded (`https%3A%2F%2Fapi.example%2F`)", example = "https://api.example/")),
    responses(
        (status = 200, description = "The resource", body = manage::resources::ResourceView),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such resource (`resource_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn show_resource(
    State(app): State<Arc<App>>,
    _caller: Caller,
    Path(resource): Path<String>,
) -> AdminResult {
    let record = manage::resources::get(app.store.as_ref(), &resource)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, manage::resources::view(&record)))
}

#[utoipa::path(
    patch,
    path = "/resources/{resource}",
    tag = "resources",
    summary = "Change a resource",
    params(("resource" = String, Path, description = "The resource's identifier, percent-encoded (`https%3A%2F%2Fapi.example%2F`)", example = "https://api.example/")),
    request_body(content = super::openapi::ResourcePatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The resource as changed", body = manage::resources::ResourceView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or refused attributes (`invalid_resource_attributes`)", body = AdminError),
        (status = 404, description = "No such resource (`resource_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn update_resource(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(resource): Path<String>,
    body: Bytes,
) -> AdminResult {
    crate::builtin::guard_resource(app.store.as_ref(), &resource)
        .await
        .map_err(Failure::admin)?;
    let patch = json_body(&headers, &body)?;
    let fields = field_names(&patch);
    let updated = manage::resources::update(app.store.as_ref(), &resource, patch)
        .await
        .map_err(Failure::admin)?;
    let event = crate::audit::resource_changed(&caller.actor(), kind::RESOURCE_UPDATED, &resource)
        .with("fields", fields)
        .address(address_of(&app, &extensions, &headers));
    crate::audit::record(&app, event).await;
    Ok(ok(StatusCode::OK, updated))
}

#[utoipa::path(
    delete,
    path = "/resources/{resource}",
    tag = "resources",
    summary = "Delete a resource",
    params(("resource" = String, Path, description = "The resource's identifier, percent-encoded (`https%3A%2F%2Fapi.example%2F`)", example = "https://api.example/")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such resource (`resource_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn delete_resource(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(resource): Path<String>,
) -> AdminResult {
    crate::builtin::guard_resource(app.store.as_ref(), &resource)
        .await
        .map_err(Failure::admin)?;
    manage::resources::delete(app.store.as_ref(), &resource)
        .await
        .map_err(Failure::admin)?;
    let event = crate::audit::resource_changed(&caller.actor(), kind::RESOURCE_DELETED, &resource)
        .address(address_of(&app, &extensions, &headers));
    crate::audit::record(&app, event).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /admin/v1/users`: every user (by creation), or with `q`, `after`
/// or `limit` a page of a search (by username).
#[utoipa::path(
    get,
    path = "/users",
    tag = "users",
    summary = "List or search the users",
    params(
        ("q" = Option<String>, Query, description = "Text the username, `sub` or email contains (ignoring ASCII case); empty matches everyone", example = "ada"),
        ("after" = Option<String>, Query, description = "The last username of the previous page: the page starts after it"),
        ("limit" = Option<usize>, Query, description = "At most this many users (1 to 1000; 100 by default)", minimum = 1, maximum = 1000)
    ),
    responses(
        (status = 200, description = "Without `q`, `after` and `limit`: every user, oldest first. With any of them: the users found, by username; a page shorter than `limit` is the last", body = Vec<manage::users::UserView>),
        (status = 400, description = "A parameter given twice, a `limit` out of range or a NUL character (`admin_query_invalid`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn list_users(
    State(app): State<Arc<App>>,
    _caller: Caller,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> AdminResult {
    let params = latchkey_core::authorize::RawParams::parse(query.as_deref().unwrap_or(""));
    let query = manage::users::query(&params).map_err(Failure::admin)?;
    let body = manage::users::find(app.store.as_ref(), query.as_ref())
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, body))
}

/// Record an admin API change to a user in the audit trail: which fields
/// (names only, never values), by the admin token, from where.
async fn audit_user(
    app: &App,
    caller: &Caller,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
    kind: &str,
    user: &Value,
    fields: Vec<String>,
) {
    use latchkey_core::audit::AuditEvent;
    let sub = user["sub"].as_str().unwrap_or_default();
    let address = address_of(app, extensions, headers);
    let mut event = AuditEvent::new(&caller.actor(), kind, format!("user:{sub}")).address(address);
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

#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    summary = "Create a user",
    request_body(content = super::openapi::UserCreate, content_type = "application/json"),
    responses(
        (status = 201, description = "The user", body = manage::users::UserView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or refused attributes (`invalid_user_attributes`)", body = AdminError),
        (status = 409, description = "The username is taken (`username_taken`), or the verified email is another user's (`email_taken`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn create_user(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> AdminResult {
    use latchkey_core::audit::kind;
    let body = json_body(&headers, &body)?;
    let fields = field_names(&body);
    let created = manage::users::create(app.store.as_ref(), &app.secrets, body)
        .await
        .map_err(Failure::admin)?;
    audit_user(
        &app,
        &caller,
        &extensions,
        &headers,
        kind::ADMIN_USER_CREATED,
        &created,
        fields,
    )
    .await;
    let address = address_of(&app, &extensions, &headers);
    if let Some(event) = manage::users::roles_event(&caller.actor(), address, &created, &[]) {
        crate::audit::record(&app, event).await;
    }
    if crate::mail::verify_new_user(&app.config, app.store.as_ref(), &app.secrets, &created).await {
        app.mail_wake.notify_one();
    }
    Ok(ok(StatusCode::CREATED, created))
}

#[utoipa::path(
    get,
    path = "/users/{sub}",
    tag = "users",
    summary = "Show a user",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice")),
    responses(
        (status = 200, description = "The user, with what they have besides a password", body = manage::users::UserView),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn show_user(
    State(app): State<Arc<App>>,
    _caller: Caller,
    Path(sub): Path<String>,
) -> AdminResult {
    let user = manage::users::get(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    let shown = manage::users::describe(app.store.as_ref(), &user)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, shown))
}

#[utoipa::path(
    patch,
    path = "/users/{sub}",
    tag = "users",
    summary = "Change a user",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice")),
    request_body(content = super::openapi::UserPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The user as changed", body = manage::users::UserView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or refused attributes (`invalid_user_attributes`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError),
        (status = 409, description = "The username is taken (`username_taken`), or the verified email is another user's (`email_taken`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn update_user(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(sub): Path<String>,
    body: Bytes,
) -> AdminResult {
    use latchkey_core::audit::kind;
    let patch = json_body(&headers, &body)?;
    let fields = field_names(&patch);
    let locking = patch.get("locked") == Some(&Value::Bool(true));
    let previous = match patch.get("roles") {
        Some(_) => {
            let user = manage::users::get(app.store.as_ref(), &sub)
                .await
                .map_err(Failure::admin)?;
            Some(
                manage::users::roles_of(app.store.as_ref(), &user.sub)
                    .await
                    .map_err(Failure::admin)?,
            )
        }
        None => None,
    };
    let updated = manage::users::update(app.store.as_ref(), &app.secrets, &sub, patch)
        .await
        .map_err(Failure::admin)?;
    if locking {
        // Locking queued Logout Tokens for the clients of the user's sessions.
        app.logout_wake.notify_one();
    }
    audit_user(
        &app,
        &caller,
        &extensions,
        &headers,
        kind::ADMIN_USER_UPDATED,
        &updated,
        fields,
    )
    .await;
    if let Some(previous) = previous {
        let address = address_of(&app, &extensions, &headers);
        if let Some(event) =
            manage::users::roles_event(&caller.actor(), address, &updated, &previous)
        {
            crate::audit::record(&app, event).await;
        }
    }
    Ok(ok(StatusCode::OK, updated))
}

/// `POST /admin/v1/users/{sub}/password-reset`: send the user the password
/// reset email `/recover` sends (in their language); its link sets a new
/// password and still asks for their second factor.
#[utoipa::path(
    post,
    path = "/users/{sub}/password-reset",
    tag = "users",
    summary = "Send a user the password reset email",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice")),
    responses(
        (status = 202, description = "The email is queued (sent by the mail worker, retried while the SMTP server is away)", body = ResetMailQueued),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError),
        (status = 409, description = "Mail is off, or the user has no email address (`reset_mail_unsendable`): set a password instead", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn send_password_reset(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(sub): Path<String>,
) -> AdminResult {
    let (user, to) =
        manage::users::send_reset_mail(&app.config, app.store.as_ref(), &app.secrets, &sub)
            .await
            .map_err(Failure::admin)?;
    app.mail_wake.notify_one();
    let event = latchkey_core::audit::AuditEvent::new(
        &caller.actor(),
        kind::RECOVERY_REQUESTED,
        format!("user:{}", user.sub),
    )
    .address(address_of(&app, &extensions, &headers))
    .with("lang", crate::mail::lang_of(&user).tag());
    crate::audit::record(&app, event).await;
    Ok(ok(
        StatusCode::ACCEPTED,
        json!(ResetMailQueued {
            sub: user.sub,
            sent_to: to
        }),
    ))
}

/// `GET /admin/v1/users/{sub}/sessions`: the user's live browser sessions.
#[utoipa::path(
    get,
    path = "/users/{sub}/sessions",
    tag = "users",
    summary = "List a user's browser sessions",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice")),
    responses(
        (status = 200, description = "The user's live sessions, newest first", body = Vec<manage::users::SessionView>),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn list_user_sessions(
    State(app): State<Arc<App>>,
    _caller: Caller,
    Path(sub): Path<String>,
) -> AdminResult {
    let listed = manage::users::sessions(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, json!(listed)))
}

/// `DELETE /admin/v1/users/{sub}/sessions/{sid}`: end one session, as its
/// logout would: the grants made in it without `offline_access` are
/// revoked, and the clients that received tokens in it are sent Logout
/// Tokens.
#[utoipa::path(
    delete,
    path = "/users/{sub}/sessions/{sid}",
    tag = "users",
    summary = "End one of a user's browser sessions",
    params(
        ("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice"),
        ("sid" = String, Path, description = "The session's `sid`, as the listing shows it")
    ),
    responses(
        (status = 204, description = "Ended"),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`) or live session (`user_session_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn end_user_session(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path((sub, sid)): Path<(String, String)>,
) -> AdminResult {
    use latchkey_core::audit::kind;
    let user = manage::users::get(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    let horizon = crate::backchannel::revocation_horizon(&app, latchkey_core::now_unix());
    let told = manage::users::end_session(app.store.as_ref(), &user.sub, &sid, horizon)
        .await
        .map_err(Failure::admin)?;
    if told > 0 {
        app.logout_wake.notify_one();
    }
    let event = latchkey_core::audit::AuditEvent::new(
        &caller.actor(),
        kind::ADMIN_SESSIONS_ENDED,
        format!("user:{}", user.sub),
    )
    .address(address_of(&app, &extensions, &headers))
    .with("sid", sid);
    crate::audit::record(&app, event).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /admin/v1/users/{sub}/sessions`: sign the user out of every
/// browser, revoking the grants made in their sessions without
/// `offline_access` (the others stay); the clients that received tokens for them
/// are sent Logout Tokens (back-channel logout).
#[utoipa::path(
    delete,
    path = "/users/{sub}/sessions",
    tag = "users",
    summary = "Sign a user out everywhere",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice")),
    responses(
        (status = 200, description = "How many sessions ended", body = SessionsEnded),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn end_user_sessions(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(sub): Path<String>,
) -> AdminResult {
    use latchkey_core::audit::kind;
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
    let answer = json!(SessionsEnded {
        sub: user.sub,
        sessions_ended: ended,
    });
    audit_user(
        &app,
        &caller,
        &extensions,
        &headers,
        kind::ADMIN_SESSIONS_ENDED,
        &answer,
        Vec::new(),
    )
    .await;
    Ok(ok(StatusCode::OK, answer))
}

#[utoipa::path(
    delete,
    path = "/users/{sub}",
    tag = "users",
    summary = "Delete a user",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn delete_user(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(sub): Path<String>,
) -> AdminResult {
    use latchkey_core::audit::kind;
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
        &caller,
        &extensions,
        &headers,
        kind::ADMIN_USER_DELETED,
        &gone,
        Vec::new(),
    )
    .await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    get,
    path = "/users/{sub}/passkeys",
    tag = "users",
    summary = "List a user's passkeys",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice")),
    responses(
        (status = 200, description = "The user's passkeys, oldest first", body = manage::passkeys::PasskeyList),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn list_passkeys(
    State(app): State<Arc<App>>,
    _caller: Caller,
    Path(sub): Path<String>,
) -> AdminResult {
    let listed = manage::passkeys::list(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, listed))
}

#[utoipa::path(
    delete,
    path = "/users/{sub}/passkeys/{id}",
    tag = "users",
    summary = "Remove a user's passkey",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice"), ("id" = String, Path, description = "The passkey's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`) or passkey (`passkey_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn delete_passkey(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path((sub, id)): Path<(String, String)>,
) -> AdminResult {
    let address = address_of(&app, &extensions, &headers);
    manage::passkeys::remove(app.store.as_ref(), &sub, &id, &caller.actor(), address)
        .await
        .map_err(Failure::admin)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    get,
    path = "/keys",
    tag = "keys",
    summary = "List the signing keys",
    responses(
        (status = 200, description = "Every signing key, published or not", body = Vec<manage::keys::KeyView>)
    ),
    security(("bearer" = []))
)]
async fn list_keys(State(app): State<Arc<App>>, _caller: Caller) -> AdminResult {
    let body = manage::keys::list(app.store.as_ref())
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, body))
}

/// `POST /admin/v1/keys/rotate`: a new active key per algorithm; this node
/// serves it at once, other nodes at their next key refresh.
#[utoipa::path(
    post,
    path = "/keys/rotate",
    tag = "keys",
    summary = "Rotate the signing keys",
    request_body(content = super::openapi::KeyRotation, content_type = "application/json", description = "Optional: `{\"alg\": \"ES256\"}` rotates one algorithm; no body, `{}` or `\"all\"` every one"),
    responses(
        (status = 200, description = "The new active keys, one per algorithm rotated", body = manage::keys::RotatedKeys),
        (status = 400, description = "Not `Content-Type: application/json`, not JSON, another member than `alg`, or an unknown algorithm (`malformed_body`, naming the field)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn rotate_keys(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> AdminResult {
    let algs = match body.iter().all(u8::is_ascii_whitespace) {
        true => manage::keys::algorithms(None),
        false => manage::keys::algorithms_from_body(&json_body(&headers, &body)?),
    }
    .map_err(Failure::admin)?;
    let store = app.store.as_ref();
    let new = manage::keys::rotate(store, &app.secrets, &algs, app.config.access_token_ttl)
        .await
        .map_err(Failure::admin)?;
    let keys = manage::keys::load(store, &app.secrets)
        .await
        .map_err(Failure::admin)?;
    app.set_keys(keys);
    let event = crate::audit::keys_rotated(&caller.actor(), &new).address(address_of(
        &app,
        &extensions,
        &headers,
    ));
    crate::audit::record(&app, event).await;
    let body = manage::keys::rotated(&new, latchkey_core::now_unix());
    Ok(ok(StatusCode::OK, body))
}

/// `GET /admin/v1/errors`: the occurrences the store keeps, counted by
/// code and cause over the last 24 hours by hour or the last 7 days by
/// day, as the console's table and chart show them.
#[utoipa::path(
    get,
    path = "/errors",
    tag = "errors",
    summary = "Count the errors by code and cause over time",
    params(
        ("span" = Option<String>, Query, description = "`day` (the last 24 hours by hour, the default) or `week` (the last 7 days by day); UTC", example = "day"),
        ("client_id" = Option<String>, Query, description = "Count one client's errors only")
    ),
    responses(
        (status = 200, description = "The counts per bucket, oldest first, a row per cause seen, most frequent first", body = manage::errors::CountsView),
        (status = 400, description = "A parameter given twice, an unknown `span` or a NUL character (`admin_query_invalid`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn count_errors(
    State(app): State<Arc<App>>,
    _caller: Caller,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> AdminResult {
    let params = latchkey_core::authorize::RawParams::parse(query.as_deref().unwrap_or(""));
    let (span, client) = manage::errors::query(&params).map_err(Failure::admin)?;
    let now = latchkey_core::now_unix();
    let counts = manage::errors::counts(app.store.as_ref(), span, now, client.as_deref())
        .await
        .map_err(Failure::admin)?;
    let view = manage::errors::CountsView::of(&counts, &app.config.issuer);
    Ok(ok(StatusCode::OK, json!(view)))
}

/// `GET /admin/v1/errors/{error_id}`: an occurrence with its internal
/// detail, for support.
#[utoipa::path(
    get,
    path = "/errors/{error_id}",
    tag = "errors",
    summary = "Look up an error occurrence",
    params(("error_id" = String, Path, description = "The `error_id` an answer or page showed")),
    responses(
        (status = 200, description = "The occurrence, with its internal detail", body = ErrorRecordView),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No occurrence with this id (`error_id_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn show_error(
    State(app): State<Arc<App>>,
    _caller: Caller,
    Path(error_id): Path<String>,
) -> AdminResult {
    let record = match manage::storable(&error_id) {
        true => app
            .store
            .get_error(&error_id)
            .await
            .map_err(|e| Failure::admin(latchkey_core::Occurrence::from(e)))?,
        false => None,
    };
    let record = record.ok_or_else(|| {
        Failure::admin(ERROR_ID_NOT_FOUND.with_detail(format!("error_id {error_id}")))
    })?;
    let shown = ErrorRecordView {
        error_id: record.error_id,
        cause: record.cause,
        error: record.code,
        status: record.status,
        error_description: record.description,
        debug: record.debug,
        endpoint: record.endpoint,
        client_id: record.client_id,
        created_at: record.created_at,
    };
    Ok(ok(StatusCode::OK, json!(shown)))
}

/// The answer to `POST /users/{sub}/password-reset`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ResetMailQueued {
    pub sub: String,
    /// The address the email goes to (the user's `email` claim).
    pub sent_to: String,
}

/// The answer to `DELETE /users/{sub}/sessions`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SessionsEnded {
    pub sub: String,
    /// How many browser sessions ended.
    pub sessions_ended: u64,
}

/// An error occurrence as recorded, with its internal detail.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = ErrorRecord)]
pub struct ErrorRecordView {
    pub error_id: String,
    /// The cause (a section of the error reference).
    pub cause: String,
    /// The error code sent on the wire.
    pub error: String,
    /// The HTTP status answered.
    pub status: i64,
    pub error_description: String,
    /// The internal detail, never sent to the caller.
    pub debug: Option<String>,
    /// The endpoint that answered (`/token`, ...).
    pub endpoint: String,
    pub client_id: Option<String>,
    pub created_at: i64,
}

/// The maintenance switch as this node sees it.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Maintenance)]
pub struct MaintenanceView {
    /// Whether maintenance is in effect on this node.
    pub enabled: bool,
    /// The admin API's switch, shared by every node.
    pub switched: bool,
    /// This node's `maintenance` setting.
    pub setting: bool,
}

/// A page of the audit trail.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub events: Vec<latchkey_core::audit::AuditRecord>,
    /// The `before` of the next page; `null` on the last one.
    pub next: Option<i64>,
}

fn maintenance_view(app: &App) -> Value {
    json!(MaintenanceView {
        enabled: app.in_maintenance(),
        switched: app.stored_maintenance(),
        setting: app.config.maintenance,
    })
}

/// `GET /admin/v1/maintenance`: `enabled` (in effect on this node),
/// `switched` (the admin API's switch, shared by every node) and `setting`
/// (this node's `maintenance` setting).
#[utoipa::path(
    get,
    path = "/maintenance",
    tag = "maintenance",
    summary = "Show the maintenance switch",
    responses(
        (status = 200, description = "The switch as this node sees it", body = MaintenanceView)
    ),
    security(("bearer" = []))
)]
async fn show_maintenance(State(app): State<Arc<App>>, _caller: Caller) -> AdminResult {
    Ok(ok(StatusCode::OK, maintenance_view(&app)))
}

/// `PUT /admin/v1/maintenance {"enabled": bool}`: switch maintenance on or
/// off for every node (this one at once, the others within a second).
#[utoipa::path(
    put,
    path = "/maintenance",
    tag = "maintenance",
    summary = "Switch maintenance on or off for every node",
    request_body(content = super::openapi::MaintenanceSwitch, content_type = "application/json"),
    responses(
        (status = 200, description = "The switch as changed", body = MaintenanceView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or no boolean `enabled` (`malformed_body`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn set_maintenance(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> AdminResult {
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
        &caller.actor(),
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
#[utoipa::path(
    get,
    path = "/audit",
    tag = "audit",
    summary = "Read the audit trail",
    params(("actor" = Option<String>, Query, description = "Only events by this actor (`user:{sub}`, `admin:admin_token`, `client:{id}`, `system`)"), ("target" = Option<String>, Query, description = "Only events on this target (`user:{sub}`, `client:{id}`, ...)"), ("kind" = Option<String>, Query, description = "Only events of this kind (`sign_in`, `client.created`, ...)"), ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "Events per page (default 50; an empty value counts as absent, as for every filter)"), ("before" = Option<i64>, Query, minimum = 1, description = "Only events older than this id: the `next` of the previous page")),
    responses(
        (status = 200, description = "A page of the trail, newest first", body = AuditPage),
        (status = 400, description = "A filter given twice or holding a NUL character, or a `limit` or `before` out of range (`audit_query_invalid`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
async fn list_audit(
    State(app): State<Arc<App>>,
    _caller: Caller,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> AdminResult {
    let params = latchkey_core::authorize::RawParams::parse(query.as_deref().unwrap_or(""));
    let q = manage::audit::query(&params).map_err(Failure::admin)?;
    let (events, next) = manage::audit::page(app.store.as_ref(), &q)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, json!(AuditPage { events, next })))
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
    Ok(ok(StatusCode::OK, super::openapi::document(&server)))
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

/// Every guarded admin handler takes its caller as an extractor, so the
/// token is checked once, before the path and the body are read, and no
/// handler can forget it. A refusal (no or a wrong token, a write with the
/// read-only one, a person's token without the scope or the role) is
/// logged at WARN and recorded in the audit trail as
/// `admin.access_denied`, at most once per address per minute (the kept
/// event's `detail.unrecorded` counts those in between), so guessing
/// cannot flood the trail.
impl axum::extract::FromRequestParts<Arc<App>> for Caller {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &Arc<App>,
    ) -> Result<Caller, Failure> {
        let refused = match authorize(app, &parts.method, &parts.headers).await {
            Ok(caller) => return Ok(caller),
            Err(failure) => failure,
        };
        record_denied(app, parts, &refused).await;
        Err(refused)
    }
}

async fn record_denied(app: &App, parts: &axum::http::request::Parts, failure: &Failure) {
    use latchkey_core::audit::{Actor, AuditEvent, kind};
    use latchkey_core::catalogue::{
        ADMIN_ROLE_MISSING, ADMIN_SCOPE_MISSING, ADMIN_TOKEN_INACTIVE, ADMIN_TOKEN_NOT_FOR_ADMIN,
    };
    let cause = failure.occ.cause;
    let refused = [
        &REQUEST_UNAUTHORIZED,
        &REQUEST_FORBIDDEN,
        &ADMIN_TOKEN_INACTIVE,
        &ADMIN_TOKEN_NOT_FOR_ADMIN,
        &ADMIN_SCOPE_MISSING,
        &ADMIN_ROLE_MISSING,
    ];
    if !refused.iter().any(|c| cause.id == c.id) {
        return;
    }
    let address = address_of(app, &parts.extensions, &parts.headers);
    // Nested under /admin/v1, the router sees the rest of the path.
    let path = format!("/admin/v1{}", parts.uri.path());
    let method = parts.method.to_string();
    tracing::warn!(cause = cause.id, method = %method, path = %path, address = address.as_deref().unwrap_or_default(), "admin access denied");
    let key = address.clone().unwrap_or_default();
    let Some(unrecorded) = app.admin_denied.admit(&key, latchkey_core::now_unix()) else {
        return;
    };
    // A person known by a valid token is the actor; a guessed or foreign
    // token is nobody's.
    let actor = match (&failure.occ.subject, cause.id == REQUEST_FORBIDDEN.id) {
        (Some(subject), _) => {
            Actor::User(subject.strip_prefix("user:").unwrap_or(subject).to_string())
        }
        (None, true) => Actor::Admin("admin_readonly_token".into()),
        (None, false) => Actor::System,
    };
    let event = AuditEvent::new(&actor, kind::ADMIN_ACCESS_DENIED, "admin_api")
        .failed()
        .address(address)
        .with("method", method)
        .with("path", path)
        .with("cause", cause.id)
        .with("unrecorded", unrecorded);
    crate::audit::record(app, event).await;
}
