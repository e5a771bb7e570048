//! The audit trail: appended to, read back a page at a time, purged after
//! its retention.

use super::StoreResult;
use crate::audit::{AuditEvent, AuditQuery, AuditRecord};

#[async_trait::async_trait]
pub trait AuditStore: Send + Sync {
    /// Append one event; returns its id. Events are never changed.
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<i64>;
    /// A page of the trail, newest first (see [`AuditQuery`]).
    async fn list_audit(&self, query: &AuditQuery) -> StoreResult<Vec<AuditRecord>>;
    /// Remove events older than `before`, at most `limit`.
    async fn purge_audit(&self, before: i64, limit: i64) -> StoreResult<u64>;
}
