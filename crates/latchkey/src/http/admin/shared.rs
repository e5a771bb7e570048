//! What every handler of the admin API uses: the imports, the JSON body
//! check, the answer with `Cache-Control: no-store`, and the caller's
//! address for the audit trail.

pub(super) use crate::app::App;
pub(super) use crate::http::respond::Failure;
pub(super) use crate::manage;
pub(super) use axum::body::Bytes;
pub(super) use axum::extract::{Path, State};
pub(super) use axum::http::{HeaderMap, Method, StatusCode, header};
pub(super) use axum::response::{IntoResponse, Response};
pub(super) use latchkey_core::audit::kind;
pub(super) use latchkey_core::catalogue::*;
pub(super) use latchkey_core::error::render::AdminErrorBody as AdminError;
pub(super) use serde_json::{Value, json};
pub(super) use std::sync::Arc;

pub(super) type AdminResult = Result<Response, Failure>;

/// Parse a JSON body, refusing other media types and bad JSON by cause.
pub(super) fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, Failure> {
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
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Failure::admin(MALFORMED_BODY.with_detail(format!("invalid JSON: {e}"))))?;
    match nul_in(&value, "") {
        None => Ok(value),
        Some(field) => Err(Failure::admin(
            MALFORMED_BODY
                .with_detail(format!("{field} holds a NUL character (U+0000)"))
                .field(field, "must not hold a NUL character (U+0000)"),
        )),
    }
}

/// The first member of `value` (as a path from the body: `claims.name`,
/// `redirect_uris[0]`; the body itself is `body`) whose name or text holds
/// a NUL character: nothing Latchkey keeps may (PostgreSQL refuses it).
pub(super) fn nul_in(value: &Value, at: &str) -> Option<String> {
    let here = || match at {
        "" => "body".to_string(),
        _ => at.to_string(),
    };
    match value {
        Value::String(s) if s.contains('\0') => Some(here()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_in(item, &format!("{}[{i}]", here()))),
        Value::Object(members) => members.iter().find_map(|(name, member)| {
            let shown = name.replace('\0', "\\u0000");
            let path = match at {
                "" => shown,
                _ => format!("{at}.{shown}"),
            };
            match name.contains('\0') {
                true => Some(path),
                false => nul_in(member, &path),
            }
        }),
        _ => None,
    }
}

pub(super) fn ok(status: StatusCode, body: Value) -> Response {
    let mut res = (status, axum::Json(body)).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

/// The names of a JSON object's members.
pub(super) fn field_names(body: &Value) -> Vec<String> {
    body.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// The request's client address, as text, for the audit trail.
pub(super) fn address_of(
    app: &App,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
) -> Option<String> {
    crate::http::client_address::of(extensions, headers, &app.config.trusted_proxies)
        .map(|ip| ip.to_string())
}
