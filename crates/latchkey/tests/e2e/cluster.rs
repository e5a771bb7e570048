//! Several nodes on one PostgreSQL database, as behind a load balancer:
//! any request may land on any node, and single-use things stay single-use
//! under races spread over the nodes.

use crate::authorize::{Browser, location, query_of};
use crate::support::{Db, Server};
use latchkey_core::crypto::Secrets;
use latchkey_core::keys::{self, Alg, SigningKey};
use reqwest::Method;
use serde_json::{Value, json};

pub(crate) const CB: &str = "https://app.example/cb";
pub(crate) const PASSWORD: &str = "correct horse battery";
/// Concurrent attempts per race.
const RACERS: usize = 100;

/// Two nodes on one fresh PostgreSQL database.
async fn two_nodes() -> (Server, Server) {
    let a = Server::start(Db::Postgres).await;
    let b = a.join(&[]).await;
    (a, b)
}

/// A first-party web client (no consent page) and a user; returns the secret.
pub(crate) async fn web_client(s: &Server) -> String {
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": "web", "redirect_uris": [CB], "scope": "openid email",
            "grant_types": ["authorization_code", "refresh_token"], "skip_consent": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let secret = r.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    secret
}

pub(crate) const START: &str = "/authorize?client_id=web&response_type=code&scope=openid+email&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s1";

/// Start the authorization on `start_node`, sign in on `finish_node`;
/// returns the code and the browser's cookies.
pub(crate) async fn code_across(
    start_node: &Server,
    finish_node: &Server,
) -> (String, std::collections::BTreeMap<String, String>) {
    let mut a = Browser::new(start_node);
    let r = a.get(START).await;
    let login = location(&r);
    let html = a.get(&login).await.text().await.unwrap();
    let mut b = Browser::new(finish_node);
    b.cookies = a.cookies.clone();
    let r = crate::authorize::submit_login(&mut b, &html, "alice", PASSWORD).await;
    assert_eq!(r.status(), 303);
    let q = query_of(&location(&r));
    assert_eq!(q["state"], "s1");
    (q["code"].clone(), b.cookies)
}

