//! The pages speak English and German: the client's `ui_locales`, the
//! switcher on every page, an earlier choice and `Accept-Language` decide,
//! in that order; what developers read stays English.

use crate::authorize::{Browser, hidden, location, login_page, setup, submit_login};
use crate::support::{Db, Server};
use serde_json::{Value, json};

fn lang_of(html: &str) -> &str {
    let at = html.find("<html lang=\"").expect("no <html lang>") + 12;
    html[at..].split('"').next().unwrap()
}

/// The switcher's link to `tag`, as the page gives it (HTML-unescaped).
fn switch_link(html: &str, tag: &str) -> String {
    let marker = format!("href=\"/language?to={tag}&amp;return=");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no switch to {tag} in {html}"))
        + 6;
    html[at..].split('"').next().unwrap().replace("&amp;", "&")
}

#[tokio::test]
async fn discovery_lists_the_languages() {
    let s = Server::start(Db::Sqlite).await;
    let doc: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["ui_locales_supported"], json!(["en", "de"]));
}

#[tokio::test]
async fn ui_locales_then_the_switcher_choose_the_sign_in_language() {
    let s = Server::start(Db::Sqlite).await;
    let start = setup(&s, json!({})).await;
    let mut b = Browser::new(&s);
    // The client asks for German (after a language we lack).
    let html = login_page(&mut b, &format!("{start}&ui_locales=fr%20de")).await;
    assert_eq!(lang_of(&html), "de");
    assert!(html.contains("<h1>Anmelden</h1>"), "{html}");
    assert!(html.contains("um mit <strong>Example App</strong> fortzufahren"));
    assert!(html.contains("<label for=\"password\">Passwort</label>"));
    assert!(html.contains("<span aria-current=\"true\" lang=\"de\">Deutsch</span>"));
    // A wrong password is told in German.
    let r = submit_login(&mut b, &html, "alice", "wrong").await;
    assert_eq!(r.status(), 401);
    let again = r.text().await.unwrap();
    assert!(
        again.contains("Der Benutzername oder das Passwort ist falsch."),
        "{again}"
    );
    // The person switches to English on the refused form: the switcher
    // returns to this sign-in's login page, now in English, although the
    // client asked for German (a choice made during the sign-in wins).
    let link = switch_link(&again, "en");
    let r = b.get(&link).await;
    assert_eq!(r.status(), 303);
    let back = location(&r);
    assert_eq!(back, format!("/login?i={}", hidden(&html, "i")));
    assert!(
        b.cookies
            .get("latchkey_lang")
            .is_some_and(|v| v.starts_with("en."))
    );
    let html = b.get(&back).await.text().await.unwrap();
    assert_eq!(lang_of(&html), "en");
    assert!(html.contains("<h1>Sign in</h1>"));
    // A new sign-in whose client asks for German gets German again: an
    // earlier choice yields to the client's ui_locales.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let html = login_page(&mut b, &format!("{start}&ui_locales=de")).await;
    assert_eq!(lang_of(&html), "de");
    // Without ui_locales, the choice stands.
    let html = login_page(&mut b, &start).await;
    assert_eq!(lang_of(&html), "en");
}

#[tokio::test]
async fn the_consent_page_speaks_german() {
    let s = Server::start(Db::Sqlite).await;
    let start = setup(&s, json!({})).await;
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, &format!("{start}&ui_locales=de")).await;
    let r = submit_login(&mut b, &html, "alice", "correct horse battery").await;
    let consent = location(&r);
    assert!(consent.starts_with("/consent?i="), "{consent}");
    let html = b.get(&consent).await.text().await.unwrap();
    assert_eq!(lang_of(&html), "de");
    assert!(html.contains("<h1>Zugriff erlauben?</h1>"), "{html}");
    assert!(html.contains("<strong>Example App</strong> möchte:"));
    assert!(html.contains("Ihre E-Mail-Adresse sehen"));
    assert!(html.contains(">Erlauben</button>"));
    assert!(html.contains("Angemeldet als <strong>alice</strong>."));
}

#[tokio::test]
async fn accept_language_and_the_cookie_choose_other_pages() {
    let s = Server::start(Db::Sqlite).await;
    let get = |path: &str, headers: &[(&str, &str)]| {
        let mut req = s.http.get(s.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send()
    };
    let html = get("/", &[("accept-language", "de-DE,de;q=0.9,en;q=0.8")])
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(lang_of(&html), "de");
    assert!(html.contains("Dies ist der Anmeldedienst"));
    // An earlier choice beats Accept-Language.
    let html = get(
        "/device",
        &[("accept-language", "de"), ("cookie", "latchkey_lang=en.1")],
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert_eq!(lang_of(&html), "en");
    assert!(html.contains("<h1>Connect a device</h1>"));
    // An error page: the person's words in German, the developer's
    // details in English.
    let r = get(
        "/authorize?client_id=nobody&response_type=code&ui_locales=de",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert_eq!(lang_of(&html), "de");
    assert!(html.contains("Fehlerreferenz"), "{html}");
    assert!(html.contains("<dl lang=\"en\"><dt>error</dt>"), "{html}");
    // Unknown languages and foreign return addresses are ignored.
    let r = get("/language?to=xx&return=//evil.example/", &[])
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/");
    assert!(r.headers().get("set-cookie").is_none());
}

/// In a real browser: the login page in German (accessible, at both
/// widths), then the switcher's link to English, which comes back to the
/// same sign-in.
#[tokio::test]
async fn a_real_browser_switches_the_language() {
    use crate::browser::Driver;
    let s = Server::start(Db::Sqlite).await;
    let start = setup(&s, json!({})).await;
    let d = Driver::start().await;
    d.goto(&s.url(&format!("{start}&ui_locales=de"))).await;
    let at = d.wait_for(&s.url("/login")).await;
    let html = d.wait_for_text("<h1>Anmelden</h1>").await;
    assert!(html.contains("lang=\"de\""));
    d.check_page("login-de").await;
    d.click("nav.languages a[hreflang=en]").await;
    d.wait_for_text("<h1>Sign in</h1>").await;
    assert_eq!(d.url().await, at);
}
