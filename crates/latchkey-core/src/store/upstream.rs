//! Upstream identity providers: flows waiting for the upstream's answer,
//! links between upstream accounts and local users, and the sessions signed
//! in through an upstream.

use super::StoreResult;
use crate::upstream_record::{UpstreamSessionRecord, UpstreamStateRecord};
use crate::user::UserRecord;

#[async_trait::async_trait]
pub trait UpstreamStore: Send + Sync {
    async fn insert_upstream_state(&self, state: &UpstreamStateRecord) -> StoreResult<()>;
    /// Remove and return it: an upstream answer is used once.
    async fn take_upstream_state(
        &self,
        state_hash: &str,
    ) -> StoreResult<Option<UpstreamStateRecord>>;

    /// The local `sub` linked to this upstream account.
    async fn get_upstream_link(
        &self,
        upstream_id: &str,
        upstream_sub: &str,
    ) -> StoreResult<Option<String>>;
    /// The upstream account a local user is linked to at this upstream.
    async fn get_upstream_link_of_user(
        &self,
        upstream_id: &str,
        sub: &str,
    ) -> StoreResult<Option<String>>;
    /// Link an upstream account to a local user: false when that account,
    /// or that user at this upstream, is linked already.
    async fn insert_upstream_link(
        &self,
        upstream_id: &str,
        upstream_sub: &str,
        sub: &str,
        now: i64,
    ) -> StoreResult<bool>;
    async fn touch_upstream_link(
        &self,
        upstream_id: &str,
        upstream_sub: &str,
        now: i64,
    ) -> StoreResult<()>;
    async fn delete_upstream_link(
        &self,
        upstream_id: &str,
        upstream_sub: &str,
    ) -> StoreResult<bool>;

    /// Users whose `email` claim equals `email`, ignoring ASCII case.
    async fn find_users_by_email(&self, email: &str) -> StoreResult<Vec<UserRecord>>;

    /// Which upstream signed the session `sid` in; a later upstream
    /// sign-in in the same session (the same person again keeps the sid)
    /// replaces it.
    async fn insert_upstream_session(&self, session: &UpstreamSessionRecord) -> StoreResult<()>;
    async fn get_upstream_session(&self, sid: &str) -> StoreResult<Option<UpstreamSessionRecord>>;

    /// Remove expired upstream states and sessions; at most `limit` rows
    /// per table.
    async fn purge_upstream(&self, now: i64, limit: i64) -> StoreResult<u64>;
}
