//! A single-page app in a real browser: headless Chromium runs
//! oidc-client-ts (npm, pinned in `interop/spa`, its browser build served
//! as a static file) on a page of a second origin that the test serves.
//! The app signs in (the test types into the login form), redeems its
//! code, reads userinfo, refreshes, revokes and logs out, every call a
//! cross-origin `fetch`. The same page on a third origin, which no client
//! allows, cannot read the answers, and the server logs why.

use crate::browser::Driver;
use crate::support::{Db, Server};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";

/// The browser library, as `scripts/interop-install` installs it.
fn library() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../interop/spa/node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js");
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: run scripts/interop-install (scripts/test does)",
            path.display()
        )
    })
}

/// The app's own script: one `UserManager` for the issuer.
fn app_js(issuer: &str) -> String {
    format!(
        r#"window.ISSUER = {issuer};
window.mgr = new oidc.UserManager({{
  authority: ISSUER,
  client_id: 'spa',
  redirect_uri: location.origin + '/callback.html',
  post_logout_redirect_uri: location.origin + '/index.html',
  scope: 'openid email',
  loadUserInfo: true,
  automaticSilentRenew: false,
}});
window.seen = u => ({{ sub: u.profile.sub, email: u.profile.email,
  access_token: u.access_token, refresh_token: u.refresh_token }});
"#,
        issuer = json!(issuer)
    )
}

const HEAD: &str = r#"<!doctype html><meta charset="utf-8"><title>Browser app</title>
<script src="/oidc-client-ts.min.js"></script><script src="/app.js"></script>"#;

/// The app: the same pages on two origins (two ports of 127.0.0.1).
async fn serve_app(issuer: &str) -> (String, String) {
    use axum::http::header::CONTENT_TYPE;
    let lib = library();
    let app_js = app_js(issuer);
    let index = format!("{HEAD}<p>Browser app</p>");
    let callback = format!(
        r#"{HEAD}<script>
mgr.signinRedirectCallback().then(
  u => {{ window.result = {{ ok: true, ...seen(u) }}; }},
  e => {{ window.result = {{ ok: false, error: String(e && e.message || e) }}; }});
</script>"#
    );
    let html = |body: String| move || async move { ([(CONTENT_TYPE, "text/html")], body) };
    let router = axum::Router::new()
        .route("/index.html", axum::routing::get(html(index)))
        .route("/callback.html", axum::routing::get(html(callback)))
        .route(
            "/app.js",
            axum::routing::get(
                move || async move { ([(CONTENT_TYPE, "text/javascript")], app_js) },
            ),
        )
        .route(
            "/oidc-client-ts.min.js",
            axum::routing::get(move || async move { ([(CONTENT_TYPE, "text/javascript")], lib) }),
        );
    let mut origins = Vec::new();
    for _ in 0..2 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        origins.push(format!("http://{}", listener.local_addr().unwrap()));
        let router = router.clone();
        tokio::spawn(async move { axum::serve(listener, router).await });
    }
    (origins[0].clone(), origins[1].clone())
}

