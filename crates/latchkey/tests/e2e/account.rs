//! The account page, `/account`, in a real browser (headless Chromium):
//! signing in through it, sessions (ending another browser's), connected
//! applications (disconnecting one stops its tokens), the profile as
//! `/userinfo` shows it, the password (after a new sign-in when the last is
//! stale), the authenticator app; and the audit trail through the admin
//! API. On both databases. Screenshots at 1280 and 390 px wide.

use crate::browser::Driver;
use crate::support::{Db, READONLY, Server};
use latchkey_core::totp;
use reqwest::Method;
use serde_json::{Value, json};

/// A stand-in for the client application: answers every request with 200.
async fn client_app() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|| async { "the client application" });
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://127.0.0.1:{}/cb", addr.port())
}

async fn sign_in(d: &Driver, s: &Server, password: &str) {
    d.wait_for(&s.url("/login")).await;
    d.type_into("#username", "alice").await;
    d.type_into("#password", password).await;
    d.click("button[value=login]").await;
}

/// The page's text once it shows `text`.
async fn shows(d: &Driver, text: &str) -> String {
    d.wait_for_text(text).await
}

async fn resize(d: &Driver, width: u32, height: u32) {
    d.cmd(
        Method::POST,
        "/window/rect",
        Some(json!({"width": width, "height": height})),
    )
    .await;
}

/// Press the button of the form whose hidden `action` is `action` (within
/// `scope`, a CSS selector of the part of the page that holds it).
async fn press(d: &Driver, scope: &str, action: &str) {
    d.click(&format!(
        "{scope} form:has(input[name=action][value={action}]) button"
    ))
    .await;
}

