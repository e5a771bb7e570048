//! Refresh tokens without `offline_access` end with the browser session
//! they were issued in (OIDC Core §11): after RP-initiated logout, the
//! account page's end of a session, the admin API's end of every session
//! or another person signing in in the same browser, such a refresh token
//! is refused at /token with `refresh_token_session_ended` and its access
//! tokens at /userinfo and introspection. A grant with `offline_access`
//! keeps working; the same person signing in again keeps the session's
//! grants.

use crate::authorize::{Browser, hidden, location, login_page, query_of, submit_login};
use crate::support::{Db, Server, assert_json_error};
use reqwest::Method;
use serde_json::{Value, json};

const CB: &str = "https://app.example/cb";
const PASSWORD: &str = "correct horse battery";
const CLIENT: &str = "app";

/// A first-party client allowed offline_access; its secret.
async fn client(s: &Server) -> String {
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": CLIENT, "client_name": "App", "redirect_uris": [CB],
            "scope": "openid email offline_access",
            "grant_types": ["authorization_code", "refresh_token"], "skip_consent": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let created: Value = r.json().await.unwrap();
    created["client_secret"].as_str().unwrap().to_string()
}

/// A user; their `sub`.
async fn user(s: &Server, username: &str) -> String {
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["sub"]
        .as_str()
        .unwrap()
        .to_string()
}

fn start(scope: &str, extra: &str) -> String {
    format!(
        "/authorize?client_id={CLIENT}&response_type=code&scope={}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s1&nonce=n0nce{extra}",
        scope.replace(' ', "+")
    )
}

/// The tokens the client gets for `scope` through the browser `b`, signing
/// in as `username` when asked to.
async fn tokens(
    s: &Server,
    b: &mut Browser<'_>,
    secret: &str,
    scope: &str,
    extra: &str,
    username: &str,
) -> Value {
    let r = b.get(&start(scope, extra)).await;
    assert_eq!(r.status(), 303);
    let mut next = location(&r);
    if next.starts_with("/login") {
        let html = login_page(b, &start(scope, extra)).await;
        let r = submit_login(b, &html, username, PASSWORD).await;
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        next = location(&r);
    }
    let code = query_of(&next)["code"].clone();
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth(CLIENT, Some(secret))
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
    assert_eq!(t["scope"], scope, "{t}");
    assert!(t["refresh_token"].is_string(), "{t}");
    t
}

