//! CORS for browser apps: public clients running in the page (OAuth 2.0 for
//! Browser-Based Apps) call `/token`, `/userinfo`, `/revoke`,
//! `/introspect` and `/par` with `fetch`, from an origin their client
//! allows (`allowed_cors_origins`, by default a public client's redirect
//! URIs' origins; none for a confidential client).
//!
//! - A preflight (`OPTIONS` with `Access-Control-Request-Method`) names no
//!   client, so it is allowed for an origin that some active client allows
//!   (the store's per-node origin index) and answered 204 here.
//! - The request itself is then checked against its own client: the one
//!   the handler answered (authenticated, or the access token's at
//!   /userinfo), which it records as [`AnsweredClient`], or the client a
//!   failure names. An error answered before any client was known (a body
//!   that is not a form, say) is shown to an origin some client allows;
//!   a successful answer never is without its client.
//! - `Access-Control-Allow-Origin` echoes the allowed origin, with
//!   `Vary: Origin`; no credentials mode. A disallowed origin gets no CORS
//!   headers: the answer is the usual one, which the browser hides from
//!   the page, and the cause `cors_origin_not_allowed` is logged (and kept
//!   for `latchkey errors explain`) so the developer can see why.

use super::respond::{self, Failure};
use crate::app::App;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use latchkey_core::Occurrence;
use latchkey_core::catalogue::CORS_ORIGIN_NOT_ALLOWED;
use std::sync::Arc;

/// The endpoints a browser app calls.
pub const PATHS: &[&str] = &["/token", "/userinfo", "/revoke", "/introspect", "/par"];

/// Seconds a browser may keep a preflight answer.
pub const MAX_AGE: u32 = 600;

const ALLOW_HEADERS: &str = "Authorization, Content-Type, DPoP";
const EXPOSE_HEADERS: &str = "WWW-Authenticate, DPoP-Nonce";

/// The client a successful answer was given to (set by the handlers of
/// [`PATHS`], and by `respond::finish` from a failure's client).
#[derive(Debug, Clone)]
pub struct AnsweredClient(pub String);

/// Marks an answered preflight: the outer layer leaves it alone.
#[derive(Debug, Clone, Copy)]
struct Preflight;

/// `res` with the client it was given to.
pub fn answered(mut res: Response, client_id: &str) -> Response {
    res.extensions_mut()
        .insert(AnsweredClient(client_id.to_string()));
    res
}

fn endpoint(path: &str) -> Option<&'static str> {
    PATHS.iter().copied().find(|p| *p == path)
}

/// The methods of `path`: for `Access-Control-Allow-Methods`, and with
/// OPTIONS for `Allow`.
fn methods(path: &str) -> (&'static str, &'static str) {
    if path == "/userinfo" {
        ("GET, POST", "GET, POST, OPTIONS")
    } else {
        ("POST", "POST, OPTIONS")
    }
}

fn vary(headers: &mut HeaderMap) {
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// `OPTIONS` on [`PATHS`]: a CORS preflight for an origin some active
/// client allows, otherwise a plain answer naming the methods.
pub async fn preflight(
    State(app): State<Arc<App>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let path = endpoint(uri.path()).unwrap_or("/token");
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.extensions_mut().insert(Preflight);
    let h = res.headers_mut();
    let (cors_methods, allow) = methods(path);
    h.insert(header::ALLOW, HeaderValue::from_static(allow));
    vary(h);
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(res);
    };
    if !headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        return Ok(res);
    }
    let allowed = match origin.to_str() {
        Ok(text) => app
            .store
            .origin_allowed_by_a_client(text)
            .await
            .map_err(|e| Failure::json(Occurrence::from(e)))?,
        Err(_) => false,
    };
    if !allowed {
        refuse(&app, path, origin, None);
        return Ok(res);
    }
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(cors_methods),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOW_HEADERS),
    );
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(MAX_AGE));
    Ok(res)
}

/// Outer layer (outside `respond::finish`, so rendered failures are seen
/// too): the CORS headers of an actual request from a browser origin.
pub async fn answer(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let Some(path) = endpoint(req.uri().path()) else {
        return next.run(req).await;
    };
    let origin = req.headers().get(header::ORIGIN).cloned();
    let mut res = next.run(req).await;
    vary(res.headers_mut());
    let Some(origin) = origin else {
        return res;
    };
    if res.extensions().get::<Preflight>().is_some() {
        return res;
    }
    let client = res
        .extensions()
        .get::<AnsweredClient>()
        .map(|c| c.0.clone());
    let failed = res.status().is_client_error() || res.status().is_server_error();
    let decided = match origin.to_str() {
        Ok(text) => allowed(&app, client.as_deref(), text, failed).await,
        Err(_) => Some(false),
    };
    match decided {
        Some(true) => {
            let h = res.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            h.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSE_HEADERS),
            );
        }
        Some(false) => refuse(&app, path, &origin, client.as_deref()),
        // The database could not tell: no headers, and nothing to blame
        // on the origin.
        None => {}
    }
    res
}

/// Whether `origin` may read this answer: its client's origins when the
/// client exists; for a failure without one, any active client's. `None`
/// when the database could not answer.
async fn allowed(app: &App, client: Option<&str>, origin: &str, failed: bool) -> Option<bool> {
    if let Some(id) = client {
        match app.store.get_client(id).await {
            Ok(Some(c)) => return Some(c.metadata.allows_origin(origin)),
            Ok(None) => {}
            Err(_) => return None,
        }
    }
    if !failed {
        return Some(false);
    }
    app.store.origin_allowed_by_a_client(origin).await.ok()
}

/// Log the refusal through the catalogue: the answer is not this error.
fn refuse(app: &App, endpoint: &'static str, origin: &HeaderValue, client: Option<&str>) {
    let origin = String::from_utf8_lossy(origin.as_bytes());
    let mut occ = match client {
        Some(id) => CORS_ORIGIN_NOT_ALLOWED.with_detail(format!(
            "the origin {origin} is not one the client {id} allows (allowed_cors_origins)"
        )),
        None => CORS_ORIGIN_NOT_ALLOWED
            .with_detail(format!("no active client allows the origin {origin}")),
    };
    if let Some(id) = client {
        occ = occ.client(id.to_string());
    }
    respond::report(app, &occ, endpoint);
}
