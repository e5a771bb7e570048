//! Administrators: roles (command line and admin API), the admin API with
//! a person's access token for `{issuer}/admin`, the admin scopes granted
//! only as far as the role allows, and the console at `/admin` signing in
//! through Latchkey itself (without a browser, and in Chromium).
//!
//! Helpers for other tests: [`admin_access_token`] (an access token for
//! the admin API, no browser), [`console_session`] (a cookie jar signed in
//! to the console) and [`console_sign_in`] (Chromium signed in to it).

use crate::authorize::{Browser, hidden, location, query_of, submit_login};
use crate::browser::Driver;
use crate::support::{Db, READONLY, Server};
use reqwest::Method;
use serde_json::{Value, json};

pub(crate) const PASSWORD: &str = "correct horse battery";

/// Create `username` with the password [`PASSWORD`] and these roles
/// through the command line; returns the created user.
pub(crate) fn create_user(s: &Server, username: &str, roles: &[&str]) -> Value {
    let mut args = vec!["user", "create", "--username", username, "--password-stdin"];
    for r in roles {
        args.extend(["--role", r]);
    }
    let (code, out, err) = s.run_with_stdin(&args, PASSWORD);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

/// An access token for the admin API, as the console gets one, without a
/// browser: the console's client, PKCE, the login form, then `/token`.
/// Returns the whole token response.
pub(crate) async fn admin_access_token(s: &Server, username: &str, password: &str) -> Value {
    let mut b = Browser::new(s);
    let verifier = "console-test-verifier-0123456789-abcdefghijklmnop";
    let challenge = latchkey_core::crypto::s256_challenge(verifier);
    let mut url = url::Url::parse(&s.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", "latchkey-console")
        .append_pair("redirect_uri", &s.url("/admin/callback"))
        .append_pair("scope", "openid admin:read admin")
        .append_pair("resource", &s.url("/admin"))
        .append_pair("state", "s1")
        .append_pair("nonce", "n1")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let r = b.get(url.as_str()).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let login = location(&r);
    let html = b.get(&login).await.text().await.unwrap();
    let r = submit_login(&mut b, &html, username, password).await;
    assert_eq!(r.status(), 303);
    let back = location(&r);
    assert!(back.starts_with(&s.url("/admin/callback")), "{back}");
    let code = query_of(&back)["code"].clone();
    let r = s
        .http
        .post(s.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &s.url("/admin/callback")),
            ("client_id", "latchkey-console"),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// A cookie jar signed in to the console through its own sign-in (GET
/// `/admin`, the login form, the callback); returns it and the callback's
/// answer (303 to `/admin`, or the refusal page).
pub(crate) async fn console_session<'a>(
    s: &'a Server,
    username: &str,
    password: &str,
) -> (Browser<'a>, reqwest::Response) {
    let mut b = Browser::new(s);
    let r = b.get("/admin").await;
    assert_eq!(r.status(), 303);
    let authorize = location(&r);
    assert!(authorize.starts_with(&s.url("/authorize?")), "{authorize}");
    let r = b.get(&authorize).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let html = b.get(&location(&r)).await.text().await.unwrap();
    let r = submit_login(&mut b, &html, username, password).await;
    assert_eq!(r.status(), 303);
    let callback = location(&r);
    assert!(
        callback.starts_with(&s.url("/admin/callback?")),
        "{callback}"
    );
    let r = b.get(&callback).await;
    (b, r)
}

/// Chromium signed in to the console as `username`: `/admin`, the login
/// page, back on the console's home page.
pub(crate) async fn console_sign_in(d: &Driver, s: &Server, username: &str, password: &str) {
    d.goto(&s.url("/admin")).await;
    d.wait_for(&s.url("/login")).await;
    d.type_into("#username", username).await;
    d.type_into("#password", password).await;
    d.click("button[value=login]").await;
    d.wait_for(&s.url("/admin")).await;
    d.wait_for_text("Signed in as").await;
}

fn bearer(s: &Server, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
    s.http
        .request(method, s.url(&format!("/admin/v1{path}")))
        .bearer_auth(token)
}

async fn error_of(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    let body: Value = r.json().await.unwrap();
    body
}

async fn roles_by_cli_and_api(db: Db) {
    let s = Server::start(db).await;
    let ada = create_user(&s, "ada", &["admin"]);
    assert_eq!(ada["roles"], json!(["admin"]));
    let (code, out, err) = s.run(&[
        "user", "update", "ada", "--role", "auditor", "--role", "admin",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["roles"],
        json!(["admin", "auditor"])
    );
    let (code, out, err) = s.run(&["user", "update", "ada", "--role", "none"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["roles"],
        json!([])
    );
    let (code, _, err) = s.run(&["user", "update", "ada", "--role", "root"]);
    assert_eq!(code, 1);
    assert!(err.contains("role_unknown"), "{err}");
    // The admin API: create, show, update with roles; an unknown one is a
    // field error.
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "bea", "password": PASSWORD, "roles": ["auditor"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let bea: Value = r.json().await.unwrap();
    assert_eq!(bea["roles"], json!(["auditor"]));
    let sub = bea["sub"].as_str().unwrap();
    let r = s
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"roles": ["admin", "superuser"]}))
        .send()
        .await
        .unwrap();
    let body = error_of(r, 400).await;
    assert_eq!(body["errorCode"], "role_unknown", "{body}");
    assert!(body.to_string().contains("roles[1]"), "{body}");
    let r = s
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"roles": ["admin"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let shown: Value = s
        .admin(Method::GET, &format!("/users/{sub}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["roles"], json!(["admin"]));
    // Role changes are in the audit trail.
    let events: Value = s
        .admin(Method::GET, "/audit?kind=admin.roles_changed")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = events["events"].as_array().unwrap();
    assert_eq!(events.len(), 5, "{events:?}");
    let last = &events[0];
    assert_eq!(last["actor"], "admin:admin_token");
    assert_eq!(last["target"], format!("user:{sub}"));
    assert_eq!(last["detail"]["roles"], json!(["admin"]));
    assert_eq!(last["detail"]["previous"], json!(["auditor"]));
    // The built-in client and resource are not listed and cannot change.
    let clients: Value = s
        .admin(Method::GET, "/clients")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clients, json!([]));
    let r = s
        .admin(Method::DELETE, "/clients/latchkey-console")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r, 409).await["errorCode"], "built_in_read_only");
    let admin_resource =
        url::form_urlencoded::byte_serialize(s.url("/admin").as_bytes()).collect::<String>();
    let r = s
        .admin(Method::DELETE, &format!("/resources/{admin_resource}"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r, 409).await["errorCode"], "built_in_read_only");
}

async fn admin_api_with_access_tokens(db: Db) {
    let s = Server::start(db).await;
    create_user(&s, "ada", &["admin"]);
    let aud = create_user(&s, "aud", &["auditor"]);
    create_user(&s, "nobody", &[]);
    let ada = admin_access_token(&s, "ada", PASSWORD).await;
    let scope = ada["scope"].as_str().unwrap();
    assert!(
        scope.contains("admin:read") && scope.split(' ').any(|w| w == "admin"),
        "{ada}"
    );
    let at = ada["access_token"].as_str().unwrap();
    // An admin reads and writes; the audit trail names the person.
    let r = bearer(&s, Method::GET, "/clients", at)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = bearer(&s, Method::POST, "/users", at)
        .json(&json!({"username": "carl", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = s
        .admin(Method::GET, "/audit?kind=admin.user_created")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actor = created["events"][0]["actor"].as_str().unwrap().to_string();
    let ada_sub = s.run(&["user", "show", "ada"]).1;
    let ada_sub = serde_json::from_str::<Value>(&ada_sub).unwrap()["sub"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(actor, format!("user:{ada_sub}"));
    // An auditor's token carries admin:read only: reads, but no writes.
    let auditor = admin_access_token(&s, "aud", PASSWORD).await;
    assert_eq!(auditor["scope"], "admin:read", "{auditor}");
    let at2 = auditor["access_token"].as_str().unwrap();
    let r = bearer(&s, Method::GET, "/users", at2).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = bearer(&s, Method::POST, "/users", at2)
        .json(&json!({"username": "dan", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r, 403).await["errorCode"], "admin_scope_missing");
    // The refusal is in the trail under the person whose token it was.
    let denied: Value = s
        .admin(Method::GET, "/audit?kind=admin.access_denied")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        denied["events"][0]["actor"],
        format!("user:{}", aud["sub"].as_str().unwrap()),
        "{denied}"
    );
    // A user without a role gets no admin scope at all: 403.
    let none = admin_access_token(&s, "nobody", PASSWORD).await;
    assert!(
        !none["scope"].as_str().unwrap_or_default().contains("admin"),
        "{none}"
    );
    let r = bearer(
        &s,
        Method::GET,
        "/users",
        none["access_token"].as_str().unwrap(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(error_of(r, 403).await["errorCode"], "admin_scope_missing");
    // A token for another audience (the ID token's client, /userinfo): 401.
    let r = bearer(&s, Method::GET, "/users", ada["id_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // A removed role counts at once: the auditor's token stops reading.
    let aud_sub = aud["sub"].as_str().unwrap();
    let r = s
        .admin(Method::PATCH, &format!("/users/{aud_sub}"))
        .json(&json!({"roles": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = bearer(&s, Method::GET, "/users", at2).send().await.unwrap();
    let body = error_of(r, 403).await;
    assert_eq!(body["errorCode"], "admin_role_missing", "{body}");
    // The admin demoted to auditor keeps reading, cannot write.
    let (code, _, err) = s.run(&["user", "update", "ada", "--role", "auditor"]);
    assert_eq!(code, 0, "{err}");
    let r = bearer(&s, Method::GET, "/users", at).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = bearer(&s, Method::DELETE, "/users/carl", at)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r, 403).await["errorCode"], "admin_role_missing");
    // The static tokens still work.
    let r = bearer(&s, Method::GET, "/users", READONLY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s.admin(Method::DELETE, "/users/carl").send().await.unwrap();
    assert_eq!(r.status(), 204);
}

/// The admin scopes go to the console's client only, and there only as
/// far as the role allows.
async fn admin_scope_is_never_granted_to_others(db: Db) {
    let s = Server::start(db).await;
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": "app", "redirect_uris": ["https://app.example/cb"],
                      "scope": "openid admin", "token_endpoint_auth_method": "none"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let mut b = Browser::new(&s);
    let r = b
        .get(&format!(
            "/authorize?response_type=code&client_id=app&redirect_uri=https://app.example/cb&scope=openid%20admin&code_challenge={}&code_challenge_method=S256",
            latchkey_core::crypto::s256_challenge("v-0123456789012345678901234567890123456789")
        ))
        .await;
    assert_eq!(r.status(), 303);
    let q = query_of(&location(&r));
    assert_eq!(q["error"], "invalid_scope", "{q:?}");
    // Nor by client_credentials, whatever the client registered.
    let made: Value = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "robot", "scope": "admin reports", "grant_types": ["client_credentials"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = made["client_secret"].as_str().unwrap();
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth("robot", Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth("robot", Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["scope"], "reports", "{body}");
}

async fn console_signs_in_without_a_browser(db: Db) {
    let s = Server::start(db).await;
    create_user(&s, "ada", &["admin"]);
    create_user(&s, "nobody", &[]);
    let (mut b, r) = console_session(&s, "ada", PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin");
    let set: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = set
        .iter()
        .find(|c| c.starts_with("latchkey_console="))
        .unwrap();
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Strict")
            && session.contains("Path=/admin"),
        "{session}"
    );
    let r = b.get("/admin").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Signed in as <strong>ada</strong>") && html.contains("admin"),
        "{html}"
    );
    assert!(html.contains("href=\"/admin/users\""));
    // English only: no language switch that would change nothing.
    assert!(!html.contains("/language?to="), "{html}");
    // Sign-out needs the form's token, then ends the console session.
    let r = b.post("/admin/sign-out", &[("csrf", "forged")]).await;
    assert_eq!(r.status(), 403);
    let csrf = hidden(&html, "csrf");
    let r = b.post("/admin/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("href=\"/logout\""));
    let r = b.get("/admin").await;
    assert_eq!(r.status(), 303, "signed out: sign in again");
    // A user without a role: the refusal page, not a loop.
    let (_, r) = console_session(&s, "nobody", PASSWORD).await;
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("not an administrator"), "{html}");
    assert!(html.contains("console_not_administrator"), "{html}");
}

async fn console_refuses_a_forged_or_missing_state(db: Db) {
    let s = Server::start(db).await;
    create_user(&s, "ada", &["admin"]);
    let mut b = Browser::new(&s);
    // No sign-in started in this browser.
    let r = b.get("/admin/callback?code=abc&state=xyz").await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("console_state_mismatch"));
    // A sign-in started, but the state is forged.
    let r = b.get("/admin").await;
    assert_eq!(r.status(), 303);
    let r = b.get("/admin/callback?code=abc&state=forged").await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("console_state_mismatch"));
    // An error from /authorize has its own cause.
    let r = b.get("/admin/callback?error=access_denied&state=x").await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("console_sign_in_refused"));
}

async fn console_in_chromium(db: Db) {
    let s = Server::start(db).await;
    create_user(&s, "ada", &["admin"]);
    create_user(&s, "nobody", &[]);
    let d = Driver::start().await;
    console_sign_in(&d, &s, "ada", PASSWORD).await;
    let text = d.wait_for_text("Sections").await;
    assert!(text.contains("ada") && text.contains("admin"), "{text}");
    d.check_page("console-home").await;
    d.click(".console-who button").await;
    d.wait_for_text("Signed out of the console").await;
    // A user without a role, in another browser: the refusal page.
    let d2 = Driver::start().await;
    d2.goto(&s.url("/admin")).await;
    d2.wait_for(&s.url("/login")).await;
    d2.type_into("#username", "nobody").await;
    d2.type_into("#password", PASSWORD).await;
    d2.click("button[value=login]").await;
    d2.wait_for_text("not an administrator").await;
}

crate::both!(
    roles_by_cli_and_api,
    admin_api_with_access_tokens,
    admin_scope_is_never_granted_to_others,
    console_signs_in_without_a_browser,
    console_refuses_a_forged_or_missing_state,
    console_in_chromium,
);
