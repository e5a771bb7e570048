//! An administrator's first hour in the console, in one Chromium session:
//! sign in through the login page, create a client, rotate its secret,
//! find by its `error_id` the refusal the old secret then gets, and end a
//! user's browser session. Each step is checked where it matters: at
//! `/token`, in the error record and in the signed-out browser. The
//! sections' own tests cover the rest of each page.

use crate::authorize::{Browser, location, login_page, submit_login};
use crate::browser::Driver;
use crate::cluster::{CB, START, web_client};
use crate::console::{PASSWORD, console_sign_in, create_user};
use crate::console_clients::token;
use crate::support::Server;
use serde_json::Value;

async fn text_of(d: &Driver, css: &str) -> String {
    let script = format!(
        "return document.querySelector({}).textContent;",
        serde_json::to_string(css).unwrap()
    );
    d.script(&script).await.as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_admin_journey() {
    let s = Server::start(crate::support::Db::Sqlite).await;
    create_user(&s, "ada", &["admin"]);
    // Alice signs in to an app in her own browser.
    web_client(&s).await;
    let mut alice = Browser::new(&s);
    let html = login_page(&mut alice, START).await;
    let r = submit_login(&mut alice, &html, "alice", PASSWORD).await;
    assert!(location(&r).starts_with(CB), "{}", location(&r));

    // The administrator signs in through the login page.
    let d = Driver::start().await;
    console_sign_in(&d, &s, "ada", PASSWORD).await;

    // Creates a service client; its secret is shown once.
    d.goto(&s.url("/admin/clients")).await;
    d.click_to_next_page("#new-client").await;
    d.type_into("#client_id", "reports").await;
    // The form starts with the code grant ticked: a service has none.
    for grant in ["authorization_code", "refresh_token", "client_credentials"] {
        d.click(&format!("input[name=grant_types][value={grant}]"))
            .await;
    }
    d.script("document.getElementById('token_endpoint_auth_method').value = 'client_secret_post'; document.getElementById('scope').value = 'api:read'; return true;")
        .await;
    d.click_to_next_page("form.console-form button.primary")
        .await;
    d.wait_for_text("was created").await;
    let first = text_of(&d, "#new-secret").await;
    assert_eq!(token(&s, "reports", &first).await.status(), 200);

    // Rotates it without a grace period: the old secret stops at once.
    d.goto(&s.url("/admin/clients/reports")).await;
    d.script("document.getElementById('grace').value = '0'; return true;")
        .await;
    d.click_to_next_page("form:has(input[name=action][value=rotate]) button")
        .await;
    d.wait_for_text("has a new secret").await;
    let second = text_of(&d, "#new-secret").await;
    assert_ne!(second, first);
    assert_eq!(token(&s, "reports", &second).await.status(), 200);
    let r = token(&s, "reports", &first).await;
    assert_eq!(r.status(), 401);
    let refused: Value = r.json().await.unwrap();
    let error_id = refused["error_id"].as_str().unwrap().to_string();
    let cause = refused["error_uri"]
        .as_str()
        .unwrap()
        .rsplit_once('#')
        .unwrap()
        .1
        .to_string();

    // Finds that refusal by its error_id.
    s.kept_error(&error_id).await;
    d.goto(&s.url("/admin/errors")).await;
    d.type_into("#error_id", &error_id).await;
    d.click_to_next_page("form[role=search] button").await;
    let found = text_of(&d, "#occurrence").await;
    assert!(found.contains(&error_id), "{found}");
    assert!(found.contains(&cause), "{found}");
    assert!(found.contains("reports"), "{found}");

    // Ends Alice's browser session: her browser is signed out.
    d.goto(&s.url("/admin/users?q=alice")).await;
    d.click_to_next_page("a[href^='/admin/users/']").await;
    d.wait_for_text("Browser sessions").await;
    d.click_to_next_page("form:has(input[name=action][value=session_end]) button[type=submit]")
        .await;
    d.wait_for_text("The session was ended.").await;
    let r = alice.get(START).await;
    assert!(location(&r).starts_with("/login?i="), "{}", location(&r));
    d.check_page("console-journey").await;
}
