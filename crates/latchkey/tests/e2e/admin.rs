//! The admin API: clients, users, keys, authentication of the API itself.

use crate::support::{ADMIN, Db, READONLY, Server, assert_admin_error};
use reqwest::Method;
use serde_json::{Value, json};

fn full_metadata() -> Value {
    json!({
        "client_id": "full-client",
        "client_secret": "a-chosen-secret-for-tests",
        "redirect_uris": ["https://app.example/cb", "http://127.0.0.1:9999/cb"],
        "post_logout_redirect_uris": ["https://app.example/bye"],
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_post",
        "token_endpoint_auth_signing_alg": "ES256",
        "jwks": {"keys": []},
        "scope": "openid email profile api:read",
        "id_token_signed_response_alg": "ES256",
        "request_object_signing_alg": "RS256",
        "request_uris": ["https://app.example/request.jwt"],
        "require_pushed_authorization_requests": true,
        "application_type": "web",
        "client_name": "Full Client",
        "client_uri": "https://app.example",
        "logo_uri": "https://app.example/logo.png",
        "policy_uri": "https://app.example/policy",
        "tos_uri": "https://app.example/tos",
        "contacts": ["ops@app.example"],
        "software_id": "4NRB1-0XZABZI9E6-5SM3R",
        "software_version": "2.1",
        "default_max_age": 3600,
        "require_auth_time": true,
        "skip_consent": true
    })
}

async fn clients_round_trip(db: Db) {
    let s = Server::start(db).await;
    let sent = full_metadata();
    let r = s
        .admin(Method::POST, "/clients")
        .json(&sent)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    for (k, v) in sent.as_object().unwrap() {
        assert_eq!(&created[k], v, "field {k} round-trips on create");
    }
    assert_eq!(created["active"], true);
    // The secret is shown once, never again.
    let r = s
        .admin(Method::GET, "/clients/full-client")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let shown: Value = r.json().await.unwrap();
    assert!(shown.get("client_secret").is_none());
    for (k, v) in sent.as_object().unwrap() {
        if k != "client_secret" {
            assert_eq!(&shown[k], v, "field {k} round-trips on read");
        }
    }
    let list: Value = s
        .admin(Method::GET, "/clients")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);

    // Defaults (RFC 7591 §2) and a generated 256-bit secret.
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"redirect_uris": ["https://b.example/cb"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(b["grant_types"], json!(["authorization_code"]));
    assert_eq!(b["response_types"], json!(["code"]));
    assert_eq!(b["id_token_signed_response_alg"], "RS256");
    assert!(b["client_secret"].as_str().unwrap().len() >= 43);
    assert!(b["client_id"].as_str().unwrap().len() >= 16);

    // A client_credentials-only client needs no redirect URI.
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "svc", "grant_types": ["client_credentials"], "scope": "api:read"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());

    // PATCH: partial metadata; active=false deactivates.
    let r = s
        .admin(Method::PATCH, "/clients/full-client")
        .json(&json!({"active": false, "client_name": "Renamed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let patched: Value = r.json().await.unwrap();
    assert_eq!(patched["active"], false);
    assert_eq!(patched["client_name"], "Renamed");
    assert_eq!(patched["scope"], sent["scope"]);

    // DELETE, then 404 in the admin shape.
    let r = s
        .admin(Method::DELETE, "/clients/full-client")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = s
        .admin(Method::GET, "/clients/full-client")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["errorCode"], "client_not_found");
    assert!(e["errorId"].as_str().is_some());
    assert!(e["errorLink"].as_str().unwrap().starts_with(&s.base));
    assert!(e["errorSummary"].as_str().unwrap().contains("full-client"));
}

async fn invalid_metadata_names_the_field(db: Db) {
    let s = Server::start(db).await;
    let cases = [
        (
            json!({"redirect_uris": ["https://a.example/cb#frag"]}),
            "invalid_redirect_uri",
            "redirect_uris[0]",
        ),
        (
            json!({"redirect_uris": ["not a uri"]}),
            "invalid_redirect_uri",
            "redirect_uris[0]",
        ),
        (json!({}), "invalid_redirect_uri", "redirect_uris"),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "grant_types": ["authorization_code", "password"]}),
            "invalid_client_metadata",
            "grant_types",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
            "jwks",
        ),
        (
            json!({"redirect_uris": "https://a.example/cb"}),
            "invalid_client_metadata",
            "redirect_uris",
        ),
    ];
    for (body, code, field) in cases {
        let r = s
            .admin(Method::POST, "/clients")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["errorCode"], code, "{body}: {e}");
        let causes = e["errorCauses"].as_array().unwrap();
        assert!(causes.iter().any(|c| c["field"] == field), "{body}: {e}");
        assert!(e["errorSummary"].as_str().unwrap().contains(field), "{e}");
    }
    // Duplicate client_id: 409.
    let body = json!({"client_id": "dup", "redirect_uris": ["https://a.example/cb"]});
    assert_eq!(
        s.admin(Method::POST, "/clients")
            .json(&body)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let r = s
        .admin(Method::POST, "/clients")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "client_id_taken"
    );
    // Not JSON at all.
    let r = s
        .admin(Method::POST, "/clients")
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "malformed_body"
    );
    let r = s
        .admin(Method::POST, "/clients")
        .body("x=1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "unsupported_content_type"
    );
}

