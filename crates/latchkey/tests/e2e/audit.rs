//! The audit trail, kind by kind: each security-relevant event is kept
//! with its time, actor, address, target, kind and outcome, read back
//! through `GET /admin/v1/audit` and `latchkey audit list`, logged as one
//! JSON line with the event's fields by name, purged after
//! `audit.retention_days`, and never holds a secret.

use crate::authorize::{Browser, hidden, location, query_of};
use crate::support::{Db, Server};
use latchkey_core::totp;
use reqwest::Method;
use serde_json::{Value, json};

const CB: &str = "https://app.example/cb";
const PASSWORD: &str = "correct horse battery";

/// The trail's events of `kind`, newest first.
async fn events(s: &Server, kind: &str) -> Vec<Value> {
    let r = s
        .admin(Method::GET, &format!("/audit?kind={kind}&limit=200"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["events"].as_array().unwrap().clone()
}

/// The one event of `kind`.
async fn only(s: &Server, kind: &str) -> Value {
    let found = events(s, kind).await;
    assert_eq!(found.len(), 1, "{kind}: {found:?}");
    found[0].clone()
}

/// The whole trail as text, to look for what must not be in it.
async fn trail(s: &Server) -> String {
    let r = s
        .admin(Method::GET, "/audit?limit=200")
        .send()
        .await
        .unwrap();
    r.text().await.unwrap()
}

/// Assert an event's actor, target and outcome, and that it has a time.
fn assert_event(e: &Value, actor: &str, target: &str, outcome: &str) {
    assert_eq!(e["actor"], actor, "{e}");
    assert_eq!(e["target"], target, "{e}");
    assert_eq!(e["outcome"], outcome, "{e}");
    assert!(e["at"].as_i64().unwrap() > 1_700_000_000, "{e}");
    assert!(e["id"].as_i64().is_some(), "{e}");
}

/// A client `app` asking for consent (code and refresh token) and the
/// user alice; returns the client secret and alice's sub.
async fn setup(s: &Server, skip_consent: bool) -> (String, String) {
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": "app", "client_name": "Example App", "redirect_uris": [CB],
            "scope": "openid email", "grant_types": ["authorization_code", "refresh_token"],
            "skip_consent": skip_consent}),
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
    let sub = r.json::<Value>().await.unwrap()["sub"]
        .as_str()
        .unwrap()
        .to_string();
    (secret, sub)
}

const START: &str = "/authorize?client_id=app&response_type=code&scope=openid+email&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=st4te";

/// Start, and sign in on the login page with `password`; the answer.
async fn sign_in(b: &mut Browser<'_>, start: &str, password: &str) -> reqwest::Response {
    let r = b.get(start).await;
    let login = location(&r);
    assert!(login.starts_with("/login?i="), "{login}");
    let html = b.get(&login).await.text().await.unwrap();
    crate::authorize::submit_login(b, &html, "alice", password).await
}

