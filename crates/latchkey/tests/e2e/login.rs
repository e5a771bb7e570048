//! Who a sign-in names: the username in any case, or the verified email
//! address, as the login page's "Username or email" promises. A verified
//! address belongs to one user; one that several users share (written
//! before that rule, or by a race) signs in none of them.

use crate::authorize::{Browser, login_page, submit_login};
use crate::cluster::{CB, PASSWORD, START, web_client};
use crate::support::{Db, Server};
use reqwest::Method;
use serde_json::{Value, json};

async fn create_user(s: &Server, body: Value) -> reqwest::Response {
    s.admin(Method::POST, "/users")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Sign in as `name` with `password` in a fresh browser: the status and
/// where it leads.
async fn sign_in(s: &Server, name: &str, password: &str) -> (u16, String) {
    let mut b = Browser::new(s);
    let html = login_page(&mut b, START).await;
    let r = submit_login(&mut b, &html, name, password).await;
    let status = r.status().as_u16();
    let next = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, next)
}

async fn a_verified_email_or_any_case_of_the_username_signs_in(db: Db) {
    let s = Server::start(db).await;
    web_client(&s).await; // alice, no email
    let r = create_user(
        &s,
        json!({"username": "Carol", "password": PASSWORD,
               "claims": {"email": "Carol.Jones@Example.com", "email_verified": true}}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = create_user(
        &s,
        json!({"username": "dan", "password": PASSWORD,
               "claims": {"email": "dan@example.com", "email_verified": false}}),
    )
    .await;
    assert_eq!(r.status(), 201);
    for name in [
        "Carol",
        "carol",
        "carol.jones@example.com",
        "CAROL.JONES@EXAMPLE.COM",
        "ALICE",
    ] {
        let (status, next) = sign_in(&s, name, PASSWORD).await;
        assert_eq!(status, 303, "{name}");
        assert!(next.starts_with(CB), "{name}: {next}");
    }
    // An address that is not verified is not a way in.
    let (status, _) = sign_in(&s, "dan@example.com", PASSWORD).await;
    assert_eq!(status, 401);
    // The right name with a wrong password is still wrong.
    let (status, _) = sign_in(&s, "carol.jones@example.com", "wrong password").await;
    assert_eq!(status, 401);
}

async fn a_verified_email_belongs_to_one_user(db: Db) {
    let s = Server::start(db).await;
    web_client(&s).await;
    let claims = json!({"email": "shared@example.com", "email_verified": true});
    let r = create_user(
        &s,
        json!({"username": "erin", "password": PASSWORD, "claims": claims}),
    )
    .await;
    assert_eq!(r.status(), 201);
    // A second user with that verified address is refused, on create ...
    let r = create_user(
        &s,
        json!({"username": "frank", "password": PASSWORD,
               "claims": {"email": "SHARED@example.com", "email_verified": true}}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errorCode"], "email_taken", "{body}");
    assert!(
        body["errorSummary"].as_str().unwrap().contains("erin"),
        "{body}"
    );
    // ... and on update; unverified, the address may be shared.
    let r = create_user(
        &s,
        json!({"username": "frank", "password": PASSWORD,
               "claims": {"email": "shared@example.com"}}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let frank: Value = r.json().await.unwrap();
    let sub = frank["sub"].as_str().unwrap();
    let r = s
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"claims": {"email_verified": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    // The CLI says the same.
    let (code, _, err) = s.run(&[
        "user",
        "create",
        "--username",
        "gina",
        "--claims",
        r#"{"email":"shared@example.com","email_verified":true}"#,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("email_taken"), "{err}");
}

/// Written before the rule (or by two racing writes): two users with one
/// verified address. That address signs in neither, and the log says why;
/// their usernames still work.
async fn a_shared_verified_email_signs_in_nobody(db: Db) {
    let s = Server::start(db).await;
    web_client(&s).await;
    for name in ["hal", "ivy"] {
        let r = create_user(
            &s,
            json!({"username": name, "password": PASSWORD,
                   "claims": {"email": "team@example.com", "email_verified": false}}),
        )
        .await;
        assert_eq!(r.status(), 201);
    }
    s.sql(
        "UPDATE users SET verified_email = 'team@example.com', \
         claims = REPLACE(claims, '\"email_verified\":false', '\"email_verified\":true') \
         WHERE username IN ('hal', 'ivy')",
    )
    .await;
    let (status, _) = sign_in(&s, "team@example.com", PASSWORD).await;
    assert_eq!(status, 401);
    assert!(
        s.logs()
            .contains("the email a sign-in named is shared by several users"),
        "{}",
        s.logs()
    );
    for name in ["hal", "ivy"] {
        let (status, _) = sign_in(&s, name, PASSWORD).await;
        assert_eq!(status, 303, "{name}");
    }
}

crate::both!(
    a_verified_email_or_any_case_of_the_username_signs_in,
    a_verified_email_belongs_to_one_user,
    a_shared_verified_email_signs_in_nobody,
);
