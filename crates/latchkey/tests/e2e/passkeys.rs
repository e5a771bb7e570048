//! Passkeys end to end: headless Chromium with a WebDriver virtual
//! authenticator (CTAP2, internal, resident keys, user verification; W3C
//! WebAuthn §11) adds a passkey right after a password sign-in, then signs
//! in with it alone (no username), uses it as the second factor, and meets
//! each refusal: a cloned authenticator (its counter behind), a cancelled
//! ceremony, a removed passkey, a page opened on another host than the
//! issuer's (the RP ID mismatch an operator fixes). Each passkey page
//! passes axe-core's WCAG rules.
//! The admin API and the CLI list and remove passkeys on both databases.
//!
//! An RP ID cannot be an IP address, so the browser tests' issuer is
//! `http://localhost:<port>` (a secure context).

use crate::browser::Driver;
use crate::support::{Database, Db, Server};
use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// A stand-in for the client application: answers every request with 200.
async fn client_app() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|| async { "the client application" });
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://127.0.0.1:{}/cb", addr.port())
}

fn query(url: &str) -> std::collections::BTreeMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// Redeem the code of `redirect` and return the ID token's claims.
async fn id_token(s: &Server, secret: &str, cb: &str, redirect: &str) -> Value {
    let q = query(redirect);
    let code = q
        .get("code")
        .unwrap_or_else(|| panic!("no code: {redirect}"));
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth("web", Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", cb),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let payload = body["id_token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// Wait until the script has shown the element `css`, then click it.
async fn click_shown(d: &Driver, css: &str) {
    let probe = format!("const e = document.querySelector('{css}'); return !!e && !e.hidden;");
    for _ in 0..200 {
        if d.script(&probe).await == json!(true) {
            d.click(css).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{css} never showed:\n{}", d.source().await);
}

async fn passkeys_of(s: &Server, sub: &str) -> Vec<Value> {
    let r = s
        .admin(Method::GET, &format!("/users/{sub}/passkeys"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["passkeys"].as_array().unwrap().clone()
}

async fn set_verified(d: &Driver, authenticator: &str, verified: bool) {
    d.cmd(
        Method::POST,
        &format!("/webauthn/authenticator/{authenticator}/uv"),
        Some(json!({"isUserVerified": verified})),
    )
    .await;
}

async fn sign_in_with_password(d: &Driver, s: &Server, username: &str) {
    d.type_into("#username", username).await;
    d.type_into("#password", "correct horse battery").await;
    d.click("button[value=login]").await;
    let _ = s;
}

#[tokio::test]
async fn a_real_browser_adds_a_passkey_and_signs_in_with_it() {
    let mut s = Server::start_at(Database::new(Db::Sqlite).await, "localhost", &[]).await;
    let cb = client_app().await;
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": "web", "client_name": "Example Web App", "redirect_uris": [cb],
                      "scope": "openid", "skip_consent": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let secret = r.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let mut subs = Vec::new();
    for name in ["alice", "bob"] {
        let r = s
            .admin(Method::POST, "/users")
            .json(&json!({"username": name, "password": "correct horse battery"}))
            .send()
            .await
            .unwrap();
        subs.push(
            r.json::<Value>().await.unwrap()["sub"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let alice = subs[0].clone();
    let authorize = |base: &str, extra: &str| {
        format!(
            "{base}/authorize?client_id=web&response_type=code&scope=openid&redirect_uri={}&state=pk-state{extra}",
            url::form_urlencoded::byte_serialize(cb.as_bytes()).collect::<String>()
        )
    };
    let d = Driver::start().await;
    let authenticator = d
        .cmd(
            Method::POST,
            "/webauthn/authenticator",
            Some(
                json!({"protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
                        "hasUserVerification": true, "isUserVerified": true}),
            ),
        )
        .await;
    let authenticator = authenticator.as_str().unwrap().to_string();

    // The password sign-in is followed by the offer; the passkey is named.
    d.goto(&authorize(&s.base, "")).await;
    d.wait_for(&s.url("/login")).await;
    let login = d.source().await;
    assert!(
        login.contains("autocomplete=\"username webauthn\""),
        "{login}"
    );
    sign_in_with_password(&d, &s, "alice").await;
    d.wait_for(&s.url("/passkey")).await;
    d.wait_for_text("Add a passkey").await;
    d.check_page("passkey-offer").await;
    let name = d.find("#passkey-name").await;
    d.cmd(
        Method::POST,
        &format!("/element/{name}/clear"),
        Some(json!({})),
    )
    .await;
    d.type_into("#passkey-name", "Laptop").await;
    click_shown(&d, "#passkey-add").await;
    let done = d.wait_for(&cb).await;
    assert!(query(&done)["code"].len() >= 43, "{done}");
    let keys = passkeys_of(&s, &alice).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0]["name"], "Laptop");
    assert!(keys[0]["last_used_at"].is_null());

    // A new sign-in with the passkey alone, no username: the browser
    // offers it in the username field (conditional mediation; the virtual
    // authenticator answers at once), and it satisfies Cl.Cm by itself.
    let vtr = "&vtr=%5B%22Cl.Cm%22%5D&prompt=login&nonce=n0nce";
    d.goto(&authorize(&s.base, vtr)).await;
    let done = d.wait_for(&cb).await;
    let claims = id_token(&s, &secret, &cb, &done).await;
    assert_eq!(claims["sub"], alice.as_str());
    assert_eq!(claims["amr"], json!(["hwk", "user", "mfa"]));
    assert_eq!(claims["vot"], "Cl.Cm");
    assert_eq!(claims["acr"], "Cl.Cm");
    let keys = passkeys_of(&s, &alice).await;
    assert!(keys[0]["last_used_at"].is_i64(), "{keys:?}");
    let first_count = keys[0]["sign_count"].as_i64().unwrap();

    // policy.require_verified_email holds for passkeys as for passwords:
    // restarted with it, alice (no verified email) signing in with her
    // passkey is asked to confirm her address first. Then without it again.
    for policy in ["true", "false"] {
        let db = s.stop();
        s = Server::start_at(
            db,
            "localhost",
            &[("LATCHKEY_POLICY_REQUIRE_VERIFIED_EMAIL", policy)],
        )
        .await;
        if policy == "true" {
            d.goto(&authorize(&s.base, "&prompt=login")).await;
            let page = d.wait_for_text("Confirm your email address first").await;
            assert!(page.contains("#email_not_verified"), "{page}");
        }
    }
    // A locked account signs in with its passkey no more, and the login
    // page says why; unlocked, it does again (below).
    for locked in [true, false] {
        let r = s
            .admin(Method::PATCH, &format!("/users/{alice}"))
            .json(&json!({"locked": locked}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        if locked {
            d.goto(&authorize(&s.base, "&prompt=login")).await;
            let page = d.wait_for_text("This account is locked.").await;
            assert!(page.contains("#user_locked"), "{page}");
        }
    }

    // The passkey as the second factor after the password (the
    // authenticator refuses to verify the user meanwhile, so the login
    // page's conditional request does not sign in by itself).
    set_verified(&d, &authenticator, false).await;
    d.goto(&authorize(&s.base, vtr)).await;
    d.wait_for(&s.url("/login")).await;
    sign_in_with_password(&d, &s, "alice").await;
    d.wait_for(&s.url("/mfa")).await;
    set_verified(&d, &authenticator, true).await;
    // Alice has a passkey and no authenticator app: the page offers the
    // passkey alone, and an app only on request.
    let page = d.wait_for_text("Confirm it is you with your passkey").await;
    assert!(!page.contains("totp-key"), "{page}");
    d.check_page("passkey-second-factor").await;
    d.click("#mfa-enrol-instead").await;
    let page = d.wait_for_text("id=\"totp-key\"").await;
    assert!(page.contains("id=\"passkey-second-factor\""), "{page}");
    click_shown(&d, "#passkey-second-factor").await;
    let done = d.wait_for(&cb).await;
    let claims = id_token(&s, &secret, &cb, &done).await;
    assert_eq!(claims["amr"], json!(["pwd", "hwk", "user", "mfa"]));
    assert_eq!(claims["vot"], "Cl.Cm");
    let keys = passkeys_of(&s, &alice).await;
    assert!(keys[0]["sign_count"].as_i64().unwrap() >= first_count);

    // A cloned authenticator: the same key with a counter behind the one
    // last seen (put back into the virtual authenticator, W3C WebAuthn
    // §11.6). The sign-in is refused and says why.
    let count = keys[0]["sign_count"].as_i64().unwrap();
    assert!(count >= 2, "the virtual authenticator counts: {keys:?}");
    let path = format!("/webauthn/authenticator/{authenticator}");
    let held = d
        .cmd(Method::GET, &format!("{path}/credentials"), None)
        .await;
    let mut clone = held[0].clone();
    let credential_id = clone["credentialId"].as_str().unwrap().to_string();
    d.cmd(
        Method::DELETE,
        &format!("{path}/credentials/{credential_id}"),
        None,
    )
    .await;
    clone["signCount"] = json!(count - 1);
    d.cmd(Method::POST, &format!("{path}/credential"), Some(clone))
        .await;
    d.goto(&authorize(&s.base, "&prompt=login")).await;
    let page = d
        .wait_for_text("data-cause=\"passkey_counter_regression\"")
        .await;
    assert!(page.contains("may have been copied"), "{page}");
    assert_eq!(passkeys_of(&s, &alice).await[0]["sign_count"], count);

    // The person cancels (here: fails user verification) after pressing
    // "Sign in with a passkey": the login page says so, with the cause.
    set_verified(&d, &authenticator, false).await;
    d.goto(&authorize(&s.base, "&prompt=login")).await;
    d.wait_for(&s.url("/login")).await;
    click_shown(&d, "#passkey-sign-in").await;
    let page = d.wait_for_text("data-cause=\"passkey_cancelled\"").await;
    assert!(
        page.contains("The passkey request was cancelled."),
        "{page}"
    );
    d.check_page("passkey-cancelled").await;

    // Removed through the admin API: the authenticator still offers it
    // (conditionally, at once), and the sign-in says it is unknown here;
    // the page does not offer it again by itself.
    set_verified(&d, &authenticator, true).await;
    let id = keys[0]["id"].as_str().unwrap();
    let r = s
        .admin(Method::DELETE, &format!("/users/{alice}/passkeys/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    d.goto(&authorize(&s.base, "&prompt=login")).await;
    let page = d.wait_for_text("data-cause=\"passkey_unknown\"").await;
    assert!(page.contains("not registered here"), "{page}");

    // The page opened on 127.0.0.1 while the issuer says localhost: the
    // browser refuses the RP ID (SecurityError) and the page says it is a
    // server setting. "Not now" still goes on.
    let port = url::Url::parse(&s.base).unwrap().port().unwrap();
    let elsewhere = format!("http://127.0.0.1:{port}");
    d.goto(&authorize(&elsewhere, "")).await;
    d.wait_for(&format!("{elsewhere}/login")).await;
    sign_in_with_password(&d, &s, "bob").await;
    d.wait_for(&format!("{elsewhere}/passkey")).await;
    click_shown(&d, "#passkey-add").await;
    let page = d.wait_for_text("data-cause=\"passkey_rp_mismatch\"").await;
    assert!(page.contains("because of a server setting"), "{page}");
    d.check_page("passkey-rp-mismatch").await;
    d.click("#passkey-skip").await;
    let done = d.wait_for(&cb).await;
    assert!(query(&done)["code"].len() >= 43, "{done}");
    assert!(passkeys_of(&s, &subs[1]).await.is_empty());
    let logs = s.logs();
    assert!(logs.contains("passkey_rp_mismatch"), "{logs}");
}

/// The admin API and the CLI list a user's passkeys (never the credential)
/// and remove one; an unknown one is `passkey_not_found`; the read-only
/// token may list but not remove.
async fn admin_api_and_cli_list_and_remove_passkeys(db: Db) {
    let s = Server::start_with(
        db,
        &[(
            "LATCHKEY_ADMIN_READONLY_TOKEN",
            "read-only-token-0123456789",
        )],
    )
    .await;
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    let sub = r.json::<Value>().await.unwrap()["sub"]
        .as_str()
        .unwrap()
        .to_string();
    for (id, cred, at) in [("pk-1", "cred-1", 10), ("pk-2", "cred-2", 20)] {
        s.sql(&format!(
            "INSERT INTO passkeys (id, sub, credential_id, name, credential, sign_count, created_at, last_used_at) \
             VALUES ('{id}', '{sub}', '{cred}', 'Key {id}', '{{\"secret\":\"material\"}}', 3, {at}, NULL)"
        ))
        .await;
    }
    let r = s
        .admin(Method::GET, &format!("/users/{sub}/passkeys"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["sub"], sub.as_str());
    let ids: Vec<&str> = body["passkeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["pk-1", "pk-2"]);
    assert_eq!(body["passkeys"][0]["name"], "Key pk-1");
    assert_eq!(body["passkeys"][0]["sign_count"], 3);
    assert!(!body.to_string().contains("material"), "{body}");

    // Read-only may list, not remove.
    let r = s
        .http
        .delete(s.url(&format!("/admin/v1/users/{sub}/passkeys/pk-1")))
        .bearer_auth("read-only-token-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = s
        .admin(Method::DELETE, &format!("/users/{sub}/passkeys/pk-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = s
        .admin(Method::DELETE, &format!("/users/{sub}/passkeys/pk-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["errorLink"]
            .as_str()
            .unwrap()
            .ends_with("#passkey_not_found"),
        "{body}"
    );
    let r = s
        .admin(Method::GET, "/users/nobody/passkeys")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // The CLI, by username.
    let (code, out, err) = s.run(&["user", "passkeys", "list", "alice"]);
    assert_eq!(code, 0, "{err}");
    let listed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed["passkeys"].as_array().unwrap().len(), 1);
    assert_eq!(listed["passkeys"][0]["id"], "pk-2");
    let (code, out, err) = s.run(&["user", "passkeys", "remove", "alice", "pk-2"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("removed passkey pk-2"), "{out}");
    let (code, _, err) = s.run(&["user", "passkeys", "remove", "alice", "pk-2"]);
    assert_eq!(code, 1);
    assert!(err.contains("passkey_not_found"), "{err}");
    assert_eq!(s.sql_count("SELECT COUNT(*) FROM passkeys").await, 0);

    // Both removals are in the audit trail: by the admin token (with its
    // address) and by the CLI, newest first; the failed ones are not.
    let r = s
        .admin(Method::GET, "/audit?kind=passkey.removed")
        .send()
        .await
        .unwrap();
    let trail: Value = r.json().await.unwrap();
    let events = trail["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{trail}");
    assert_eq!(events[0]["actor"], "admin:cli");
    assert_eq!(events[0]["detail"]["passkey"], "pk-2");
    assert_eq!(events[1]["actor"], "admin:admin_token");
    assert_eq!(events[1]["detail"]["passkey"], "pk-1");
    assert_eq!(events[1]["address"], "127.0.0.1");
    assert!(
        events.iter().all(|e| e["target"] == format!("user:{sub}")),
        "{trail}"
    );
}

/// Without a browser: the pages carry the passkey forms only when passkeys
/// are on (an issuer with a host name), the script is served under the
/// page policy, a ceremony is taken once and bound to its sign-in, the
/// browser's error names are answered with their causes, and the offer
/// after the password follows `webauthn.offer_after_password`, "Not now"
/// going on to the client.
async fn passkey_forms_ceremonies_and_the_offer(db: Db) {
    use crate::authorize::{Browser, hidden, login_page, submit_login};
    use crate::cluster::{CB, PASSWORD, START, web_client};

    // The default issuer (an IP address): no passkeys anywhere.
    let s = Server::start(db).await;
    web_client(&s).await;
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, START).await;
    assert!(!html.contains("data-passkey"), "{html}");
    assert!(html.contains("autocomplete=\"username\""));
    let r = submit_login(&mut b, &html, "alice", PASSWORD).await;
    assert!(r.headers()["location"].to_str().unwrap().starts_with(CB));
    assert!(s.logs().contains("passkeys are off"));
    let db = s.stop();

    let s = Server::start_at(db, "localhost", &[]).await;
    let mut b = Browser::new(&s);
    let r = b.get(START).await;
    let login = r.headers()["location"].to_str().unwrap().to_string();
    let r = b.get(&login).await;
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = r.text().await.unwrap();
    assert!(html.contains("data-passkey=\"get\""), "{html}");
    assert!(html.contains("data-conditional"));
    assert!(html.contains("autocomplete=\"username webauthn\""));
    assert!(html.contains("<script src=\"/assets/passkey.js\"></script>"));
    let options: Value =
        serde_json::from_str(&hidden_attr(&html, "data-options").replace("&quot;", "\"")).unwrap();
    assert_eq!(options["publicKey"]["rpId"], "localhost");
    assert_eq!(options["publicKey"]["userVerification"], "required");
    let script = s
        .http
        .get(s.url("/assets/passkey.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );

    let (i, csrf, ceremony) = (
        hidden(&html, "i"),
        hidden(&html, "csrf"),
        hidden(&html, "ceremony"),
    );
    let answer = async |b: &mut Browser<'_>, ceremony: &str, credential: &str, error: &str| {
        let form = [
            ("i", i.as_str()),
            ("csrf", csrf.as_str()),
            ("action", "passkey"),
            ("ceremony", ceremony),
            ("credential", credential),
            ("passkey_error", error),
        ];
        let r = b.post("/login", &form).await;
        (r.status().as_u16(), r.text().await.unwrap())
    };
    // A garbled answer takes the ceremony; the same ceremony again is
    // used up.
    let (status, page) = answer(&mut b, &ceremony, "{}", "").await;
    assert_eq!(status, 401);
    assert!(page.contains("data-cause=\"passkey_invalid\""), "{page}");
    assert!(
        !page.contains("data-conditional"),
        "no automatic offer after a refusal"
    );
    let (status, page) = answer(&mut b, &ceremony, "{}", "").await;
    assert_eq!(status, 400);
    assert!(page.contains("data-cause=\"passkey_timeout\""), "{page}");
    for (error, cause) in [
        ("NotAllowedError", "passkey_cancelled"),
        ("TimeoutError", "passkey_timeout"),
        ("SecurityError", "passkey_rp_mismatch"),
    ] {
        let (_, page) = answer(&mut b, &ceremony, "", error).await;
        assert!(
            page.contains(&format!("data-cause=\"{cause}\"")),
            "{error}: {page}"
        );
    }
    // A ceremony of another sign-in does not finish this one.
    let mut other = Browser::new(&s);
    let other_html = login_page(&mut other, START).await;
    let (_, page) = answer(&mut b, &hidden(&other_html, "ceremony"), "{}", "").await;
    assert!(page.contains("data-cause=\"passkey_invalid\""), "{page}");

    // The offer after the password; "Not now" goes on to the client.
    let html = login_page(&mut b, START).await;
    let r = submit_login(&mut b, &html, "alice", PASSWORD).await;
    let offer = r.headers()["location"].to_str().unwrap().to_string();
    assert!(offer.starts_with("/passkey?i="), "{offer}");
    let page = b.get(&offer).await.text().await.unwrap();
    assert!(page.contains("data-passkey=\"create\""), "{page}");
    assert!(page.contains("Not now"));
    let options: Value =
        serde_json::from_str(&hidden_attr(&page, "data-options").replace("&quot;", "\"")).unwrap();
    let selection = &options["publicKey"]["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required", "{options}");
    assert_eq!(selection["userVerification"], "required", "{options}");
    let r = b
        .post(
            "/passkey",
            &[
                ("i", &hidden(&page, "i")),
                ("csrf", &hidden(&page, "csrf")),
                ("action", "skip"),
            ],
        )
        .await;
    assert!(r.headers()["location"].to_str().unwrap().starts_with(CB));
    let db = s.stop();

    // Turned off: no offer.
    let s = Server::start_at(
        db,
        "localhost",
        &[("LATCHKEY_WEBAUTHN_OFFER_AFTER_PASSWORD", "false")],
    )
    .await;
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, START).await;
    let r = submit_login(&mut b, &html, "alice", PASSWORD).await;
    assert!(r.headers()["location"].to_str().unwrap().starts_with(CB));
}

/// The value of the first `name="..."` attribute in `html`.
fn hidden_attr(html: &str, name: &str) -> String {
    let marker = format!("{name}=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

crate::both!(
    admin_api_and_cli_list_and_remove_passkeys,
    passkey_forms_ceremonies_and_the_offer
);
