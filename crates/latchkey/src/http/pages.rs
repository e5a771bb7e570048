//! Server-rendered HTML: the error page and the form_post response. Text is
//! always escaped. Every HTML answer, whichever handler or layer made it,
//! gets the security headers from one layer, [`security_headers`].

use super::language::View;
use crate::app::Brand;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::error::render::ErrorPage;
use latchkey_core::i18n::{Arg, Lang};
use std::sync::LazyLock;

pub const STYLESHEET: &str = include_str!("../../assets/latchkey.css");

/// The policy of every page. No form-action: browsers apply it to the
/// redirect that follows a form post, and the login and consent forms end
/// in a redirect to the client. The hash admits the error documentation's
/// own inline stylesheet, and nothing else inline.
static PAGE_CSP: LazyLock<HeaderValue> = LazyLock::new(|| {
    let csp = format!(
        "default-src 'none'; style-src 'self' {}; img-src 'self' data: https:; frame-ancestors 'none'; base-uri 'none'",
        latchkey_core::error::docs::style_source()
    );
    HeaderValue::from_str(&csp).unwrap_or_else(|_| {
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
    })
});

/// Outer layer: every `text/html` answer may not be framed, sniffed or
/// leak its URL, and runs under [`PAGE_CSP`]. A header the handler set
/// itself (the form_post page's nonce policy) is kept.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("text/html"));
    if html {
        let h = res.headers_mut();
        let defaults: [(HeaderName, HeaderValue); 4] = [
            (header::CONTENT_SECURITY_POLICY, PAGE_CSP.clone()),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ];
        for (name, value) in defaults {
            h.entry(name).or_insert(value);
        }
    }
    res
}

