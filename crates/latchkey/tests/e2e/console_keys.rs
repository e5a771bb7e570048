//! The console's signing keys (`/admin/keys`) in Chromium: the keys with
//! their state and publication, a rotation of every algorithm and of one
//! (the new keys are published at `/jwks` and the old ones stay there).
//! On both databases; screenshots at 1280 and 390 px wide.

use crate::browser::Driver;
use crate::console::{PASSWORD, console_sign_in, create_user};
use crate::support::{Db, Server};
use serde_json::Value;

async fn rows(d: &Driver) -> Vec<Vec<String>> {
    let v = d
        .script(
            "return [...document.querySelectorAll('#keys tbody tr')].map(r => [...r.children].map(c => c.textContent));",
        )
        .await;
    serde_json::from_value(v).unwrap()
}

async fn published_kids(s: &Server) -> Vec<String> {
    let jwks: Value = s
        .http
        .get(s.url("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

async fn keys_in_chromium(db: Db) {
    let s = Server::start(db).await;
    create_user(&s, "ada", &["admin"]);
    let d = Driver::start().await;
    console_sign_in(&d, &s, "ada", PASSWORD).await;
    d.goto(&s.url("/admin/keys")).await;
    d.wait_for_text("Keys, newest first").await;
    let before = rows(&d).await;
    assert_eq!(before.len(), 2, "{before:?}");
    assert!(
        before.iter().all(|r| r[2] == "active" && r[4] == "yes"),
        "{before:?}"
    );

    d.click_to_next_page("#rotate-all").await;
    d.wait_for_text("New active keys").await;
    let after = rows(&d).await;
    assert_eq!(after.len(), 4, "{after:?}");
    let active: Vec<&Vec<String>> = after.iter().filter(|r| r[2] == "active").collect();
    let retired: Vec<&Vec<String>> = after.iter().filter(|r| r[2] == "retired").collect();
    assert_eq!((active.len(), retired.len()), (2, 2), "{after:?}");
    assert!(
        retired.iter().all(|r| r[4].starts_with("yes, until")),
        "{after:?}"
    );
    let published = published_kids(&s).await;
    for row in &after {
        assert!(published.contains(&row[0]), "{} published", row[0]);
    }
    d.check_page("console-keys").await;

    // The page after the first rotation shows the same notice: wait for the
    // next page itself. Keys made within one second sort by kid, so the new
    // key is found as the one not there before, not as the first row.
    d.click_to_next_page("#rotate-es256").await;
    d.wait_for_text("New active keys").await;
    let last = rows(&d).await;
    assert_eq!(last.len(), 5, "{last:?}");
    let new: Vec<&Vec<String>> = last
        .iter()
        .filter(|r| !after.iter().any(|a| a[0] == r[0]))
        .collect();
    assert_eq!(new.len(), 1, "{last:?}");
    let new = new.first().unwrap();
    assert_eq!((new[1].as_str(), new[2].as_str()), ("ES256", "active"));
    assert_eq!(last.iter().filter(|r| r[2] == "active").count(), 2);
    assert!(published_kids(&s).await.contains(&new[0]));
}

crate::both!(keys_in_chromium);
