//! Error occurrences, kept so support can look one up by its `error_id`.

use super::StoreResult;
use crate::error::ErrorRecord;

#[async_trait::async_trait]
pub trait ErrorStore: Send + Sync {
    // Error occurrences.
    async fn record_error(&self, record: &ErrorRecord) -> StoreResult<()>;
    async fn get_error(&self, error_id: &str) -> StoreResult<Option<ErrorRecord>>;
}
