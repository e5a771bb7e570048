//! Vectors of trust and second factors over HTTP: `vtr` errors (G3), the
//! second factor asked when the vector needs it, TOTP enrolment with
//! recovery codes, step-up of a password-only session, `vot`/`vtm`/`acr`/
//! `amr` in the ID token (G15), identity confidence set by the admin API
//! and the CLI (G8), replay and throttling of codes, `interaction_required`
//! (U12), the account chooser and `account_selection_required`.

use crate::authorize::{Browser, hidden, location, query_of};
use crate::support::{Database, Db, Server, run};
use base64::Engine;
use latchkey_core::totp;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const CB: &str = "https://app.example/cb";

/// A first-party client (no consent page) and the user alice; returns the
/// client secret and alice's sub.
async fn setup(s: &Server) -> (String, String) {
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": "app", "client_name": "Example App", "redirect_uris": [CB],
                      "scope": "openid email", "skip_consent": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let client: Value = r.json().await.unwrap();
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let user: Value = r.json().await.unwrap();
    (
        client["client_secret"].as_str().unwrap().to_string(),
        user["sub"].as_str().unwrap().to_string(),
    )
}

/// An authorization request with extra parameters (already encoded).
fn authorize(extra: &str) -> String {
    format!(
        "/authorize?client_id=app&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=st4te{extra}"
    )
}

fn vtr(vectors: &str) -> String {
    format!(
        "&vtr={}",
        url::form_urlencoded::byte_serialize(vectors.as_bytes()).collect::<String>()
    )
}

/// Assert an error redirect to the client: code, cause in error_uri, a
/// description, only the registered parameters, state and iss.
fn assert_redirect(
    s: &Server,
    r: &reqwest::Response,
    code: &str,
    cause: &str,
) -> BTreeMap<String, String> {
    let q = crate::authorize::assert_redirect(s, r, code, cause);
    assert_eq!(q["state"], "st4te");
    q
}

/// The password step: start, the login page, sign in; returns where the
/// server sends the browser next.
async fn password(b: &mut Browser<'_>, start: &str) -> String {
    let r = b.get(start).await;
    let login = location(&r);
    assert!(login.starts_with("/login?i="), "{login}");
    let html = b.get(&login).await.text().await.unwrap();
    let r = crate::authorize::submit_login(b, &html, "alice", "correct horse battery").await;
    assert_eq!(r.status(), 303);
    location(&r)
}

