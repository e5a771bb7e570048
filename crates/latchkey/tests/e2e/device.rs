//! The device authorization grant (RFC 8628) over HTTP:
//! `/device_authorization`, polling at `/token`, discovery and the CLI.
//! The user's decision is written to the database here, as the `/device`
//! page records it: by the keyed hash of the normalized user code.

use crate::support::{Db, SECRET, Server, assert_json_error};
use base64::Engine;
use latchkey_core::crypto::Secrets;
use reqwest::{Method, Response};
use serde_json::{Value, json};

const DEVICE: &str = "urn:ietf:params:oauth:grant-type:device_code";

async fn register(s: &Server, body: Value) -> Value {
    let r = s
        .admin(Method::POST, "/clients")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

pub(crate) async fn user(s: &Server, username: &str) -> String {
    let r = s
        .admin(Method::POST, "/users")
        .json(
            &json!({"username": username, "password": "correct horse battery",
                      "claims": {"name": "Alice"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["sub"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A public device client (no redirect URI: a device has none).
pub(crate) async fn tv(s: &Server, id: &str, grants: &[&str], scope: &str) {
    register(
        s,
        json!({"client_id": id, "token_endpoint_auth_method": "none",
               "grant_types": grants, "scope": scope}),
    )
    .await;
}

async fn authorize_device(s: &Server, form: &[(&str, &str)]) -> Response {
    s.http
        .post(s.url("/device_authorization"))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Start a device authorization for a public client; its answer.
pub(crate) async fn start(s: &Server, client_id: &str, scope: &str) -> Value {
    let r = authorize_device(s, &[("client_id", client_id), ("scope", scope)]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    r.json().await.unwrap()
}

async fn poll(s: &Server, client_id: &str, device_code: &str) -> Response {
    s.http
        .post(s.url("/token"))
        .form(&[
            ("grant_type", DEVICE),
            ("client_id", client_id),
            ("device_code", device_code),
        ])
        .send()
        .await
        .unwrap()
}

pub(crate) fn code(answer: &Value) -> &str {
    answer["device_code"].as_str().unwrap()
}

/// Where the grant of this user code is, in SQL.
fn row(user_code: &str) -> String {
    let secrets = Secrets::new(SECRET).unwrap();
    let hash = latchkey_core::device::user_code_hash(&secrets, user_code).unwrap();
    format!("user_code_hash = '{hash}'")
}

/// The user allows the request (as the page records it), and enough time
/// passes for the next poll to be on time.
pub(crate) async fn approve(s: &Server, answer: &Value, sub: &str) {
    let user_code = answer["user_code"].as_str().unwrap().to_lowercase();
    s.sql(&format!(
        "UPDATE device_grants SET state = 'approved', sub = '{sub}', auth_time = 1700000000, \
         acr = 'Cl', amr = '[\"pwd\"]', sid = 'sid-device', decided_at = 1700000000, \
         last_polled_at = last_polled_at - 3600 WHERE {}",
        row(&user_code)
    ))
    .await;
}

fn payload(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn a_device_signs_in_once(db: Db) {
    let s = Server::start(db).await;
    let sub = user(&s, "alice").await;
    tv(
        &s,
        "tv",
        &[DEVICE, "refresh_token"],
        "openid profile offline_access",
    )
    .await;

    let answer = start(&s, "tv", "openid profile").await;
    assert_eq!(code(&answer).len(), 43, "{answer}");
    let user_code = answer["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 9);
    assert_eq!(
        latchkey_core::device::normalize_user_code(user_code).as_deref(),
        Some(user_code)
    );
    assert_eq!(answer["verification_uri"], s.url("/device"));
    assert_eq!(
        answer["verification_uri_complete"],
        s.url(&format!("/device?user_code={user_code}"))
    );
    assert_eq!(answer["expires_in"], 600);
    assert_eq!(answer["interval"], 5);
    assert_eq!(answer.as_object().unwrap().len(), 6, "{answer}");
    // Only hashes are kept.
    assert_eq!(
        s.sql_count(&format!(
            "SELECT COUNT(*) FROM device_grants WHERE device_code_hash = '{}' OR {}",
            code(&answer),
            row(user_code)
        ))
        .await,
        1
    );

    // Waiting for the user; polling too fast grows the interval by 5.
    assert_json_error(
        poll(&s, "tv", code(&answer)).await,
        400,
        "authorization_pending",
        "authorization_pending",
    )
    .await;
    for interval in [10, 15] {
        assert_json_error(
            poll(&s, "tv", code(&answer)).await,
            400,
            "slow_down",
            "slow_down",
        )
        .await;
        assert_eq!(
            s.sql_count(&format!(
                "SELECT poll_interval FROM device_grants WHERE {}",
                row(user_code)
            ))
            .await,
            interval
        );
    }

    approve(&s, &answer, &sub).await;
    let r = poll(&s, "tv", code(&answer)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["scope"], "openid profile");
    let id = payload(t["id_token"].as_str().unwrap());
    assert_eq!(id["sub"], sub.as_str());
    assert_eq!(id["aud"], "tv");
    assert_eq!(id["iss"], s.base.as_str());
    assert_eq!(id["sid"], "sid-device");
    assert!(id.get("nonce").is_none(), "{id}");
    let at = payload(t["access_token"].as_str().unwrap());
    assert_eq!((&at["sub"], &at["client_id"]), (&json!(sub), &json!("tv")));
    // The access token works, and so does the refresh token.
    let r = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "Alice");
    let r = s
        .http
        .post(s.url("/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "tv"),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Tokens once: a second poll is refused.
    assert_json_error(
        poll(&s, "tv", code(&answer)).await,
        400,
        "invalid_grant",
        "device_code_reused",
    )
    .await;
}

async fn device_refusals(db: Db) {
    let s = Server::start(db).await;
    let sub = user(&s, "alice").await;
    tv(&s, "tv", &[DEVICE], "openid profile").await;
    tv(&s, "tv-oauth", &[DEVICE], "profile").await;
    let secret = register(
        &s,
        json!({"client_id": "tv-secret", "grant_types": [DEVICE], "scope": "openid"}),
    )
    .await["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    register(
        &s,
        json!({"client_id": "web", "redirect_uris": ["https://app.example/cb"],
               "token_endpoint_auth_method": "none", "scope": "openid"}),
    )
    .await;

    // A confidential client authenticates, as at /token.
    let r = authorize_device(&s, &[("client_id", "tv-secret"), ("scope", "openid")]).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_client");
    let r = s
        .http
        .post(s.url("/device_authorization"))
        .basic_auth("tv-secret", Some(&secret))
        .form(&[("scope", "openid")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = authorize_device(&s, &[("client_id", "nobody"), ("scope", "openid")]).await;
    assert_json_error(r, 401, "invalid_client", "unknown_client").await;
    // The client must be registered for the grant.
    let r = authorize_device(&s, &[("client_id", "web"), ("scope", "openid")]).await;
    assert_json_error(r, 400, "unauthorized_client", "device_grant_not_allowed").await;
    // The scope rules of /authorize.
    for (scope, cause) in [
        (None, "scope_missing"),
        (Some("openid email"), "scope_not_allowed"),
        (Some("openid admin"), "unknown_scope"),
        (Some("profile"), "scope_missing_openid"),
    ] {
        let mut form = vec![("client_id", "tv")];
        form.extend(scope.map(|v| ("scope", v)));
        let error = latchkey_core::error::docs::find(cause).unwrap().code;
        let r = authorize_device(&s, &form).await;
        assert_json_error(r, 400, error.as_str(), cause).await;
    }

    // Polling: the errors of RFC 8628 §3.5 and RFC 6749 §5.2.
    let answer = start(&s, "tv", "openid").await;
    assert_json_error(
        poll(&s, "tv", "no-such-code").await,
        400,
        "invalid_grant",
        "device_code_unknown",
    )
    .await;
    assert_json_error(
        poll(&s, "tv-oauth", code(&answer)).await,
        400,
        "invalid_grant",
        "device_code_client_mismatch",
    )
    .await;
    let r = s
        .http
        .post(s.url("/token"))
        .form(&[("grant_type", DEVICE), ("client_id", "tv")])
        .send()
        .await
        .unwrap();
    assert_json_error(r, 400, "invalid_request", "missing_parameter").await;
    assert_json_error(
        poll(&s, "web", code(&answer)).await,
        400,
        "unauthorized_client",
        "grant_type_not_allowed",
    )
    .await;
    // Another client's poll did not count: this one is not too soon.
    assert_json_error(
        poll(&s, "tv", code(&answer)).await,
        400,
        "authorization_pending",
        "authorization_pending",
    )
    .await;

    let user_code = answer["user_code"].as_str().unwrap().replace('-', " ");
    s.sql(&format!(
        "UPDATE device_grants SET state = 'denied', decided_at = 1, \
         last_polled_at = last_polled_at - 3600 WHERE {}",
        row(&user_code)
    ))
    .await;
    assert_json_error(
        poll(&s, "tv", code(&answer)).await,
        400,
        "access_denied",
        "device_access_denied",
    )
    .await;

    let late = start(&s, "tv", "openid").await;
    s.sql(&format!(
        "UPDATE device_grants SET expires_at = 1 WHERE {}",
        row(late["user_code"].as_str().unwrap())
    ))
    .await;
    assert_json_error(
        poll(&s, "tv", code(&late)).await,
        400,
        "expired_token",
        "expired_token",
    )
    .await;

    // Without openid and without the refresh_token grant: the access token only.
    let plain = start(&s, "tv-oauth", "profile").await;
    approve(&s, &plain, &sub).await;
    let r = poll(&s, "tv-oauth", code(&plain)).await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["scope"], "profile");
    assert!(
        t.get("id_token").is_none() && t.get("refresh_token").is_none(),
        "{t}"
    );
}

/// Discovery names the endpoint and the grant; the CLI creates a device
/// client without a redirect URI.
async fn discovery_and_cli() {
    let s = Server::start(Db::Sqlite).await;
    let d: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        d["device_authorization_endpoint"],
        s.url("/device_authorization")
    );
    assert!(
        d["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&json!(DEVICE)),
        "{d}"
    );

    let (status, out, err) = s.run(&[
        "client",
        "create",
        "--client-id",
        "tv-cli",
        "--auth-method",
        "none",
        "--grant-type",
        DEVICE,
        "--scope",
        "openid",
    ]);
    assert_eq!(status, 0, "{err}");
    let created: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(created["grant_types"], json!([DEVICE]));
    assert_eq!(created["redirect_uris"], json!([]));
    assert_eq!(created["response_types"], json!([]));
    let answer = start(&s, "tv-cli", "openid").await;
    assert_json_error(
        poll(&s, "tv-cli", code(&answer)).await,
        400,
        "authorization_pending",
        "authorization_pending",
    )
    .await;
}

#[tokio::test]
async fn discovery_and_cli_create() {
    discovery_and_cli().await;
}

/// The `/device` page's refusals, each with what to do: a wrong code, a
/// code already decided, an expired one, a form without its CSRF token,
/// and wrong codes from one address beyond the limit (429, while a right
/// code is not counted).
async fn device_page_refusals(db: Db) {
    use crate::authorize::{Browser, hidden};
    let s = Server::start(db).await;
    let sub = user(&s, "alice").await;
    tv(&s, "tv", &[DEVICE], "openid").await;
    let mut b = Browser::new(&s);
    let form = b.get(&s.url("/device")).await;
    assert_eq!(form.status(), 200);
    let csrf = hidden(&form.text().await.unwrap(), "csrf");
    // The code form as the page sends it.
    let send = |b: &Browser<'_>, code: &str| {
        s.http
            .post(s.url("/device"))
            .header("cookie", b.cookie_header())
            .form(&[("csrf", csrf.as_str()), ("user_code", code)])
            .send()
    };

    let r = send(&b, "BCDF-GHJK").await.unwrap();
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("That code is not right"), "{page}");
    assert!(page.contains("role=\"alert\""), "{page}");
    assert!(s.logs().contains("user_code_unknown"));

    let r = b.post("/device", &[("user_code", "BCDF-GHJK")]).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("csrf_token_invalid"));

    let decided = start(&s, "tv", "openid").await;
    approve(&s, &decided, &sub).await;
    let r = send(&b, decided["user_code"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("already used"));
    assert!(s.logs().contains("device_request_decided"));

    let expired = start(&s, "tv", "openid").await;
    s.sql(&format!(
        "UPDATE device_grants SET expires_at = 1 WHERE {}",
        row(expired["user_code"].as_str().unwrap())
    ))
    .await;
    let r = send(&b, expired["user_code"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("has expired"));

    // Ten wrong codes per address in a window; the right ones above did
    // not count, and the eleventh wrong one waits.
    for _ in 0..9 {
        let r = send(&b, "bcdf ghjk").await.unwrap();
        assert_eq!(r.status(), 400);
    }
    let r = send(&b, "BCDFGHJK").await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("Too many wrong codes"));
    assert!(s.logs().contains("user_code_throttled"));
}

/// Resource indicators (RFC 8707) at /device_authorization, as at
/// /authorize: a registered API the client may ask for, whose scopes are
/// asked for, becomes the audience of the device's tokens; the refresh
/// token keeps it; an unknown one or another client's is refused.
async fn a_device_names_resources(db: Db) {
    const API: &str = "https://api.example/";
    let s = Server::start(db).await;
    let sub = user(&s, "alice").await;
    tv(
        &s,
        "tv",
        &[DEVICE, "refresh_token"],
        "openid offline_access api:read",
    )
    .await;
    for body in [
        json!({"resource": API, "name": "Example API", "scope": "api:read"}),
        json!({"resource": "https://other.example/", "name": "Other", "scope": "api:read",
               "allowed_clients": ["someone-else"]}),
    ] {
        let r = s
            .admin(Method::POST, "/resources")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let r = authorize_device(
        &s,
        &[
            ("client_id", "tv"),
            ("scope", "openid offline_access api:read"),
            ("resource", API),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    approve(&s, &answer, &sub).await;
    let r = poll(&s, "tv", code(&answer)).await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let at = payload(t["access_token"].as_str().unwrap());
    assert_eq!(at["aud"], API, "{at}");
    assert_eq!(at["scope"], "api:read", "{at}");
    // The refresh token keeps the grant's resources: one of them by name.
    let r = s
        .http
        .post(s.url("/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "tv"),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
            ("resource", API),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let refreshed: Value = r.json().await.unwrap();
    assert_eq!(
        payload(refreshed["access_token"].as_str().unwrap())["aud"],
        API
    );
    // The person confirming the device sees the API by its name.
    {
        use crate::authorize::{Browser, hidden, location, submit_login};
        let r = authorize_device(
            &s,
            &[
                ("client_id", "tv"),
                ("scope", "openid api:read"),
                ("resource", API),
            ],
        )
        .await;
        let shown: Value = r.json().await.unwrap();
        let mut b = Browser::new(&s);
        let html = b.get(&s.url("/device")).await.text().await.unwrap();
        let r = b
            .post(
                "/device",
                &[
                    ("csrf", &hidden(&html, "csrf")),
                    ("user_code", shown["user_code"].as_str().unwrap()),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let html = b.get(&location(&r)).await.text().await.unwrap();
        let r = submit_login(&mut b, &html, "alice", "correct horse battery").await;
        assert_eq!(r.status(), 303);
        let page = b.get(&location(&r)).await.text().await.unwrap();
        assert!(page.contains("Example API"), "{page}");
    }
    // Refused at the start, each with its cause.
    for (resource, cause) in [
        ("https://unknown.example/", "resource_unknown"),
        ("https://other.example/", "resource_client_not_allowed"),
        ("not-a-uri", "resource_not_absolute"),
    ] {
        let r = authorize_device(
            &s,
            &[
                ("client_id", "tv"),
                ("scope", "openid api:read"),
                ("resource", resource),
            ],
        )
        .await;
        let (_, body) = assert_json_error(r, 400, "invalid_target", cause).await;
        assert!(
            body["error_uri"].as_str().unwrap().contains(cause),
            "{body}"
        );
    }
}

crate::both!(
    a_device_signs_in_once,
    device_refusals,
    device_page_refusals,
    a_device_names_resources
);

/// The next JSON line the script writes.
async fn next_line(
    lines: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    s: &Server,
) -> Value {
    let line = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
        .await
        .unwrap_or_else(|_| panic!("no line from the script in 60 s; server log:\n{}", s.logs()))
        .unwrap()
        .unwrap_or_else(|| panic!("the script ended early; server log:\n{}", s.logs()));
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

/// openid-client 6, unmodified, runs the device flow as a device does: it
/// starts, shows the user code and polls until the tokens come; then a
/// request the user denies. The person is a real browser on `/device`:
/// it follows the complete link, signs in, sees who is asking and allows;
/// then types the second code in lower case without the dash and denies.
#[tokio::test]
async fn openid_client_runs_the_device_flow() {
    use tokio::io::AsyncBufReadExt;
    let s = Server::start_with(Db::Sqlite, &[("LATCHKEY_DEVICE_INTERVAL", "1")]).await;
    let sub = user(&s, "alice").await;
    register(
        &s,
        json!({"client_id": "tv", "client_name": "Living Room TV",
               "token_endpoint_auth_method": "none",
               "grant_types": [DEVICE, "refresh_token"], "scope": "openid profile"}),
    )
    .await;
    let d = crate::browser::Driver::start().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop/node");
    assert!(
        dir.join("node_modules/openid-client").exists(),
        "the npm packages are missing: run scripts/interop-install (scripts/test does)"
    );
    let mut child = tokio::process::Command::new("node")
        .arg("device.mjs")
        .current_dir(&dir)
        .env(
            "LATCHKEY_INTEROP",
            json!({"issuer": s.base, "client_id": "tv"}).to_string(),
        )
        // The server is on loopback: never through a proxy.
        .env("NO_PROXY", "127.0.0.1")
        .env("no_proxy", "127.0.0.1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();

    let shown = next_line(&mut lines, &s).await;
    assert_eq!(shown["step"], "user_code", "{shown}");
    assert_eq!(shown["verification_uri"], s.url("/device"));
    assert_eq!(shown["interval"], 1);
    let code = shown["user_code"].as_str().unwrap();
    d.goto(shown["verification_uri_complete"].as_str().unwrap())
        .await;
    d.wait_for(&s.url("/device")).await;
    assert_eq!(
        d.script("return document.getElementById('user_code').value")
            .await,
        code
    );
    d.check_page("device-code").await;
    d.click("button.primary").await;
    d.wait_for(&s.url("/login")).await;
    assert!(d.source().await.contains("Living Room TV"));
    d.type_into("#username", "alice").await;
    d.type_into("#password", "correct horse battery").await;
    d.click("button[value=login]").await;
    d.wait_for(&s.url("/consent")).await;
    let page = d.source().await;
    assert!(page.contains("Connect this device?"), "{page}");
    assert!(page.contains("Only continue if you started this"), "{page}");
    assert!(page.contains("Living Room TV"), "{page}");
    d.check_page("device-confirm").await;
    d.click("button[value=allow]").await;
    d.wait_for_text("Device connected").await;
    let tokens = next_line(&mut lines, &s).await;
    assert_eq!(
        tokens,
        json!({"step": "tokens", "token_type": "bearer", "scope": "openid profile",
               "sub": sub, "aud": "tv", "nonce": null, "refresh_token": true}),
    );

    let shown = next_line(&mut lines, &s).await;
    assert_eq!(shown["step"], "user_code", "{shown}");
    // Typed by hand, in lower case, without the dash; the browser is
    // signed in already, so the confirmation comes next.
    let typed = shown["user_code"]
        .as_str()
        .unwrap()
        .replace('-', "")
        .to_lowercase();
    d.goto(shown["verification_uri"].as_str().unwrap()).await;
    d.wait_for(&s.url("/device")).await;
    d.type_into("#user_code", &typed).await;
    d.click("button.primary").await;
    d.wait_for(&s.url("/consent")).await;
    d.click("button[value=deny]").await;
    d.wait_for_text("Access denied").await;
    let denied = next_line(&mut lines, &s).await;
    assert_eq!(denied["step"], "denied", "{denied}");
    assert_eq!(denied["error"], "access_denied", "{denied}");
    assert!(
        denied["error_uri"]
            .as_str()
            .unwrap()
            .ends_with("/errors/access_denied#device_access_denied"),
        "{denied}"
    );
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
