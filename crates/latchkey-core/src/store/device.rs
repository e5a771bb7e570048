//! Device grants (RFC 8628): kept until the device polls them to tokens.

use crate::device::{DeviceApproval, DeviceGrant, DevicePoll};
use crate::grant::RefreshRecord;
use crate::store::StoreResult;

#[async_trait::async_trait]
pub trait DeviceStore: Send + Sync {
    /// Keep a new device grant. `Conflict` when its user code hash (or its
    /// device code hash) is already kept: draw another user code.
    async fn insert_device_grant(&self, grant: &DeviceGrant) -> StoreResult<()>;
    /// The grant the user code belongs to, whatever its state or expiry.
    async fn device_grant_by_user_code(
        &self,
        user_code_hash: &str,
    ) -> StoreResult<Option<DeviceGrant>>;
    /// Record the user's decision, atomically across nodes: `Some` approves,
    /// `None` denies. Only a pending grant that has not expired at `now`
    /// changes; false otherwise (decided before, expired or unknown).
    async fn decide_device_grant(
        &self,
        user_code_hash: &str,
        approval: Option<&DeviceApproval>,
        now: i64,
    ) -> StoreResult<bool>;
    /// One poll by `client_id`, in one atomic statement keyed by the device
    /// code hash. Another client's code changes nothing. A poll sooner
    /// than the interval after the last answered one gets `SlowDown` and
    /// the interval grows by [`crate::device::SLOW_DOWN_STEP`]; otherwise the poll is
    /// recorded, and an approved grant becomes redeemed: `Approved` is
    /// answered exactly once across nodes, every later poll `Redeemed`.
    async fn poll_device_grant(
        &self,
        device_code_hash: &str,
        client_id: &str,
        now: i64,
    ) -> StoreResult<DevicePoll> {
        self.poll_device_grant_then(device_code_hash, client_id, now, &mut |_| None)
            .await
    }
    /// [`poll_device_grant`](Self::poll_device_grant), keeping in the same
    /// transaction the refresh token `then` makes from the grant it hands
    /// out (`None`: none to keep). The grant is redeemed whatever `then`
    /// decides.
    async fn poll_device_grant_then(
        &self,
        device_code_hash: &str,
        client_id: &str,
        now: i64,
        then: &mut (dyn for<'r> FnMut(&'r DeviceGrant) -> Option<RefreshRecord> + Send),
    ) -> StoreResult<DevicePoll>;
    /// Remove grants expired for a while (kept an hour past expiry so a
    /// late poll is told `expired_token`); at most `limit` rows.
    async fn purge_device_grants(&self, now: i64, limit: i64) -> StoreResult<u64>;
}
