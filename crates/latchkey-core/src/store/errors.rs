//! Error occurrences, kept so support can look one up by its `error_id`.

use super::StoreResult;
use crate::error::{ErrorCount, ErrorRecord};

#[async_trait::async_trait]
pub trait ErrorStore: Send + Sync {
    // Error occurrences.
    async fn record_error(&self, record: &ErrorRecord) -> StoreResult<()>;
    async fn get_error(&self, error_id: &str) -> StoreResult<Option<ErrorRecord>>;
    /// Occurrences kept since `since` (Unix seconds, inclusive), counted
    /// per cause (and its code as sent) in buckets of `bucket` seconds
    /// aligned on multiples of `bucket`; only those of `client_id` when
    /// given. Ordered by bucket, then code, then cause.
    async fn count_errors(
        &self,
        since: i64,
        bucket: i64,
        client_id: Option<&str>,
    ) -> StoreResult<Vec<ErrorCount>>;
}
