//! Passkeys on the account page and in recovery, in headless Chromium with
//! a WebDriver virtual authenticator: a passkey added on `/account` (named
//! by the person), renamed, used instead of the current password to change
//! the password, removed after a stale sign-in (which a passkey renews);
//! the reset page of a forgotten password asks a passkey-only user for the
//! passkey (refused when cancelled or missing, the link still usable), and
//! a user with an authenticator app too may give a code instead. Every
//! change is in the audit trail. The issuer is `http://localhost:<port>`
//! (an RP ID cannot be an IP address); mail goes to the test SMTP server.

use crate::authorize::{Browser, hidden};
use crate::browser::Driver;
use crate::mail::Smtp;
use crate::support::{Database, Db, READONLY, Server};
use latchkey_core::totp;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

const OLD: &str = "correct horse battery";
const NEW: &str = "a brand new passphrase";
const NEWER: &str = "another new passphrase";

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

async fn set_verified(d: &Driver, authenticator: &str, verified: bool) {
    d.cmd(
        Method::POST,
        &format!("/webauthn/authenticator/{authenticator}/uv"),
        Some(json!({"isUserVerified": verified})),
    )
    .await;
}

async fn clear(d: &Driver, css: &str) {
    let el = d.find(css).await;
    d.cmd(
        Method::POST,
        &format!("/element/{el}/clear"),
        Some(json!({})),
    )
    .await;
}

