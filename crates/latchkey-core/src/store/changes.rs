//! What keeps nodes in step and the database tidy: change versions and the
//! caches they invalidate, run-time settings, the readiness ping and the
//! purge of what expired.

use super::StoreResult;

#[async_trait::async_trait]
pub trait ChangeStore: Send + Sync {
    /// Cheap round trip, for readiness checks.
    async fn ping(&self) -> StoreResult<()>;

    // Change propagation between nodes: client and key writes bump a
    // version counter per topic (`clients`, `keys`) in their transaction.
    async fn change_versions(&self) -> StoreResult<Vec<(String, i64)>>;
    /// Drop cached clients: the `clients` version moved, so another node or
    /// process changed one.
    fn forget_clients(&self);
    /// Drop cached revocation answers: the `revocations` version moved, so
    /// another node or process revoked a token or a grant.
    fn forget_revocations(&self);

    // Run-time settings (e.g. `maintenance`) set through the admin API and
    // shared by every node: a write bumps the `settings` change topic.
    async fn get_setting(&self, name: &str) -> StoreResult<Option<String>>;
    /// Set (insert or replace) a setting.
    async fn set_setting(&self, name: &str, value: &str, now: i64) -> StoreResult<()>;

    /// Delete what has expired (retired keys past publication, old error
    /// records, refresh tokens, revoked grants, denied access tokens,
    /// assertion jtis, and pushed requests an hour past expiry); bounded per
    /// call. Returns the number of rows removed.
    async fn purge_expired(
        &self,
        now: i64,
        error_retention_secs: i64,
        limit: i64,
    ) -> StoreResult<u64>;
}
