//! The flow driver's floor: a stand-in provider that answers bench/flow.py's
//! requests with the same redirects, forms and token response as Latchkey,
//! but does no work (no storage, no signature, no password hash). bench/run
//! times the driver against it, so the report can tell what a flow costs
//! the driver and the loopback alone. Not a provider: for benchmarks only.
//!
//! `cargo run --release --example flow_floor -- 127.0.0.1:PORT`

use axum::Router;
use axum::extract::RawQuery;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const REDIRECT_URI: &str = "http://127.0.0.1:9999/cb";

fn see_other(location: String) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// The value of `name` in a query string or form body (flow.py's state and
/// the interaction id are URL-safe as they are).
fn field(query: &str, name: &str) -> String {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .unwrap_or_default()
        .to_string()
}

/// A form page shaped like Latchkey's (the driver's HTML parsing is part
/// of what a flow costs it).
fn page(title: &str, action: &str, state: &str, fields: &str, button: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{title}</title><link rel=\"stylesheet\" \
         href=\"/assets/latchkey.css\"></head><body><header class=\"brand\"><span>Floor</span></header>\
         <main><h1>{title}</h1><p class=\"muted\">to continue to <strong>Bench app</strong></p>\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"i\" value=\"{state}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"LYv2rb2-zgFWRmR_DCadhsRCJY6ZonV1RAQRKkpYjnw\">{fields}\
         <div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"{button}\" class=\"primary\">\
         Continue</button><button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>Cancel\
         </button></div></form></main></body></html>"
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

const TOKEN: &str = r#"{"access_token":"eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJpc3MiOiJmbG9vciJ9.c2lnbmF0dXJl","token_type":"Bearer","expires_in":900,"scope":"openid offline_access api:read","refresh_token":"T1f7v0Yxq3S0m3r4nd0mT0k3nV4lu3Xx","id_token":"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJmbG9vciJ9.c2lnbmF0dXJl"}"#;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> std::io::Result<()> {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8098".into());
    let app = Router::new()
        // With a session cookie the flow is SSO: straight back with a code.
        .route(
            "/authorize",
            get(|headers: axum::http::HeaderMap, RawQuery(q): RawQuery| async move {
                let state = field(q.as_deref().unwrap_or(""), "state");
                if headers.contains_key(header::COOKIE) {
                    see_other(format!("{REDIRECT_URI}?code=c0de&state={state}"))
                } else {
                    see_other(format!("/login?i={state}"))
                }
            }),
        )
        .route(
            "/login",
            get(|RawQuery(q): RawQuery| async move {
                let fields = "<label for=\"username\">Username</label><input id=\"username\" name=\"username\" \
                              type=\"text\" required value=\"\"><label for=\"password\">Password</label>\
                              <input id=\"password\" name=\"password\" type=\"password\" required>";
                page("Sign in", "/login", &field(q.as_deref().unwrap_or(""), "i"), fields, "login")
            })
            .post(|body: String| async move {
                let mut res = see_other(format!("/consent?i={}", field(&body, "i")));
                res.headers_mut().insert(
                    header::SET_COOKIE,
                    header::HeaderValue::from_static("floor_session=1; Path=/; HttpOnly"),
                );
                res
            }),
        )
        .route(
            "/consent",
            get(|RawQuery(q): RawQuery| async move {
                let scopes = "<ul class=\"scopes\"><li>Sign you in and know who you are</li><li>Stay signed in \
                              </li><li>Access: api:read</li></ul>";
                page("Allow access?", "/consent", &field(q.as_deref().unwrap_or(""), "i"), scopes, "allow")
            })
            .post(|body: String| async move {
                see_other(format!("{REDIRECT_URI}?code=c0de&state={}", field(&body, "i")))
            }),
        )
        .route(
            "/token",
            axum::routing::post(|| async { ([(header::CONTENT_TYPE, "application/json")], TOKEN) }),
        );
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    axum::serve(listener, app).await
}
