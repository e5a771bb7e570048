//! Browser sessions, pending interactions (an authorization request waiting
//! for login or consent) and remembered consents. All server-side, so any
//! node can continue a flow another node started.

use crate::grant::CodeRecord;
use crate::request::Purpose;
use crate::store::{RefreshRecord, StoreResult};

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

/// The answer to [`SessionStore::reserve_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Counted: the attempt may be checked.
    Granted,
    /// The window that began at `window_start` is full.
    Refused { window_start: i64 },
}

/// The outcome of [`SessionStore::redeem_code`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    Fresh(CodeRecord),
    Reused(CodeRecord),
    Unknown,
}

#[async_trait::async_trait]
pub trait SessionStore: Send + Sync {
    async fn insert_session(&self, session: &SessionRecord) -> StoreResult<()>;
    async fn get_session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>>;
    async fn delete_session(&self, id_hash: &str) -> StoreResult<bool>;

    async fn insert_interaction(&self, interaction: &InteractionRecord) -> StoreResult<()>;
    async fn get_interaction(&self, id: &str) -> StoreResult<Option<InteractionRecord>>;
    /// Remove and return it: an interaction completes once.
    async fn take_interaction(&self, id: &str) -> StoreResult<Option<InteractionRecord>>;

    /// The scope the user already granted the client, space separated.
    async fn get_consent(&self, sub: &str, client_id: &str) -> StoreResult<Option<String>>;
    async fn put_consent(
        &self,
        sub: &str,
        client_id: &str,
        scope: &str,
        now: i64,
    ) -> StoreResult<()>;

    /// Keep an issued authorization code (by its hash).
    async fn insert_code(&self, code: &CodeRecord) -> StoreResult<()>;
    /// End a sign-in with its code, in one transaction: take the
    /// interaction (when one is named), remember the consent (when given)
    /// and keep the code. `false`, with nothing written, when the
    /// interaction was already taken: a sign-in completes once.
    async fn finish_with_code(
        &self,
        interaction: Option<&str>,
        consent: Option<ConsentGrant<'_>>,
        code: &CodeRecord,
    ) -> StoreResult<bool>;
    /// Redeem a code exactly once, atomically across nodes: the first call
    /// gets `Fresh`, every later one `Reused` (the caller then revokes the
    /// grant), an unknown hash `Unknown`.
    async fn redeem_code(&self, code_hash: &str, now: i64) -> StoreResult<Redemption> {
        self.redeem_code_then(code_hash, now, &mut |_| None).await
    }
    /// [`redeem_code`](Self::redeem_code), keeping in the same transaction
    /// the refresh token `then` makes from a fresh code (`None`: none to
    /// keep). The code is used whatever `then` decides: redemption is final.
    async fn redeem_code_then(
        &self,
        code_hash: &str,
        now: i64,
        then: &mut (dyn for<'r> FnMut(&'r CodeRecord) -> Option<RefreshRecord> + Send),
    ) -> StoreResult<Redemption>;

    /// Count one failed sign-in for `key` in a window of `window` seconds
    /// (a new window starts when the old one is over); returns the count
    /// and when the window started. Atomic across nodes.
    async fn record_login_failure(
        &self,
        key: &str,
        now: i64,
        window: i64,
    ) -> StoreResult<(i64, i64)>;
    /// The failures counted for `key` (count, window start), if any.
    async fn login_failures(&self, key: &str) -> StoreResult<Option<(i64, i64)>>;
    async fn clear_login_failures(&self, key: &str) -> StoreResult<()>;
    /// Count one attempt for `key` before it is checked, unless `limit`
    /// are already counted in the current window: one statement, so
    /// parallel attempts on any number of nodes cannot all pass a check
    /// made before the slow part. An attempt that fails stays counted as a
    /// failure; one that succeeds clears the key or gives its place back
    /// with [`release_attempt`](Self::release_attempt).
    async fn reserve_attempt(
        &self,
        key: &str,
        now: i64,
        window: i64,
        limit: i64,
    ) -> StoreResult<Reservation>;
    /// Give back one reserved attempt that turned out not to count.
    async fn release_attempt(&self, key: &str) -> StoreResult<()>;

    /// Remove expired sessions and interactions (interactions are kept a
    /// day past expiry so a late submission can still be answered
    /// precisely); at most `limit` rows per table.
    async fn purge_sessions(&self, now: i64, limit: i64) -> StoreResult<u64>;
}