/// Post the second-factor form of `html`.
async fn post_mfa(b: &mut Browser<'_>, html: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let (i, csrf) = (hidden(html, "i"), hidden(html, "csrf"));
    let mut form = vec![("i", i.as_str()), ("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    b.post("/mfa", &form).await
}

/// The code an authenticator app shows now for `key`.
fn current_code(key: &[u8]) -> String {
    totp::code_at_step(key, totp::step_at(latchkey_core::now_unix()))
}

/// A 6-digit code that matches no step in the window around now.
fn wrong_code(key: &[u8]) -> String {
    let step = totp::step_at(latchkey_core::now_unix());
    let taken: Vec<String> = (step - 2..=step + 2)
        .map(|s| totp::code_at_step(key, s))
        .collect();
    (0..)
        .map(|n: u32| format!("{:06}", 123_456 + n))
        .find(|c| !taken.contains(c))
        .unwrap()
}

/// The key shown on the enrolment page.
fn enrolment_key(html: &str) -> Vec<u8> {
    let start = html
        .find("<code id=\"totp-key\">")
        .expect("an enrolment page")
        + 20;
    let key: String = html[start..].split('<').next().unwrap().to_string();
    totp::base32_decode(&key).unwrap()
}

/// The page shows the cause of a refused code, with its reference.
fn assert_cause_on_page(s: &Server, html: &str, code: &str, cause: &str) {
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(
        html.contains(&format!("href=\"{}/errors/{code}#{cause}\"", s.base)),
        "{cause} not referenced: {html}"
    );
}

/// Redeem a code and return the ID token's claims.
async fn id_token(s: &Server, secret: &str, code_redirect: &str) -> Value {
    let q = query_of(code_redirect);
    let code = q
        .get("code")
        .unwrap_or_else(|| panic!("no code: {code_redirect}"));
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth("app", Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let jwt = body["id_token"].as_str().unwrap();
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// G3, vtr_malformed, vtr_unsupported: redirected with invalid_request.
async fn vtr_errors_are_redirected(db: Db) {
    let s = Server::start(db).await;
    setup(&s).await;
    let mut b = Browser::new(&s);
    let r = b.get(&authorize(&vtr("[\"Cl.P2\"]"))).await;
    let q = assert_redirect(&s, &r, "invalid_request", "vtr_not_valid");
    assert!(q["error_description"].contains("vtr not valid"), "{q:?}");
    let r = b.get(&authorize("&vtr=Cl.Cm")).await;
    assert_redirect(&s, &r, "invalid_request", "vtr_malformed");
    let r = b.get(&authorize(&vtr("[]"))).await;
    assert_redirect(&s, &r, "invalid_request", "vtr_malformed");
    let r = b.get(&authorize(&vtr("[\"Cl.Cm.P9\"]"))).await;
    assert_redirect(&s, &r, "invalid_request", "vtr_unsupported");
    // Discovery and the trustmark describe what is offered.
    let d: Value = b
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["trustmarks"], s.url("/trustmark"));
    assert!(
        d["vtr_values_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("Cl.Cm.P2"))
    );
    assert!(
        d["acr_values_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("Cl.Cm"))
    );
    for claim in ["vot", "vtm", "acr", "amr"] {
        assert!(
            d["claims_supported"]
                .as_array()
                .unwrap()
                .contains(&json!(claim))
        );
    }
    let t: Value = b.get("/trustmark").await.json().await.unwrap();
    assert_eq!(t["idp"], s.base);
    assert_eq!(t["C"], json!(["Cl", "Cm"]));
}

/// G15 with enrolment: a password-only session steps up (only the second
/// factor is asked), the user enrols TOTP, gets recovery codes, and the
/// ID token says what was achieved. prompt=none without the factor is
/// interaction_required (U12). Recovery codes work once.
async fn enrolment_step_up_and_recovery_codes(db: Db) {
    let s = Server::start(db).await;
    let (secret, _) = setup(&s).await;
    let mut b = Browser::new(&s);
    // A password is enough for Cl (the default).
    let done = password(&mut b, &authorize("")).await;
    let claims = id_token(&s, &secret, &done).await;
    assert_eq!(claims["acr"], "Cl");
    assert_eq!(claims["vot"], "Cl");
    assert_eq!(claims["vtm"], s.url("/trustmark"));
    assert_eq!(claims["amr"], json!(["pwd"]));
    // prompt=none cannot ask for the missing factor (the user must enrol).
    let r = b
        .get(&authorize(&format!("{}&prompt=none", vtr("[\"Cl.Cm\"]"))))
        .await;
    let q = assert_redirect(&s, &r, "interaction_required", "interaction_required");
    assert!(q["error_description"].contains("enrol"), "{q:?}");
    // Step-up through acr_values: straight to the second factor, no password.
    let r = b.get(&authorize("&acr_values=Cl.Cm")).await;
    let mfa = location(&r);
    assert!(mfa.starts_with("/mfa?i="), "{mfa}");
    let r = b.get(&mfa).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("Set up an authenticator app"));
    let key = enrolment_key(&html);
    assert_eq!(key.len(), totp::SECRET_BYTES);
    // Reloading shows the same pending key.
    assert_eq!(enrolment_key(&b.get(&mfa).await.text().await.unwrap()), key);
    let r = post_mfa(
        &mut b,
        &html,
        &[("action", "enrol"), ("code", &wrong_code(&key))],
    )
    .await;
    assert_eq!(r.status(), 400);
    let again = r.text().await.unwrap();
    assert_cause_on_page(&s, &again, "invalid_request", "totp_confirmation_invalid");
    let r = post_mfa(
        &mut b,
        &again,
        &[("action", "enrol"), ("code", &current_code(&key))],
    )
    .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Save your recovery codes"));
    let codes: Vec<String> = page
        .split("<li><code>")
        .skip(1)
        .map(|c| c.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), totp::RECOVERY_CODES);
    let r = post_mfa(&mut b, &page, &[("action", "continue")]).await;
    let done = location(&r);
    let claims = id_token(&s, &secret, &done).await;
    assert_eq!(claims["vot"], "Cl.Cm");
    assert_eq!(claims["acr"], "Cl.Cm");
    assert_eq!(claims["vtm"], s.url("/trustmark"));
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));
    // The session now has the factor: SSO, also silently.
    let r = b
        .get(&authorize(&format!("{}&prompt=none", vtr("[\"Cl.Cm\"]"))))
        .await;
    assert!(query_of(&location(&r)).contains_key("code"));
    // The admin view shows the factor, never the key.
    let u: Value = s
        .admin(Method::GET, "/users/alice")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(u["totp"], true);
    assert_eq!(u["recovery_codes_left"], 10);
    assert!(u.get("totp_secret").is_none());

    // Another browser: password, then a recovery code instead of the app.
    let mut other = Browser::new(&s);
    let mfa = password(&mut other, &authorize(&vtr("[\"Cl.Cm\"]"))).await;
    assert!(mfa.starts_with("/mfa?i="), "{mfa}");
    let html = other.get(&mfa).await.text().await.unwrap();
    assert!(html.contains("Enter your security code"));
    let r = post_mfa(
        &mut other,
        &html,
        &[
            ("action", "recovery"),
            ("recovery_code", &codes[0].to_lowercase()),
        ],
    )
    .await;
    assert!(query_of(&location(&r)).contains_key("code"));
    // The same recovery code again, in a third browser: refused.
    let mut third = Browser::new(&s);
    let mfa = password(&mut third, &authorize(&vtr("[\"Cl.Cm\"]"))).await;
    let html = third.get(&mfa).await.text().await.unwrap();
    let r = post_mfa(
        &mut third,
        &html,
        &[("action", "recovery"), ("recovery_code", &codes[0])],
    )
    .await;
    assert_eq!(r.status(), 401);
    assert_cause_on_page(
        &s,
        &r.text().await.unwrap(),
        "access_denied",
        "recovery_code_invalid",
    );
    // Cancel on the second-factor page returns access_denied.
    let r = post_mfa(&mut third, &html, &[("action", "cancel")]).await;
    assert_redirect(&s, &r, "access_denied", "user_canceled");
}

/// An operator sets the key (admin API); the code is asked after the
/// password, a used code is refused (replay), wrong codes are throttled.
async fn admin_set_totp_replay_and_throttle(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_LIMITS_LOGIN_FAILURES", "3")]).await;
    let (secret, sub) = setup(&s).await;
    let key = totp::generate_secret().unwrap();
    let r = s
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"totp_secret": totp::base32_encode(&key)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let u: Value = r.json().await.unwrap();
    assert_eq!(u["totp"], true);
    assert!(!u.to_string().contains(&totp::base32_encode(&key)));
    // A key too short is refused.
    let r = s
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"totp_secret": "JBSWY3DP"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let err: Value = r.json().await.unwrap();
    assert!(
        err["errorCauses"].to_string().contains("totp_secret"),
        "{err}"
    );

    let mut b = Browser::new(&s);
    let mfa = password(&mut b, &authorize(&vtr("[\"Cl.Cm\"]"))).await;
    assert!(mfa.starts_with("/mfa?i="), "{mfa}");
    let html = b.get(&mfa).await.text().await.unwrap();
    assert!(html.contains("Enter your security code") && !html.contains("<svg"));
    let code = current_code(&key);
    let r = post_mfa(&mut b, &html, &[("action", "verify"), ("code", &code)]).await;
    let claims = id_token(&s, &secret, &location(&r)).await;
    assert_eq!(claims["vot"], "Cl.Cm");

    // Replay: the same code in another browser is refused.
    let mut other = Browser::new(&s);
    let mfa = password(&mut other, &authorize(&vtr("[\"Cl.Cm\"]"))).await;
    let html = other.get(&mfa).await.text().await.unwrap();
    let r = post_mfa(&mut other, &html, &[("action", "verify"), ("code", &code)]).await;
    assert_eq!(r.status(), 401);
    let page = r.text().await.unwrap();
    assert_cause_on_page(&s, &page, "access_denied", "totp_code_invalid");
    // Two more wrong codes reach limits.login_failures (3); the next
    // attempt, even with a right code, waits: 429 totp_throttled.
    for _ in 0..2 {
        let r = post_mfa(
            &mut other,
            &html,
            &[("action", "verify"), ("code", &wrong_code(&key))],
        )
        .await;
        assert_eq!(r.status(), 401);
    }
    let r = post_mfa(
        &mut other,
        &html,
        &[("action", "verify"), ("code", "000000")],
    )
    .await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let page = r.text().await.unwrap();
    assert!(page.contains("<code>totp_throttled</code>"), "{page}");
    assert!(page.contains("/errors/temporarily_unavailable#totp_throttled"));

    // This browser has a password-only session: prompt=none cannot ask
    // for the code (U12).
    let r = other
        .get(&authorize(&format!("{}&prompt=none", vtr("[\"Cl.Cm\"]"))))
        .await;
    let q = assert_redirect(&s, &r, "interaction_required", "interaction_required");
    assert!(q["error_description"].contains("second factor"), "{q:?}");

    // A user can be created with both at once.
    let r = s
        .admin(Method::POST, "/users")
        .json(
            &json!({"username": "carol", "password": "carol's long password",
                      "identity_confidence": "P2", "totp_secret": totp::base32_encode(&key)}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let carol: Value = r.json().await.unwrap();
    assert_eq!(
        (
            carol["identity_confidence"].as_str(),
            carol["totp"].as_bool()
        ),
        (Some("P2"), Some(true))
    );

    // Removing the factor: the next Cl.Cm request asks to enrol.
    let r = s
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"totp_secret": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["totp"], false);
}

/// G8: identity confidence below the vector is access_denied, redirected;
/// set by the admin API and by the CLI; vtr.default applies without vtr.
async fn identity_confidence_via_admin_and_cli(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_VTR_DEFAULT", "Cl.Cm")]).await;
    let (secret, sub) = setup(&s).await;
    let key = totp::generate_secret().unwrap();
    // The key on standard input, out of the process list.
    let (code, out, err) = s.run_with_stdin(
        &["user", "update", "alice", "--totp-secret-stdin"],
        &format!("{}\n", totp::base32_encode(&key)),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"totp\": true"), "{out}");
    // Both ways at once is a usage error.
    let (code, _, err) = s.run_with_stdin(
        &[
            "user",
            "update",
            "alice",
            "--totp-secret-stdin",
            "--totp-secret",
            "JBSWY3DP",
        ],
        "",
    );
    assert_eq!(code, 2, "{err}");
    let p2 = authorize(&vtr("[\"Cl.Cm.P2\"]"));
    let mut b = Browser::new(&s);
    // After the password: P0 is below P2, refused before the code is asked.
    let r = b.get(&p2).await;
    let login = location(&r);
    let html = b.get(&login).await.text().await.unwrap();
    let r = crate::authorize::submit_login(&mut b, &html, "alice", "correct horse battery").await;
    let q = assert_redirect(&s, &r, "access_denied", "identity_confidence_too_low");
    assert!(q["error_description"].contains("P2"), "{q:?}");
    // The admin API records P1: still too low.
    let r = s
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"identity_confidence": "P1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["identity_confidence"],
        "P1"
    );
    let r = b.get(&p2).await;
    assert_redirect(&s, &r, "access_denied", "identity_confidence_too_low");
    let r = s
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"identity_confidence": "P9"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // The CLI records P2: now the second factor is asked, then a code issued.
    let (code, out, err) = s.run(&["user", "update", "alice", "--identity-confidence", "P2"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"identity_confidence\": \"P2\""), "{out}");
    let r = b.get(&p2).await;
    let mfa = location(&r);
    assert!(mfa.starts_with("/mfa?i="), "{mfa}");
    let html = b.get(&mfa).await.text().await.unwrap();
    let r = post_mfa(
        &mut b,
        &html,
        &[("action", "verify"), ("code", &current_code(&key))],
    )
    .await;
    let claims = id_token(&s, &secret, &location(&r)).await;
    assert_eq!(claims["vot"], "Cl.Cm.P2");
    assert_eq!(claims["acr"], "Cl.Cm.P2");
    // vtr.default is Cl.Cm here: a request without vtr gets the same vector.
    let r = b.get(&authorize("")).await;
    let claims = id_token(&s, &secret, &location(&r)).await;
    assert_eq!(claims["vot"], "Cl.Cm");
}