async fn passkeys_of(s: &Server, sub: &str) -> Vec<Value> {
    let r = s
        .admin(Method::GET, &format!("/users/{sub}/passkeys"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["passkeys"]
        .as_array()
        .unwrap()
        .clone()
}

/// Ask for a recovery link for alice (a fresh cookie jar) and wait for
/// the `n`th message; the link in it.
async fn recovery_link(s: &Server, smtp: &Smtp, n: usize) -> String {
    let mut b = Browser::new(s);
    let html = b.get("/recover").await.text().await.unwrap();
    let r = b
        .post(
            "/recover",
            &[
                ("csrf", &hidden(&html, "csrf")),
                ("i", ""),
                ("name", "alice"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let message = smtp.wait_for(n, Duration::from_secs(10)).await;
    let text = message["text"].as_str().unwrap();
    let prefix = s.url("/recover/reset?t=");
    let start = text.find(&prefix).unwrap_or_else(|| panic!("{text}"));
    text[start..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn passkeys_on_the_account_page_and_in_recovery() {
    let smtp = Smtp::start();
    let port = smtp.port.to_string();
    let s = Server::start_at(
        Database::new(Db::Sqlite).await,
        "localhost",
        &[
            ("LATCHKEY_SMTP_HOST", "127.0.0.1"),
            ("LATCHKEY_SMTP_PORT", &port),
            ("LATCHKEY_SMTP_TLS", "none"),
            ("LATCHKEY_SMTP_FROM", "Latchkey <id@example.com>"),
            ("LATCHKEY_WEBAUTHN_OFFER_AFTER_PASSWORD", "false"),
        ],
    )
    .await;
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": OLD,
            "claims": {"email": "alice@example.com", "email_verified": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let sub = r.json::<Value>().await.unwrap()["sub"]
        .as_str()
        .unwrap()
        .to_string();
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

    // Signed in with the password: no passkey yet; add one, named.
    d.goto(&s.url("/account")).await;
    d.wait_for(&s.url("/login")).await;
    d.type_into("#username", "alice").await;
    d.type_into("#password", OLD).await;
    d.click("button[value=login]").await;
    d.wait_for(&s.url("/account")).await;
    d.wait_for_text("id=\"passkeys-none\"").await;
    d.click("#passkey-start").await;
    d.wait_for_text("id=\"passkey-add\"").await;
    d.check_page("account-passkey-add").await;
    clear(&d, "#passkey-name").await;
    d.type_into("#passkey-name", "Laptop").await;
    click_shown(&d, "#passkey-add").await;
    let page = d.wait_for_text("The passkey is added").await;
    assert!(page.contains("<strong>Laptop</strong>"), "{page}");
    assert!(page.contains("not used yet"), "{page}");
    let keys = passkeys_of(&s, &sub).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    let id = keys[0]["id"].as_str().unwrap().to_string();
    // The screenshots show the section.
    d.script("document.getElementById('passkeys').scrollIntoView(); return true;")
        .await;
    d.check_page("account-passkeys").await;

    // Renamed.
    let field = format!("#passkey-name-{id}");
    clear(&d, &field).await;
    d.type_into(&field, "Work laptop").await;
    d.click(&format!(
        "li.passkey[data-passkey-id='{id}'] form.inline button"
    ))
    .await;
    d.wait_for_text("The passkey is renamed").await;
    assert_eq!(passkeys_of(&s, &sub).await[0]["name"], "Work laptop");

    // The password changed with the passkey instead of the current one
    // (refused first when the authenticator does not verify the user).
    set_verified(&d, &authenticator, false).await;
    d.type_into("#new_password", NEW).await;
    d.type_into("#confirm_password", NEW).await;
    click_shown(&d, "#passkey-password").await;
    d.wait_for_text("#passkey_cancelled\"").await;
    set_verified(&d, &authenticator, true).await;
    d.type_into("#new_password", NEW).await;
    d.type_into("#confirm_password", NEW).await;
    click_shown(&d, "#passkey-password").await;
    let page = d.wait_for_text("Your password is changed.").await;
    assert!(page.contains("last used"), "{page}");
    assert!(passkeys_of(&s, &sub).await[0]["last_used_at"].is_i64());

    // A forgotten password: the passkey-only user's reset page asks for
    // the passkey, and a form without one changes nothing.
    let link = recovery_link(&s, &smtp, 1).await;
    let mut b = Browser::new(&s);
    let html = b.get(&link).await.text().await.unwrap();
    assert!(html.contains("data-passkey=\"get\""), "{html}");
    assert!(!html.contains("id=\"code\""), "{html}");
    let r = b
        .post(
            "/recover/reset",
            &[
                ("csrf", hidden(&html, "csrf").as_str()),
                ("t", hidden(&html, "t").as_str()),
                ("i", ""),
                ("password", NEWER),
                ("password2", NEWER),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("data-cause=\"passkey_cancelled\""), "{html}");
    // In the browser: a cancelled passkey is refused, then it sets the
    // password.
    d.goto(&link).await;
    d.wait_for_text("id=\"reset-passkey-note\"").await;
    d.check_page("recover-reset-passkey").await;
    set_verified(&d, &authenticator, false).await;
    d.type_into("#password", NEWER).await;
    d.type_into("#password2", NEWER).await;
    click_shown(&d, "#reset-passkey").await;
    let page = d.wait_for_text("data-cause=\"passkey_cancelled\"").await;
    assert!(page.contains("Your passkey was not accepted"), "{page}");
    set_verified(&d, &authenticator, true).await;
    d.type_into("#password", NEWER).await;
    d.type_into("#password2", NEWER).await;
    click_shown(&d, "#reset-passkey").await;
    d.wait_for_text("Your password was changed").await;

    // With an authenticator app too, either will do: here the code.
    let key = totp::generate_secret().unwrap();
    let r = s
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"totp_secret": totp::base32_encode(&key)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let link = recovery_link(&s, &smtp, 3).await;
    let mut b = Browser::new(&s);
    let html = b.get(&link).await.text().await.unwrap();
    assert!(html.contains("id=\"code\""), "{html}");
    assert!(html.contains("id=\"reset-passkey\""), "{html}");
    let code = totp::code_at_step(&key, totp::step_at(latchkey_core::now_unix()));
    let r = b
        .post(
            "/recover/reset",
            &[
                ("csrf", hidden(&html, "csrf").as_str()),
                ("t", hidden(&html, "t").as_str()),
                ("i", ""),
                ("password", NEW),
                ("password2", NEW),
                ("code", &code),
            ],
        )
        .await;
    let status = r.status();
    let html = r.text().await.unwrap();
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Your password was changed"));

    // The reset signed every browser out. Back on the account page (the
    // passkey signs in at once, offered in the username field); a stale
    // sign-in is renewed by the passkey too, then the passkey is removed.
    d.goto(&s.url("/account")).await;
    d.wait_for_text("id=\"passkeys\"").await;
    s.sql("UPDATE sessions SET auth_time = auth_time - 3600")
        .await;
    d.click(&format!("li.passkey[data-passkey-id='{id}'] button.danger"))
        .await;
    d.wait_for_text("You signed in again").await;
    d.click(&format!("li.passkey[data-passkey-id='{id}'] button.danger"))
        .await;
    d.wait_for_text("The passkey is removed").await;
    d.wait_for_text("id=\"passkeys-none\"").await;
    assert!(passkeys_of(&s, &sub).await.is_empty());
    // The section speaks German too.
    d.goto(&s.url("/language?to=de&return=%2Faccount")).await;
    d.wait_for_text("Sie haben noch keinen Passkey.").await;
    assert!(d.source().await.contains("Passkey hinzufügen"));

    // The audit trail has each change, by alice, never a secret.
    let r = s
        .http
        .get(s.url(&format!("/admin/v1/audit?actor=user:{sub}&limit=200")))
        .bearer_auth(READONLY)
        .send()
        .await
        .unwrap();
    let trail: Value = r.json().await.unwrap();
    let events = trail["events"].as_array().unwrap();
    let of = |kind: &str| -> Vec<&Value> { events.iter().filter(|e| e["kind"] == kind).collect() };
    assert_eq!(of("passkey.added").len(), 1, "{trail}");
    assert_eq!(of("passkey.added")[0]["detail"]["passkey"], id.as_str());
    assert_eq!(of("passkey.added")[0]["detail"]["name"], "Laptop");
    assert_eq!(of("passkey.renamed")[0]["detail"]["name"], "Work laptop");
    assert_eq!(of("passkey.removed")[0]["detail"]["passkey"], id.as_str());
    assert_eq!(of("passkey.removed")[0]["address"], "127.0.0.1");
    let changed = of("account.password_changed");
    assert!(
        changed
            .iter()
            .any(|e| e["outcome"] == "success" && e["detail"]["proof"] == "passkey"),
        "{trail}"
    );
    assert!(
        changed
            .iter()
            .any(|e| e["outcome"] == "failure" && e["detail"]["cause"] == "passkey_cancelled"),
        "{trail}"
    );
    for secret in [OLD, NEW, NEWER] {
        assert!(!trail.to_string().contains(secret), "{trail}");
    }
}
