//! The browser cookies: the browser binding is signed (a planted value binds
//! nothing), and on an https issuer both cookies are `__Host-` cookies.

use crate::authorize::{Browser, assert_redirect, hidden, location, query_of, setup, submit_login};
use crate::support::{Db, Server};
use serde_json::json;

/// The `Set-Cookie` headers of `r` for cookie `name`.
fn set_cookies(r: &reqwest::Response, name: &str) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .filter(|v| v.starts_with(&format!("{name}=")))
        .collect()
}

#[tokio::test]
async fn a_forged_browser_binding_is_not_accepted() {
    let s = Server::start(Db::Sqlite).await;
    let start = setup(&s, json!({})).await;
    // Values an attacker could plant: made up, and shaped like ours.
    for forged in [
        "attacker-chosen-value",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let mut b = Browser::new(&s);
        b.cookies
            .insert("latchkey_browser".into(), forged.to_string());
        let r = b.get(&start).await;
        assert_eq!(r.status(), 303);
        let login = location(&r);
        assert!(login.starts_with("/login?i="), "{login}");
        // A fresh binding is issued in its place.
        let set = set_cookies(&r, "latchkey_browser");
        assert_eq!(set.len(), 1, "no new browser binding for {forged:?}");
        let fresh = b.cookies["latchkey_browser"].clone();
        assert_ne!(fresh, forged);
        // The sign-in is bound to the fresh value, not the planted one.
        let mut planted = Browser::new(&s);
        planted
            .cookies
            .insert("latchkey_browser".into(), forged.to_string());
        let r = planted.get(&login).await;
        assert_redirect(&s, &r, "access_denied", "session_lost");
        let r = b.get(&login).await;
        assert_eq!(r.status(), 200);
        // A signed binding is kept as it is.
        let r = b.get(&start).await;
        assert!(set_cookies(&r, "latchkey_browser").is_empty());
        assert_eq!(b.cookies["latchkey_browser"], fresh);
    }
}

#[tokio::test]
async fn cookies_of_an_https_issuer_are_host_cookies() {
    // The server is still reached over plain http on 127.0.0.1: only the
    // issuer (as behind a TLS-terminating proxy) is https.
    let s = Server::start_with(Db::Sqlite, &[("LATCHKEY_ISSUER", "https://id.example")]).await;
    let start = setup(&s, json!({})).await;
    let mut b = Browser::new(&s);
    let r = b.get(&start).await;
    let login = location(&r);
    assert!(login.starts_with("/login?i="), "{login}");
    let set = set_cookies(&r, "__Host-latchkey_browser");
    assert_eq!(set.len(), 1, "{:?}", r.headers());
    let attributes = |c: &str| {
        c.split(';')
            .skip(1)
            .map(|a| a.trim().to_ascii_lowercase())
            .collect::<Vec<_>>()
    };
    for c in &set {
        let a = attributes(c);
        assert!(a.contains(&"secure".to_string()), "{c}");
        assert!(a.contains(&"path=/".to_string()), "{c}");
        assert!(!a.iter().any(|a| a.starts_with("domain")), "{c}");
    }
    assert!(set_cookies(&r, "latchkey_browser").is_empty());

    // The same value under the plain name (as a sibling host could set
    // it) is not the binding.
    let mut plain = Browser::new(&s);
    plain.cookies.insert(
        "latchkey_browser".into(),
        b.cookies["__Host-latchkey_browser"].clone(),
    );
    let r = plain.get(&login).await;
    let q = query_of(&location(&r));
    assert_eq!(q["error"], "access_denied", "{q:?}");
    assert_eq!(
        q["error_uri"],
        "https://id.example/errors/access_denied#session_lost"
    );

    // Read back: the login page, then the session cookie.
    let r = b.get(&login).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let r = submit_login(&mut b, &html, "alice", "correct horse battery").await;
    assert_eq!(r.status(), 303);
    let set = set_cookies(&r, "__Host-latchkey_session");
    assert_eq!(set.len(), 1, "{:?}", r.headers());
    let a = attributes(&set[0]);
    assert!(a.contains(&"secure".to_string()), "{}", set[0]);
    assert!(a.contains(&"path=/".to_string()), "{}", set[0]);
    // An https issuer has passkeys on: the offer to add one comes first.
    assert!(location(&r).starts_with("/passkey?i="), "{}", location(&r));
    // The session is recognised: the next authorization skips the login.
    let r = b.get(&start).await;
    let next = location(&r);
    assert!(next.starts_with("/consent?i="), "{next}");
    let r = b.get(&next).await;
    assert_eq!(r.status(), 200);
    assert!(!hidden(&r.text().await.unwrap(), "csrf").is_empty());
}
