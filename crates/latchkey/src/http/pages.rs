//! Server-rendered HTML: the error page and the form_post response. Text is
//! always escaped; pages carry a strict Content-Security-Policy and may not
//! be framed.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::error::render::ErrorPage;

pub const STYLESHEET: &str = include_str!("../../assets/latchkey.css");

// No form-action: browsers apply it to the redirect that follows a form
// post, and the login and consent forms end in a redirect to the client.
const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data: https:; frame-ancestors 'none'; base-uri 'none'";

/// An HTML page with the standard security headers.
pub fn html_response(status: StatusCode, body: String) -> Response {
    html_with_csp(status, body, PAGE_CSP)
}

fn html_with_csp(status: StatusCode, body: String, csp: &str) -> Response {
    let mut res = (status, axum::response::Html(body)).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Ok(v) = HeaderValue::from_str(csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}

/// The product name and logo shown on every page (`ui.name`, `ui.logo_uri`).
#[derive(Debug, Clone)]
pub struct Brand {
    pub name: String,
    pub logo_uri: Option<String>,
}

/// The shared frame of every page.
pub fn layout(brand: &Brand, title: &str, body: &str) -> String {
    let logo = brand
        .logo_uri
        .as_deref()
        .map(|uri| format!("<img src=\"{}\" alt=\"\" class=\"logo\">", esc(uri)))
        .unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} · {name}</title><link rel=\"stylesheet\" href=\"/assets/latchkey.css\"></head>\
<body><header class=\"brand\">{logo}<span>{name}</span></header><main>{body}</main></body></html>",
        title = esc(title),
        name = esc(&brand.name),
    )
}

/// The page channel: plain words for the person, details for the developer.
pub fn error_page(brand: &Brand, page: &ErrorPage) -> Response {
    let body = format!(
        "<h1>{title}</h1><p role=\"alert\">{message}</p>\
<p class=\"muted\">Error reference: <span class=\"ref\">{id}</span></p>\
<details><summary>Details for the application's developer</summary><dl>\
<dt>error</dt><dd><code>{code}</code></dd>\
<dt>cause</dt><dd><code>{cause}</code></dd>\
<dt>description</dt><dd>{desc}</dd>\
<dt>how to fix</dt><dd>{fix}</dd>\
<dt>documentation</dt><dd><a href=\"{link}\">{link}</a></dd></dl></details>",
        title = esc(page.title),
        message = esc(page.message),
        id = esc(&page.error_id),
        code = esc(page.wire_code),
        cause = esc(page.cause_id),
        desc = esc(&page.description),
        fix = esc(page.fix),
        link = esc(&page.docs_link),
    );
    let status = StatusCode::from_u16(page.status).unwrap_or(StatusCode::BAD_REQUEST);
    html_response(status, layout(brand, page.title, &body))
}

/// The form_post response mode: an auto-submitting form to the client.
pub fn form_post(action: &str, fields: &[(String, String)]) -> Response {
    let nonce = latchkey_core::crypto::random_token().unwrap_or_default();
    let html = latchkey_core::error::render::form_post_html(action, fields, &nonce);
    // form-action is left open: the form goes to the client's verified URI.
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; frame-ancestors 'none'; base-uri 'none'"
    );
    html_with_csp(StatusCode::OK, html, &csp)
}

/// `GET /assets/latchkey.css`
pub async fn stylesheet() -> Response {
    let mut res = (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLESHEET,
    )
        .into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}
