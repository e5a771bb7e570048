//! Browser sessions, pending interactions (an authorization request waiting
//! for login or consent) and remembered consents. All server-side, so any
//! node can continue a flow another node started.

use crate::request::Purpose;

/// A signed-in browser. The cookie holds a 256-bit token; only its keyed
/// hash is stored. `sid` is the public session id put in ID tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id_hash: String,
    pub sid: String,
    pub sub: String,
    pub auth_time: i64,
    pub amr: Vec<String>,
    pub acr: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    /// The browser and system its User-Agent named when it signed in, for
    /// the person's list of their sessions (see [`Device`]).
    pub user_agent: Option<String>,
    /// The address it signed in from.
    pub address: Option<String>,
}

/// The browser and system a `User-Agent` header names, as the person
/// recognises them ("Firefox", "Linux"). Only this is kept with the
/// session, stored as `browser/system` (either side may be empty) so the
/// account page can say it in the page's language; names themselves are
/// never translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Device<'a> {
    pub browser: Option<&'a str>,
    pub system: Option<&'a str>,
}

impl<'a> Device<'a> {
    /// Reads a stored summary. A value without `/` (written before this
    /// format) is taken as a browser name so it still shows.
    pub fn parse(stored: &'a str) -> Self {
        let some = |s: &'a str| (!s.is_empty()).then_some(s);
        match stored.split_once('/') {
            Some((browser, system)) => Device {
                browser: some(browser),
                system: some(system),
            },
            None => Device {
                browser: some(stored),
                system: None,
            },
        }
    }

    /// The stored form.
    pub fn stored(&self) -> String {
        format!(
            "{}/{}",
            self.browser.unwrap_or(""),
            self.system.unwrap_or("")
        )
    }
}

/// The stored device summary of a `User-Agent` header (see [`Device`]).
pub fn device_summary(user_agent: &str) -> String {
    // Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
    const BROWSERS: &[(&str, &str)] = &[
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("HeadlessChrome/", "Headless Chrome"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ];
    const SYSTEMS: &[(&str, &str)] = &[
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ];
    let find = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(needle, _)| user_agent.contains(needle))
            .map(|(_, name)| *name)
    };
    Device {
        browser: find(BROWSERS),
        system: find(SYSTEMS),
    }
    .stored()
}

/// What a user already allowed a client, remembered after Allow: the
/// scopes, and the APIs (RFC 8707 resources) they were allowed for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consent {
    /// Space separated.
    pub scope: String,
    /// Resource identifiers, in the order they were first allowed.
    pub resources: Vec<String>,
}

impl Consent {
    /// Every resource in `named` was allowed before.
    pub fn covers_resources(&self, named: &[String]) -> bool {
        named.iter().all(|r| self.resources.contains(r))
    }
}

/// An application the user allowed, as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub client_id: String,
    pub scope: String,
    pub updated_at: i64,
    /// When tokens were last issued to the client for the user, if since
    /// recorded.
    pub last_used_at: Option<i64>,
}

/// A sign-in in progress: a request waiting for its person. Bound to the
/// browser that started it by the hash of a cookie value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionRecord {
    pub id: String,
    pub browser_hash: String,
    pub purpose: Purpose,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A grant to remember: `sub` allowed `client_id` the space-separated `scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentGrant<'a> {
    pub sub: &'a str,
    pub client_id: &'a str,
    pub scope: &'a str,
    /// The resources to remember (all of them, earlier ones included).
    pub resources: &'a [String],
    pub now: i64,
}

/// The answer to `SessionStore::reserve_attempt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Counted: the attempt may be checked.
    Granted,
    /// The window that began at `window_start` is full.
    Refused { window_start: i64 },
}

#[cfg(test)]
mod tests {
    use super::{Device, device_summary};

    #[test]
    fn user_agents_read_as_a_browser_and_a_system() {
        for (ua, summary) in [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
                "Firefox/Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0",
                "Edge/Windows",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
                "Safari/iPhone",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
                "Chrome/Android",
            ),
            ("curl/8.5.0", "curl/"),
            ("", "/"),
        ] {
            assert_eq!(device_summary(ua), summary, "{ua}");
        }
    }

    #[test]
    fn stored_summaries_read_back() {
        for stored in ["Firefox/Linux", "curl/", "/Android", "/"] {
            assert_eq!(Device::parse(stored).stored(), stored);
        }
        assert_eq!(
            Device::parse("Firefox on Linux"),
            Device {
                browser: Some("Firefox on Linux"),
                system: None
            }
        );
        assert_eq!(
            Device::parse("/"),
            Device {
                browser: None,
                system: None
            }
        );
    }
}