/// prompt=select_account shows the chooser; prompt=none with a hint for
/// another user than the one signed in is account_selection_required.
async fn account_chooser(db: Db) {
    let s = Server::start(db).await;
    let (secret, _) = setup(&s).await;
    s.admin(Method::POST, "/users")
        .json(&json!({"username": "bob", "password": "bob's long password"}))
        .send()
        .await
        .unwrap();
    let mut b = Browser::new(&s);
    password(&mut b, &authorize("")).await;
    let r = b.get(&authorize("&prompt=select_account")).await;
    let chooser = location(&r);
    assert!(chooser.starts_with("/select-account?i="), "{chooser}");
    let html = b.get(&chooser).await.text().await.unwrap();
    assert!(html.contains("Continue as alice") && html.contains("Use another account"));
    let form = |action: &'static str| {
        vec![
            ("i", hidden(&html, "i")),
            ("csrf", hidden(&html, "csrf")),
            ("action", action.to_string()),
        ]
    };
    let continue_form = form("continue");
    let pairs: Vec<(&str, &str)> = continue_form
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let r = b.post("/select-account", &pairs).await;
    assert!(query_of(&location(&r)).contains_key("code"));
    // "Use another account" goes to the sign-in page of the same flow.
    let r = b.get(&authorize("&prompt=select_account")).await;
    let html = b.get(&location(&r)).await.text().await.unwrap();
    let r = b
        .post(
            "/select-account",
            &[
                ("i", &hidden(&html, "i")),
                ("csrf", &hidden(&html, "csrf")),
                ("action", "other"),
            ],
        )
        .await;
    assert!(location(&r).starts_with("/login?i="));
    // Bob's ID token as a hint while alice is signed in: with prompt=none
    // only the user can switch accounts.
    let bob_done = {
        let mut bob = Browser::new(&s);
        let r = bob.get(&authorize("")).await;
        let html = bob.get(&location(&r)).await.text().await.unwrap();
        let r = crate::authorize::submit_login(&mut bob, &html, "bob", "bob's long password").await;
        location(&r)
    };
    let bob_token = {
        let q = query_of(&bob_done);
        let r = s
            .http
            .post(s.url("/token"))
            .basic_auth("app", Some(&secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", q["code"].as_str()),
                ("redirect_uri", CB),
            ])
            .send()
            .await
            .unwrap();
        let body: Value = r.json().await.unwrap();
        body["id_token"].as_str().unwrap().to_string()
    };
    let r = b
        .get(&authorize(&format!(
            "&prompt=none&id_token_hint={bob_token}"
        )))
        .await;
    assert_redirect(
        &s,
        &r,
        "account_selection_required",
        "account_selection_required",
    );
    // The same with a login_hint naming bob, or a name that is no account
    // (the answer does not tell them apart); alice's own name goes through.
    for hint in ["bob", "nobody"] {
        let r = b
            .get(&authorize(&format!("&prompt=none&login_hint={hint}")))
            .await;
        assert_redirect(
            &s,
            &r,
            "account_selection_required",
            "account_selection_required",
        );
    }
    let r = b.get(&authorize("&prompt=none&login_hint=alice")).await;
    assert!(query_of(&location(&r)).contains_key("code"));
}

/// A vtr.default asking for identity with a single factor stops start-up.
#[tokio::test]
async fn a_bad_vtr_default_stops_start_up() {
    let db = Database::new(Db::Sqlite).await;
    for bad in ["Cl.P2", "[\"Cl.Cx\"]", "nonsense"] {
        let (code, _, err) = run(
            &db,
            &["serve"],
            &[
                ("LATCHKEY_VTR_DEFAULT", bad),
                ("LATCHKEY_LISTEN", "127.0.0.1:1"),
            ],
        );
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(
            err.contains("vtr.default") && err.contains("LATCHKEY_VTR_DEFAULT"),
            "{err}"
        );
    }
}

crate::both!(
    vtr_errors_are_redirected,
    enrolment_step_up_and_recovery_codes,
    admin_set_totp_replay_and_throttle,
    identity_confidence_via_admin_and_cli,
    account_chooser,
);
