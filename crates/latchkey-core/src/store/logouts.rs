//! Back-channel logout: which clients received tokens in a session, and
//! the queue of Logout Tokens waiting to be delivered. Claiming is one
//! conditional UPDATE, as for the mail outbox, so nodes sharing a database
//! never deliver one row at once, and a claim is a lease: a node that dies
//! mid-delivery loses nothing.

use super::StoreResult;
use crate::backchannel::{PendingLogout, SessionClient};

#[async_trait::async_trait]
pub trait LogoutStore: Send + Sync {
    /// The clients that received tokens for `sub` (noted with
    /// [`GrantStore::record_grant_use`](super::GrantStore::record_grant_use)),
    /// each with the session of the grant; only those of session `sid`
    /// when one is named. Each pair once, in order.
    async fn session_clients(
        &self,
        sub: &str,
        sid: Option<&str>,
    ) -> StoreResult<Vec<SessionClient>>;
    /// Queue deliveries, all or none.
    async fn enqueue_logouts(&self, logouts: &[PendingLogout]) -> StoreResult<()>;
    /// Claim up to `limit` deliveries that are due (`due_at <= now`), not
    /// expired, and not claimed by a lease still running, for `claim`
    /// until `lease_until`. Claimed deliveries are returned.
    async fn claim_logouts(
        &self,
        claim: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<PendingLogout>>;
    /// Delete a delivery this claim holds (delivered, or given up).
    async fn delete_logout(&self, id: &str, claim: &str) -> StoreResult<bool>;
    /// A failed attempt of a delivery this claim holds: count it, release
    /// the claim, and make it due again at `due_at`.
    async fn retry_logout(&self, id: &str, claim: &str, due_at: i64) -> StoreResult<bool>;
    /// Remove expired deliveries; at most `limit` rows.
    async fn purge_logouts(&self, now: i64, limit: i64) -> StoreResult<u64>;
}
