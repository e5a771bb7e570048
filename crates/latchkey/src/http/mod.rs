//! The HTTP layer: parse, call, render. Every route is listed here.

pub mod account;
pub mod admin;
pub mod attempts;
pub mod authorize;
pub mod client_address;
pub mod console;
pub mod cookies;
pub mod cors;
pub mod device_authorization;
pub mod discovery;
pub mod docs;
pub mod dpop;
pub mod fetch;
pub mod health;
pub mod introspect;
pub mod language;
pub mod logout;
pub mod openapi;
pub mod pages;
pub mod par;
pub mod rate_limit;
pub mod recovery;
pub mod recovery_passkey;
pub mod refused;
pub mod register;
pub mod respond;
pub mod signin;
pub mod token;
pub mod unread_body;
pub mod upstream;
pub mod upstreams;
pub mod userinfo;
pub mod verify_email;

use crate::app::App;
use axum::Router;
use axum::routing::get;
use latchkey_core::catalogue::NOT_FOUND;
use respond::Failure;
use std::sync::Arc;
use std::time::Duration;

/// Largest request body accepted (forms, admin JSON).
pub const BODY_LIMIT: usize = 64 * 1024;
/// A request that takes longer is answered 503 `request_timeout`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole application.
pub fn router(app: Arc<App>) -> Router {
    let routes = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(discovery::openid_configuration),
        )
        .route("/jwks", get(discovery::jwks))
        // Browser apps call these with CORS (preflight: OPTIONS).
        .route(
            "/token",
            axum::routing::post(token::token).options(cors::preflight),
        )
        .route(
            "/par",
            axum::routing::post(par::par).options(cors::preflight),
        )
        .route(
            "/userinfo",
            get(userinfo::userinfo)
                .post(userinfo::userinfo)
                .options(cors::preflight),
        )
        .route(
            "/introspect",
            axum::routing::post(introspect::introspect).options(cors::preflight),
        )
        .route(
            "/revoke",
            axum::routing::post(introspect::revoke).options(cors::preflight),
        )
        .route(
            "/device_authorization",
            axum::routing::post(device_authorization::device_authorization),
        )
        .route("/register", axum::routing::post(register::register))
        .route(
            "/register/{client_id}",
            get(register::read)
                .put(register::update)
                .delete(register::delete),
        )
        .route("/authorize", get(authorize::get).post(authorize::post))
        .route(
            "/login",
            get(signin::login::form).post(signin::login::submit),
        )
        .route(
            "/consent",
            get(signin::consent::form).post(signin::consent::submit),
        )
        .route(
            "/mfa",
            get(signin::second_factor::form).post(signin::second_factor::submit),
        )
        .route(
            "/passkey",
            get(signin::passkey::offer).post(signin::passkey::submit),
        )
        .route("/assets/passkey.js", get(signin::passkey::script))
        .route(
            "/select-account",
            get(signin::account_chooser::form).post(signin::account_chooser::submit),
        )
        .route(
            "/device",
            get(signin::device::form).post(signin::device::submit),
        )
        .route("/account", get(account::page).post(account::change))
        .route(
            "/recover",
            get(recovery::request_form).post(recovery::request),
        )
        .route(
            "/recover/reset",
            get(recovery::reset_form).post(recovery::reset),
        )
        .route(
            "/verify-email",
            get(verify_email::verify_page).post(verify_email::verify),
        )
        .route(
            "/verify-email/resend",
            axum::routing::post(verify_email::resend),
        )
        .route("/trustmark", get(discovery::trustmark))
        .route("/logout", get(logout::get).post(logout::post))
        .route("/upstream/{id}", axum::routing::post(upstream::start))
        .route("/upstream/{id}/callback", get(upstream::callback))
        .route("/", get(pages::home))
        .route("/favicon.ico", get(pages::favicon))
        .route("/language", get(language::switch))
        .route("/errors", get(docs::page))
        .route("/errors.json", get(docs::json))
        .route("/errors/{code}", get(docs::section))
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(health::metrics))
        .route("/assets/latchkey.css", get(pages::stylesheet))
        .merge(console::routes())
        .nest(
            "/admin/v1",
            admin::routes().route("/openapi.json", get(admin::openapi)),
        )
        .fallback(not_found)
        .layer(axum::middleware::from_fn(respond::tag_endpoint))
        .with_state(app.clone());

    routes
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            respond::finish,
        ))
        // Outside `finish`: rendered failures get their CORS headers too.
        .layer(axum::middleware::from_fn_with_state(app, cors::answer))
        // Outside `finish`: the error pages it renders are covered too.
        .layer(axum::middleware::from_fn(pages::security_headers))
        // Outermost: it also sees the answers the layers above give
        // without reading the body (413, shedding, maintenance).
        .layer(axum::middleware::from_fn(unread_body::drain))
}

/// Whether the body is `application/x-www-form-urlencoded`.
pub fn is_form(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

async fn not_found(uri: axum::http::Uri) -> Failure {
    Failure::json(NOT_FOUND.with_detail(format!("no endpoint at {}", uri.path())))
}

/// A panic in one request becomes `internal_error` for that request only.
fn panicked(err: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let message = err
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    Failure::json(
        latchkey_core::catalogue::INTERNAL_ERROR
            .occur()
            .debug(format!("panic: {message}")),
    )
    .into_response()
}
