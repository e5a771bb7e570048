//! Health and metrics: `/health/live` (the process answers),
//! `/health/ready` (the database answers), `/metrics` (Prometheus).

use super::language::View;
use super::respond::{self, Failure, MAINTENANCE_RETRY};
use crate::app::App;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::catalogue::MAINTENANCE;
use latchkey_core::error::render;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

pub async fn live() -> Response {
    (StatusCode::OK, Json(json!({"status": "ok"}))).into_response()
}

pub async fn ready(State(app): State<Arc<App>>) -> Response {
    if app.in_maintenance() {
        return maintenance(&app);
    }
    let check = tokio::time::timeout(Duration::from_secs(2), app.store.ping()).await;
    let (status, database) = match check {
        Ok(Ok(())) => (StatusCode::OK, "ok".to_string()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable".to_string())
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable: no answer within 2 s".into(),
        ),
    };
    let overall = if status == StatusCode::OK {
        "ok"
    } else {
        "unavailable"
    };
    let mut res = (
        status,
        Json(json!({"status": overall, "checks": {"database": database}})),
    )
        .into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

/// In maintenance: the catalogue's `maintenance` failure, rendered like
/// any other (503, `Retry-After`, `error_uri`, `error_id`), with the
/// `status` member readiness probes read. Not logged or kept: a probe asks
/// every few seconds, and the state it reports is the operator's choice.
fn maintenance(app: &App) -> Response {
    let occ = MAINTENANCE
        .with_detail("this node takes no traffic until maintenance ends")
        .retry_after(MAINTENANCE_RETRY);
    let mut body = render::json_body(&occ, app.render_ctx());
    if let Some(members) = body.as_object_mut() {
        members.insert("status".into(), json!("maintenance"));
    }
    let mut res = respond::render(app, Failure::json(occ), View::default);
    *res.body_mut() = Body::from(body.to_string());
    res
}

pub async fn metrics(State(app): State<Arc<App>>) -> Response {
    let free = app.in_flight.available_permits();
    crate::telemetry::refresh(app.config.max_in_flight.saturating_sub(free));
    let body = app.metrics.as_ref().map(|h| h.render()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
