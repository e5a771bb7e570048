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
