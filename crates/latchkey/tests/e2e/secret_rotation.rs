//! Client secret rotation with a grace period: `POST
//! /admin/v1/clients/{client_id}/secret` and `latchkey client
//! rotate-secret`. While the grace period lasts both secrets authenticate
//! the client (client_secret_basic, client_secret_post and
//! client_secret_jwt); after it only the new one does.

use crate::support::{Db, READONLY, Server};
use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

async fn create(s: &Server, id: &str, method: &str) -> String {
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({
            "client_id": id,
            "grant_types": ["client_credentials"],
            "scope": "api:read",
            "token_endpoint_auth_method": method,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    body["client_secret"].as_str().unwrap().to_string()
}

async fn rotate(s: &Server, id: &str, body: Option<Value>) -> reqwest::Response {
    let req = s.admin(Method::POST, &format!("/clients/{id}/secret"));
    match body {
        Some(body) => req.json(&body),
        None => req,
    }
    .send()
    .await
    .unwrap()
}

/// A client_credentials request authenticated with `secret` the way
/// `method` sends it; the status.
async fn token_status(s: &Server, id: &str, secret: &str, method: &str) -> u16 {
    let mut form = vec![
        ("grant_type", "client_credentials".to_string()),
        ("scope", "api:read".to_string()),
    ];
    let mut req = s.http.post(s.url("/token"));
    match method {
        "client_secret_basic" => {
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
            req = req.header("authorization", format!("Basic {basic}"));
        }
        "client_secret_post" => {
            form.push(("client_id", id.to_string()));
            form.push(("client_secret", secret.to_string()));
        }
        "client_secret_jwt" => {
            let now = latchkey_core::now_unix();
            let claims = json!({
                "iss": id, "sub": id, "aud": s.url("/token"),
                "exp": now + 60, "iat": now,
                "jti": latchkey_core::crypto::random_token().unwrap(),
            });
            let jwt = jsonwebtoken::encode(
                &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
                &claims,
                &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
            )
            .unwrap();
            form.push((
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string(),
            ));
            form.push(("client_assertion", jwt));
        }
        other => panic!("{other}"),
    }
    let r = req.form(&form).send().await.unwrap();
    let status = r.status().as_u16();
    if status != 200 {
        let body: Value = r.json().await.unwrap();
        // The refusal of a wrong secret, whichever it is.
        let cause = if method == "client_secret_jwt" {
            "#client_assertion_signature_invalid"
        } else {
            "#client_secret_mismatch"
        };
        assert_eq!(body["error"], "invalid_client", "{body}");
        assert!(
            body["error_uri"].as_str().unwrap().ends_with(cause),
            "{body}"
        );
    }
    status
}

async fn client_view(s: &Server, id: &str) -> Value {
    let r = s
        .admin(Method::GET, &format!("/clients/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// The `client.secret_rotated` events, newest first.
async fn rotated_events(s: &Server) -> Vec<Value> {
    let r = s
        .admin(Method::GET, "/audit?kind=client.secret_rotated&limit=200")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["events"].as_array().unwrap().clone()
}

async fn both_secrets_work_until_the_deadline(db: Db) {
    let s = Server::start(db).await;
    for method in [
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
    ] {
        let id = format!("svc-{method}");
        let old = create(&s, &id, method).await;
        assert_eq!(token_status(&s, &id, &old, method).await, 200, "{method}");
        let before = latchkey_core::now_unix();
        let r = rotate(&s, &id, Some(json!({"grace_seconds": 3}))).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let answer: Value = r.json().await.unwrap();
        let new = answer["client_secret"].as_str().unwrap().to_string();
        assert_ne!(new, old);
        assert_eq!(answer["grace_seconds"], 3);
        let deadline = answer["previous_secret_expires_at"].as_i64().unwrap();
        assert!((before + 3..=before + 5).contains(&deadline), "{answer}");
        // Both work, on this node (the cached record) and as stored.
        assert_eq!(token_status(&s, &id, &old, method).await, 200, "{method}");
        assert_eq!(token_status(&s, &id, &new, method).await, 200, "{method}");
        assert_eq!(
            token_status(&s, &id, "wrong", method).await,
            401,
            "{method}"
        );
        // The client shows until when, never a secret or hash.
        let shown = client_view(&s, &id).await;
        assert_eq!(shown["previous_secret_expires_at"], deadline);
        assert!(shown.get("client_secret").is_none());
        let text = shown.to_string();
        assert!(!text.contains(&old) && !text.contains(&new));
        assert!(!text.contains("hash"), "{text}");
        // After the deadline only the new one works, with the refusal of a
        // wrong secret.
        while latchkey_core::now_unix() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(token_status(&s, &id, &old, method).await, 401, "{method}");
        assert_eq!(token_status(&s, &id, &new, method).await, 200, "{method}");
        assert!(
            client_view(&s, &id)
                .await
                .get("previous_secret_expires_at")
                .is_none()
        );
    }
    let events = rotated_events(&s).await;
    assert_eq!(events.len(), 3);
    for e in &events {
        assert_eq!(e["detail"]["grace_seconds"], 3, "{e}");
        assert_eq!(e["actor"], "admin:admin_token");
    }
}

async fn rotation_without_grace_and_patch(db: Db) {
    let s = Server::start(db).await;
    let method = "client_secret_basic";
    let old = create(&s, "svc", method).await;
    // An empty body: no grace period, the old secret stops at once.
    let r = rotate(&s, "svc", None).await;
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["grace_seconds"], 0);
    assert!(answer.get("previous_secret_expires_at").is_none());
    let new = answer["client_secret"].as_str().unwrap().to_string();
    assert_eq!(token_status(&s, "svc", &old, method).await, 401);
    assert_eq!(token_status(&s, "svc", &new, method).await, 200);
    // grace_seconds 0, said outright.
    let r = rotate(&s, "svc", Some(json!({"grace_seconds": 0}))).await;
    let newer = r.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(token_status(&s, "svc", &new, method).await, 401);
    assert_eq!(token_status(&s, "svc", &newer, method).await, 200);
    // A grace period, then a secret set by PATCH: it replaces both at once.
    let r = rotate(&s, "svc", Some(json!({"grace_seconds": 3600}))).await;
    let fourth = r.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(token_status(&s, "svc", &newer, method).await, 200);
    // A metadata change keeps the grace period.
    let r = s
        .admin(Method::PATCH, "/clients/svc")
        .json(&json!({"client_name": "Service"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let shown: Value = r.json().await.unwrap();
    assert!(shown["previous_secret_expires_at"].is_i64(), "{shown}");
    assert_eq!(token_status(&s, "svc", &newer, method).await, 200);
    let r = s
        .admin(Method::PATCH, "/clients/svc")
        .json(&json!({"client_secret": "set-by-patch-0123456789"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let shown: Value = r.json().await.unwrap();
    assert!(shown.get("previous_secret_expires_at").is_none(), "{shown}");
    assert_eq!(token_status(&s, "svc", &newer, method).await, 401);
    assert_eq!(token_status(&s, "svc", &fourth, method).await, 401);
    assert_eq!(
        token_status(&s, "svc", "set-by-patch-0123456789", method).await,
        200
    );
    let events = rotated_events(&s).await;
    let graces: Vec<i64> = events
        .iter()
        .map(|e| e["detail"]["grace_seconds"].as_i64().unwrap())
        .collect();
    assert_eq!(graces, vec![0, 3600, 0, 0]);
}

async fn bad_rotations_are_refused(db: Db) {
    let s = Server::start(db).await;
    create(&s, "svc", "client_secret_basic").await;
    for (body, field) in [
        (json!({"grace_seconds": 2_592_001}), "grace_seconds"),
        (json!({"grace_seconds": -1}), "grace_seconds"),
        (json!({"grace_seconds": "1h"}), "grace_seconds"),
        (json!({"grace_seconds": 1.5}), "grace_seconds"),
        (json!({"grace": 60}), "grace"),
    ] {
        let r = rotate(&s, "svc", Some(body.clone())).await;
        assert_eq!(r.status(), 400, "{body}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["errorCode"], "secret_rotation_invalid", "{body}: {e}");
        assert_eq!(e["errorCauses"][0]["field"], field, "{body}: {e}");
        assert!(e["errorSummary"].as_str().unwrap().contains(field), "{e}");
    }
    // The maximum is accepted.
    let r = rotate(&s, "svc", Some(json!({"grace_seconds": 2_592_000}))).await;
    assert_eq!(r.status(), 200);
    // A client without a secret has none to rotate.
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": "spa", "redirect_uris": ["https://app.example/cb"],
                      "token_endpoint_auth_method": "none"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = rotate(&s, "spa", None).await;
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["errorCode"], "secret_rotation_invalid", "{e}");
    // Unknown client.
    let r = rotate(&s, "nobody", None).await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "client_not_found"
    );
    // Not JSON.
    let r = s
        .admin(Method::POST, "/clients/svc/secret")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // The read-only token cannot rotate.
    let r = s
        .http
        .post(s.url("/admin/v1/clients/svc/secret"))
        .bearer_auth(READONLY)
        .json(&json!({"grace_seconds": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "request_forbidden"
    );
    // Only the one good rotation happened.
    assert_eq!(rotated_events(&s).await.len(), 1);
}

async fn rotate_secret_from_the_cli(db: Db) {
    let s = Server::start(db).await;
    let method = "client_secret_post";
    let old = create(&s, "svc", method).await;
    let (code, out, err) = s.run(&["client", "rotate-secret", "svc", "--grace", "1h"]);
    assert_eq!(code, 0, "{err}");
    let answer: Value = serde_json::from_str(&out).unwrap();
    let new = answer["client_secret"].as_str().unwrap().to_string();
    assert_eq!(answer["grace_seconds"], 3600);
    let deadline = answer["previous_secret_expires_at"].as_i64().unwrap();
    assert!(deadline >= latchkey_core::now_unix() + 3590);
    // The server sees the change (the CLI wrote to the database).
    let mut tries = 0;
    while token_status(&s, "svc", &new, method).await != 200 {
        tries += 1;
        assert!(tries < 50, "the server never saw the new secret");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(token_status(&s, "svc", &old, method).await, 200);
    assert_eq!(
        client_view(&s, "svc").await["previous_secret_expires_at"],
        deadline
    );
    for (grace, seconds) in [("30m", 1800), ("86400", 86400), ("2d", 172_800)] {
        let (code, out, err) = s.run(&["client", "rotate-secret", "svc", "--grace", grace]);
        assert_eq!(code, 0, "{err}");
        let answer: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(answer["grace_seconds"], seconds, "{grace}");
    }
    let (code, out, err) = s.run(&["client", "rotate-secret", "svc"]);
    assert_eq!(code, 0, "{err}");
    let answer: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(answer["grace_seconds"], 0);
    assert!(answer.get("previous_secret_expires_at").is_none());
    for bad in ["31d", "-5", "1w", "soon"] {
        let (code, _, err) = s.run(&["client", "rotate-secret", "svc", &format!("--grace={bad}")]);
        assert_ne!(code, 0, "{bad}");
        assert!(err.contains("--grace"), "{bad}: {err}");
    }
    let events = rotated_events(&s).await;
    assert_eq!(events.len(), 5);
    assert_eq!(events[0]["actor"], "admin:cli");
    assert_eq!(events[0]["detail"]["grace_seconds"], 0);
    assert_eq!(events[4]["detail"]["grace_seconds"], 3600);
}

/// oauth4webapi's report of client_credentials with each of `secrets`
/// (name, secret), by client_secret_basic.
async fn oauth4webapi_with(s: &Server, id: &str, secrets: &[(&str, &str)]) -> Value {
    let secrets: serde_json::Map<String, Value> = secrets
        .iter()
        .map(|(name, secret)| (name.to_string(), json!(secret)))
        .collect();
    let env = json!({"issuer": s.base, "client_id": id, "secrets": secrets});
    crate::interop::node_report("rotation.mjs", &env, || s.logs()).await
}

/// A client library keeps getting tokens with the old secret during the
/// grace period and with the new one after it; the old one is then refused
/// as any wrong secret, which the library shows with its cause.
async fn oauth4webapi_through_a_rotation(db: Db) {
    let s = Server::start(db).await;
    let old = create(&s, "svc", "client_secret_basic").await;
    let r = rotate(&s, "svc", Some(json!({"grace_seconds": 3}))).await;
    let answer: Value = r.json().await.unwrap();
    let new = answer["client_secret"].as_str().unwrap().to_string();
    let deadline = answer["previous_secret_expires_at"].as_i64().unwrap();
    let during = oauth4webapi_with(&s, "svc", &[("old", &old), ("new", &new)]).await;
    for name in ["old", "new"] {
        let step = &during["steps"][name];
        assert_eq!(step["ok"], true, "{name}: {step}");
        assert_eq!(step["scope"], "api:read", "{name}: {step}");
    }
    while latchkey_core::now_unix() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let after = oauth4webapi_with(&s, "svc", &[("old", &old), ("new", &new)]).await;
    assert_eq!(after["steps"]["new"]["ok"], true, "{after}");
    let raised = &after["steps"]["old"]["raised"];
    assert_eq!(raised["error"], "invalid_client", "{after}");
    assert!(
        raised["error_uri"]
            .as_str()
            .unwrap()
            .ends_with("#client_secret_mismatch"),
        "{after}"
    );
}

crate::both!(
    both_secrets_work_until_the_deadline,
    rotation_without_grace_and_patch,
    bad_rotations_are_refused,
    rotate_secret_from_the_cli,
    oauth4webapi_through_a_rotation,
);