async fn admin_tokens(db: Db) {
    let s = Server::start(db).await;
    let url = s.url("/admin/v1/clients");
    // No token: 401 with a challenge.
    let r = s.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer realm=")
    );
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "request_unauthorized"
    );
    // Wrong token: 401.
    let r = s
        .http
        .get(&url)
        .bearer_auth("wrong-token-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Read-only token reads, but cannot write (U26).
    let r = s.http.get(&url).bearer_auth(READONLY).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .http
        .post(&url)
        .bearer_auth(READONLY)
        .json(&json!({"redirect_uris": ["https://a.example/cb"]}))
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
    // Full token writes.
    let r = s
        .http
        .post(&url)
        .bearer_auth(ADMIN)
        .json(&json!({"redirect_uris": ["https://a.example/cb"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

async fn users(db: Db) {
    let s = Server::start(db).await;
    let body = json!({"username": "alice", "password": "correct horse battery", "claims": {"email": "alice@example.com", "email_verified": true, "name": "Alice"}});
    let r = s
        .admin(Method::POST, "/users")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let u: Value = r.json().await.unwrap();
    let sub = u["sub"].as_str().unwrap().to_string();
    assert_ne!(sub, "alice");
    assert_eq!(u["claims"]["email"], "alice@example.com");
    assert!(u.get("password").is_none() && u.get("password_hash").is_none());
    // Username taken.
    let r = s
        .admin(Method::POST, "/users")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "username_taken"
    );
    // Weak password, unknown attribute.
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "bob", "password": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["errorCode"], "invalid_user_attributes");
    assert_eq!(e["errorCauses"][0]["field"], "password");
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "bob", "colour": "blue"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // PATCH merges claims; null removes one.
    let r = s
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"claims": {"name": "Alice L", "email_verified": null}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let u: Value = r.json().await.unwrap();
    assert_eq!(
        u["claims"],
        json!({"email": "alice@example.com", "name": "Alice L"})
    );
    let r = s
        .admin(Method::GET, &format!("/users/{sub}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["claims"]["name"],
        "Alice L"
    );
    let list: Value = s
        .admin(Method::GET, "/users")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        s.admin(Method::DELETE, &format!("/users/{sub}"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let r = s
        .admin(Method::GET, &format!("/users/{sub}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "user_not_found"
    );
}

async fn key_rotation_keeps_old_keys_published(db: Db) {
    let s = Server::start(db).await;
    let before: Value = s
        .http
        .get(s.url("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = s.admin(Method::POST, "/keys/rotate").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let after: Value = s
        .http
        .get(s.url("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids = |v: &Value| -> Vec<String> {
        v["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(kids(&after).len(), 4);
    for kid in kids(&before) {
        assert!(kids(&after).contains(&kid));
    }
    let keys: Value = s
        .admin(Method::GET, "/keys")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let states: Vec<&str> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.iter().filter(|s| **s == "active").count(), 2);
    assert_eq!(states.iter().filter(|s| **s == "retired").count(), 2);
    // One algorithm only.
    let r = s
        .admin(Method::POST, "/keys/rotate")
        .json(&json!({"alg": "ES256"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rotated: Value = r.json().await.unwrap();
    let new = rotated["rotated"].as_array().unwrap();
    assert_eq!(new.len(), 1, "{rotated}");
    assert_eq!(new[0]["alg"], "ES256", "{rotated}");
    let jwks: Value = s
        .http
        .get(s.url("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(kids(&jwks).contains(&new[0]["kid"].as_str().unwrap().to_string()));
    for (body, field) in [
        (json!({"alg": "HS256"}), "alg"),
        (json!({"kid": "k"}), "kid"),
    ] {
        let r = s.admin(Method::POST, "/keys/rotate").json(&body).send();
        let e = assert_admin_error(r.await.unwrap(), 400, "malformed_body", "bad rotation").await;
        assert_eq!(e["errorCauses"][0]["field"], field, "{e}");
    }
}

async fn admin_api_is_off_without_a_token(db: Db) {
    let s = Server::start_with(
        db,
        &[
            ("LATCHKEY_ADMIN_TOKEN", ""),
            ("LATCHKEY_ADMIN_READONLY_TOKEN", ""),
        ],
    )
    .await;
    let r = s.admin(Method::GET, "/clients").send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "admin_api_disabled"
    );
    let doc: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!doc.to_string().contains("/admin"));
}

/// Deleting a user ends their access at once: the refresh token is refused,
/// the access token already issued introspects inactive and is refused at
/// /userinfo, and the browser's session no longer signs them in.
async fn deleting_a_user_ends_their_access(db: Db) {
    use crate::cluster::{CB, START, code_across, introspect, web_client};
    let s = Server::start(db).await;
    let secret = web_client(&s).await;
    let (code, cookies) = code_across(&s, &s).await;
    let token = |form: Vec<(&'static str, String)>| {
        let (s, secret) = (&s, &secret);
        async move {
            let r = s
                .http
                .post(s.url("/token"))
                .basic_auth("web", Some(secret))
                .form(&form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, tokens) = token(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code),
        ("redirect_uri", CB.into()),
    ])
    .await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let active = introspect(&s, "web", &secret, &access).await;
    assert_eq!(active["active"], true);
    let sub = active["sub"].as_str().unwrap().to_string();

    let r = s
        .admin(Method::DELETE, &format!("/users/{sub}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    assert_eq!(
        introspect(&s, "web", &secret, &access).await["active"],
        false
    );
    let r = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (status, body) = token(vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh),
    ])
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let mut b = crate::authorize::Browser::new(&s);
    b.cookies = cookies;
    let r = b.get(START).await;
    assert!(
        crate::authorize::location(&r).starts_with("/login?"),
        "{}",
        crate::authorize::location(&r)
    );
}

crate::both!(
    clients_round_trip,
    invalid_metadata_names_the_field,
    admin_tokens,
    users,
    key_rotation_keeps_old_keys_published,
    admin_api_is_off_without_a_token,
    deleting_a_user_ends_their_access,
    users_are_searched_and_paged,
    errors_are_counted,
    every_operation_is_guarded,
    a_users_sessions_are_listed_and_ended_one_by_one,
    a_password_reset_email_is_sent_on_request,
    clients_are_searched_and_show_their_last_use,
);

/// Every operation the OpenAPI document lists (but the document itself)
/// refuses a request without a token (401 `request_unauthorized`) and a
/// write with the read-only token (403 `request_forbidden`), before it
/// reads its path or body: no handler can forget the token.
async fn every_operation_is_guarded(db: Db) {
    let s = Server::start(db).await;
    let doc: Value = s
        .http
        .get(s.url("/admin/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if path == "/openapi.json" {
            continue;
        }
        // Any value for a path parameter, even one that is not UTF-8.
        let concrete = path
            .split('/')
            .map(|seg| match seg.starts_with('{') {
                true => "%FF",
                false => seg,
            })
            .collect::<Vec<_>>()
            .join("/");
        let url = s.url(&format!("/admin/v1{concrete}"));
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let request = || s.http.request(method.clone(), &url).body("not json");
            let context = format!("{method} {path}");
            let r = request().send().await.unwrap();
            assert_admin_error(r, 401, "request_unauthorized", &context).await;
            if method != Method::GET {
                let r = request().bearer_auth(READONLY).send().await.unwrap();
                assert_admin_error(r, 403, "request_forbidden", &context).await;
            }
            checked += 1;
        }
    }
    assert!(checked >= 26, "{checked}");
}

/// `GET /admin/v1/users/{sub}/sessions` lists a user's live sessions, and
/// `DELETE .../sessions/{sid}` ends one: that browser is signed out, the
/// other is not. The CLI lists and ends them the same way.
async fn a_users_sessions_are_listed_and_ended_one_by_one(db: Db) {
    use crate::authorize::{Browser, location, login_page, submit_login};
    use crate::cluster::{CB, PASSWORD, START, web_client};
    let s = Server::start(db).await;
    web_client(&s).await;
    let sign_in = async || {
        let mut b = Browser::new(&s);
        let html = login_page(&mut b, START).await;
        let r = submit_login(&mut b, &html, "alice", PASSWORD).await;
        assert!(location(&r).starts_with(CB), "{}", location(&r));
        b
    };
    let mut first = sign_in().await;
    let mut second = sign_in().await;
    let listed: Value = s
        .admin(Method::GET, "/users/alice/sessions")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sessions = listed.as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{listed}");
    for session in sessions {
        assert_eq!(session["amr"], json!(["pwd"]), "{session}");
        assert!(session["address"].as_str().is_some(), "{session}");
        assert!(session.get("id_hash").is_none(), "{session}");
    }
    // (Both were made within a second: which is which is not known.)
    let newest = sessions[0]["sid"].as_str().unwrap().to_string();
    let older = sessions[1]["sid"].as_str().unwrap().to_string();
    let r = s
        .admin(Method::DELETE, &format!("/users/alice/sessions/{newest}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // Exactly one browser is signed out.
    let signed_out = |r: reqwest::Response| location(&r).starts_with("/login?i=");
    let out = [
        signed_out(first.get(START).await),
        signed_out(second.get(START).await),
    ];
    assert_eq!(out.iter().filter(|o| **o).count(), 1, "{out:?}");
    let mut remaining = match out {
        [true, _] => second,
        _ => first,
    };
    let r = s
        .admin(Method::DELETE, &format!("/users/alice/sessions/{newest}"))
        .send()
        .await
        .unwrap();
    assert_admin_error(r, 404, "user_session_not_found", "ended twice").await;
    let r = s.admin(Method::GET, "/users/nobody/sessions").send();
    assert_admin_error(r.await.unwrap(), 404, "user_not_found", "no user").await;
    let trail: Value = s
        .admin(Method::GET, "/audit?kind=admin.sessions_ended")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        trail["events"][0]["detail"]["sid"],
        newest.as_str(),
        "{trail}"
    );
    assert_eq!(trail["events"][0]["actor"], "admin:admin_token", "{trail}");

    // The CLI: the one left, then --all.
    let (code, out, err) = s.run(&["user", "sessions", "list", "alice"]);
    assert_eq!(code, 0, "{err}");
    let listed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed[0]["sid"], older.as_str(), "{listed}");
    let (code, _, err) = s.run(&["user", "sessions", "end", "alice"]);
    assert_eq!(code, 2, "a sid or --all: {err}");
    let (code, out, err) = s.run(&["user", "sessions", "end", "alice", "--all"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["sessions_ended"],
        1
    );
    let r = remaining.get(START).await;
    assert!(location(&r).starts_with("/login?i="), "{}", location(&r));
    let (code, _, err) = s.run(&["user", "sessions", "end", "alice", &older]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("user_session_not_found"), "{err}");
}

/// `POST /admin/v1/users/{sub}/password-reset` sends the reset email of
/// `/recover`, whose link sets a new password; refused by cause without an
/// address or without mail. The CLI sends it too.
async fn a_password_reset_email_is_sent_on_request(db: Db) {
    let smtp = crate::mail::Smtp::start();
    let env = crate::mail::mail_env(smtp.port);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let s = Server::start_with(db, &env).await;
    for (name, claims) in [
        (
            "ada",
            json!({"email": "ada@example.com", "email_verified": true}),
        ),
        ("bob", json!({})),
    ] {
        let r = s
            .admin(Method::POST, "/users")
            .json(&json!({"username": name, "password": "correct horse battery", "claims": claims}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let r = s
        .admin(Method::POST, "/users/ada/password-reset")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let queued: Value = r.json().await.unwrap();
    assert_eq!(queued["sent_to"], "ada@example.com", "{queued}");
    let message = smtp.wait_for(1, std::time::Duration::from_secs(10)).await;
    assert!(
        message["to"].to_string().contains("ada@example.com"),
        "{message}"
    );
    let link = crate::mail::link_in(&message, &s.url("/recover/reset?t="));
    let r = s.http.get(&link).send().await.unwrap();
    assert_eq!(r.status(), 200, "{link}");
    let trail: Value = s
        .admin(Method::GET, "/audit?kind=recovery.requested")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(trail["events"][0]["actor"], "admin:admin_token", "{trail}");
    // Bob has no address; a user who does not exist is not found.
    let r = s.admin(Method::POST, "/users/bob/password-reset").send();
    assert_admin_error(r.await.unwrap(), 409, "reset_mail_unsendable", "bob").await;
    let r = s.admin(Method::POST, "/users/nobody/password-reset").send();
    assert_admin_error(r.await.unwrap(), 404, "user_not_found", "nobody").await;
    // The CLI queues one more (with the same mail settings).
    let (code, out, err) = crate::support::run(&s.db, &["user", "reset-password", "ada"], &env);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ada@example.com"), "{out}");
    smtp.wait_for(2, std::time::Duration::from_secs(10)).await;
    let (code, _, err) = crate::support::run(&s.db, &["user", "reset-password", "bob"], &env);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("reset_mail_unsendable"), "{err}");

    // Without mail, every request is refused the same way.
    let s = Server::start(db).await;
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "cy", "claims": {"email": "cy@example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = s.admin(Method::POST, "/users/cy/password-reset").send();
    let e = assert_admin_error(r.await.unwrap(), 409, "reset_mail_unsendable", "no mail").await;
    assert!(e.to_string().contains("mail is off"), "{e}");
}

/// `GET /admin/v1/clients?q=` finds clients by id, name or redirect URI;
/// a client shows when it last got tokens, in the list and alone.
async fn clients_are_searched_and_show_their_last_use(db: Db) {
    let s = Server::start(db).await;
    for (id, name, grants) in [
        ("shop", "Shop backend", json!(["client_credentials"])),
        ("blog", "Blog", json!(["authorization_code"])),
    ] {
        let r = s
            .admin(Method::POST, "/clients")
            .json(&json!({"client_id": id, "client_name": name, "redirect_uris": [format!("https://{id}.example/cb")], "grant_types": grants}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        if id == "shop" {
            let secret = r.json::<Value>().await.unwrap()["client_secret"]
                .as_str()
                .unwrap()
                .to_string();
            let r = s
                .http
                .post(s.url("/token"))
                .basic_auth("shop", Some(&secret))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
    }
    let ids = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["client_id"].as_str().unwrap().to_string())
            .collect()
    };
    let get = |path: &str| {
        let req = s.admin(Method::GET, path);
        async move { req.send().await.unwrap() }
    };
    // Every client but the console's own (oldest first; made within a
    // second or two here, so compared as a set).
    let mut all = ids(get("/clients").await.json().await.unwrap());
    all.sort();
    assert_eq!(all, ["blog", "shop"]);
    assert_eq!(
        ids(get("/clients?q=BACKEND").await.json().await.unwrap()),
        ["shop"]
    );
    assert_eq!(
        ids(get("/clients?q=blog.example").await.json().await.unwrap()),
        ["blog"]
    );
    assert_eq!(
        ids(get("/clients?q=latchkey").await.json().await.unwrap()),
        Vec::<String>::new()
    );
    for query in ["?q=a&q=b", "?q=%00"] {
        let r = get(&format!("/clients{query}")).await;
        assert_admin_error(r, 400, "admin_query_invalid", query).await;
    }
    // The use is noted off the request path: wait for it.
    let mut used = Value::Null;
    for _ in 0..100 {
        used = get("/clients/shop").await.json::<Value>().await.unwrap()["last_used_at"].clone();
        if !used.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(used.as_i64().is_some(), "last_used_at: {used}");
    let listed: Value = get("/clients").await.json().await.unwrap();
    let in_list = |id: &str| {
        let found = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["client_id"] == id);
        found.unwrap()["last_used_at"].clone()
    };
    assert_eq!(in_list("shop"), used);
    assert!(in_list("blog").is_null(), "{listed}");
    let blog: Value = get("/clients/blog").await.json().await.unwrap();
    assert!(blog.get("last_used_at").is_none(), "{blog}");
    // The CLI searches the same way, and shows the last use too.
    let (code, out, err) = s.run(&["client", "list", "--search", "BACKEND"]);
    assert_eq!(code, 0, "{err}");
    let found: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(ids(found.clone()), ["shop"]);
    assert_eq!(found[0]["last_used_at"], used);
}

/// `GET /admin/v1/users` searches by username, `sub` or email with `q`,
/// pages by `after` and `limit`, and refuses a bad query by cause; without
/// them it lists everyone, as before.
async fn users_are_searched_and_paged(db: Db) {
    let s = Server::start(db).await;
    for (name, email) in [
        ("carol", "carol@shop.example"),
        ("alice", "alice@example.com"),
        ("bob", "bob@shop.example"),
        ("dave", "dave@example.com"),
    ] {
        let r = s
            .admin(Method::POST, "/users")
            .json(&json!({"username": name, "claims": {"email": email}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let names = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_string())
            .collect()
    };
    let get = |query: &str| {
        let req = s.admin(Method::GET, &format!("/users{query}"));
        async move { req.send().await.unwrap() }
    };
    // Everyone without a search (oldest first; made within a second here).
    let mut all = names(get("").await.json::<Value>().await.unwrap());
    all.sort();
    assert_eq!(all, ["alice", "bob", "carol", "dave"]);
    // By email, ignoring case, by username.
    let found = get("?q=SHOP.example").await.json::<Value>().await.unwrap();
    assert_eq!(names(found), ["bob", "carol"]);
    // Pages of two by username.
    let first = get("?limit=2").await.json::<Value>().await.unwrap();
    assert_eq!(names(first), ["alice", "bob"]);
    let next = get("?limit=2&after=bob")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(names(next), ["carol", "dave"]);
    let last = get("?limit=2&after=dave")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(names(last), Vec::<String>::new());
    // By sub.
    let carol = get("?q=carol").await.json::<Value>().await.unwrap();
    let sub = carol[0]["sub"].as_str().unwrap().to_string();
    let by_sub = get(&format!("?q={}", &sub[..8]))
        .await
        .json::<Value>()
        .await;
    assert_eq!(names(by_sub.unwrap()), ["carol"]);
    // Refused by cause.
    for query in [
        "?limit=0",
        "?limit=1001",
        "?limit=ten",
        "?q=a&q=b",
        "?q=%00",
    ] {
        assert_admin_error(get(query).await, 400, "admin_query_invalid", query).await;
    }
    // The read-only token searches too.
    let r = s
        .http
        .get(s.url("/admin/v1/users?q=dave"))
        .bearer_auth(READONLY)
        .send()
        .await
        .unwrap();
    assert_eq!(names(r.json::<Value>().await.unwrap()), ["dave"]);

    // The CLI searches and pages the same way.
    let cli = |args: &[&str]| {
        let mut all = vec!["user", "list"];
        all.extend_from_slice(args);
        let (code, out, err) = s.run(&all);
        assert_eq!(code, 0, "{err}");
        names(serde_json::from_str(&out).unwrap())
    };
    assert_eq!(cli(&["--search", "SHOP.example"]), ["bob", "carol"]);
    assert_eq!(cli(&["--limit", "2", "--after", "bob"]), ["carol", "dave"]);
    assert_eq!(cli(&[]).len(), 4);
    let (code, _, err) = s.run(&["user", "list", "--limit", "0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--limit"), "{err}");
}

/// `GET /admin/v1/errors` counts the kept occurrences by code and cause
/// per hour of the last day (or per day of the last week), of every client
/// or of one, each cause linked to its section of the error reference.
async fn errors_are_counted(db: Db) {
    let s = Server::start(db).await;
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "shop", "redirect_uris": ["https://shop.example/cb"], "grant_types": ["authorization_code"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let secret = r.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    // Two refusals of no client, one of the client "shop".
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = s
            .http
            .post(s.url("/token"))
            .form(&[("grant_type", "password")])
            .send()
            .await
            .unwrap();
        ids.push(r.json::<Value>().await.unwrap()["error_id"].clone());
    }
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth("shop", Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let shop: Value = r.json().await.unwrap();
    ids.push(shop["error_id"].clone());
    let shop_cause = shop["error_uri"]
        .as_str()
        .unwrap()
        .rsplit_once('#')
        .unwrap()
        .1
        .to_string();
    for id in &ids {
        s.kept_error(id.as_str().unwrap()).await;
    }

    let counts: Value = s
        .admin(Method::GET, "/errors")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counts["span"], "day");
    assert_eq!(counts["bucket_seconds"], 3600);
    assert_eq!(counts["starts"].as_array().unwrap().len(), 24);
    let causes = counts["causes"].as_array().unwrap();
    let total_of = |cause: &str| {
        causes
            .iter()
            .find(|c| c["cause"] == cause)
            .map(|c| c["total"].as_i64().unwrap())
    };
    // (Waiting for the records above may have added error_id_not_found.)
    assert_eq!(total_of("client_auth_missing"), Some(2), "{counts}");
    assert_eq!(total_of(&shop_cause), Some(1), "{counts}");
    let all: i64 = causes.iter().map(|c| c["total"].as_i64().unwrap()).sum();
    let per_bucket: i64 = counts["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_i64().unwrap())
        .sum();
    assert_eq!(per_bucket, all, "{counts}");
    for c in causes {
        let docs = c["docs"].as_str().unwrap();
        assert!(
            docs.ends_with(&format!(
                "/errors/{}#{}",
                c["code"].as_str().unwrap(),
                c["cause"].as_str().unwrap()
            )),
            "{c}"
        );
        let r = s.http.get(docs).send().await.unwrap();
        assert_eq!(r.status(), 200, "{docs}");
    }

    let week: Value = s
        .admin(Method::GET, "/errors?span=week&client_id=shop")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(week["bucket_seconds"], 86_400);
    assert_eq!(week["starts"].as_array().unwrap().len(), 7);
    let causes = week["causes"].as_array().unwrap();
    assert_eq!(causes.len(), 1, "{week}");
    assert_eq!(causes[0]["cause"], shop_cause.as_str());
    assert_eq!(causes[0]["total"], 1);

    // The CLI counts the same, as JSON and as a table.
    // (With the server's issuer, for the same links to the reference.)
    let (code, out, err) = crate::support::run(
        &s.db,
        &[
            "errors", "counts", "--span", "week", "--client", "shop", "--json",
        ],
        &[("LATCHKEY_ISSUER", &s.base)],
    );
    assert_eq!(code, 0, "{err}");
    let by_cli: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(by_cli["causes"], week["causes"]);
    let (code, out, err) = s.run(&["errors", "counts"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("errors over the last 24 hours"), "{out}");
    assert!(
        out.contains("client_auth_missing") && out.contains(&shop_cause),
        "{out}"
    );
    let (code, _, err) = s.run(&["errors", "counts", "--span", "month"]);
    assert_eq!(code, 2, "{err}");

    for query in ["?span=month", "?span=day&span=week", "?client_id=%00"] {
        let r = s.admin(Method::GET, &format!("/errors{query}")).send();
        assert_admin_error(r.await.unwrap(), 400, "admin_query_invalid", query).await;
    }
}
