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
    /// A summary of the browser's User-Agent when it signed in, for the
    /// person's list of their sessions.
    pub user_agent: Option<String>,
    /// The address it signed in from.
    pub address: Option<String>,
}

/// A short name for the browser a `User-Agent` header describes, as the
/// person recognises it ("Firefox on Linux"); "Unknown browser" when it
/// says nothing known. Only this summary is kept with the session.
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
    match (find(BROWSERS), find(SYSTEMS)) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => format!("A browser on {s}"),
        (None, None) => "Unknown browser".to_string(),
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
    use super::device_summary;

    #[test]
    fn user_agents_read_as_a_browser_and_a_system() {
        for (ua, summary) in [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            ("curl/8.5.0", "curl"),
            ("", "Unknown browser"),
        ] {
            assert_eq!(device_summary(ua), summary, "{ua}");
        }
    }
}