async fn refresh(s: &Server, secret: &str, t: &Value) -> reqwest::Response {
    s.http
        .post(s.url("/token"))
        .basic_auth(CLIENT, Some(secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
}

/// The refresh token of `t` is refused because its session ended, and its
/// access token is no longer accepted.
async fn ended(s: &Server, secret: &str, t: &Value) {
    let r = refresh(s, secret, t).await;
    let (_, body) = assert_json_error(r, 400, "invalid_grant", "refresh_token_session_ended").await;
    let description = body["error_description"].as_str().unwrap();
    assert!(description.contains("offline_access"), "{body}");
    assert!(description.contains("session"), "{body}");
    let access = t["access_token"].as_str().unwrap();
    let r = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(introspect(s, secret, access).await["active"], false);
}

/// The refresh token of `t` still works, and so does its access token.
async fn alive(s: &Server, secret: &str, t: &Value) -> Value {
    let access = t["access_token"].as_str().unwrap();
    let r = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(introspect(s, secret, access).await["active"], true);
    let r = refresh(s, secret, t).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

/// The `sid` of the ID token in `t`.
fn sid_of(t: &Value) -> String {
    let id = t["id_token"].as_str().unwrap();
    let payload = id.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&latchkey_core::crypto::b64url_decode(payload).unwrap()).unwrap();
    claims["sid"].as_str().unwrap().to_owned()
}

async fn introspect(s: &Server, secret: &str, token: &str) -> Value {
    let r = s
        .http
        .post(s.url("/introspect"))
        .basic_auth(CLIENT, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// RP-initiated logout: the grant without offline_access ends (a
/// refreshed successor too), the one with it lives on.
async fn logout_ends_refresh_tokens_without_offline_access(db: Db) {
    let s = Server::start(db).await;
    let secret = client(&s).await;
    user(&s, "alice").await;
    let mut b = Browser::new(&s);
    let online = tokens(&s, &mut b, &secret, "openid email", "", "alice").await;
    let offline = tokens(&s, &mut b, &secret, "openid offline_access", "", "alice").await;
    // Rotated once before the logout: the successor belongs to the session too.
    let online = alive(&s, &secret, &online).await;

    let hint = online["id_token"].as_str().unwrap();
    let r = b.get(&format!("/logout?id_token_hint={hint}")).await;
    assert_eq!(r.status(), 200);

    ended(&s, &secret, &online).await;
    let offline = alive(&s, &secret, &offline).await;
    alive(&s, &secret, &offline).await;
}

/// Ending the session on the account page revokes like a logout.
async fn the_account_page_ends_them_too(db: Db) {
    let s = Server::start(db).await;
    let secret = client(&s).await;
    user(&s, "alice").await;
    let mut b = Browser::new(&s);
    let online = tokens(&s, &mut b, &secret, "openid email", "", "alice").await;
    let offline = tokens(&s, &mut b, &secret, "openid offline_access", "", "alice").await;
    let sid = &sid_of(&online);
    let html = b.get("/account").await.text().await.unwrap();
    let r = b
        .post(
            "/account",
            &[
                ("csrf", &hidden(&html, "csrf")),
                ("action", "end_session"),
                ("sid", sid),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    ended(&s, &secret, &online).await;
    alive(&s, &secret, &offline).await;
}

/// The admin API's end of every session of a user revokes the grants of
/// all of them.
async fn the_admin_api_ends_them_too(db: Db) {
    let s = Server::start(db).await;
    let secret = client(&s).await;
    let sub = user(&s, "alice").await;
    let mut first = Browser::new(&s);
    let mut second = Browser::new(&s);
    let one = tokens(&s, &mut first, &secret, "openid email", "", "alice").await;
    let two = tokens(&s, &mut second, &secret, "openid", "", "alice").await;
    let offline = tokens(
        &s,
        &mut second,
        &secret,
        "openid offline_access",
        "",
        "alice",
    )
    .await;
    let r = s
        .admin(Method::DELETE, &format!("/users/{sub}/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["sessions_ended"], 2);
    ended(&s, &secret, &one).await;
    ended(&s, &secret, &two).await;
    alive(&s, &secret, &offline).await;
}

/// Signing in again in the same browser: the same person (prompt=login)
/// keeps the grants of the session it replaces; another person taking the
/// browser over ends the previous person's session and its grants.
async fn another_sign_in_in_the_same_browser(db: Db) {
    let s = Server::start(db).await;
    let secret = client(&s).await;
    user(&s, "alice").await;
    user(&s, "bob").await;
    let mut b = Browser::new(&s);
    let first = tokens(&s, &mut b, &secret, "openid email", "", "alice").await;
    let again = tokens(&s, &mut b, &secret, "openid", "&prompt=login", "alice").await;
    alive(&s, &secret, &first).await;
    let again = alive(&s, &secret, &again).await;
    let bob = tokens(&s, &mut b, &secret, "openid", "&prompt=login", "bob").await;
    ended(&s, &secret, &again).await;
    ended(&s, &secret, &first).await;
    alive(&s, &secret, &bob).await;
}

/// The same person signing in again keeps the session's `sid`, so the
/// ID tokens agree and a later logout ends the grants made before the new
/// sign-in as well as after it.
async fn signing_in_again_keeps_the_sid(db: Db) {
    let s = Server::start(db).await;
    let secret = client(&s).await;
    user(&s, "alice").await;
    let mut b = Browser::new(&s);
    let first = tokens(&s, &mut b, &secret, "openid email", "", "alice").await;
    let again = tokens(&s, &mut b, &secret, "openid", "&prompt=login", "alice").await;
    assert_eq!(sid_of(&first), sid_of(&again));
    let hint = again["id_token"].as_str().unwrap();
    let r = b.get(&format!("/logout?id_token_hint={hint}")).await;
    assert_eq!(r.status(), 200);
    ended(&s, &secret, &again).await;
    ended(&s, &secret, &first).await;
}

/// A code issued in a session that ends before the code is redeemed is
/// refused at /token with its own cause; a code asking for
/// offline_access is not bound to the session and still works.
async fn a_code_outliving_its_session_is_refused(db: Db) {
    let s = Server::start(db).await;
    let secret = client(&s).await;
    user(&s, "alice").await;
    let mut b = Browser::new(&s);
    let first = tokens(&s, &mut b, &secret, "openid email", "", "alice").await;
    let code_of = |r: &reqwest::Response| query_of(&location(r))["code"].clone();
    let r = b.get(&start("openid email", "")).await;
    assert_eq!(r.status(), 303);
    let online = code_of(&r);
    let r = b.get(&start("openid offline_access", "")).await;
    assert_eq!(r.status(), 303);
    let offline = code_of(&r);
    let hint = first["id_token"].as_str().unwrap();
    let r = b.get(&format!("/logout?id_token_hint={hint}")).await;
    assert_eq!(r.status(), 200);
    let redeem = |code: String| {
        s.http
            .post(s.url("/token"))
            .basic_auth(CLIENT, Some(&secret))
            .form(&[
                ("grant_type", "authorization_code".to_owned()),
                ("code", code),
                ("redirect_uri", CB.to_owned()),
            ])
            .send()
    };
    let r = redeem(online).await.unwrap();
    assert_json_error(r, 400, "invalid_grant", "code_session_ended").await;
    let r = redeem(offline).await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    // The user takes the app's access back on the account page while a
    // code is on its way: that code is refused too.
    let r = s
        .admin(Method::PATCH, &format!("/clients/{CLIENT}"))
        .json(&json!({"skip_consent": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = b.get(&start("openid offline_access", "")).await;
    let mut next = location(&r);
    if next.starts_with("/login") {
        let html = login_page(&mut b, &start("openid offline_access", "")).await;
        let r = submit_login(&mut b, &html, "alice", PASSWORD).await;
        next = location(&r);
    }
    assert!(next.starts_with("/consent?i="), "{next}");
    let html = b.get(&next).await.text().await.unwrap();
    let r = b
        .post(
            "/consent",
            &[
                ("i", &hidden(&html, "i")),
                ("csrf", &hidden(&html, "csrf")),
                ("action", "allow"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let pending = code_of(&r);
    let html = b.get("/account").await.text().await.unwrap();
    let r = b
        .post(
            "/account",
            &[
                ("csrf", &hidden(&html, "csrf")),
                ("action", "revoke"),
                ("client_id", CLIENT),
            ],
        )
        .await;
    let status = r.status();
    assert!(
        status.is_success() || status.is_redirection(),
        "{status} {}",
        r.text().await.unwrap()
    );
    let r = redeem(pending).await.unwrap();
    assert_json_error(r, 400, "invalid_grant", "code_revoked").await;
}

crate::both!(
    logout_ends_refresh_tokens_without_offline_access,
    the_account_page_ends_them_too,
    the_admin_api_ends_them_too,
    another_sign_in_in_the_same_browser,
    signing_in_again_keeps_the_sid,
    a_code_outliving_its_session_is_refused,
);
