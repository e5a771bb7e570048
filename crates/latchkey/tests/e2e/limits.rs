//! Rate limits, load shedding and the maintenance switch: the per-client
//! request rate (`limits.client_rps`) at the client-authenticated
//! endpoints, counted in the database so every node shares it; shedding at
//! /authorize answered to a client the node has in memory; and maintenance
//! switched through the admin API, honoured by every node within a second.

use crate::support::{Db, READONLY, Server};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A client_credentials client; returns its secret.
async fn service(s: &Server, id: &str) -> String {
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": id, "grant_types": ["client_credentials"], "scope": "api:read"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn client_credentials(s: &Server, id: &str, secret: &str) -> reqwest::Response {
    s.http
        .post(s.url("/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
}

/// `n` concurrent token requests by `id` spread over `nodes`: the answers.
async fn burst(nodes: &[&Server], id: &str, secret: &str, n: usize) -> Vec<reqwest::Response> {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let node = nodes[i % nodes.len()];
            let req = node
                .http
                .post(node.url("/token"))
                .basic_auth(id, Some(secret))
                .form(&[("grant_type", "client_credentials")]);
            tokio::spawn(async move { req.send().await.unwrap() })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// 429 `temporarily_unavailable` (cause `rate_limited`) with Retry-After.
async fn assert_rate_limited(s: &Server, r: reqwest::Response) {
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(wait, 1);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("requests in one second"),
        "{body}"
    );
    assert_eq!(
        body["error_uri"],
        format!("{}/errors/temporarily_unavailable#rate_limited", s.base)
    );
    assert!(body["error_id"].is_string());
}

/// Sleep into the start of the next second, so a short burst falls in one
/// one-second window.
async fn at_a_second_start() {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_millis();
    tokio::time::sleep(Duration::from_millis(u64::from(1000 - ms) + 20)).await;
}

async fn a_client_over_its_rate_gets_429_and_others_do_not(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_LIMITS_CLIENT_RPS", "5")]).await;
    let svc = service(&s, "svc").await;
    let other = service(&s, "other").await;
    // Under the limit: every request is answered.
    at_a_second_start().await;
    for _ in 0..3 {
        assert_eq!(client_credentials(&s, "svc", &svc).await.status(), 200);
    }
    // A burst above it: five per second pass, the rest wait.
    at_a_second_start().await;
    let answers = burst(&[&s], "svc", &svc, 20).await;
    let mut ok = 0;
    for r in answers {
        if r.status() == 200 {
            ok += 1;
        } else {
            assert_rate_limited(&s, r).await;
        }
    }
    // A burst may straddle two windows: at most two budgets.
    assert!((5..=10).contains(&ok), "{ok} of 20 answered");
    // Another client has its own budget.
    assert_eq!(client_credentials(&s, "other", &other).await.status(), 200);
    // The limit guards /introspect too, per client.
    let r = s
        .http
        .post(s.url("/introspect"))
        .basic_auth("other", Some(&other))
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // After Retry-After, the client is served again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(client_credentials(&s, "svc", &svc).await.status(), 200);
    // A wrong secret is refused as before and spends nothing.
    let r = client_credentials(&s, "svc", "wrong").await;
    assert_eq!(r.status(), 401);
}

/// A request that holds one in-flight slot until the returned stream is
/// dropped: a token request whose body never comes. When a poll of ours
/// reached the server first and took the slot, that request was shed
/// itself (answered at once): it is sent again.
async fn hold_a_slot(s: &Server) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let addr = s.base.trim_start_matches("http://");
    let start = Instant::now();
    loop {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(
                format!(
                    "POST /token HTTP/1.1\r\nHost: {addr}\r\n\
                     Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        // Held once the server is in the handler, reading the body: then
        // any other request is shed.
        loop {
            assert!(start.elapsed() < Duration::from_secs(10), "no slot held");
            if jwks_status(s).await == 503 {
                return stream;
            }
            let mut byte = [0u8; 1];
            match stream.try_read(&mut byte) {
                // An answer (or a close) came back: it was shed, not held.
                Ok(_) => break,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => break,
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Shedding at /authorize (G7, U30, O9, T7, T16): for a client this node
/// has in memory, redirected to its registered redirect URI with
/// temporarily_unavailable (a 503 cannot be redirected), state, iss and
/// error_uri; decided without the database, so a client not in memory, an
/// unknown one or an unregistered redirect URI get the 503 page. The JSON
/// endpoints keep their 503 with Retry-After.
async fn authorize_is_shed_to_a_cached_client(db: Db) {
    use crate::request_objects::{CB, assert_redirect, assert_redirected, register};
    let s = Server::start_with(db, &[("LATCHKEY_LIMITS_MAX_IN_FLIGHT", "1")]).await;
    register(&s, json!({"client_id": "app"})).await;
    register(&s, json!({"client_id": "cold"})).await;
    // The change watcher forgets cached clients after a client write: let
    // it see these first, then bring `app` into memory.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let start = "/authorize?response_type=code&scope=openid";
    let get = |query: String| s.http.get(s.url(&query)).send();
    let r = get(format!("{start}&client_id=app")).await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?i=")
    );

    let held = hold_a_slot(&s).await;
    let cb: String = url::form_urlencoded::byte_serialize(CB.as_bytes()).collect();
    let r = get(format!("{start}&client_id=app&state=s1&redirect_uri={cb}"))
        .await
        .unwrap();
    assert_redirect(&s, &r, "temporarily_unavailable", "overloaded", "s1");
    assert_eq!(r.headers()["retry-after"], "1");
    // No redirect_uri named: the client's only one; the pushed request or
    // object a request refers to is left unread.
    let r = get(format!(
        "{start}&client_id=app&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Ax"
    ))
    .await
    .unwrap();
    assert_redirected(&s, &r, "temporarily_unavailable", "overloaded", None);
    // The page: a client not in memory, none at all, an unknown one, a
    // redirect URI not registered.
    for query in [
        format!("{start}&client_id=cold&state=s1&redirect_uri={cb}"),
        format!("{start}&state=s1&redirect_uri={cb}"),
        format!("{start}&client_id=nobody&state=s1&redirect_uri={cb}"),
        format!("{start}&client_id=app&state=s1&redirect_uri=https%3A%2F%2Fevil.example%2Fcb"),
    ] {
        let r = get(query.clone()).await.unwrap();
        assert_eq!(r.status(), 503, "{query}");
        assert!(r.headers().get("location").is_none(), "{query}");
        assert_eq!(r.headers()["retry-after"], "1");
        let html = r.text().await.unwrap();
        assert!(html.contains("<code>overloaded</code>"), "{query}: {html}");
    }
    // JSON endpoints: 503 with Retry-After.
    let r = client_credentials(&s, "app", "app-secret-0123456789abcdef").await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    assert_eq!(
        body["error_uri"],
        format!("{}/errors/temporarily_unavailable#overloaded", s.base)
    );

    drop(held);
    // The slot is free again once the server sees the held request end.
    crate::support::within_a_second(|| async {
        get(format!("{start}&client_id=cold"))
            .await
            .unwrap()
            .status()
            == 303
    })
    .await;
}

crate::both!(
    a_client_over_its_rate_gets_429_and_others_do_not,
    authorize_is_shed_to_a_cached_client
);

/// The budget is per client for the whole deployment, not per node.
#[tokio::test]
async fn two_nodes_share_one_budget() {
    let a = Server::start_with(Db::Postgres, &[("LATCHKEY_LIMITS_CLIENT_RPS", "5")]).await;
    let b = a.join(&[("LATCHKEY_LIMITS_CLIENT_RPS", "5")]).await;
    let svc = service(&a, "svc").await;
    // Warm both nodes' client caches outside the measured window.
    at_a_second_start().await;
    assert_eq!(client_credentials(&a, "svc", &svc).await.status(), 200);
    assert_eq!(client_credentials(&b, "svc", &svc).await.status(), 200);
    at_a_second_start().await;
    let answers = burst(&[&a, &b], "svc", &svc, 20).await;
    let ok = answers.iter().filter(|r| r.status() == 200).count();
    let limited = answers.iter().filter(|r| r.status() == 429).count();
    assert_eq!(ok + limited, 20);
    assert!((5..=10).contains(&ok), "{ok} of 20 answered over two nodes");
}

async fn jwks_status(s: &Server) -> u16 {
    s.http
        .get(s.url("/jwks"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn switch(s: &Server, enabled: bool) -> Value {
    let r = s
        .admin(Method::PUT, "/maintenance")
        .json(&json!({"enabled": enabled}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Maintenance switched on one node through the admin API holds on every
/// node within a second (and for a node started meanwhile), health reports
/// it, and switching it off ends it everywhere.
#[tokio::test]
async fn maintenance_through_the_admin_api_reaches_every_node() {
    let a = Server::start(Db::Postgres).await;
    let b = a.join(&[]).await;
    // The read-only token may look but not switch.
    let r = a
        .http
        .put(a.url("/admin/v1/maintenance"))
        .bearer_auth(READONLY)
        .json(&json!({"enabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["errorCode"], "request_forbidden");
    assert!(
        e["errorLink"]
            .as_str()
            .unwrap()
            .ends_with("#request_forbidden")
    );
    assert!(e["errorSummary"].as_str().unwrap().contains("PUT"), "{e}");
    let r = a
        .http
        .get(a.url("/admin/v1/maintenance"))
        .bearer_auth(READONLY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["enabled"], false);
    // A body that does not say true or false.
    let r = a
        .admin(Method::PUT, "/maintenance")
        .json(&json!({"enabled": "yes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["errorCode"], "malformed_body", "{e}");
    assert!(
        e["errorLink"]
            .as_str()
            .unwrap()
            .ends_with("/errors/invalid_request#malformed_body")
    );
    assert_eq!(e["errorCauses"][0]["field"], "enabled");
    assert_eq!(jwks_status(&a).await, 200);

    let view = switch(&a, true).await;
    assert_eq!(view["enabled"], true);
    assert_eq!(view["switched"], true);
    assert_eq!(view["setting"], false);
    // At once on the node that switched, within a second on the other.
    assert_eq!(jwks_status(&a).await, 503);
    crate::support::within_a_second(|| async { jwks_status(&b).await == 503 }).await;
    let r = b
        .http
        .post(b.url("/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "60");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    assert_eq!(
        body["error_uri"],
        format!("{}/errors/temporarily_unavailable#maintenance", a.base)
    );
    assert!(body["error_description"].is_string());
    for node in [&a, &b] {
        let r = node
            .http
            .get(node.url("/health/ready"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 503);
        assert_eq!(r.json::<Value>().await.unwrap()["status"], "maintenance");
        let r = node
            .http
            .get(node.url("/health/live"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    // A node started during maintenance honours it from the start.
    let c = a.join(&[]).await;
    assert_eq!(jwks_status(&c).await, 503);

    // Switched off on another node: over everywhere.
    let view = switch(&b, false).await;
    assert_eq!(view["enabled"], false);
    assert_eq!(jwks_status(&b).await, 200);
    for node in [&a, &c] {
        crate::support::within_a_second(|| async { jwks_status(node).await == 200 }).await;
    }
    let r = a.http.get(a.url("/health/ready")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

/// The `maintenance` setting of a node is not ended by the admin switch.
#[tokio::test]
async fn the_maintenance_setting_outlasts_the_switch() {
    let s = Server::start_with(Db::Sqlite, &[("LATCHKEY_MAINTENANCE", "true")]).await;
    let view = switch(&s, false).await;
    assert_eq!(view["enabled"], true);
    assert_eq!(view["setting"], true);
    assert_eq!(jwks_status(&s).await, 503);
}
