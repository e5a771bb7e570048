//! Injected faults (cargo feature `failpoints`, which `scripts/test`
//! enables): an internal failure anywhere is `server_error` with an
//! `error_id` that finds the log line, through the endpoint's channel, and
//! the process keeps serving.

use crate::authorize::{Browser, location, query_of};
use crate::support::{Db, Server};
use reqwest::Method;
use serde_json::{Value, json};

async fn service(s: &Server) -> String {
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "svc", "grant_types": ["client_credentials"], "scope": "api:read"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn client_credentials(s: &Server, secret: &str) -> reqwest::Response {
    s.http
        .post(s.url("/token"))
        .basic_auth("svc", Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
}

/// A JSON 500 `server_error` whose `error_id` is in exactly one log line.
async fn assert_internal_error(s: &Server, r: reqwest::Response) {
    assert_eq!(r.status(), 500);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "server_error", "{body}");
    assert!(
        body["error_uri"]
            .as_str()
            .unwrap()
            .ends_with("/errors/server_error#internal_error")
    );
    let id = body["error_id"].as_str().unwrap();
    let logs = s.logs();
    assert_eq!(logs.lines().filter(|l| l.contains(id)).count(), 1, "{logs}");
    assert!(
        !body["error_description"]
            .as_str()
            .unwrap()
            .contains("failpoint")
    );
}

async fn token_issue_fails_as_a_json_server_error(db: Db) {
    let s = Server::start_with(db, &[("FAILPOINTS", "token.issue=1*return")]).await;
    let secret = service(&s).await;
    assert_internal_error(&s, client_credentials(&s, &secret).await).await;
    assert!(s.logs().contains("failpoint token.issue"));
    // Still serving: the next request is issued a token.
    assert_eq!(client_credentials(&s, &secret).await.status(), 200);
}

async fn a_failed_store_read_is_a_json_server_error(db: Db) {
    let s = Server::start_with(db, &[("FAILPOINTS", "store.read=1*return")]).await;
    let secret = service(&s).await;
    assert_internal_error(&s, client_credentials(&s, &secret).await).await;
    assert_eq!(client_credentials(&s, &secret).await.status(), 200);
}

async fn a_failed_code_issue_is_redirected_as_server_error(db: Db) {
    let s = Server::start_with(db, &[("FAILPOINTS", "authorize.issue_code=1*return")]).await;
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": "web", "redirect_uris": ["https://app.example/cb"],
            "scope": "openid", "skip_consent": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let start = "/authorize?client_id=web&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=st4te";
    let mut b = Browser::new(&s);
    let r = sign_in(&mut b, start).await;
    let to = location(&r);
    assert!(to.starts_with("https://app.example/cb?"), "{to}");
    let q = query_of(&to);
    assert_eq!(q["error"], "server_error");
    assert!(q["error_uri"].ends_with("#internal_error"));
    assert_eq!(q["state"], "st4te");
    assert_eq!(q["iss"], s.base);
    // The redirect carries nothing beyond the registered parameters; the
    // log line holds the detail.
    assert!(!q.contains_key("error_id"));
    assert!(s.logs().contains("failpoint authorize.issue_code"));
    // The point fired once: the next attempt gets its code.
    let mut b = Browser::new(&s);
    let r = sign_in(&mut b, start).await;
    assert!(query_of(&location(&r)).contains_key("code"));
}

/// A 500 page whose `error_id` is in exactly one log line.
async fn assert_internal_error_page(s: &Server, r: reqwest::Response) {
    assert_eq!(r.status(), 500);
    assert!(r.headers().get("location").is_none());
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains("<code>internal_error</code>"), "{html}");
    let marker = "<span class=\"ref\">";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no error reference: {html}"));
    let id = html[start + marker.len()..].split('<').next().unwrap();
    assert!(!id.is_empty());
    let logs = s.logs();
    let lines: Vec<&str> = logs.lines().filter(|l| l.contains(id)).collect();
    assert_eq!(lines.len(), 1, "{logs}");
    assert!(lines[0].contains("ERROR"), "{}", lines[0]);
}

/// A redirect whose Location header cannot be built is a 500 page with an
/// `error_id` in the log: both the error redirect rendered at the edge
/// (which used to answer an empty, unlogged 500) and the code redirect.
async fn an_unsendable_redirect_is_a_logged_server_error(db: Db) {
    let s = Server::start_with(db, &[("FAILPOINTS", "respond.location=2*return")]).await;
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": "web", "redirect_uris": ["https://app.example/cb"],
            "scope": "openid", "skip_consent": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let start = "/authorize?client_id=web&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=st4te";
    let mut b = Browser::new(&s);
    // login_required, sent back to the client.
    let r = b.get(&format!("{start}&prompt=none")).await;
    assert_internal_error_page(&s, r).await;
    // The code, after the sign-in.
    let r = sign_in(&mut b, start).await;
    assert_internal_error_page(&s, r).await;
    assert!(s.logs().contains("failpoint respond.location"));
    // The point fired twice: the next attempt gets its code.
    let r = b.get(start).await;
    assert!(query_of(&location(&r)).contains_key("code"));
}

/// Through the login form; the answer to the password.
async fn sign_in(b: &mut Browser<'_>, start: &str) -> reqwest::Response {
    let login = location(&b.get(start).await);
    let html = b.get(&login).await.text().await.unwrap();
    crate::authorize::submit_login(b, &html, "alice", "correct horse battery").await
}

crate::both!(
    token_issue_fails_as_a_json_server_error,
    a_failed_store_read_is_a_json_server_error,
    a_failed_code_issue_is_redirected_as_server_error,
    an_unsendable_redirect_is_a_logged_server_error,
);