/// Wait for the page to set `window.result`.
async fn result(d: &Driver) -> Value {
    for _ in 0..400 {
        let v = d.script("return window.result || null").await;
        if !v.is_null() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the page set no result; it is at {}", d.url().await);
}

/// A script whose promise's value is handed back (errors as `{error}`).
async fn run(d: &Driver, promise: &str) -> Value {
    d.script_async(&format!(
        "const done = arguments[arguments.length - 1];
         Promise.resolve().then(() => {promise}).then(done, e => done({{ error: String(e && e.message || e) }}));"
    ))
    .await
}

/// Requests the server counted, from `/metrics`.
async fn counted(s: &Server, endpoint: &str, method: &str, status: &str) -> bool {
    let text = s
        .http
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines().any(|l| {
        l.starts_with("latchkey_http_requests_total{")
            && l.contains(&format!("endpoint=\"{endpoint}\""))
            && l.contains(&format!("method=\"{method}\""))
            && l.contains(&format!("status=\"{status}\""))
    })
}

#[tokio::test]
async fn a_single_page_app_signs_in_refreshes_and_logs_out_from_its_origin() {
    let s = Server::start(Db::Sqlite).await;
    let (app, other) = serve_app(&s.base).await;
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "spa", "client_name": "Browser App",
                      "token_endpoint_auth_method": "none", "skip_consent": true,
                      "redirect_uris": [format!("{app}/callback.html")],
                      "post_logout_redirect_uris": [format!("{app}/index.html")],
                      "grant_types": ["authorization_code", "refresh_token"],
                      "scope": "openid email", "refresh_token_ttl": 3600}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    s.admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": PASSWORD,
                      "claims": {"email": "alice@example.com", "email_verified": true}}))
        .send()
        .await
        .unwrap();
    let d = Driver::start().await;

    // Sign in: the library sends the browser to /authorize with PKCE; the
    // person types into the login form.
    d.goto(&format!("{app}/index.html")).await;
    d.script("mgr.signinRedirect(); return null").await;
    d.wait_for(&s.url("/login")).await;
    d.type_into("#username", "alice").await;
    d.type_into("#password", PASSWORD).await;
    d.click("button[value=login]").await;
    d.wait_for(&format!("{app}/callback.html")).await;
    // The code redeemed at /token and userinfo read, both from the page.
    let signed_in = result(&d).await;
    assert_eq!(signed_in["ok"], true, "{signed_in}");
    assert_eq!(signed_in["email"], "alice@example.com", "{signed_in}");
    assert!(signed_in["refresh_token"].is_string(), "{signed_in}");
    assert!(counted(&s, "/userinfo", "OPTIONS", "204").await);
    assert!(counted(&s, "/userinfo", "GET", "200").await);

    // Refresh: rotated.
    let refreshed = run(&d, "mgr.signinSilent().then(seen)").await;
    assert!(refreshed.get("error").is_none(), "{refreshed}");
    assert_eq!(refreshed["sub"], signed_in["sub"]);
    assert_ne!(refreshed["access_token"], signed_in["access_token"]);
    assert_ne!(refreshed["refresh_token"], signed_in["refresh_token"]);
    // Revocation at /revoke.
    let revoked = run(
        &d,
        "mgr.revokeTokens(['refresh_token']).then(() => 'revoked')",
    )
    .await;
    assert_eq!(revoked, "revoked");
    assert!(counted(&s, "/revoke", "POST", "200").await);

    // Logout (RP-initiated): back on the app, and the session is gone: the
    // next sign-in asks for the password again.
    d.script("mgr.signoutRedirect(); return null").await;
    d.wait_for(&format!("{app}/index.html")).await;
    d.script("mgr.signinRedirect(); return null").await;
    d.wait_for(&s.url("/login")).await;

    // The same page on an origin no client allows: the browser refuses to
    // hand it the answers, and the server logs why.
    d.goto(&format!("{other}/index.html")).await;
    let access = signed_in["access_token"].as_str().unwrap();
    let attempts = run(
        &d,
        &format!(
            "Promise.all([
               fetch(ISSUER + '/token', {{ method: 'POST',
                 headers: {{ 'Content-Type': 'application/x-www-form-urlencoded' }},
                 body: 'grant_type=refresh_token&client_id=spa&refresh_token=x' }}),
               fetch(ISSUER + '/userinfo', {{ headers: {{ Authorization: 'Bearer {access}' }} }}),
             ].map(p => p.then(r => 'read ' + r.status, e => 'refused: ' + e.name)))"
        ),
    )
    .await;
    assert_eq!(
        attempts,
        json!(["refused: TypeError", "refused: TypeError"]),
        "{attempts}"
    );
    let logs = s.logs();
    let refusals = logs
        .lines()
        .filter(|l| l.contains("cause=\"cors_origin_not_allowed\"") && l.contains(&other))
        .count();
    assert!(refusals >= 2, "{logs}");
}
