//! Users in the admin console, and what its operations do everywhere:
//! a locked account signs in no way and its sessions end; unlocked, it
//! signs in again.

use crate::authorize::{Browser, location, login_page, submit_login};
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

    let shown = patch_user(&s, &sub, json!({"locked": false})).await;
    assert_eq!(shown["locked"], false, "{shown}");
    assert!(shown.get("locked_at").is_none(), "{shown}");
    let mut b = Browser::new(&s);
    let (status, next, _) = sign_in_as_alice(&mut b).await;
    assert_eq!(status, 303);
    assert!(next.starts_with(CB), "{next}");
}

crate::both!(a_locked_user_signs_in_no_way_until_unlocked);
