//! `POST /introspect` (RFC 7662) and `POST /revoke` (RFC 7009), both for
//! authenticated clients only.

use super::respond::Failure;
use super::token::{authenticate, context, form, no_store_json};
use crate::app::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::catalogue::{MISSING_PARAMETER, PUBLIC_CLIENT_NOT_ALLOWED};
use latchkey_core::token::{introspection, revocation};
use std::sync::Arc;

/// `POST /introspect`. Public clients cannot introspect: they could probe
/// other clients' tokens without proving who they are.
pub async fn introspect(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let params = form(&headers, &body)?;
    let client = authenticate(&app, &headers, &params, "/introspect").await?;
    if client.metadata.is_public() {
        return Err(Failure::json(PUBLIC_CLIENT_NOT_ALLOWED.occur()));
    }
    let Some(token) = params.single("token").ok().flatten() else {
        return Err(Failure::json(MISSING_PARAMETER.with_detail("token")));
    };
    let hint = params.single("token_type_hint").ok().flatten();
    let keys = app.keys();
    let ctx = context(&app, &keys);
    let answer = introspection::introspect(app.store.as_ref(), &ctx, token, hint)
        .await
        .map_err(Failure::json)?;
    Ok(super::cors::answered(
        no_store_json(answer),
        &client.client_id,
    ))
}

/// `POST /revoke`: 200 with an empty body, also for unknown tokens.
pub async fn revoke(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let params = form(&headers, &body)?;
    let client = authenticate(&app, &headers, &params, "/revoke").await?;
    let Some(token) = params.single("token").ok().flatten() else {
        return Err(Failure::json(MISSING_PARAMETER.with_detail("token")));
    };
    let hint = params.single("token_type_hint").ok().flatten();
    let keys = app.keys();
    let ctx = context(&app, &keys);
    revocation::revoke(app.store.as_ref(), &ctx, &client, token, hint)
        .await
        .map_err(Failure::json)?;
    let mut res = StatusCode::OK.into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(super::cors::answered(res, &client.client_id))
}