/// An HTML page that is never cached (it carries a CSRF token or a
/// person's details).
pub fn html_response(status: StatusCode, body: String) -> Response {
    let mut res = (status, axum::response::Html(body)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// A message as HTML, with some of its values given as HTML (a name in
/// `<strong>`, already escaped by the caller): the message's own text is
/// escaped, the values are not. Each value travels through the message as
/// a private-use character no translation contains.
pub fn html(lang: Lang, id: &str, values: &[(&str, &str)]) -> String {
    let marks: Vec<String> = (0..values.len())
        .map(|i| {
            char::from_u32(0xE000 + i as u32)
                .unwrap_or('\u{E000}')
                .to_string()
        })
        .collect();
    let args: Vec<(&str, Arg<'_>)> = values
        .iter()
        .zip(&marks)
        .map(|((name, _), mark)| (*name, Arg::Text(mark)))
        .collect();
    let mut out = esc(&lang.t_with(id, &args));
    for ((_, value), mark) in values.iter().zip(&marks) {
        out = out.replace(mark.as_str(), value);
    }
    out
}

/// The shared frame of every page: in the page's language, with the
/// language switcher.
pub fn layout(brand: &Brand, view: &View, title: &str, body: &str) -> String {
    frame(
        brand,
        view.lang,
        &super::language::switcher(view),
        title,
        body,
    )
}

/// A page offered in English only (the admin console): no language
/// switch, which would change nothing on it.
pub fn layout_english(brand: &Brand, title: &str, body: &str) -> String {
    frame(brand, Lang::En, "", title, body)
}

fn frame(brand: &Brand, lang: Lang, switcher: &str, title: &str, body: &str) -> String {
    let logo = brand
        .logo_uri
        .as_deref()
        .map(|uri| format!("<img src=\"{}\" alt=\"\" class=\"logo\">", esc(uri)))
        .unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} · {name}</title><link rel=\"stylesheet\" href=\"/assets/latchkey.css\"></head>\
<body><header class=\"brand\">{logo}<span>{name}</span>{switcher}</header><main>{body}</main></body></html>",
        lang = lang.tag(),
        title = esc(title),
        name = esc(&brand.name),
    )
}

/// The page channel: plain words for the person, details for the developer
/// (which stay English, like `error_description`).
pub fn error_page(brand: &Brand, view: &View, page: &ErrorPage) -> Response {
    let title = view.lang.t(page.title);
    let message = esc(&view.lang.t(page.message));
    let status = StatusCode::from_u16(page.status).unwrap_or(StatusCode::BAD_REQUEST);
    framed_error(brand, view, page, &title, &message, "", status)
}

/// The console's sign-in refusals (causes `console_*`): the cause's own
/// words for the person, its status, and the ways on: sign in again, or
/// end the Latchkey session to sign in as someone else.
pub fn console_error_page(
    brand: &Brand,
    view: &View,
    page: &ErrorPage,
    words: &str,
    status: u16,
) -> Response {
    let ways = "<p><a href=\"/admin\">Sign in to the console again</a></p>\
<p><a href=\"/logout\">Sign out of Latchkey</a> to sign in as someone else.</p>";
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    framed_error(brand, view, page, "Console", &esc(words), ways, status)
}

fn framed_error(
    brand: &Brand,
    view: &View,
    page: &ErrorPage,
    title: &str,
    message_html: &str,
    after_html: &str,
    status: StatusCode,
) -> Response {
    let t = |id: &str| esc(&view.lang.t(id));
    let body = format!(
        "<h1>{title_html}</h1><p role=\"alert\">{message_html}</p>{after_html}\
<p class=\"muted\">{reference}: <span class=\"ref\">{id}</span></p>\
<details><summary>{details}</summary><dl lang=\"en\">\
<dt>error</dt><dd><code>{code}</code></dd>\
<dt>cause</dt><dd><code>{cause}</code></dd>\
<dt>description</dt><dd>{desc}</dd>\
<dt>how to fix</dt><dd>{fix}</dd>\
<dt>documentation</dt><dd><a href=\"{link}\">{link}</a></dd></dl></details>",
        title_html = esc(title),
        reference = t("error-reference"),
        details = t("error-details"),
        id = esc(&page.error_id),
        code = esc(page.wire_code),
        cause = esc(page.cause_id),
        desc = esc(&page.description),
        fix = esc(page.fix),
        link = esc(&page.docs_link),
    );
    html_response(status, layout(brand, view, title, &body))
}

/// The form_post response mode: an auto-submitting form to the client.
pub fn form_post(action: &str, fields: &[(String, String)]) -> Response {
    let nonce = latchkey_core::crypto::random_token().unwrap_or_default();
    let html = latchkey_core::error::render::form_post_html(action, fields, &nonce);
    // form-action is left open: the form goes to the client's verified URI.
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; frame-ancestors 'none'; base-uri 'none'"
    );
    let mut res = html_response(StatusCode::OK, html);
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
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

/// `GET /`: what this server is, and where its public documents are.
pub async fn home(
    axum::extract::State(app): axum::extract::State<std::sync::Arc<crate::app::App>>,
    view: View,
) -> Response {
    let t = |id: &str| esc(&view.lang.t(id));
    let issuer = esc(&app.config.issuer);
    let name = &app.brand.name;
    let body = format!(
        "<h1>{name_html}</h1><p>{intro}</p>\
<ul class=\"links\">\
<li><a href=\"{issuer}/.well-known/openid-configuration\">{discovery}</a> {discovery_note}</li>\
<li><a href=\"{issuer}/jwks\">{keys}</a> (JWKS)</li>\
<li><a href=\"{issuer}/errors\">{errors}</a>{errors_note}</li></ul>",
        name_html = esc(name),
        intro = esc(&view.lang.t_with("home-intro", &[("name", Arg::Text(name))])),
        discovery = t("home-discovery"),
        discovery_note = t("home-discovery-note"),
        keys = t("home-keys"),
        errors = t("home-errors"),
        errors_note = t("home-errors-note"),
    );
    let mut res = html_response(StatusCode::OK, layout(&app.brand, &view, name, &body));
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, max-age=300"),
    );
    res.headers_mut().insert(
        axum::http::header::VARY,
        axum::http::HeaderValue::from_static("Accept-Language, Cookie"),
    );
    res
}

/// `GET /favicon.ico`: browsers ask on every visit; an empty answer keeps
/// that out of the error counts.
pub async fn favicon() -> Response {
    (
        StatusCode::NO_CONTENT,
        [(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("public, max-age=86400"),
        )],
    )
        .into_response()
}
