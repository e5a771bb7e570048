//! The error documentation, generated from the catalogue: `/errors`,
//! `/errors/{code}` and `/errors.json`.

use super::respond::Failure;
use crate::app::App;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use latchkey_core::ErrorCode;
use latchkey_core::catalogue::NOT_FOUND;
use latchkey_core::error::docs;
use std::sync::Arc;

fn cacheable(mut res: Response) -> Response {
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

/// `GET /errors`: every code and cause, with fixes.
pub async fn page(State(app): State<Arc<App>>) -> Response {
    cacheable(Html(app.errors_html.clone()).into_response())
}

/// `GET /errors/{code}`: that code's section on a page of its own (an
/// `error_uri`'s `#cause` fragment lands on the cause); a cause id
/// redirects to its code.
pub async fn section(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
) -> Result<Response, Failure> {
    if let Some(code) = ErrorCode::parse(&name) {
        let page = docs::html_code(&app.config.issuer, code);
        return Ok(cacheable(Html(page).into_response()));
    }
    if let Some(cause) = docs::find(&name) {
        let target = format!("/errors/{}#{}", cause.code.as_str(), cause.id);
        return Ok((StatusCode::SEE_OTHER, Redirect::to(&target)).into_response());
    }
    Err(Failure::json(NOT_FOUND.with_detail(format!(
        "no error code or cause named {name}"
    ))))
}

/// `GET /errors.json`: the catalogue as data.
pub async fn json(State(app): State<Arc<App>>) -> Response {
    cacheable(
        (
            [(header::CONTENT_TYPE, "application/json")],
            app.errors_json.clone(),
        )
            .into_response(),
    )
}
