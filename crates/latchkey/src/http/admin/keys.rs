//! `/admin/v1/keys`: the signing keys and their rotation.

use super::caller::Caller;
use super::shared::*;

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
pub(super) async fn list_keys(State(app): State<Arc<App>>, _caller: Caller) -> AdminResult {
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
    request_body(content = crate::http::openapi::KeyRotation, content_type = "application/json", description = "Optional: `{\"alg\": \"ES256\"}` rotates one algorithm; no body, `{}` or `\"all\"` every one"),
    responses(
        (status = 200, description = "The new active keys, one per algorithm rotated", body = manage::keys::RotatedKeys),
        (status = 400, description = "Not `Content-Type: application/json`, not JSON, another member than `alg`, or an unknown algorithm (`malformed_body`, naming the field)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn rotate_keys(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
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
    let event = crate::audit::keys_rotated(&caller.actor(), &new).address(caller.address.clone());
    crate::audit::record(&app, event).await;
    let body = manage::keys::rotated(&new, latchkey_core::now_unix());
    Ok(ok(StatusCode::OK, body))
}
