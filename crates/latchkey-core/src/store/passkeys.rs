//! Passkeys and the WebAuthn ceremonies in progress.

use super::StoreResult;
use crate::passkey_record::{CeremonyRecord, PasskeyRecord};

#[async_trait::async_trait]
pub trait PasskeyStore: Send + Sync {
    /// Add a passkey; `Conflict` when its credential id is registered
    /// already (to anyone).
    async fn insert_passkey(&self, passkey: &PasskeyRecord) -> StoreResult<()>;
    /// The user's passkeys, oldest first.
    async fn list_passkeys(&self, sub: &str) -> StoreResult<Vec<PasskeyRecord>>;
    /// The passkey with this credential id (base64url), whoever owns it.
    async fn find_passkey(&self, credential_id: &str) -> StoreResult<Option<PasskeyRecord>>;
    /// Record a use: the updated credential, its counter and the time.
    /// Conditional, so two nodes cannot both accept one counter value: false
    /// when the passkey is gone or `sign_count` is not above the stored one
    /// (unless both are 0: an authenticator without a counter).
    async fn record_passkey_use(
        &self,
        id: &str,
        credential: &str,
        sign_count: i64,
        now: i64,
    ) -> StoreResult<bool>;
    /// Rename one of the user's passkeys; false when the user has no such
    /// passkey.
    async fn rename_passkey(&self, sub: &str, id: &str, name: &str) -> StoreResult<bool>;
    /// Remove one of the user's passkeys; false when the user has no such
    /// passkey.
    async fn delete_passkey(&self, sub: &str, id: &str) -> StoreResult<bool>;

    /// Keep a ceremony's state until it is finished.
    async fn insert_ceremony(&self, ceremony: &CeremonyRecord) -> StoreResult<()>;
    /// Take a ceremony, once (it is removed): `None` when unknown, already
    /// taken, or expired at `now`.
    async fn take_ceremony(&self, id_hash: &str, now: i64) -> StoreResult<Option<CeremonyRecord>>;
    /// Remove expired ceremonies, at most `limit`; returns how many.
    async fn purge_ceremonies(&self, now: i64, limit: i64) -> StoreResult<u64>;
}
