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

mod shared;

pub use caller::{Caller, Rights, rights};

use axum::Router;
use axum::routing::{get, post};
use shared::*;

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
