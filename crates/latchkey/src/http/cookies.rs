//! The browser cookies: the session (who is signed in), the browser
//! binding (ties an interaction and its CSRF token to this browser) and the
//! language the person picked.
//!
//! On an https issuer their names carry the `__Host-` prefix: a browser
//! then accepts them only from this host, Secure, with `Path=/` and no
//! `Domain`, so a sibling subdomain or a plain-http page cannot plant or
//! shadow them. The browser binding is also signed: a value this server did
//! not issue is ignored.

use crate::app::App;
use axum::http::{HeaderMap, HeaderValue, header};
use latchkey_core::crypto::{CryptoError, random_token};

/// One of our cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cookie {
    Session,
    Browser,
    /// The language the person picked with the switcher (not a secret).
    Language,
}

impl Cookie {
    /// Its name on this server. `__Host-` needs `Secure`, so the prefix
    /// also follows [`App::secure_cookies`]: a prefixed cookie set without
    /// it would be dropped by the browser.
    pub fn name(self, app: &App) -> &'static str {
        let host_only = app.config.issuer.starts_with("https://") && app.secure_cookies();
        match (self, host_only) {
            (Cookie::Session, false) => "latchkey_session",
            (Cookie::Session, true) => "__Host-latchkey_session",
            (Cookie::Browser, false) => "latchkey_browser",
            (Cookie::Browser, true) => "__Host-latchkey_browser",
            (Cookie::Language, false) => "latchkey_lang",
            (Cookie::Language, true) => "__Host-latchkey_lang",
        }
    }
}

/// The value of `cookie`, if the request carries it.
pub fn get(app: &App, headers: &HeaderMap, cookie: Cookie) -> Option<String> {
    find(headers, cookie.name(app))
}

/// `Set-Cookie` for `cookie`: HttpOnly, SameSite=Lax, Secure as
/// [`App::secure_cookies`] decides.
pub fn set(app: &App, cookie: Cookie, value: &str, max_age: Option<i64>) -> Option<HeaderValue> {
    set_cookie(cookie.name(app), value, max_age, app.secure_cookies())
}

/// A new browser binding: a random value and its MAC under the server
/// secret, `RANDOM.MAC`.
pub fn new_browser(app: &App) -> Result<String, CryptoError> {
    let random = random_token()?;
    let mac = app.secrets.hash(&browser_label(&random));
    Ok(format!("{random}.{mac}"))
}

/// The browser binding the request carries, if this server issued it
/// (checked in constant time). Anything else counts as no binding.
pub fn browser(app: &App, headers: &HeaderMap) -> Option<String> {
    let value = get(app, headers, Cookie::Browser)?;
    let (random, mac) = value.split_once('.')?;
    app.secrets
        .verify(&browser_label(random), mac)
        .then_some(value)
}

/// What the browser binding's MAC covers; the label keeps it apart from
/// every other keyed hash of the server.
fn browser_label(random: &str) -> String {
    format!("browser:{random}")
}

fn find(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> Option<HeaderValue> {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; latchkey_session=abc; b=2"),
        );
        assert_eq!(find(&h, "latchkey_session").as_deref(), Some("abc"));
        assert_eq!(find(&h, "latchkey_browser"), None);
        let v = set_cookie("__Host-latchkey_session", "x", Some(60), true);
        assert_eq!(
            v.as_ref().and_then(|v| v.to_str().ok()),
            Some("__Host-latchkey_session=x; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure")
        );
    }
}
