//! Health and metrics: `/health/live` (the process answers),
//! `/health/ready` (the database answers), `/metrics` (Prometheus).

use crate::app::App;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

pub async fn live() -> Response {
    (StatusCode::OK, Json(json!({"status": "ok"}))).into_response()
}

pub async fn ready(State(app): State<Arc<App>>) -> Response {
    if app.in_maintenance() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "maintenance"})),
        )
            .into_response();
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

pub async fn metrics(State(app): State<Arc<App>>) -> Response {
    let body = app.metrics.as_ref().map(|h| h.render()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
