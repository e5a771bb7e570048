//! Crashes and stops: a node killed with SIGKILL under load and started
//! again keeps every token a client received (access tokens introspect
//! active, refresh tokens redeem), since each token is committed before its
//! response is written. SIGTERM lets a request in flight finish.

use crate::authorize::{Browser, location, query_of};
use crate::support::{Db, Server};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

const CB: &str = "https://app.example/cb";
use crate::cluster::PASSWORD;
const START: &str = "/authorize?client_id=web&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s1";

/// Sign in once; the browser's cookie header (the session) for later
/// authorizations without a login page.
async fn session(s: &Server) -> String {
    let mut b = Browser::new(s);
    let login = location(&b.get(START).await);
    let html = b.get(&login).await.text().await.unwrap();
    let r = crate::authorize::submit_login(&mut b, &html, "alice", PASSWORD).await;
    assert_eq!(r.status(), 303);
    b.cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What one caller received before the node died.
#[derive(Default)]
struct Received {
    access: Vec<String>,
    /// The newest refresh token of each chain (an interrupted rotation
    /// leaves the one presented: the grace period gives its successor).
    refresh: Vec<String>,
}

/// Sign-ins and refreshes until the node stops answering. Every answer
/// that arrives must be a success.
async fn caller(http: reqwest::Client, base: String, cookie: String, secret: String) -> Received {
    let mut got = Received::default();
    loop {
        let Ok(r) = http
            .get(format!("{base}{START}"))
            .header("cookie", &cookie)
            .send()
            .await
        else {
            return got;
        };
        assert_eq!(r.status(), 303);
        let code = query_of(&location(&r))["code"].clone();
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
        ];
        let Some(body) = token(&http, &base, &secret, &form).await else {
            return got;
        };
        got.access
            .push(body["access_token"].as_str().unwrap().into());
        let mut refresh = body["refresh_token"].as_str().unwrap().to_string();
        for _ in 0..2 {
            let form = [
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.as_str()),
            ];
            let Some(body) = token(&http, &base, &secret, &form).await else {
                got.refresh.push(refresh);
                return got;
            };
            got.access
                .push(body["access_token"].as_str().unwrap().into());
            refresh = body["refresh_token"].as_str().unwrap().to_string();
        }
        got.refresh.push(refresh);
    }
}

/// A token response, or None when the node did not answer in full.
async fn token(
    http: &reqwest::Client,
    base: &str,
    secret: &str,
    form: &[(&str, &str)],
) -> Option<Value> {
    let r = http
        .post(format!("{base}/token"))
        .basic_auth("web", Some(secret))
        .form(form)
        .send()
        .await
        .ok()?;
    let status = r.status();
    let body: Value = r.json().await.ok()?;
    assert_eq!(status, 200, "{body}");
    Some(body)
}

async fn killed_under_load_keeps_every_token_it_issued(db: Db) {
    let grace = [("LATCHKEY_TOKENS_REFRESH_GRACE", "60")];
    let s = Server::start_with(db, &grace).await;
    let secret = crate::cluster::web_client(&s).await;
    let cookie = session(&s).await;
    let callers: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(caller(
                s.http.clone(),
                s.base.clone(),
                cookie.clone(),
                secret.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let issuer = s.base.clone();
    let database = s.crash();
    let mut access = Vec::new();
    let mut refresh = Vec::new();
    for c in callers {
        let got = c.await.unwrap();
        access.extend(got.access);
        refresh.extend(got.refresh);
    }
    assert!(access.len() >= 8, "only {} tokens issued", access.len());
    eprintln!(
        "{db:?}: {} access and {} refresh tokens received before the kill",
        access.len(),
        refresh.len()
    );

    // Started again (same issuer, as behind a load balancer).
    let mut env = vec![("LATCHKEY_ISSUER", issuer.as_str())];
    env.extend_from_slice(&grace);
    let s = Server::start_on(database, &env).await;
    for at in &access {
        let body = crate::cluster::introspect(&s, "web", &secret, at).await;
        assert_eq!(body["active"], true, "{body}");
    }
    for rt in &refresh {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", rt.as_str()),
        ];
        let body = token(&s.http, &s.base, &secret, &form).await.unwrap();
        assert!(body["access_token"].is_string());
    }
    let logs = s.logs();
    assert!(!logs.contains("panic"), "{logs}");
}

crate::both!(killed_under_load_keeps_every_token_it_issued);

/// SIGTERM while a token request is in flight (held 500 ms by the
/// `token.issue` point): the request completes with 200, the process
/// exits 0.
#[cfg(feature = "failpoints")]
#[tokio::test]
async fn sigterm_finishes_the_request_in_flight() {
    let mut s = Server::start_with(Db::Sqlite, &[("FAILPOINTS", "token.issue=sleep(500)")]).await;
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "svc", "grant_types": ["client_credentials"]}))
        .send()
        .await
        .unwrap();
    let secret = r.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let request = s
        .http
        .post(s.url("/token"))
        .basic_auth("svc", Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send();
    let in_flight = tokio::spawn(async move {
        let r = request.await.unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    let base = s.base.clone();
    let stopped = tokio::task::spawn_blocking(move || s.terminate());
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].is_string());
    let exit = stopped.await.unwrap();
    assert!(exit.success(), "{exit:?}");
    // Stopped: nothing answers any more.
    assert!(reqwest::get(format!("{base}/health/live")).await.is_err());
}
