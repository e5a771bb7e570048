//! `/admin/v1/resources`: protected resources clients may name (RFC 8707).

use super::caller::Caller;
use super::shared::*;

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
pub(super) async fn list_resources(State(app): State<Arc<App>>, _caller: Caller) -> AdminResult {
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
    request_body(content = crate::http::openapi::ResourceCreate, content_type = "application/json"),
    responses(
        (status = 201, description = "The resource", body = manage::resources::ResourceView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or refused attributes (`invalid_resource_attributes`)", body = AdminError),
        (status = 409, description = "The identifier is registered already (`resource_exists`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn create_resource(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
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
        .address(caller.address.clone());
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
pub(super) async fn show_resource(
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
    request_body(content = crate::http::openapi::ResourcePatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The resource as changed", body = manage::resources::ResourceView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or refused attributes (`invalid_resource_attributes`)", body = AdminError),
        (status = 404, description = "No such resource (`resource_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn update_resource(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
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
        .address(caller.address.clone());
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
pub(super) async fn delete_resource(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(resource): Path<String>,
) -> AdminResult {
    crate::builtin::guard_resource(app.store.as_ref(), &resource)
        .await
        .map_err(Failure::admin)?;
    manage::resources::delete(app.store.as_ref(), &resource)
        .await
        .map_err(Failure::admin)?;
    let event = crate::audit::resource_changed(&caller.actor(), kind::RESOURCE_DELETED, &resource)
        .address(caller.address.clone());
    crate::audit::record(&app, event).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}