async fn account_journey(db: Db) {
    let s = Server::start(db).await;
    let cb = client_app().await;
    let created: Value = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "web", "client_name": "Example Web App", "redirect_uris": [cb],
                      "scope": "openid profile", "grant_types": ["authorization_code", "refresh_token"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = created["client_secret"].as_str().unwrap().to_string();
    let user: Value = s
        .admin(Method::POST, "/users")
        .json(
            &json!({"username": "alice", "password": "correct horse battery",
                      "claims": {"email": "alice@example.com", "email_verified": true}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sub = user["sub"].as_str().unwrap().to_string();

    // Not signed in: /account starts a sign-in and comes back to it (a
    // wrong password first, for the audit trail).
    let d = Driver::start().await;
    d.goto(&s.url("/account")).await;
    d.wait_for(&s.url("/login")).await;
    assert!(d.source().await.contains("your account"));
    sign_in(&d, &s, "not the password").await;
    shows(&d, "The username or password is incorrect.").await;
    d.type_into("#password", "correct horse battery").await;
    d.click("button[value=login]").await;
    d.wait_for(&s.url("/account")).await;
    shows(&d, "Your account").await;

    // The application gets tokens through a normal sign-in and consent.
    let cb_enc = url::form_urlencoded::byte_serialize(cb.as_bytes()).collect::<String>();
    d.goto(&format!(
        "{}/authorize?client_id=web&response_type=code&scope=openid+profile&redirect_uri={cb_enc}&state=account-state",
        s.base
    ))
    .await;
    d.wait_for(&s.url("/consent")).await;
    d.click("button[value=allow]").await;
    let back = d.wait_for(&cb).await;
    let code = url::Url::parse(&back)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let tokens: Value = s
        .http
        .post(s.url("/token"))
        .basic_auth("web", Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &cb),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();

    // A second browser signs in too.
    let other = Driver::start().await;
    other.goto(&s.url("/account")).await;
    sign_in(&other, &s, "correct horse battery").await;
    other.wait_for(&s.url("/account")).await;

    // The page lists both sessions and the application, used just now.
    d.goto(&s.url("/account")).await;
    let page = shows(&d, "Connected applications").await;
    assert_eq!(page.matches("class=\"session\"").count(), 2, "{page}");
    assert!(page.contains("this browser"));
    assert!(page.contains("Headless Chrome on Linux"), "{page}");
    assert!(page.contains("127.0.0.1"));
    assert!(page.contains("Example Web App") && page.contains("last used"));
    // WCAG A/AA rules hold (axe-core); then tall windows, so the
    // screenshots show the whole page.
    d.check_page("account").await;
    resize(&d, 1280, 2000).await;
    d.screenshot("account-1280.png").await;
    resize(&d, 390, 3000).await;
    // Nothing is wider than a phone's screen.
    let overflow = d
        .script("return document.documentElement.scrollWidth > window.innerWidth")
        .await;
    assert_eq!(overflow, false, "the page scrolls sideways at 390 px");
    d.screenshot("account-390.png").await;
    resize(&d, 1000, 900).await;
    // In German, the device is said in German; the names stay.
    d.goto(&s.url("/language?to=de&return=/account")).await;
    let page = shows(&d, "Headless Chrome unter Linux").await;
    assert!(page.contains("dieser Browser"), "{page}");
    d.goto(&s.url("/language?to=en&return=/account")).await;
    shows(&d, "Headless Chrome on Linux").await;

    // End the other browser's session: it is signed out.
    let others = d
        .script("return [...document.querySelectorAll('li.session')].filter(li => !li.querySelector('.tag')).map(li => li.dataset.sid)")
        .await;
    let other_sid = others[0].as_str().unwrap().to_string();
    d.click(&format!("li.session[data-sid='{other_sid}'] button"))
        .await;
    let page = shows(&d, "The session has ended").await;
    assert_eq!(page.matches("class=\"session\"").count(), 1);
    other.goto(&s.url("/account")).await;
    other.wait_for(&s.url("/login")).await;
    drop(other);

    // Profile: what the person edits is what /userinfo says.
    d.type_into("#claim-given_name", "Alice").await;
    d.type_into("#claim-nickname", "Ali").await;
    press(&d, "#profile", "profile").await;
    shows(&d, "Your profile is saved.").await;
    assert!(!d.source().await.contains("name=\"claim.email\""));
    let info: Value = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["given_name"], "Alice", "{info}");
    assert_eq!(info["nickname"], "Ali", "{info}");

    // Disconnect the application: its refresh token fails at /token, its
    // access token at /userinfo.
    d.click("li.application[data-client-id='web'] button").await;
    let page = shows(&d, "The application is disconnected").await;
    assert!(page.contains("No application has access to your account."));
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth("web", Some(&secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let r = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let introspected: Value = s
        .http
        .post(s.url("/introspect"))
        .basic_auth("web", Some(&secret))
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(introspected["active"], false, "{introspected}");

    // Another browser signs in; the password change below signs it out.
    let third = Driver::start().await;
    third.goto(&s.url("/account")).await;
    sign_in(&third, &s, "correct horse battery").await;
    third.wait_for(&s.url("/account")).await;

    // Password, with a stale sign-in: first a new sign-in (the name is
    // offered), then back to the page, then the change.
    s.sql("UPDATE sessions SET auth_time = auth_time - 3600")
        .await;
    d.type_into("#current_password", "correct horse battery")
        .await;
    d.type_into("#new_password", "new horse battery").await;
    d.type_into("#confirm_password", "new horse battery").await;
    press(&d, "#password", "password").await;
    d.wait_for(&s.url("/login")).await;
    assert_eq!(
        d.script("return document.getElementById('username').value")
            .await,
        "alice"
    );
    d.type_into("#password", "correct horse battery").await;
    d.click("button[value=login]").await;
    shows(&d, "You signed in again").await;
    // A wrong current password changes nothing.
    d.type_into("#current_password", "wrong horse battery")
        .await;
    d.type_into("#new_password", "new horse battery").await;
    d.type_into("#confirm_password", "new horse battery").await;
    press(&d, "#password", "password").await;
    shows(&d, "Your current password is not right").await;
    d.type_into("#current_password", "correct horse battery")
        .await;
    d.type_into("#new_password", "new horse battery").await;
    d.type_into("#confirm_password", "new horse battery").await;
    press(&d, "#password", "password").await;
    shows(&d, "Your password is changed.").await;
    // The other browser is signed out; this one stays signed in.
    third.goto(&s.url("/account")).await;
    third.wait_for(&s.url("/login")).await;
    drop(third);
    d.goto(&s.url("/account")).await;
    shows(&d, "Your account").await;

    // An authenticator app: set up (the key read off the page, the code
    // computed as an app would), recovery codes shown once.
    press(&d, "#second-factor", "totp_start").await;
    let html = shows(&d, "id=\"totp-key\"").await;
    d.check_page("account-enrol").await;
    let start = html.find("id=\"totp-key\">").unwrap() + 14;
    let key = totp::base32_decode(html[start..].split('<').next().unwrap()).unwrap();
    let code = totp::code_at_step(&key, totp::step_at(latchkey_core::now_unix()));
    d.type_into("#code", &code).await;
    d.click("button.primary").await;
    let html = shows(&d, "Save your recovery codes").await;
    let list = "<ul class=\"recovery-codes\"><li><code>";
    let start = html.find(list).unwrap() + list.len();
    let first_recovery = html[start..].split('<').next().unwrap().to_string();
    d.click("#back-to-account").await;
    shows(&d, "10 recovery codes are left").await;

    // A new set of recovery codes: shown once, the old set void.
    press(&d, "#second-factor", "recovery_codes").await;
    let html = shows(&d, "Any earlier recovery codes no longer work").await;
    let start = html.find(list).unwrap() + list.len();
    let recovery = html[start..].split('<').next().unwrap().to_string();
    assert_ne!(recovery, first_recovery);
    assert_eq!(html.matches("<li><code>").count(), 10, "{html}");
    d.click("#back-to-account").await;
    shows(&d, "10 recovery codes are left").await;

    // Removing it after the sign-in went stale asks for the password and
    // then the second factor (here a recovery code).
    s.sql("UPDATE sessions SET auth_time = auth_time - 3600")
        .await;
    press(&d, "#second-factor", "totp_remove").await;
    d.wait_for(&s.url("/login")).await;
    d.type_into("#password", "new horse battery").await;
    d.click("button[value=login]").await;
    d.wait_for(&s.url("/mfa")).await;
    d.click("details summary").await;
    d.type_into("#recovery_code", &first_recovery).await;
    d.click("button[value=recovery]").await;
    shows(&d, "That recovery code is not valid or was already used.").await;
    d.click("details summary").await;
    d.type_into("#recovery_code", &recovery).await;
    d.click("button[value=recovery]").await;
    shows(&d, "You signed in again").await;
    press(&d, "#second-factor", "totp_remove").await;
    shows(&d, "The authenticator app is removed").await;
    shows(&d, "No authenticator app is set up").await;

    // Ending this browser's own session signs it out, recent sign-in or not.
    s.sql("UPDATE sessions SET auth_time = auth_time - 3600")
        .await;
    d.click("li.session button").await;
    shows(&d, "You are signed out").await;
    d.goto(&s.url("/account")).await;
    d.wait_for(&s.url("/login")).await;

    // The audit trail, through the admin API (the read-only token reads
    // it), newest first, by actor, by kind and by page.
    let audit = |query: String| {
        let url = s.url(&format!("/admin/v1/audit?{query}"));
        let http = s.http.clone();
        async move {
            let r = http.get(url).bearer_auth(READONLY).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    let mine = audit(format!("actor=user:{sub}&limit=200")).await;
    let kinds: Vec<&str> = mine["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "sign_in",
        "account.session_ended",
        "account.profile_updated",
        "account.consent_revoked",
        "account.password_changed",
        "account.totp_enrolled",
        "account.recovery_codes_regenerated",
        "account.totp_removed",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert_eq!(kinds[0], "account.session_ended", "newest first: {kinds:?}");
    let failed = audit("kind=sign_in".into()).await;
    let failures: Vec<&Value> = failed["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "failure")
        .collect();
    assert_eq!(failures.len(), 1, "{failed}");
    assert_eq!(failures[0]["target"], format!("user:{sub}"));
    assert_eq!(failures[0]["address"], "127.0.0.1");
    let revoked = audit("kind=account.consent_revoked".into()).await;
    assert_eq!(revoked["events"][0]["detail"]["client_id"], "web");
    let first = audit(format!("target=user:{sub}&limit=2")).await;
    assert_eq!(first["events"].as_array().unwrap().len(), 2);
    let next = first["next"].as_i64().unwrap();
    let second = audit(format!("target=user:{sub}&limit=2&before={next}")).await;
    assert!(second["events"][0]["id"].as_i64().unwrap() < next);
    // No secret is ever kept in it.
    let all = audit("limit=200".into()).await.to_string();
    for secret in [
        "correct horse battery",
        "new horse battery",
        first_recovery.as_str(),
        recovery.as_str(),
    ] {
        assert!(!all.contains(secret), "the audit trail holds a secret");
    }
    // Each event was also logged as JSON.
    let logs = s.logs();
    assert!(logs.contains("event=") && logs.contains("account.consent_revoked"));
}

crate::both!(account_journey);

/// A form without this browser's token changes nothing; the audit query is
/// checked; writes through the page need a session.
#[tokio::test]
async fn account_forms_and_audit_queries_are_checked() {
    let s = Server::start(Db::Sqlite).await;
    let r = s
        .http
        .post(s.url("/account"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("action=revoke&client_id=web&csrf=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("csrf_token_invalid"));
    // Without a session, the page starts a sign-in for itself.
    let r = s.http.get(s.url("/account")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?i=")
    );
    for query in [
        "limit=0",
        "limit=201",
        "limit=x",
        "before=-1",
        "kind=a&kind=b",
    ] {
        let r = s
            .admin(Method::GET, &format!("/audit?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{query}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["errorLink"]
                .as_str()
                .unwrap()
                .ends_with("#audit_query_invalid"),
            "{body}"
        );
    }
    let r = s.admin(Method::GET, "/audit").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["events"], json!([]));
    assert!(body["next"].is_null());

    // The admin API's changes to users are recorded with the admin token as
    // actor, by field name, never value.
    let user: Value = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "bob", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sub = user["sub"].as_str().unwrap();
    s.admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"password": "another horse battery", "claims": {"name": "Bob"}}))
        .send()
        .await
        .unwrap();
    s.admin(Method::DELETE, "/users/bob").send().await.unwrap();
    let trail: Value = s
        .admin(Method::GET, "/audit?actor=admin:admin_token")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = trail["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "admin.user_deleted",
            "admin.user_updated",
            "admin.user_created"
        ]
    );
    assert!(events.iter().all(|e| e["target"] == format!("user:{sub}")));
    assert_eq!(events[1]["detail"]["fields"], json!(["claims", "password"]));
    assert!(!trail.to_string().contains("horse"), "{trail}");
}
