//! [`LogoutStore`]: which clients a session reached, and the queue of
//! Logout Tokens to deliver (back-channel logout).
//!
//! The queue is leased like the mail outbox (see `leased`).

use super::SqlStore;
use super::leased::Queue;
use crate::db::{Db, DbRow};
use crate::error::map_err;
use latchkey_core::backchannel::{PendingLogout, SessionClient};
use latchkey_core::store::{LogoutStore, StoreResult};

mod sql {
    pub const SESSION_CLIENTS: &str = "SELECT DISTINCT client_id, sid FROM grant_uses \
        WHERE sub = $1 ORDER BY client_id, sid";
    pub const SESSION_CLIENTS_OF: &str = "SELECT DISTINCT client_id, sid FROM grant_uses \
        WHERE sub = $1 AND sid = $2 ORDER BY client_id";
    pub const ENQUEUE: &str = "INSERT INTO backchannel_logouts \
        (id, client_id, sub, sid, attempts, due_at, created_at, expires_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    /// `$1` the claim, `$2` now, `$3` the lease's end, `$4` how many.
    pub const CLAIM: &str = "UPDATE backchannel_logouts SET claim = $1, claimed_until = $3 \
        WHERE id IN (SELECT id FROM backchannel_logouts WHERE due_at <= $2 AND expires_at > $2 \
            AND (claimed_until IS NULL OR claimed_until <= $2) ORDER BY due_at, id LIMIT $4) \
        AND (claimed_until IS NULL OR claimed_until <= $2) AND expires_at > $2 \
        RETURNING id, client_id, sub, sid, attempts, due_at, created_at, expires_at";
    pub const DELETE: &str = "DELETE FROM backchannel_logouts WHERE id = $1 AND claim = $2";
    pub const RETRY: &str = "UPDATE backchannel_logouts SET attempts = attempts + 1, due_at = $3, \
        claim = NULL, claimed_until = NULL WHERE id = $1 AND claim = $2";
    pub const PURGE: &str = "DELETE FROM backchannel_logouts WHERE id IN (SELECT id \
        FROM backchannel_logouts WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
}

/// The leased queue's statements (see `leased`).
const QUEUE: Queue = Queue {
    claim: sql::CLAIM,
    delete: sql::DELETE,
    retry: sql::RETRY,
};

fn pending(row: &impl DbRow) -> StoreResult<PendingLogout> {
    Ok(PendingLogout {
        id: row.try_get("id").map_err(map_err)?,
        client_id: row.try_get("client_id").map_err(map_err)?,
        sub: row.try_get("sub").map_err(map_err)?,
        sid: row.try_get("sid").map_err(map_err)?,
        attempts: row.try_get("attempts").map_err(map_err)?,
        due_at: row.try_get("due_at").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        expires_at: row.try_get("expires_at").map_err(map_err)?,
    })
}

#[async_trait::async_trait]
impl<D: Db> LogoutStore for SqlStore<D> {
    async fn session_clients(
        &self,
        sub: &str,
        sid: Option<&str>,
    ) -> StoreResult<Vec<SessionClient>> {
        crate::failpoint("store.read")?;
        let rows = match sid {
            Some(sid) => {
                D::query(sql::SESSION_CLIENTS_OF)
                    .bind(sub)
                    .bind(sid)
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                D::query(sql::SESSION_CLIENTS)
                    .bind(sub)
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(map_err)?;
        let mut out = rows
            .iter()
            .map(|row| {
                Ok(SessionClient {
                    client_id: row.try_get("client_id").map_err(map_err)?,
                    sid: row.try_get("sid").map_err(map_err)?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        // The databases order NULL differently: sort here, NULL first.
        out.sort();
        Ok(out)
    }

    async fn enqueue_logouts(&self, logouts: &[PendingLogout]) -> StoreResult<()> {
        if logouts.is_empty() {
            return Ok(());
        }
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        for l in logouts {
            D::query(sql::ENQUEUE)
                .bind(&l.id)
                .bind(&l.client_id)
                .bind(&l.sub)
                .bind(&l.sid)
                .bind(l.attempts)
                .bind(l.due_at)
                .bind(l.created_at)
                .bind(l.expires_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }

    async fn claim_logouts(
        &self,
        claim: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<PendingLogout>> {
        self.claim_leased(&QUEUE, claim, now, lease_until, limit, pending)
            .await
    }

    async fn delete_logout(&self, id: &str, claim: &str) -> StoreResult<bool> {
        self.delete_leased(&QUEUE, id, claim).await
    }

    async fn retry_logout(&self, id: &str, claim: &str, due_at: i64) -> StoreResult<bool> {
        self.retry_leased(&QUEUE, id, claim, due_at).await
    }

    async fn purge_logouts(&self, now: i64, limit: i64) -> StoreResult<u64> {
        if limit <= 0 {
            return Ok(0);
        }
        let done = D::query(sql::PURGE)
            .bind(now)
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }
}
