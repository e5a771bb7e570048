//! Every HTML answer carries the page security headers, whichever handler
//! or layer produced it.

use crate::authorize::{Browser, hidden, location, setup, sign_in};
use crate::support::{Db, Server};
use serde_json::json;

/// The headers every page must carry: a policy that forbids framing, no
/// framing for older browsers, no content sniffing.
fn assert_protected(what: &str, r: &reqwest::Response) {
    let h = r.headers();
    let content_type = h
        .get("content-type")
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("text/html"),
        "{what}: not a page ({} {content_type})",
        r.status()
    );
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(
        h.get("x-frame-options").map(|v| v.to_str().unwrap()),
        Some("DENY"),
        "{what}"
    );
    assert_eq!(
        h.get("x-content-type-options").map(|v| v.to_str().unwrap()),
        Some("nosniff"),
        "{what}"
    );
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let s = Server::start(Db::Sqlite).await;
    let start = setup(&s, json!({})).await;
    let mut pages: Vec<(&str, reqwest::Response)> = Vec::new();

    // The error documentation.
    pages.push((
        "/errors",
        s.http.get(s.url("/errors")).send().await.unwrap(),
    ));
    pages.push((
        "/errors/{code}",
        s.http
            .get(s.url("/errors/invalid_grant"))
            .send()
            .await
            .unwrap(),
    ));

    // The login page, and the login page again after a wrong password.
    let mut b = Browser::new(&s);
    let r = b.get(&start).await;
    let login = location(&r);
    let r = b.get(&login).await;
    let html = r.text().await.unwrap();
    let (i, csrf) = (hidden(&html, "i"), hidden(&html, "csrf"));
    pages.push(("login page", b.get(&login).await));
    let form = [
        ("i", i.as_str()),
        ("csrf", csrf.as_str()),
        ("username", "alice"),
        ("password", "wrong password"),
        ("action", "login"),
    ];
    pages.push((
        "login page after a wrong password",
        b.post("/login", &form).await,
    ));
    // The upstream button of the login page, naming no configured upstream.
    let form = [("i", i.as_str()), ("csrf", csrf.as_str())];
    pages.push(("unknown upstream", b.post("/upstream/nope", &form).await));

    // The consent page, then the logout confirmation of the signed-in browser.
    let mut b = Browser::new(&s);
    let consent = sign_in(&mut b, &start).await;
    pages.push(("consent page", b.get(&consent).await));
    pages.push(("logout confirmation", b.get("/logout").await));

    // Error pages rendered by handlers and by the outer layers.
    let mut b = Browser::new(&s);
    pages.push((
        "authorize error page",
        b.get("/authorize?response_type=code&scope=openid").await,
    ));
    pages.push(("consent without a sign-in", b.get("/consent").await));
    pages.push(("second factor without a sign-in", b.get("/mfa").await));
    pages.push((
        "account chooser without a sign-in",
        b.get("/select-account").await,
    ));
    pages.push((
        "upstream callback without state",
        b.get("/upstream/nope/callback").await,
    ));
    pages.push(("signed out", b.get("/logout").await));
    pages.push((
        "method not allowed on a page",
        s.http.put(s.url("/login")).send().await.unwrap(),
    ));
    // The form_post response: its own nonce policy, the same protections.
    pages.push((
        "form_post response",
        b.get(&format!("{start}&prompt=none&response_mode=form_post"))
            .await,
    ));

    for (what, r) in &pages {
        assert_protected(what, r);
    }
    let form_post = &pages.last().unwrap().1;
    let csp = form_post.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'nonce-"), "{csp}");

    // The documentation's inline stylesheet is admitted by hash, and
    // nothing else inline is.
    let r = s.http.get(s.url("/errors")).send().await.unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains(&latchkey_core::error::docs::style_source()),
        "{csp}"
    );
}
