//! The browser cookies: the session (who is signed in) and the browser
//! binding (ties an interaction and its CSRF token to this browser).

use axum::http::{HeaderMap, HeaderValue, header};

pub const SESSION: &str = "latchkey_session";
pub const BROWSER: &str = "latchkey_browser";

/// The value of cookie `name`, if the request carries it.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
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

/// `Set-Cookie` for one of ours: HttpOnly, SameSite=Lax, Secure on https.
pub fn set(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> Option<HeaderValue> {
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
        assert_eq!(get(&h, SESSION).as_deref(), Some("abc"));
        assert_eq!(get(&h, BROWSER), None);
        let v = set(SESSION, "x", Some(60), true);
        assert_eq!(
            v.as_ref().and_then(|v| v.to_str().ok()),
            Some("latchkey_session=x; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure")
        );
    }
}
