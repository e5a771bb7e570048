//! `/admin/v1/clients`: registered clients, their secrets and last use.

use super::caller::Caller;
use super::shared::*;

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
pub(super) async fn list_clients(
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
    request_body(content = crate::http::openapi::ClientWrite, content_type = "application/json", description = "Client metadata (RFC 7591 §2, OpenID Connect Registration §2) and Latchkey's fields; unknown members are ignored"),
    responses(
        (status = 201, description = "The client, with its secret when it uses one (shown this once)", body = manage::clients::ClientView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or metadata that is refused (`invalid_client_metadata`, `invalid_redirect_uri`, ...; `errorCauses` names the fields)", body = AdminError),
        (status = 409, description = "The `client_id` is taken (`client_id_taken`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn create_client(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
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
    let event = crate::audit::client_created(&caller.actor(), caller.address.clone(), &created);
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
pub(super) async fn show_client(
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
    request_body(content = crate::http::openapi::ClientWrite, content_type = "application/json", description = "The members to change: each replaces the stored one, `null` restores its default; unknown members are ignored"),
    responses(
        (status = 200, description = "The client as changed, with its new secret when one was set", body = manage::clients::ClientView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or metadata that is refused (`invalid_client_metadata`, `invalid_redirect_uri`, ...)", body = AdminError),
        (status = 404, description = "No such client (`client_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn update_client(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
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
        caller.address.clone(),
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
    request_body(content = crate::http::openapi::SecretRotation, content_type = "application/json", description = "Optional: an empty body keeps no grace period (a `null` body is refused)"),
    responses(
        (status = 200, description = "The client with its new secret (shown this once) and `grace_seconds`", body = manage::clients::ClientView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or a refused rotation (`secret_rotation_invalid`: a bad `grace_seconds`, or a client without a secret)", body = AdminError),
        (status = 404, description = "No such client (`client_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn rotate_client_secret(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
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
        caller.address.clone(),
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
pub(super) async fn delete_client(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(client_id): Path<String>,
) -> AdminResult {
    crate::builtin::guard_client(&client_id).map_err(Failure::admin)?;
    manage::clients::delete(app.store.as_ref(), &client_id)
        .await
        .map_err(Failure::admin)?;
    let event = caller.event(
        latchkey_core::audit::kind::CLIENT_DELETED,
        format!("client:{client_id}"),
    );
    crate::audit::record(&app, event).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}
