//! Browser sessions, pending interactions (an authorization request waiting
//! for login or consent), remembered consents, and the counting of sign-in
//! failures and attempts. All server-side, so any node can continue a flow
//! another node started.

use super::StoreResult;
use crate::session::{Consent, ConsentRecord, InteractionRecord, Reservation, SessionRecord};

#[async_trait::async_trait]
pub trait SessionStore: Send + Sync {
    async fn insert_session(&self, session: &SessionRecord) -> StoreResult<()>;
    async fn get_session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>>;
    /// Remove a session and nothing else: for a session replaced by a new
    /// sign-in of the same person in the same browser, or of a deleted
    /// user. Every other end is [`end_session`](Self::end_session).
    async fn delete_session(&self, id_hash: &str) -> StoreResult<bool>;
    /// The live sessions of `sub` at `now`, newest first.
    async fn list_sessions(&self, sub: &str, now: i64) -> StoreResult<Vec<SessionRecord>>;
    /// End the session of `sub` whose public id is `sid`; false when it
    /// has none of that id (another user's session is never touched). In
    /// the same transaction the grants bound to it
    /// ([`session_bound`](crate::grant::session_bound): made in it, without
    /// `offline_access`, not device-flow) are revoked like
    /// [`GrantStore::revoke_grant`](super::GrantStore::revoke_grant),
    /// remembered until `keep_until`, and their codes not yet redeemed are
    /// spent; grants with `offline_access` stay.
    async fn end_session(
        &self,
        sub: &str,
        sid: &str,
        now: i64,
        keep_until: i64,
    ) -> StoreResult<bool>;
    /// End every session of `sub`, and revoke as
    /// [`end_session`](Self::end_session) does every grant of theirs bound
    /// to any session (also one ended before without it, such as a session
    /// a new sign-in in the same browser replaced); grants with
    /// `offline_access` stay. Returns how many sessions ended.
    async fn end_sessions(&self, sub: &str, now: i64, keep_until: i64) -> StoreResult<u64>;

    async fn insert_interaction(&self, interaction: &InteractionRecord) -> StoreResult<()>;
    async fn get_interaction(&self, id: &str) -> StoreResult<Option<InteractionRecord>>;
    /// Remove and return it: an interaction completes once.
    async fn take_interaction(&self, id: &str) -> StoreResult<Option<InteractionRecord>>;

    /// What the user already allowed the client: scopes and resources.
    async fn get_consent(&self, sub: &str, client_id: &str) -> StoreResult<Option<Consent>>;
    /// Remember `scope` (replacing the scopes before); the resources
    /// remembered stay as they were.
    async fn put_consent(
        &self,
        sub: &str,
        client_id: &str,
        scope: &str,
        now: i64,
    ) -> StoreResult<()>;

    /// The applications `sub` allowed, with when each last got tokens
    /// for them, oldest consent first.
    async fn list_consents(&self, sub: &str) -> StoreResult<Vec<ConsentRecord>>;
    /// Take back what `sub` allowed `client_id`, in one transaction: the
    /// consent goes, their unused codes for it are spent, and every grant
    /// of theirs with it is revoked like
    /// [`GrantStore::revoke_grant`](super::GrantStore::revoke_grant)
    /// (refresh tokens at once, access tokens through `is_grant_revoked`),
    /// remembered until `keep_until`. False when there was no consent.
    async fn revoke_consent(
        &self,
        sub: &str,
        client_id: &str,
        now: i64,
        keep_until: i64,
    ) -> StoreResult<bool>;

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
    /// precisely), and expired authorization codes and failure windows;
    /// at most `limit` rows per table.
    async fn purge_sessions(&self, now: i64, limit: i64) -> StoreResult<u64>;
}
