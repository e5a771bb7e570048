//! [`AuditStore`]: the append-only audit trail.

use super::{SqlStore, to_json};
use crate::db::{Db, DbRow};
use crate::error::{corrupt, map_err};
use latchkey_core::audit::{AuditEvent, AuditQuery, AuditRecord, Outcome, PAGE_MAX};
use latchkey_core::store::{AuditStore, StoreResult};

mod sql {
    pub const APPEND: &str = "INSERT INTO audit_events \
        (at, actor, address, target, kind, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6, $7) \
        RETURNING id";
    /// Every filter is optional: a NULL parameter matches every row.
    pub const LIST: &str = "SELECT id, at, actor, address, target, kind, outcome, detail \
        FROM audit_events WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR target = $2) \
        AND ($3 IS NULL OR kind = $3) AND ($4 IS NULL OR id < $4) ORDER BY id DESC LIMIT $5";
    pub const PURGE: &str = "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events \
        WHERE at < $1 ORDER BY id LIMIT $2)";
}

fn record(row: &impl DbRow) -> StoreResult<AuditRecord> {
    let id: i64 = row.try_get("id").map_err(map_err)?;
    let outcome: String = row.try_get("outcome").map_err(map_err)?;
    let detail: String = row.try_get("detail").map_err(map_err)?;
    Ok(AuditRecord {
        event: AuditEvent {
            at: row.try_get("at").map_err(map_err)?,
            actor: row.try_get("actor").map_err(map_err)?,
            address: row.try_get("address").map_err(map_err)?,
            target: row.try_get("target").map_err(map_err)?,
            kind: row.try_get("kind").map_err(map_err)?,
            outcome: Outcome::parse(&outcome)
                .ok_or_else(|| corrupt("outcome", &id.to_string(), outcome.clone()))?,
            detail: serde_json::from_str(&detail)
                .map_err(|e| corrupt("detail", &id.to_string(), e))?,
        },
        id,
    })
}

#[async_trait::async_trait]
impl<D: Db> AuditStore for SqlStore<D> {
    async fn append_audit(&self, e: &AuditEvent) -> StoreResult<i64> {
        crate::failpoint("store.write")?;
        let row = D::query(sql::APPEND)
            .bind(e.at)
            .bind(&e.actor)
            .bind(&e.address)
            .bind(&e.target)
            .bind(&e.kind)
            .bind(e.outcome.as_str())
            .bind(to_json("audit detail", &e.detail)?)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        row.try_get("id").map_err(map_err)
    }

    async fn list_audit(&self, q: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
        crate::failpoint("store.read")?;
        let rows = D::query(sql::LIST)
            .bind(&q.actor)
            .bind(&q.target)
            .bind(&q.kind)
            .bind(q.before)
            .bind(q.limit.clamp(1, PAGE_MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(record).collect()
    }

    async fn purge_audit(&self, before: i64, limit: i64) -> StoreResult<u64> {
        let done = D::query(sql::PURGE)
            .bind(before)
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }
}