async fn redeem(s: &Server, secret: &str, form: &[(&str, &str)]) -> reqwest::Response {
    s.http
        .post(s.url("/token"))
        .basic_auth("app", Some(secret))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Sign-in failure and success, consent given, a replayed code, a
/// replayed refresh token and RP-initiated logout: each in the trail with
/// its actor, target, outcome and address, and no secret anywhere in it.
async fn the_sign_in_journey_is_in_the_trail(db: Db) {
    let s = Server::start(db).await;
    let (secret, sub) = setup(&s, false).await;
    let user = format!("user:{sub}");
    let mut b = Browser::new(&s);

    // A wrong password: failed sign-in, by no one known, on the account.
    let r = sign_in(&mut b, START, "wrong password").await;
    assert_eq!(r.status(), 401);
    let failed = only(&s, "sign_in").await;
    assert_event(&failed, "system", &user, "failure");
    assert_eq!(failed["address"], "127.0.0.1");
    assert_eq!(failed["detail"]["cause"], "invalid_credentials");

    // A passkey the server cannot take (passkeys are off on an IP
    // address issuer): a failed sign-in, whose account is not known.
    let r = b.get(START).await;
    let html = b.get(&location(&r)).await.text().await.unwrap();
    let form = [
        ("i", hidden(&html, "i")),
        ("csrf", hidden(&html, "csrf")),
        ("action", "passkey".to_string()),
        ("credential", "{}".to_string()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post("/login", &form).await;
    assert!(r.status().is_client_error(), "{}", r.status());
    let passkey = &events(&s, "sign_in").await[0];
    assert_event(passkey, "system", "unknown", "failure");
    assert_eq!(passkey["detail"]["method"], "passkey");
    assert!(
        passkey["detail"]["cause"]
            .as_str()
            .unwrap()
            .starts_with("passkey_")
    );

    // The right one, then the consent page: sign-in and consent given.
    let r = sign_in(&mut b, START, PASSWORD).await;
    assert_eq!(r.status(), 303);
    let consent = location(&r);
    assert!(consent.starts_with("/consent?i="), "{consent}");
    let signed_in = &events(&s, "sign_in").await[0];
    assert_event(signed_in, &user, &user, "success");
    assert_eq!(signed_in["detail"]["method"], "password");
    let html = b.get(&consent).await.text().await.unwrap();
    let form = [
        ("i", hidden(&html, "i")),
        ("csrf", hidden(&html, "csrf")),
        ("action", "allow".to_string()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post("/consent", &form).await;
    assert_eq!(r.status(), 303);
    let code = query_of(&location(&r))["code"].clone();
    let given = only(&s, "consent.given").await;
    assert_event(&given, &user, &user, "success");
    assert_eq!(given["address"], "127.0.0.1");
    assert_eq!(given["detail"]["client_id"], "app");
    assert_eq!(given["detail"]["scope"], "openid email");

    // The code twice: the second revokes the grant, by the server.
    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CB),
    ];
    let r = redeem(&s, &secret, &exchange).await;
    assert_eq!(r.status(), 200);
    let first: Value = r.json().await.unwrap();
    let r = redeem(&s, &secret, &exchange).await;
    assert_eq!(r.status(), 400);
    let replayed = only(&s, "token.code_reused").await;
    assert_event(&replayed, "system", &user, "success");
    assert_eq!(replayed["address"], "127.0.0.1");
    assert_eq!(replayed["detail"]["client_id"], "app");
    assert_eq!(replayed["detail"]["grant_revoked"], true);

    // A new grant (consent remembered: no new consent.given); its refresh
    // token rotated, then presented again: the family is revoked.
    let r = b.get(START).await;
    let code = query_of(&location(&r))["code"].clone();
    assert_eq!(events(&s, "consent.given").await.len(), 1);
    let r = redeem(
        &s,
        &secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
        ],
    )
    .await;
    let tokens: Value = r.json().await.unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let rotate = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    assert_eq!(redeem(&s, &secret, &rotate).await.status(), 200);
    assert!(events(&s, "token.refresh_token_reused").await.is_empty());
    assert_eq!(redeem(&s, &secret, &rotate).await.status(), 400);
    let reused = only(&s, "token.refresh_token_reused").await;
    assert_event(&reused, "system", &user, "success");
    assert_eq!(reused["detail"]["client_id"], "app");
    assert_eq!(reused["detail"]["cause"], "refresh_token_reused");

    // RP-initiated logout with the ID token as hint: the session ends.
    let hint = tokens["id_token"].as_str().unwrap();
    let r = b.get(&format!("/logout?id_token_hint={hint}")).await;
    assert_eq!(r.status(), 200);
    let logout = only(&s, "session.logout").await;
    assert_event(&logout, &user, &user, "success");
    assert_eq!(logout["address"], "127.0.0.1");
    assert_eq!(logout["detail"]["client_id"], "app");
    assert_eq!(logout["detail"]["sid"], signed_in["detail"]["sid"]);

    let all = trail(&s).await;
    for secret_value in [
        secret.as_str(),
        PASSWORD,
        code.as_str(),
        refresh,
        hint,
        first["access_token"].as_str().unwrap(),
    ] {
        assert!(!all.contains(secret_value), "the trail holds a secret");
    }
}

/// The second factor at sign-in, refused then passed.
async fn the_second_factor_is_in_the_trail(db: Db) {
    let s = Server::start(db).await;
    let (_, sub) = setup(&s, true).await;
    let user = format!("user:{sub}");
    let key = totp::generate_secret().unwrap();
    let r = s
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"totp_secret": totp::base32_encode(&key)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut b = Browser::new(&s);
    let vtr = url::form_urlencoded::byte_serialize(b"[\"Cl.Cm\"]").collect::<String>();
    let r = sign_in(&mut b, &format!("{START}&vtr={vtr}"), PASSWORD).await;
    assert_eq!(r.status(), 303);
    let start = location(&r);
    assert!(start.starts_with("/mfa?i="), "{start}");
    let html = b.get(&start).await.text().await.unwrap();
    let step = totp::step_at(latchkey_core::now_unix());
    let taken: Vec<String> = (step - 2..=step + 2)
        .map(|s| totp::code_at_step(&key, s))
        .collect();
    let wrong = (0..)
        .map(|n: u32| format!("{:06}", 123_456 + n))
        .find(|c| !taken.contains(c))
        .unwrap();
    let post = |code: String| {
        let (i, csrf) = (hidden(&html, "i"), hidden(&html, "csrf"));
        vec![
            ("i", i),
            ("csrf", csrf),
            ("action", "verify".to_string()),
            ("code", code),
        ]
    };
    let form = post(wrong);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post("/mfa", &form).await;
    assert_eq!(r.status(), 401);
    let refused = only(&s, "sign_in.second_factor").await;
    assert_event(&refused, &user, &user, "failure");
    assert_eq!(refused["detail"]["method"], "totp");
    assert_eq!(refused["detail"]["cause"], "totp_code_invalid");
    assert_eq!(refused["address"], "127.0.0.1");
    let right = totp::code_at_step(&key, totp::step_at(latchkey_core::now_unix()));
    let form = post(right.clone());
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post("/mfa", &form).await;
    assert_eq!(r.status(), 303);
    let passed = &events(&s, "sign_in.second_factor").await[0];
    assert_event(passed, &user, &user, "success");
    assert_eq!(passed["detail"]["client_id"], "app");
    let all = trail(&s).await;
    assert!(!all.contains(&totp::base32_encode(&key)) && !all.contains(&right));
}

/// Clients through the admin API, signing keys, the maintenance switch:
/// by `admin:admin_token`, with the address, never the secret.
async fn admin_changes_are_in_the_trail(db: Db) {
    let s = Server::start(db).await;
    let admin = "admin:admin_token";
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "svc", "client_name": "Service",
            "grant_types": ["client_credentials"], "scope": "api:read"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let first_secret = r.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let created = only(&s, "client.created").await;
    assert_event(&created, admin, "client:svc", "success");
    assert_eq!(created["address"], "127.0.0.1");
    assert_eq!(created["detail"]["client_name"], "Service");

    let patch = |body: Value| s.admin(Method::PATCH, "/clients/svc").json(&body).send();
    assert_eq!(
        patch(json!({"scope": "api:read api:write"}))
            .await
            .unwrap()
            .status(),
        200
    );
    let updated = only(&s, "client.updated").await;
    assert_event(&updated, admin, "client:svc", "success");
    assert_eq!(updated["detail"]["fields"], json!(["scope"]));
    assert!(events(&s, "client.deactivated").await.is_empty());

    assert_eq!(patch(json!({"active": false})).await.unwrap().status(), 200);
    assert_event(
        &only(&s, "client.deactivated").await,
        admin,
        "client:svc",
        "success",
    );
    // Already off: no second deactivation.
    assert_eq!(patch(json!({"active": false})).await.unwrap().status(), 200);
    assert_eq!(events(&s, "client.deactivated").await.len(), 1);
    assert_eq!(patch(json!({"active": true})).await.unwrap().status(), 200);
    assert_event(
        &only(&s, "client.reactivated").await,
        admin,
        "client:svc",
        "success",
    );

    let new_secret = "a-brand-new-secret-of-enough-length-0123456789";
    assert_eq!(
        patch(json!({"client_secret": new_secret}))
            .await
            .unwrap()
            .status(),
        200
    );
    let rotated = only(&s, "client.secret_rotated").await;
    assert_event(&rotated, admin, "client:svc", "success");
    assert_eq!(rotated["address"], "127.0.0.1");

    let r = s
        .admin(Method::DELETE, "/clients/svc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_event(
        &only(&s, "client.deleted").await,
        admin,
        "client:svc",
        "success",
    );

    // Resources: registered, changed and deleted, by their identifier.
    let api = "resource:https://api.example/";
    let path = "/resources/https%3A%2F%2Fapi.example%2F";
    for (method, path, body) in [
        (
            Method::POST,
            "/resources",
            json!({"resource": "https://api.example/", "name": "API", "scope": "api:read"}),
        ),
        (Method::PATCH, path, json!({"name": "The API"})),
        (Method::DELETE, path, Value::Null),
    ] {
        let r = s.admin(method, path).json(&body).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    for kind in ["resource.created", "resource.updated", "resource.deleted"] {
        let e = only(&s, kind).await;
        assert_event(&e, admin, api, "success");
        assert_eq!(e["address"], "127.0.0.1");
    }
    assert_eq!(
        only(&s, "resource.updated").await["detail"]["fields"],
        json!(["name"])
    );

    let r = s.admin(Method::POST, "/keys/rotate").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let keys: Value = r.json().await.unwrap();
    let rotated = only(&s, "keys.rotated").await;
    assert_event(&rotated, admin, "keys", "success");
    let kids: Vec<&Value> = keys["rotated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| &k["kid"])
        .collect();
    assert_eq!(
        rotated["detail"]["kids"]
            .as_array()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        kids
    );

    for on in [true, false] {
        let r = s
            .admin(Method::PUT, "/maintenance")
            .json(&json!({"enabled": on}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let switched = events(&s, "admin.maintenance_switched").await;
    assert_eq!(switched.len(), 2, "{switched:?}");
    assert_event(&switched[0], admin, "maintenance", "success");
    assert_eq!(switched[0]["detail"]["enabled"], false);
    assert_eq!(switched[1]["detail"]["enabled"], true);

    let all = trail(&s).await;
    assert!(!all.contains(&first_secret) && !all.contains(new_secret));
}

/// Dynamic registration and its management endpoint: the client acts.
async fn registered_clients_are_in_the_trail(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_REGISTRATION_MODE", "open")]).await;
    let r = s
        .http
        .post(s.url("/register"))
        .json(&json!({"redirect_uris": [CB], "client_name": "Registered"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let info: Value = r.json().await.unwrap();
    let id = info["client_id"].as_str().unwrap();
    let token = info["registration_access_token"].as_str().unwrap();
    let actor = format!("client:{id}");
    let created = only(&s, "client.created").await;
    assert_event(&created, &actor, &actor, "success");
    assert_eq!(created["detail"]["registration"], "open");
    assert_eq!(created["address"], "127.0.0.1");

    let r = s
        .http
        .put(s.url(&format!("/register/{id}")))
        .bearer_auth(token)
        .json(&json!({"client_id": id, "redirect_uris": [CB], "client_name": "Renamed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let updated = only(&s, "client.updated").await;
    assert_event(&updated, &actor, &actor, "success");
    assert!(
        updated["detail"]["fields"]
            .as_array()
            .unwrap()
            .contains(&json!("client_name"))
    );
    // A method without a secret to one with: a secret is issued.
    let r = s
        .http
        .put(s.url(&format!("/register/{id}")))
        .bearer_auth(token)
        .json(&json!({"client_id": id, "redirect_uris": [CB], "token_endpoint_auth_method": "client_secret_jwt"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let issued: Value = r.json().await.unwrap();
    assert_event(
        &only(&s, "client.secret_rotated").await,
        &actor,
        &actor,
        "success",
    );

    let r = s
        .http
        .delete(s.url(&format!("/register/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_event(&only(&s, "client.deleted").await, &actor, &actor, "success");

    let all = trail(&s).await;
    assert!(!all.contains(token));
    for secret in [&info["client_secret"], &issued["client_secret"]] {
        if let Some(secret) = secret.as_str() {
            assert!(!all.contains(secret), "the trail holds a secret");
        }
    }
}

/// Wait, if need be, so that the next few seconds stay in one minute.
async fn early_in_a_minute() {
    let second = latchkey_core::now_unix().rem_euclid(60);
    if second > 45 {
        let wait = u64::try_from(61 - second).unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    }
}

/// Refused admin requests: recorded with the address, once per address
/// per minute; every one is still logged.
async fn refused_admin_requests_are_recorded_once_per_address_per_minute(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_PROXY_TRUSTED", "127.0.0.1/32")]).await;
    early_in_a_minute().await;
    let from = |ip: &str, token: Option<&str>, method: Method, path: &str| {
        let r = s
            .http
            .request(method, s.url(&format!("/admin/v1{path}")))
            .header("x-forwarded-for", ip);
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    };
    // A guesser at 192.0.2.7: three wrong tokens and one without.
    for _ in 0..3 {
        let r = from("192.0.2.7", Some("guess"), Method::GET, "/clients")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = from("192.0.2.7", None, Method::GET, "/users")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The read-only token writing, from 192.0.2.8.
    let r = from(
        "192.0.2.8",
        Some(crate::support::READONLY),
        Method::POST,
        "/keys/rotate",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 403);

    let denied = events(&s, "admin.access_denied").await;
    assert_eq!(denied.len(), 2, "{denied:?}");
    let readonly = &denied[0];
    assert_event(
        readonly,
        "admin:admin_readonly_token",
        "admin_api",
        "failure",
    );
    assert_eq!(readonly["address"], "192.0.2.8");
    assert_eq!(readonly["detail"]["method"], "POST");
    assert_eq!(readonly["detail"]["path"], "/admin/v1/keys/rotate");
    assert_eq!(readonly["detail"]["cause"], "request_forbidden");
    let guesser = &denied[1];
    assert_event(guesser, "system", "admin_api", "failure");
    assert_eq!(guesser["address"], "192.0.2.7");
    assert_eq!(guesser["detail"]["cause"], "request_unauthorized");
    assert_eq!(guesser["detail"]["path"], "/admin/v1/clients");
    assert_eq!(guesser["detail"]["unrecorded"], 0);
    // Each refusal is in the log, never the token presented.
    let logs = s.logs();
    assert_eq!(logs.matches("admin access denied").count(), 5, "{logs}");
    assert!(!logs.contains("guess\"") && !trail(&s).await.contains(crate::support::READONLY));
    // The right token is not refused and not recorded.
    assert_eq!(
        s.admin(Method::GET, "/clients")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(events(&s, "admin.access_denied").await.len(), 2);
}

/// `latchkey audit list`: the CLI's own changes by `admin:cli`, read back
/// as a table and as JSON with the same filters as the API.
async fn the_cli_records_and_lists_the_trail(db: Db) {
    let s = Server::start(db).await;
    let (code, out, err) = s.run(&[
        "client",
        "create",
        "--client-id",
        "tool",
        "--name",
        "Tool",
        "--redirect-uri",
        CB,
    ]);
    assert_eq!(code, 0, "{err}");
    let secret = serde_json::from_str::<Value>(&out).unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, _, err) = s.run(&["client", "deactivate", "tool"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = s.run(&["client", "update", "tool", "--new-secret"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = s.run(&["keys", "rotate", "--alg", "ES256"]);
    assert_eq!(code, 0, "{err}");
    let api = "https://api.example/";
    for args in [
        &[
            "resource", "create", api, "--name", "API", "--scope", "api:read",
        ][..],
        &["resource", "update", api, "--scope", "api:read api:write"],
        &["resource", "delete", api],
    ] {
        let (code, _, err) = s.run(args);
        assert_eq!(code, 0, "{err}");
    }
    assert_eq!(
        only(&s, "resource.updated").await["detail"]["fields"],
        json!(["scope"])
    );
    let (code, _, err) = s.run(&["client", "delete", "tool"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = s.run_with_stdin(
        &["user", "create", "--username", "bob", "--password-stdin"],
        PASSWORD,
    );
    assert_eq!(code, 0, "{err}");
    let bob = serde_json::from_str::<Value>(&out).unwrap()["sub"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, _, err) = s.run_with_stdin(
        &["user", "set-password", "bob", "--password-stdin"],
        "another long password",
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = s.run(&["user", "delete", "bob"]);
    assert_eq!(code, 0, "{err}");
    let bob = format!("user:{bob}");
    let created = only(&s, "admin.user_created").await;
    assert_event(&created, "admin:cli", &bob, "success");
    assert_eq!(created["detail"]["fields"], json!(["password", "username"]));
    let updated = only(&s, "admin.user_updated").await;
    assert_event(&updated, "admin:cli", &bob, "success");
    assert_eq!(updated["detail"]["fields"], json!(["password"]));
    assert_event(
        &only(&s, "admin.user_deleted").await,
        "admin:cli",
        &bob,
        "success",
    );

    for (kind, target) in [
        ("client.created", "client:tool"),
        ("client.deactivated", "client:tool"),
        ("client.secret_rotated", "client:tool"),
        ("client.deleted", "client:tool"),
        ("keys.rotated", "keys"),
        ("resource.created", "resource:https://api.example/"),
        ("resource.updated", "resource:https://api.example/"),
        ("resource.deleted", "resource:https://api.example/"),
    ] {
        let e = only(&s, kind).await;
        assert_event(&e, "admin:cli", target, "success");
        assert!(e["address"].is_null(), "{e}");
    }

    // JSON: as the admin API answers, filtered and paged.
    let (code, out, err) = s.run(&[
        "audit",
        "list",
        "--actor",
        "admin:cli",
        "--target",
        "client:tool",
        "--limit",
        "2",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let page: Value = serde_json::from_str(&out).unwrap();
    let listed = page["events"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["kind"], "client.deleted");
    assert_eq!(listed[1]["kind"], "client.secret_rotated");
    let next = page["next"].as_i64().unwrap().to_string();
    let (code, out, _) = s.run(&[
        "audit",
        "list",
        "--actor",
        "admin:cli",
        "--target",
        "client:tool",
        "--before",
        &next,
        "--json",
    ]);
    assert_eq!(code, 0);
    let rest: Value = serde_json::from_str(&out).unwrap();
    let kinds: Vec<&str> = rest["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "client.updated",
            "client.deactivated",
            "client.updated",
            "client.created"
        ]
    );
    assert!(rest["next"].is_null());

    // The table: a header, a row per event, newest first.
    let (code, out, err) = s.run(&["audit", "list", "--kind", "keys.rotated"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    for column in [
        "ID", "AT", "OUTCOME", "KIND", "ACTOR", "TARGET", "ADDRESS", "DETAIL",
    ] {
        assert!(lines[0].contains(column), "{out}");
    }
    assert!(
        lines[1].contains("success")
            && lines[1].contains("keys.rotated")
            && lines[1].contains("admin:cli"),
        "{out}"
    );
    let (code, out, _) = s.run(&["audit", "list", "--kind", "client.created", "--limit", "1"]);
    assert_eq!(code, 0);
    assert!(out.contains("more: --before"), "{out}");
    let (code, _, err) = s.run(&["audit", "list", "--limit", "0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--limit"), "{err}");

    let (_, all, _) = s.run(&["audit", "list", "--limit", "200", "--json"]);
    for secret_value in [secret.as_str(), PASSWORD, "another long password"] {
        assert!(!all.contains(secret_value), "the trail holds a secret");
    }
}

/// Each event is one JSON log line, its fields under stable names; and
/// events older than `audit.retention_days` are purged.
async fn events_are_logged_as_json_and_purged_after_retention(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_LOG_FORMAT", "json")]).await;
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "svc", "grant_types": ["client_credentials"], "scope": "api:read"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let secret = r.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let stored = only(&s, "client.created").await;
    let logs = s.logs();
    let lines: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["event"] == "client.created")
        .collect();
    assert_eq!(lines.len(), 1, "{logs}");
    let line = &lines[0];
    assert_eq!(line["message"], "audit", "{line}");
    assert_eq!(line["target"], "latchkey::audit", "{line}");
    assert_eq!(line["level"], "INFO", "{line}");
    assert_eq!(line["actor"], "admin:admin_token", "{line}");
    assert_eq!(line["address"], "127.0.0.1", "{line}");
    assert_eq!(line["audit_target"], "client:svc", "{line}");
    assert_eq!(line["outcome"], "success", "{line}");
    assert_eq!(line["at"], stored["at"], "{line}");
    let detail: Value = serde_json::from_str(line["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail, stored["detail"]);
    assert!(!logs.contains(&secret), "the log holds a secret");

    // Aged past a week, then a node with a week's retention starts: the
    // purge (at start, then every ten minutes) removes it; the fresh one stays.
    let r = s.admin(Method::POST, "/keys/rotate").send().await.unwrap();
    assert_eq!(r.status(), 200);
    s.sql("UPDATE audit_events SET at = at - 8 * 86400 WHERE kind = 'client.created'")
        .await;
    let purging = s.join(&[("LATCHKEY_AUDIT_RETENTION_DAYS", "7")]).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !events(&purging, "client.created").await.is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the old event was not purged"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(events(&purging, "keys.rotated").await.len(), 1);
}

crate::both!(
    the_sign_in_journey_is_in_the_trail,
    the_second_factor_is_in_the_trail,
    admin_changes_are_in_the_trail,
    registered_clients_are_in_the_trail,
    refused_admin_requests_are_recorded_once_per_address_per_minute,
    the_cli_records_and_lists_the_trail,
    events_are_logged_as_json_and_purged_after_retention,
);
