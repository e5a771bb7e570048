//! Users in the admin console, and what its operations do everywhere:
//! a locked account signs in no way and its sessions end; unlocked, it
//! signs in again.

use crate::authorize::{Browser, hidden, location, login_page, submit_login};
use crate::browser::Driver;
use crate::cluster::{CB, PASSWORD, START, web_client};
use crate::support::{Db, Server};
use reqwest::Method;
use serde_json::{Value, json};

async fn sub_of(s: &Server, username: &str) -> String {
    let r = s
        .admin(Method::GET, &format!("/users/{username}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["sub"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn patch_user(s: &Server, sub: &str, body: Value) -> Value {
    let r = s
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Sign in as alice in `b`: the status and where it leads.
async fn sign_in_as_alice(b: &mut Browser<'_>) -> (u16, String, String) {
    let html = login_page(b, START).await;
    let r = submit_login(b, &html, "alice", PASSWORD).await;
    let status = r.status().as_u16();
    let next = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, next, r.text().await.unwrap())
}

async fn a_locked_user_signs_in_no_way_until_unlocked(db: Db) {
    let s = Server::start(db).await;
    web_client(&s).await;
    let sub = sub_of(&s, "alice").await;
    let mut signed_in = Browser::new(&s);
    let (status, next, _) = sign_in_as_alice(&mut signed_in).await;
    assert_eq!(status, 303);
    assert!(next.starts_with(CB), "{next}");

    let shown = patch_user(&s, &sub, json!({"locked": true})).await;
    assert_eq!(shown["locked"], true, "{shown}");
    assert!(shown["locked_at"].as_i64().is_some(), "{shown}");
    // Locking again keeps the first time.
    let again = patch_user(&s, &sub, json!({"locked": true})).await;
    assert_eq!(again["locked_at"], shown["locked_at"]);
    let r = s
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"locked": "yes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // The browser signed in before is signed out: the login page again.
    let r = signed_in.get(START).await;
    assert!(location(&r).starts_with("/login?i="), "{}", location(&r));
    // The right password is refused, and the page says why.
    let mut b = Browser::new(&s);
    let (status, _, html) = sign_in_as_alice(&mut b).await;
    assert_eq!(status, 403);
    assert!(html.contains("This account is locked."), "{html}");
    assert!(html.contains("/errors/access_denied#user_locked"), "{html}");
    let trail = s
        .admin(
            Method::GET,
            &format!("/audit?kind=sign_in&target=user:{sub}"),
        )
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(trail["events"][0]["outcome"], "failure", "{trail}");
    assert_eq!(
        trail["events"][0]["detail"]["cause"], "user_locked",
        "{trail}"
    );

    // The CLI unlocks, and locks, the same way.
    let (code, out, err) = s.run(&["user", "update", "alice", "--unlock"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"locked\": false"), "{out}");
    let (code, out, err) = s.run(&["user", "update", "alice", "--lock"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"locked\": true"), "{out}");
    let (code, _, _) = s.run(&["user", "update", "alice", "--lock", "--unlock"]);
    assert_eq!(code, 2);

    let shown = patch_user(&s, &sub, json!({"locked": false})).await;
    assert_eq!(shown["locked"], false, "{shown}");
    assert!(shown.get("locked_at").is_none(), "{shown}");
    let mut b = Browser::new(&s);
    let (status, next, _) = sign_in_as_alice(&mut b).await;
    assert_eq!(status, 303);
    assert!(next.starts_with(CB), "{next}");
}

/// A lock that commits while a sign-in is between its lock check and its
/// new session (held there by the fault point `signin.session`) still
/// ends that session: the app is told `access_denied`, and the browser is
/// not signed in.
#[tokio::test]
async fn a_lock_during_a_sign_in_ends_its_session() {
    let s = Server::start_with(
        Db::Sqlite,
        &[("FAILPOINTS", "signin.session=1*sleep(2000)")],
    )
    .await;
    web_client(&s).await;
    let sub = sub_of(&s, "alice").await;
    // A wrong password first: the account's failure row, which the right
    // password clears just before its lock check, tells when to lock.
    let mut wrong = Browser::new(&s);
    let html = login_page(&mut wrong, START).await;
    let r = submit_login(&mut wrong, &html, "alice", "not her password").await;
    assert_eq!(r.status(), 401);
    let failures = "SELECT COUNT(*) FROM login_failures WHERE key LIKE 'account:%'";
    assert_eq!(s.sql_count(failures).await, 1);

    let mut b = Browser::new(&s);
    let html = login_page(&mut b, START).await;
    let locking = async {
        while s.sql_count(failures).await > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        patch_user(&s, &sub, json!({"locked": true})).await
    };
    let (r, locked) = tokio::join!(submit_login(&mut b, &html, "alice", PASSWORD), locking);
    assert_eq!(locked["locked"], true);
    // The sign-in's refusal goes back to the app, as its other errors do.
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert!(to.starts_with(CB), "{to}");
    assert!(to.contains("error=access_denied"), "{to}");
    let r = b.get(START).await;
    assert!(location(&r).starts_with("/login?i="), "{}", location(&r));
    let sessions = s
        .sql_count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE sub = '{sub}'"
        ))
        .await;
    assert_eq!(sessions, 0);
    // The trail records the refused sign-in, with the lock as its cause.
    let trail = s
        .admin(
            Method::GET,
            &format!("/audit?kind=sign_in&target=user:{sub}"),
        )
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let newest = &trail["events"][0];
    assert_eq!(newest["outcome"], "failure", "{trail}");
    assert_eq!(newest["detail"]["cause"], "user_locked", "{trail}");
    assert_eq!(newest["detail"]["amr"], json!(["pwd"]), "{trail}");
}