/// Fire `RACERS` identical token requests, alternating between the nodes;
/// returns (status, body) of each.
async fn race(nodes: [&Server; 2], secret: &str, form: Vec<(&str, String)>) -> Vec<(u16, Value)> {
    let mut tasks = Vec::new();
    for i in 0..RACERS {
        let node = nodes[i % 2];
        let req = node
            .http
            .post(node.url("/token"))
            .basic_auth("web", Some(secret))
            .form(&form);
        tasks.push(tokio::spawn(async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// Exactly one 200; every other answer is 400 `invalid_grant` with `cause`.
fn one_winner(results: &[(u16, Value)], cause: &str) -> Value {
    let winners: Vec<&Value> = results
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for (status, body) in results.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(*status, 400, "{body}");
        assert_eq!(body["error"], "invalid_grant", "{body}");
        let uri = body["error_uri"].as_str().unwrap();
        assert!(
            uri.ends_with(&format!("#{cause}")) || uri.ends_with("#refresh_token_revoked"),
            "{body}"
        );
    }
    winners[0].clone()
}

pub(crate) async fn introspect(node: &Server, client: &str, secret: &str, token: &str) -> Value {
    let r = node
        .http
        .post(node.url("/introspect"))
        .basic_auth(client, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// A client_credentials client `svc` created on `node`; returns its secret.
async fn service(node: &Server) -> String {
    let r = node
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

#[tokio::test]
async fn an_authorization_started_on_one_node_finishes_on_another() {
    let (a, b) = two_nodes().await;
    let secret = web_client(&a).await;
    let (code, cookies) = code_across(&a, &b).await;
    // Redeemed on the first node, used on the second.
    let r = a
        .http
        .post(a.url("/token"))
        .basic_auth("web", Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let at = t["access_token"].as_str().unwrap();
    let r = b
        .http
        .get(b.url("/userinfo"))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // SSO: the session made on the second node is honoured by the first.
    let mut browser = Browser::new(&a);
    browser.cookies = cookies;
    let r = browser.get(START).await;
    assert!(query_of(&location(&r)).contains_key("code"));
}

#[tokio::test]
async fn a_code_raced_over_two_nodes_is_redeemed_once() {
    let (a, b) = two_nodes().await;
    let secret = web_client(&a).await;
    let (code, _) = code_across(&a, &b).await;
    let form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("code", code),
        ("redirect_uri", CB.to_string()),
    ];
    let results = race([&a, &b], &secret, form).await;
    let won = one_winner(&results, "code_reused");
    // The replays revoked what the winner got, on both nodes.
    for node in [&a, &b] {
        for field in ["access_token", "refresh_token"] {
            let i = introspect(node, "web", &secret, won[field].as_str().unwrap()).await;
            assert_eq!(i["active"], false, "{field}: {i}");
        }
    }
}

#[tokio::test]
async fn a_refresh_token_raced_over_two_nodes_rotates_once() {
    let (a, b) = two_nodes().await;
    let secret = web_client(&a).await;
    let (code, _) = code_across(&a, &b).await;
    let r = b
        .http
        .post(b.url("/token"))
        .basic_auth("web", Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .unwrap();
    let t: Value = r.json().await.unwrap();
    let form = vec![
        ("grant_type", "refresh_token".to_string()),
        (
            "refresh_token",
            t["refresh_token"].as_str().unwrap().to_string(),
        ),
    ];
    let results = race([&a, &b], &secret, form).await;
    let won = one_winner(&results, "refresh_token_reused");
    // With no grace window the reuse revoked the whole family, the
    // winner's successor included.
    let i = introspect(&a, "web", &secret, won["refresh_token"].as_str().unwrap()).await;
    assert_eq!(i["active"], false, "{i}");
}

#[tokio::test]
async fn a_client_assertion_raced_over_two_nodes_is_accepted_once() {
    let (a, b) = two_nodes().await;
    let secrets = Secrets::new("test-only").unwrap();
    let now = latchkey_core::now_unix();
    let record = keys::generate(Alg::Es256, &secrets, now).unwrap();
    let key = SigningKey::load(&record, &secrets).unwrap();
    let r = a
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "pk", "grant_types": ["client_credentials"], "scope": "api:read",
            "token_endpoint_auth_method": "private_key_jwt", "jwks": {"keys": [record.public_jwk]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let assertion = key
        .sign_jwt(
            "JWT",
            &json!({"iss": "pk", "sub": "pk", "aud": a.url("/token"), "exp": now + 60, "jti": "raced"}),
        )
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..RACERS {
        let node = if i % 2 == 0 { &a } else { &b };
        let req = node.http.post(node.url("/token")).form(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion.as_str()),
        ]);
        tasks.push(tokio::spawn(async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        if status == 200 {
            accepted += 1;
        } else {
            assert_eq!(status, 401, "{body}");
            assert!(
                body["error_uri"].as_str().unwrap().ends_with("#jti_known"),
                "{body}"
            );
        }
    }
    assert_eq!(accepted, 1);
}

async fn cc_status(node: &Server, secret: &str) -> (u16, Value) {
    let r = node
        .http
        .post(node.url("/token"))
        .basic_auth("svc", Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn client_and_key_changes_reach_the_other_node_within_a_second() {
    let (a, b) = two_nodes().await;
    let secret = service(&a).await;
    // Node B knows (and has cached) the client.
    assert_eq!(cc_status(&b, &secret).await.0, 200);

    // A key rotated on A: B publishes it and accepts tokens A signs with it.
    let r = a.admin(Method::POST, "/keys/rotate").send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let (_, t) = cc_status(&a, &secret).await;
    let at = t["access_token"].as_str().unwrap().to_string();
    let header = jsonwebtoken::decode_header(&at).unwrap();
    let kid = header.kid.unwrap();
    crate::support::within_a_second(|| {
        let (b, kid) = (&b, kid.clone());
        async move {
            let jwks: Value = b
                .http
                .get(b.url("/jwks"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            jwks["keys"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kid"] == kid)
        }
    })
    .await;
    let r = b
        .http
        .post(b.url("/introspect"))
        .basic_auth("svc", Some(&secret))
        .form(&[("token", at.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["active"], true);

    // A client deactivated on A is refused by B.
    let r = a
        .admin(Method::PATCH, "/clients/svc")
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    crate::support::within_a_second(|| async { cc_status(&b, &secret).await.0 == 400 }).await;
    let (_, body) = cc_status(&b, &secret).await;
    assert!(
        body["error_uri"]
            .as_str()
            .unwrap()
            .ends_with("#client_deactivated"),
        "{body}"
    );

    // A change made by the CLI, another process, reaches both.
    let (code, _, err) = a.run(&["client", "activate", "svc"]);
    assert_eq!(code, 0, "{err}");
    crate::support::within_a_second(|| async { cc_status(&a, &secret).await.0 == 200 }).await;
    crate::support::within_a_second(|| async { cc_status(&b, &secret).await.0 == 200 }).await;
}

#[tokio::test]
async fn a_revocation_reaches_the_other_node_within_a_second() {
    let (a, b) = two_nodes().await;
    let secret = service(&a).await;
    let (_, t) = cc_status(&a, &secret).await;
    let token = t["access_token"].as_str().unwrap().to_string();
    // Node B has verified the token and cached "not revoked".
    for _ in 0..2 {
        let i = introspect(&b, "svc", &secret, &token).await;
        assert_eq!(i["active"], true, "{i}");
    }
    let r = a
        .http
        .post(a.url("/revoke"))
        .basic_auth("svc", Some(&secret))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // The revoking node knows at once; the other within a second.
    let i = introspect(&a, "svc", &secret, &token).await;
    assert_eq!(i, json!({"active": false}));
    crate::support::within_a_second(|| async {
        introspect(&b, "svc", &secret, &token).await == json!({"active": false})
    })
    .await;
}
