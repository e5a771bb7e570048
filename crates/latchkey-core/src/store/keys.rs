//! Signing keys, sealed before they reach the store.

use super::StoreResult;
use crate::key_record::KeyRecord;

#[async_trait::async_trait]
pub trait KeyStore: Send + Sync {
    // Signing keys.
    async fn insert_key(&self, key: &KeyRecord) -> StoreResult<()>;
    /// All keys, newest first.
    async fn list_keys(&self) -> StoreResult<Vec<KeyRecord>>;
    /// Make `new_key` the active key for its algorithm and retire the
    /// previously active ones (published until `publish_until`), atomically.
    async fn rotate_key(
        &self,
        new_key: &KeyRecord,
        retired_at: i64,
        publish_until: i64,
    ) -> StoreResult<()>;
}