// ---------------------------------------------------------------------------
// In a real browser

/// A Chromium signed in to the console as `root`, an administrator
/// created for it; the driver and how the trail names root.
async fn console_browser(s: &Server) -> (Driver, String) {
    let root = crate::console::create_user(s, "root", &["admin"]);
    let d = Driver::start().await;
    crate::console::console_sign_in(&d, s, "root", crate::console::PASSWORD).await;
    (d, format!("user:{}", root["sub"].as_str().unwrap()))
}

/// Press the button of the form of the open page whose action is `action`.
async fn press(d: &Driver, action: &str) {
    d.click(&format!(
        "form:has(input[name=action][value={action}]) button[type=submit]"
    ))
    .await;
}

async fn show(s: &Server, sub: &str) -> Value {
    let r = s
        .admin(Method::GET, &format!("/users/{sub}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn the_console_manages_users(db: Db) {
    let smtp = crate::mail::Smtp::start();
    let env = crate::mail::mail_env(smtp.port);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let s = Server::start_with(db, &env).await;
    web_client(&s).await;
    let alice = sub_of(&s, "alice").await;
    let (d, console_actor) = console_browser(&s).await;

    // Search.
    d.goto(&s.url("/admin/users")).await;
    d.wait_for_text("All users").await;
    crate::console_a11y::check(&d, "users").await;
    d.type_into("#q", "ALI").await;
    d.click("form[role=search] button[type=submit]").await;
    let html = d.wait_for_text("Users matching").await;
    assert!(html.contains(">alice<") && html.contains(&alice), "{html}");

    // Create carol, with an email.
    d.type_into("#new-username", "carol").await;
    d.type_into("#new-email", "carol@example.com").await;
    d.type_into("#new-name", "Carol").await;
    d.click("#create button[type=submit]").await;
    d.wait_for_text("The user was created.").await;
    let carol = sub_of(&s, "carol").await;
    assert!(d.url().await.contains(&carol));
    crate::console_a11y::check(&d, "user").await;

    // Edit a claim.
    d.script("document.getElementById('claim-name').value = 'Carol Jones'; return true;")
        .await;
    d.click("#claims-form button[type=submit]").await;
    d.wait_for_text("The claims were saved.").await;
    assert_eq!(show(&s, &carol).await["claims"]["name"], "Carol Jones");
    assert_eq!(
        show(&s, &carol).await["claims"]["email"],
        "carol@example.com"
    );

    // With mail on and an address, a reset sends the recovery mail.
    press(&d, "reset_mail").await;
    d.wait_for_text("A password reset email was sent").await;
    // (The first message is the verification link of her new address.)
    let message = smtp.wait_for(2, std::time::Duration::from_secs(10)).await;
    assert!(
        message["to"].to_string().contains("carol@example.com"),
        "{message}"
    );
    crate::mail::link_in(&message, &s.url("/recover/reset?t="));

    // Alice has no address: her new password is set here.
    d.goto(&s.url(&format!("/admin/users/{alice}"))).await;
    d.wait_for_text("Set the password").await;
    d.type_into("#new-password", "a brand new password").await;
    press(&d, "password").await;
    d.wait_for_text("The new password was set.").await;
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, START).await;
    let r = submit_login(&mut b, &html, "alice", "a brand new password").await;
    assert_eq!(r.status(), 303);

    // End that session: the browser signed in is signed out.
    d.goto(&s.url(&format!("/admin/users/{alice}"))).await;
    d.wait_for_text("Browser sessions").await;
    assert!(location(&b.get(START).await).starts_with(CB));
    press(&d, "session_end").await;
    d.wait_for_text("The session was ended.").await;
    assert!(location(&b.get(START).await).starts_with("/login?i="));
    assert!(d.source().await.contains("No browser session."));

    // Lock: the right password no longer signs in, the page says why.
    press(&d, "lock").await;
    d.wait_for_text("The user was locked").await;
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, START).await;
    let r = submit_login(&mut b, &html, "alice", "a brand new password").await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("user_locked"));
    press(&d, "unlock").await;
    d.wait_for_text("The user was unlocked").await;
    let html = login_page(&mut b, START).await;
    let r = submit_login(&mut b, &html, "alice", "a brand new password").await;
    assert_eq!(r.status(), 303);

    // Remove the authenticator app set up through the admin API.
    let r = s
        .admin(Method::PATCH, &format!("/users/{alice}"))
        .json(&json!({"totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    d.goto(&s.url(&format!("/admin/users/{alice}"))).await;
    d.wait_for_text("An authenticator app is set up").await;
    press(&d, "totp_remove").await;
    d.wait_for_text("The authenticator app was removed.").await;
    assert_eq!(show(&s, &alice).await["totp"], false);

    // Remove one of two passkeys (stored as the passkey tests store them).
    for (id, at) in [("pk-1", 10), ("pk-2", 20)] {
        s.sql(&format!(
            "INSERT INTO passkeys (id, sub, credential_id, name, credential, sign_count, created_at, last_used_at) \
             VALUES ('{id}', '{alice}', 'cred-{id}', 'Key {id}', '{{\"secret\":\"material\"}}', 3, {at}, NULL)"
        ))
        .await;
    }
    d.goto(&s.url(&format!("/admin/users/{alice}"))).await;
    d.wait_for_text("Key pk-2").await;
    d.click("li[data-id=pk-1] button[type=submit]").await;
    let html = d.wait_for_text("The passkey was removed.").await;
    assert!(!html.contains("Key pk-1") && html.contains("Key pk-2"));
    let r = s
        .admin(Method::GET, &format!("/users/{alice}/passkeys"))
        .send()
        .await
        .unwrap();
    let listed: Value = r.json().await.unwrap();
    assert_eq!(listed["passkeys"].as_array().unwrap().len(), 1, "{listed}");

    // Identity confidence.
    d.script("document.getElementById('identity').value = 'P2'; return true;")
        .await;
    press(&d, "identity").await;
    d.wait_for_text("The identity confidence was saved.").await;
    assert_eq!(show(&s, &alice).await["identity_confidence"], "P2");

    // The trail, filtered by kind and actor: the console's own changes,
    // by the signed-in person.
    d.goto(&s.url("/admin/audit")).await;
    d.wait_for_text("Audit trail").await;
    crate::console_a11y::check(&d, "audit").await;
    d.script("document.getElementById('kind').value = 'admin.user_updated'; return true;")
        .await;
    d.type_into("#actor", &console_actor).await;
    d.click("form[role=search] button[type=submit]").await;
    d.wait_for(&s.url("/admin/audit?kind=admin.user_updated&actor="))
        .await;
    let html = d.wait_for_text("identity_confidence").await;
    assert!(html.contains("\"locked\":true"), "{html}");
    assert!(!html.contains("data-kind=\"sign_in\""), "{html}");
    let r = s
        .admin(
            Method::GET,
            &format!("/audit?kind=admin.user_created&actor={console_actor}"),
        )
        .send()
        .await
        .unwrap();
    let trail: Value = r.json().await.unwrap();
    assert_eq!(trail["events"][0]["target"], format!("user:{carol}"));
}

/// A reader (the auditor role) sees every page without a write form, and
/// a write sent anyway is refused; so is an administrator's form without
/// this session's CSRF token. The roles form, with the right one, works.
async fn an_auditor_only_reads_and_forged_posts_are_refused(db: Db) {
    let s = Server::start(db).await;
    web_client(&s).await;
    let alice = sub_of(&s, "alice").await;
    crate::console::create_user(&s, "audrey", &["auditor"]);
    let root = crate::console::create_user(&s, "root", &["admin"]);
    let password = crate::console::PASSWORD;
    let (mut auditor, r) = crate::console::console_session(&s, "audrey", password).await;
    assert_eq!(r.status(), 303);
    let user_page = format!("/admin/users/{alice}");
    for path in ["/admin/users", user_page.as_str(), "/admin/audit"] {
        let r = auditor.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        let html = r.text().await.unwrap();
        // Only the sign-out form posts.
        assert_eq!(html.matches("method=\"post\"").count(), 1, "{path}: {html}");
        assert!(html.contains("action=\"/admin/sign-out\""), "{path}");
    }
    // The auditor's own CSRF token (from the sign-out form) does not make
    // a write.
    let html = auditor.get("/admin/users").await.text().await.unwrap();
    let csrf = hidden(&html, "csrf");
    let r = auditor
        .post(&user_page, &[("csrf", &csrf), ("action", "lock")])
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("console_read_only"));
    let r = auditor
        .post("/admin/users", &[("csrf", &csrf), ("username", "mallory")])
        .await;
    assert_eq!(r.status(), 403);
    // An administrator's session, with a forged token.
    let (mut admin, _) = crate::console::console_session(&s, "root", password).await;
    let r = admin
        .post(&user_page, &[("csrf", "forged"), ("action", "lock")])
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("console_form_invalid"));
    assert_eq!(show(&s, &alice).await["locked"], false);
    let r = s.admin(Method::GET, "/users/mallory").send().await.unwrap();
    assert_eq!(r.status(), 404);

    // With this session's token: the roles form.
    let html = admin.get(&user_page).await.text().await.unwrap();
    assert!(html.contains("name=\"role.auditor\""), "{html}");
    let csrf = hidden(&html, "csrf");
    let r = admin
        .post(
            &user_page,
            &[
                ("csrf", &csrf),
                ("action", "roles"),
                ("role.auditor", "true"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/admin/users/{alice}?done=roles"));
    assert_eq!(show(&s, &alice).await["roles"], json!(["auditor"]));
    let trail: Value = s
        .admin(Method::GET, "/audit?kind=admin.roles_changed")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let event = &trail["events"][0];
    assert_eq!(
        event["actor"],
        format!("user:{}", root["sub"].as_str().unwrap())
    );
    assert_eq!(event["target"], format!("user:{alice}"));
    assert_eq!(event["detail"]["roles"], json!(["auditor"]));
    // An unknown action is refused on the page, naming it.
    let r = admin
        .post(&user_page, &[("csrf", &csrf), ("action", "explode")])
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("explode"));
}

crate::both!(
    a_locked_user_signs_in_no_way_until_unlocked,
    the_console_manages_users,
    an_auditor_only_reads_and_forged_posts_are_refused,
);
