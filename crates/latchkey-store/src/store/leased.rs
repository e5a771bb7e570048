//! Queues every node works under leases: the mail outbox and the Logout
//! Tokens to deliver. Only their SQL and rows differ; how a row is
//! claimed, settled and put back is the same, and lives here.
//!
//! A claim is one conditional UPDATE: it takes only rows that are due and
//! not under a running lease, and re-checks that on the row it writes, so
//! two nodes claiming at once (PostgreSQL re-reads a row another
//! transaction just changed; SQLite has one writer) never both get a row.
//! Settling and retrying act only on the row their own claim holds.

use super::SqlStore;
use crate::db::Db;
use crate::error::map_err;
use latchkey_core::store::StoreResult;

/// The statements of one leased queue.
pub(super) struct Queue {
    /// `$1` the claim, `$2` now, `$3` the lease's end, `$4` how many;
    /// returns the rows claimed.
    pub claim: &'static str,
    /// `$1` the row, `$2` the claim: the row is done.
    pub delete: &'static str,
    /// `$1` the row, `$2` the claim, `$3` when it is due again.
    pub retry: &'static str,
}

impl<D: Db> SqlStore<D> {
    /// Claim up to `limit` due rows of `queue`, read by `read`.
    pub(super) async fn claim_leased<T>(
        &self,
        queue: &Queue,
        claim: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
        read: impl Fn(&D::Row) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        if limit <= 0 {
            return Ok(Vec::new());
        }
        let rows = D::query(queue.claim)
            .bind(claim)
            .bind(now)
            .bind(lease_until)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(read).collect()
    }

    /// The row `id`, held by `claim`, is done: false when the claim ran out.
    pub(super) async fn delete_leased(
        &self,
        queue: &Queue,
        id: &str,
        claim: &str,
    ) -> StoreResult<bool> {
        let done = D::query(queue.delete)
            .bind(id)
            .bind(claim)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    /// Put the row `id`, held by `claim`, back, due at `due_at`.
    pub(super) async fn retry_leased(
        &self,
        queue: &Queue,
        id: &str,
        claim: &str,
        due_at: i64,
    ) -> StoreResult<bool> {
        let done = D::query(queue.retry)
            .bind(id)
            .bind(claim)
            .bind(due_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }
}
