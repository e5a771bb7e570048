//! [`FactorStore`]: identity confidence, TOTP authenticators, recovery
//! codes, and the factors a session has satisfied.

use super::{SqlStore, to_json};
use crate::db::{Db, DbRow};
use crate::error::map_err;
use latchkey_core::factors::TotpRecord;
use latchkey_core::store::{FactorStore, StoreResult};

mod sql {
    pub const GET_IDENTITY: &str = "SELECT identity_confidence FROM users WHERE sub = $1";
    pub const SET_IDENTITY: &str =
        "UPDATE users SET identity_confidence = $2, updated_at = $3 WHERE sub = $1";
    pub const GET_TOTP: &str = "SELECT sub, secret_sealed, confirmed_at, last_step, created_at \
        FROM totp_factors WHERE sub = $1";
    /// The optional WHERE keeps a confirmed authenticator when an
    /// enrolment starts in another tab or on another node.
    pub const PUT_TOTP: &str = "INSERT INTO totp_factors \
        (sub, secret_sealed, confirmed_at, last_step, created_at) VALUES ($1, $2, $3, $4, $5) \
        ON CONFLICT (sub) DO UPDATE SET secret_sealed = excluded.secret_sealed, \
        confirmed_at = excluded.confirmed_at, last_step = excluded.last_step, created_at = excluded.created_at \
        WHERE $6 OR totp_factors.confirmed_at IS NULL";
    pub const CONFIRM_TOTP: &str = "UPDATE totp_factors SET confirmed_at = $3, last_step = $2 \
        WHERE sub = $1 AND confirmed_at IS NULL";
    /// The conditional update is the replay guard: one step, once.
    pub const USE_TOTP_STEP: &str = "UPDATE totp_factors SET last_step = $2 \
        WHERE sub = $1 AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < $2)";
    pub const DELETE_TOTP: &str = "DELETE FROM totp_factors WHERE sub = $1";
    pub const DELETE_RECOVERY: &str = "DELETE FROM recovery_codes WHERE sub = $1";
    pub const INSERT_RECOVERY: &str = "INSERT INTO recovery_codes (sub, code_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    pub const USE_RECOVERY: &str = "UPDATE recovery_codes SET used_at = $3 \
        WHERE sub = $1 AND code_hash = $2 AND used_at IS NULL";
    pub const RECOVERY_LEFT: &str =
        "SELECT COUNT(*) FROM recovery_codes WHERE sub = $1 AND used_at IS NULL";
    pub const SET_SESSION_AMR: &str = "UPDATE sessions SET amr = $2 WHERE id_hash = $1";
}

#[async_trait::async_trait]
impl<D: Db> FactorStore for SqlStore<D> {
    async fn identity_confidence(&self, sub: &str) -> StoreResult<u8> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::GET_IDENTITY)
            .bind(sub)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        let level: i64 = match row {
            Some(r) => r.try_get(0).map_err(map_err)?,
            None => 0,
        };
        Ok(u8::try_from(level).unwrap_or(0))
    }

    async fn set_identity_confidence(&self, sub: &str, level: u8, now: i64) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let done = D::query(sql::SET_IDENTITY)
            .bind(sub)
            .bind(i64::from(level))
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn get_totp(&self, sub: &str) -> StoreResult<Option<TotpRecord>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::GET_TOTP)
            .bind(sub)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(TotpRecord {
            sub: row.try_get("sub").map_err(map_err)?,
            secret_sealed: row.try_get("secret_sealed").map_err(map_err)?,
            confirmed_at: row.try_get("confirmed_at").map_err(map_err)?,
            last_step: row.try_get("last_step").map_err(map_err)?,
            created_at: row.try_get("created_at").map_err(map_err)?,
        }))
    }

    async fn put_totp(&self, t: &TotpRecord, replace_confirmed: bool) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let done = D::query(sql::PUT_TOTP)
            .bind(&t.sub)
            .bind(&t.secret_sealed)
            .bind(t.confirmed_at)
            .bind(t.last_step)
            .bind(t.created_at)
            .bind(replace_confirmed)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn confirm_totp(&self, sub: &str, step: i64, now: i64) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let done = D::query(sql::CONFIRM_TOTP)
            .bind(sub)
            .bind(step)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn use_totp_step(&self, sub: &str, step: i64) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let done = D::query(sql::USE_TOTP_STEP)
            .bind(sub)
            .bind(step)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_totp(&self, sub: &str) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        let done = D::query(sql::DELETE_TOTP)
            .bind(sub)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        D::query(sql::DELETE_RECOVERY)
            .bind(sub)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn put_recovery_codes(&self, sub: &str, hashes: &[String], now: i64) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        D::query(sql::DELETE_RECOVERY)
            .bind(sub)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        for hash in hashes {
            D::query(sql::INSERT_RECOVERY)
                .bind(sub)
                .bind(hash)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }

    async fn use_recovery_code(&self, sub: &str, hash: &str, now: i64) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let done = D::query(sql::USE_RECOVERY)
            .bind(sub)
            .bind(hash)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn recovery_codes_left(&self, sub: &str) -> StoreResult<i64> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::RECOVERY_LEFT)
            .bind(sub)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        row.try_get(0).map_err(map_err)
    }

    async fn set_session_amr(&self, id_hash: &str, amr: &[String]) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let amr = to_json("amr", &amr)?;
        let done = D::query(sql::SET_SESSION_AMR)
            .bind(id_hash)
            .bind(amr)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }
}
