//! Resources (RFC 8707) the operator registered.

use super::StoreResult;
use crate::resource_record::ResourceRecord;

#[async_trait::async_trait]
pub trait ResourceStore: Send + Sync {
    /// Fails with `Conflict` when the identifier is registered already.
    async fn create_resource(&self, resource: &ResourceRecord) -> StoreResult<()>;
    async fn get_resource(&self, identifier: &str) -> StoreResult<Option<ResourceRecord>>;
    /// Every resource, oldest first.
    async fn list_resources(&self) -> StoreResult<Vec<ResourceRecord>>;
    /// Replaces the stored record (`created_at` is kept); false when no
    /// such resource.
    async fn update_resource(&self, resource: &ResourceRecord) -> StoreResult<bool>;
    async fn delete_resource(&self, identifier: &str) -> StoreResult<bool>;
}
