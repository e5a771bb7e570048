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
pub async fn authorize(app: &App, method: &Method, headers: &HeaderMap) -> Result<Caller, Failure> {
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
        return Err(ADMIN_SCOPE_MISSING.with_detail(match read {
            true => "reads need scope admin:read or admin",
            false => "changes need scope admin; this token may only read",
        }));
    }
    let needed = if read { ADMIN_READ_SCOPE } else { ADMIN_SCOPE };
    if !roles_allow(&r.roles, needed) {
        return Err(
            ADMIN_ROLE_MISSING.with_detail(match (read, r.roles.is_empty()) {
                (_, true) => "the user of this token holds no administrative role".to_string(),
                (false, false) => format!(
                    "the user of this token is {}: changes need the admin role",
                    r.roles.join(", ")
                ),
                (true, false) => "the user's roles do not allow reading".to_string(),
            }),
        );
    }
    Ok(Caller::Person { sub: r.sub })
}

/// A list without the built-in client and resource (shown by their own
/// address only).
fn without_built_ins(list: Value) -> Value {
    match list {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .filter(|i| !crate::builtin::is_listed_built_in(i))
                .collect(),
        ),
        other => other,
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
    authorize(&app, &method, &headers).await?;
    let body = without_built_ins(
        manage::clients::list(app.store.as_ref())
            .await
            .map_err(Failure::admin)?,
    );
    Ok(ok(StatusCode::OK, body))
}

async fn create_client(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> AdminResult {
    let caller = authorize(&app, &method, &headers).await?;
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

async fn show_client(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    Path(client_id): Path<String>,
) -> AdminResult {
    authorize(&app, &method, &headers).await?;
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
    let caller = authorize(&app, &method, &headers).await?;
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
async fn rotate_client_secret(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(client_id): Path<String>,
    body: Bytes,
) -> AdminResult {
    let caller = authorize(&app, &method, &headers).await?;
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

async fn delete_client(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(client_id): Path<String>,
) -> AdminResult {
    let caller = authorize(&app, &method, &headers).await?;
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

async fn list_resources(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
) -> AdminResult {
    authorize(&app, &method, &headers).await?;
    let body = without_built_ins(
        manage::resources::list(app.store.as_ref())
            .await
            .map_err(Failure::admin)?,
    );
    Ok(ok(StatusCode::OK, body))
}

async fn create_resource(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> AdminResult {
    let caller = authorize(&app, &method, &headers).await?;
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
async fn show_resource(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    Path(resource): Path<String>,
) -> AdminResult {
    authorize(&app, &method, &headers).await?;
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
    let caller = authorize(&app, &method, &headers).await?;
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

async fn delete_resource(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(resource): Path<String>,
) -> AdminResult {
    let caller = authorize(&app, &method, &headers).await?;
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

async fn list_users(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
) -> AdminResult {
    authorize(&app, &method, &headers).await?;
    let body = manage::users::list(app.store.as_ref())
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
    let address = super::client_address::of(extensions, headers, &app.config.trusted_proxies)
        .map(|ip| ip.to_string());
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

async fn create_user(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> AdminResult {
    use latchkey_core::audit::kind;
    let caller = authorize(&app, &method, &headers).await?;
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

async fn show_user(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    Path(sub): Path<String>,
) -> AdminResult {
    authorize(&app, &method, &headers).await?;
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
    let caller = authorize(&app, &method, &headers).await?;
    let patch = json_body(&headers, &body)?;
    let fields = field_names(&patch);
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
    let caller = authorize(&app, &method, &headers).await?;
    let user = manage::users::get(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    let ending = crate::backchannel::before_end(app.store.as_ref(), &user.sub, None).await;
    let now = latchkey_core::now_unix();
    let ended = app
        .store
        .end_sessions(
            &user.sub,
            now,
            crate::backchannel::revocation_horizon(&app, now),
        )
        .await
        .map_err(|e| Failure::admin(latchkey_core::Occurrence::from(e)))?;
    crate::backchannel::after_end(&app, ending).await;
    let answer = json!({ "sub": user.sub, "sessions_ended": ended });
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

async fn delete_user(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(sub): Path<String>,
) -> AdminResult {
    use latchkey_core::audit::kind;
    let caller = authorize(&app, &method, &headers).await?;
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

async fn list_passkeys(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    Path(sub): Path<String>,
) -> AdminResult {
    authorize(&app, &method, &headers).await?;
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
    let caller = authorize(&app, &method, &headers).await?;
    let actor = caller.actor();
    let address = super::client_address::of(&extensions, &headers, &app.config.trusted_proxies)
        .map(|ip| ip.to_string());
    manage::passkeys::remove(app.store.as_ref(), &sub, &id, &actor, address)
        .await
        .map_err(Failure::admin)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_keys(State(app): State<Arc<App>>, method: Method, headers: HeaderMap) -> AdminResult {
    authorize(&app, &method, &headers).await?;
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
    let caller = authorize(&app, &method, &headers).await?;
    let store = app.store.as_ref();
    let new = manage::keys::rotate(store, &app.secrets, Alg::ALL, app.config.access_token_ttl)
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
    authorize(&app, &method, &headers).await?;
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
    authorize(&app, &method, &headers).await?;
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
    let caller = authorize(&app, &method, &headers).await?;
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
async fn list_audit(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> AdminResult {
    use latchkey_core::audit::{AuditQuery, PAGE_DEFAULT, PAGE_MAX};
    use latchkey_core::catalogue::AUDIT_QUERY_INVALID;
    authorize(&app, &method, &headers).await?;
    let params = latchkey_core::authorize::RawParams::parse(query.as_deref().unwrap_or(""));
    let invalid = |detail: String| Failure::admin(AUDIT_QUERY_INVALID.with_detail(detail));
    if let Some(name) = params.first_repeated() {
        return Err(invalid(format!("{name} is given more than once")));
    }
    let text = |name: &str| {
        params
            .single(name)
            .ok()
            .flatten()
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let number = |name: &str, min: i64, max: i64| -> Result<Option<i64>, Failure> {
        match text(name) {
            None => Ok(None),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(invalid(format!(
                    "{name} must be a whole number from {min} to {max}, got {v:?}"
                ))),
            },
        }
    };
    let q = AuditQuery {
        actor: text("actor"),
        target: text("target"),
        kind: text("kind"),
        before: number("before", 1, i64::MAX)?,
        limit: number("limit", 1, PAGE_MAX)?.unwrap_or(PAGE_DEFAULT),
    };
    let events = app
        .store
        .list_audit(&q)
        .await
        .map_err(|e| Failure::admin(latchkey_core::Occurrence::from(e)))?;
    let next = (events.len() as i64 == q.limit)
        .then(|| events.last().map(|e| e.id))
        .flatten();
    Ok(ok(
        StatusCode::OK,
        json!({ "events": events, "next": next }),
    ))
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
    use latchkey_core::catalogue::{
        ADMIN_ROLE_MISSING, ADMIN_SCOPE_MISSING, ADMIN_TOKEN_INACTIVE, ADMIN_TOKEN_NOT_FOR_ADMIN,
    };
    if let Err(failure) = authorize(&app, request.method(), request.headers()).await {
        let cause = failure.occ.cause;
        let refused = [
            &REQUEST_UNAUTHORIZED,
            &REQUEST_FORBIDDEN,
            &ADMIN_TOKEN_INACTIVE,
            &ADMIN_TOKEN_NOT_FOR_ADMIN,
            &ADMIN_SCOPE_MISSING,
            &ADMIN_ROLE_MISSING,
        ];
        if refused.iter().any(|c| cause.id == c.id) {
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
