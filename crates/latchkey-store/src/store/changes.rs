//! [`ChangeStore`]: the readiness ping, change versions and the caches they
//! invalidate, run-time settings, and the purge of what expired.

use super::SqlStore;
use crate::db::{Db, DbRow};
use crate::error::map_err;
use latchkey_core::store::{ChangeStore, StoreResult};

mod sql {
    pub const PING: &str = "SELECT 1";
    pub const CHANGE_VERSIONS: &str = "SELECT topic, version FROM latchkey_changes ORDER BY topic";
    // Run-time settings shared by every node; a write bumps `settings`.
    pub const GET_SETTING: &str = "SELECT value FROM latchkey_settings WHERE name = $1";
    pub const SET_SETTING: &str = "INSERT INTO latchkey_settings (name, value, updated_at) \
        VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET value = excluded.value, \
        updated_at = excluded.updated_at";

    // Neither database has DELETE ... LIMIT (SQLite only as a build option),
    // so the bounded deletes pick their rows in a subquery.
    pub const PURGE_KEYS: &str = "DELETE FROM signing_keys WHERE kid IN (SELECT kid FROM signing_keys \
        WHERE state = 'retired' AND publish_until <= $1 ORDER BY publish_until, kid LIMIT $2)";
    pub const PURGE_ERRORS: &str = "DELETE FROM error_records WHERE error_id IN (SELECT error_id FROM error_records \
        WHERE created_at < $1 ORDER BY created_at, error_id LIMIT $2)";
    // Tokens.
    pub const PURGE_REFRESH: &str = "DELETE FROM refresh_tokens WHERE token_hash IN (SELECT token_hash \
        FROM refresh_tokens WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
    pub const PURGE_REVOKED_GRANTS: &str = "DELETE FROM revoked_grants WHERE grant_id IN (SELECT grant_id \
        FROM revoked_grants WHERE keep_until <= $1 ORDER BY keep_until LIMIT $2)";
    pub const PURGE_GRANT_USES: &str = "DELETE FROM grant_uses WHERE grant_id IN (SELECT grant_id \
        FROM grant_uses WHERE keep_until <= $1 ORDER BY keep_until LIMIT $2)";
    pub const PURGE_DENIED: &str = "DELETE FROM denied_access_tokens WHERE jti IN (SELECT jti \
        FROM denied_access_tokens WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
    pub const PURGE_JTIS: &str = "DELETE FROM assertion_jtis WHERE (client_id, jti) IN (SELECT client_id, jti \
        FROM assertion_jtis WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
    pub const PURGE_DPOP_JTIS: &str = "DELETE FROM dpop_jtis WHERE (jkt, jti) IN (SELECT jkt, jti \
        FROM dpop_jtis WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
    // Pushed authorization requests.
    pub const PURGE_PUSHED: &str = "DELETE FROM pushed_requests WHERE uri_hash IN (SELECT uri_hash \
        FROM pushed_requests WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
}

/// How long a pushed request is kept past its expiry, so a late or
/// repeated use is told apart from an unknown request_uri.
const PUSHED_GRACE: i64 = 3600;

#[async_trait::async_trait]
impl<D: Db> ChangeStore for SqlStore<D> {
    async fn ping(&self) -> StoreResult<()> {
        D::query(sql::PING)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn change_versions(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows = D::query(sql::CHANGE_VERSIONS)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get::<String, _>("topic").map_err(map_err)?,
                    row.try_get::<i64, _>("version").map_err(map_err)?,
                ))
            })
            .collect()
    }

    fn forget_clients(&self) {
        self.clients.forget();
    }

    fn forget_revocations(&self) {
        self.revocations.forget();
    }

    // No `store.read` point: this is the node's own bookkeeping (read at
    // start-up and by the change watcher), like `change_versions`.
    async fn get_setting(&self, name: &str) -> StoreResult<Option<String>> {
        let row = D::query(sql::GET_SETTING)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.map(|r| r.try_get::<String, _>("value").map_err(map_err))
            .transpose()
    }

    async fn set_setting(&self, name: &str, value: &str, now: i64) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        D::query(sql::SET_SETTING)
            .bind(name)
            .bind(value)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        Self::bump(&mut tx, "settings").await?;
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }

    async fn purge_expired(
        &self,
        now: i64,
        error_retention_secs: i64,
        limit: i64,
    ) -> StoreResult<u64> {
        if limit <= 0 {
            return Ok(0);
        }
        let keys = D::query(sql::PURGE_KEYS)
            .bind(now)
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        let errors = D::query(sql::PURGE_ERRORS)
            .bind(now.saturating_sub(error_retention_secs))
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        let mut tokens = 0;
        for query in [
            sql::PURGE_REFRESH,
            sql::PURGE_REVOKED_GRANTS,
            sql::PURGE_GRANT_USES,
            sql::PURGE_DENIED,
            sql::PURGE_JTIS,
            sql::PURGE_DPOP_JTIS,
        ] {
            tokens += D::query(query)
                .bind(now)
                .bind(limit)
                .execute(&self.pool)
                .await
                .map_err(map_err)?
                .rows_affected();
        }
        let pushed = D::query(sql::PURGE_PUSHED)
            .bind(now.saturating_sub(PUSHED_GRACE))
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        Ok(keys + errors + tokens + pushed)
    }
}
