//! `SessionStore`, written once for both databases (like `store.rs`).

use crate::error::{corrupt, map_err};
use crate::lite;
use crate::postgres::db as pg;
use crate::store::{PgStore, SqliteStore};
use latchkey_core::grant::CodeRecord;
use latchkey_core::session::{
    ConsentGrant, InteractionRecord, Redemption, Reservation, SessionRecord, SessionStore,
};
use latchkey_core::store::{RefreshRecord, StoreError, StoreResult};
use sqlx::Row;

/// How long an expired interaction is kept to answer a late submission.
const INTERACTION_GRACE: i64 = 24 * 3600;

mod sql {
    pub const INSERT_SESSION: &str = "INSERT INTO sessions \
        (id_hash, sid, sub, auth_time, amr, acr, created_at, expires_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    pub const GET_SESSION: &str = "SELECT id_hash, sid, sub, auth_time, amr, acr, created_at, expires_at \
        FROM sessions WHERE id_hash = $1";
    pub const DELETE_SESSION: &str = "DELETE FROM sessions WHERE id_hash = $1";
    pub const INSERT_INTERACTION: &str = "INSERT INTO interactions \
        (id, browser_hash, request, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
    pub const GET_INTERACTION: &str = "SELECT id, browser_hash, request, created_at, expires_at \
        FROM interactions WHERE id = $1";
    pub const TAKE_INTERACTION: &str = "DELETE FROM interactions WHERE id = $1 \
        RETURNING id, browser_hash, request, created_at, expires_at";
    pub const GET_CONSENT: &str = "SELECT scope FROM consents WHERE sub = $1 AND client_id = $2";
    pub const PUT_CONSENT: &str = "INSERT INTO consents (sub, client_id, scope, updated_at) \
        VALUES ($1, $2, $3, $4) \
        ON CONFLICT (sub, client_id) DO UPDATE SET scope = excluded.scope, updated_at = excluded.updated_at";
    pub const INSERT_CODE: &str = "INSERT INTO authorization_codes \
        (code_hash, grant_id, client_id, redirect_uri, sub, scope, nonce, code_challenge, \
        code_challenge_method, auth_time, acr, amr, sid, created_at, expires_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
    /// The conditional update is the exactly-once guarantee.
    pub const REDEEM_CODE: &str = "UPDATE authorization_codes SET used_at = $2 \
        WHERE code_hash = $1 AND used_at IS NULL RETURNING code_hash, grant_id, client_id, redirect_uri, \
        sub, scope, nonce, code_challenge, code_challenge_method, auth_time, acr, amr, sid, created_at, expires_at";
    pub const GET_CODE: &str = "SELECT code_hash, grant_id, client_id, redirect_uri, sub, scope, nonce, \
        code_challenge, code_challenge_method, auth_time, acr, amr, sid, created_at, expires_at \
        FROM authorization_codes WHERE code_hash = $1";
    pub const PURGE_CODES: &str = "DELETE FROM authorization_codes WHERE code_hash IN (SELECT code_hash \
        FROM authorization_codes WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
    pub const RECORD_LOGIN_FAILURE: &str = "INSERT INTO login_failures (key, failures, window_start) \
        VALUES ($1, 1, $2) ON CONFLICT (key) DO UPDATE SET \
        failures = CASE WHEN login_failures.window_start <= $2 - $3 THEN 1 ELSE login_failures.failures + 1 END, \
        window_start = CASE WHEN login_failures.window_start <= $2 - $3 THEN $2 ELSE login_failures.window_start END \
        RETURNING failures, window_start";
    pub const LOGIN_FAILURES: &str =
        "SELECT failures, window_start FROM login_failures WHERE key = $1";
    pub const CLEAR_LOGIN_FAILURES: &str = "DELETE FROM login_failures WHERE key = $1";
    /// The counting upsert of RECORD_LOGIN_FAILURE that does nothing once
    /// the live window holds `$4`: no row back means refused.
    pub const RESERVE_ATTEMPT: &str = "INSERT INTO login_failures (key, failures, window_start) \
        VALUES ($1, 1, $2) ON CONFLICT (key) DO UPDATE SET \
        failures = CASE WHEN login_failures.window_start <= $2 - $3 THEN 1 ELSE login_failures.failures + 1 END, \
        window_start = CASE WHEN login_failures.window_start <= $2 - $3 THEN $2 ELSE login_failures.window_start END \
        WHERE login_failures.window_start <= $2 - $3 OR login_failures.failures < $4 \
        RETURNING failures";
    pub const RELEASE_ATTEMPT: &str =
        "UPDATE login_failures SET failures = failures - 1 WHERE key = $1 AND failures > 0";
    pub const PURGE_LOGIN_FAILURES: &str = "DELETE FROM login_failures WHERE key IN (SELECT key FROM login_failures \
        WHERE window_start <= $1 ORDER BY window_start LIMIT $2)";
    pub const PURGE_SESSIONS: &str = "DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions \
        WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
    pub const PURGE_INTERACTIONS: &str = "DELETE FROM interactions WHERE id IN (SELECT id FROM interactions \
        WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
}

fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Other(format!("cannot serialize: {e}")))
}

macro_rules! impl_session_store {
    ($store:ident, $db:ident) => {
        impl $store {
            /// Insert one code, on the pool or inside a transaction.
            async fn insert_code_with<'e, E: $db::Exec<'e>>(
                executor: E,
                c: &CodeRecord,
            ) -> StoreResult<()> {
                $db::query(sql::INSERT_CODE)
                    .bind(&c.code_hash)
                    .bind(&c.grant_id)
                    .bind(&c.client_id)
                    .bind(&c.redirect_uri)
                    .bind(&c.sub)
                    .bind(&c.scope)
                    .bind(&c.nonce)
                    .bind(&c.code_challenge)
                    .bind(&c.code_challenge_method)
                    .bind(c.auth_time)
                    .bind(&c.acr)
                    .bind(json(&c.amr)?)
                    .bind(&c.sid)
                    .bind(c.created_at)
                    .bind(c.expires_at)
                    .execute(executor)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            fn session(row: &$db::Row) -> StoreResult<SessionRecord> {
                let sid: String = row.try_get("sid").map_err(map_err)?;
                let amr: String = row.try_get("amr").map_err(map_err)?;
                Ok(SessionRecord {
                    amr: serde_json::from_str(&amr).map_err(|e| corrupt("amr", &sid, e))?,
                    id_hash: row.try_get("id_hash").map_err(map_err)?,
                    sub: row.try_get("sub").map_err(map_err)?,
                    auth_time: row.try_get("auth_time").map_err(map_err)?,
                    acr: row.try_get("acr").map_err(map_err)?,
                    created_at: row.try_get("created_at").map_err(map_err)?,
                    expires_at: row.try_get("expires_at").map_err(map_err)?,
                    sid,
                })
            }

            fn code(row: &$db::Row) -> StoreResult<CodeRecord> {
                let grant_id: String = row.try_get("grant_id").map_err(map_err)?;
                let amr: String = row.try_get("amr").map_err(map_err)?;
                Ok(CodeRecord {
                    amr: serde_json::from_str(&amr).map_err(|e| corrupt("amr", &grant_id, e))?,
                    code_hash: row.try_get("code_hash").map_err(map_err)?,
                    client_id: row.try_get("client_id").map_err(map_err)?,
                    redirect_uri: row.try_get("redirect_uri").map_err(map_err)?,
                    sub: row.try_get("sub").map_err(map_err)?,
                    scope: row.try_get("scope").map_err(map_err)?,
                    nonce: row.try_get("nonce").map_err(map_err)?,
                    code_challenge: row.try_get("code_challenge").map_err(map_err)?,
                    code_challenge_method: row.try_get("code_challenge_method").map_err(map_err)?,
                    auth_time: row.try_get("auth_time").map_err(map_err)?,
                    acr: row.try_get("acr").map_err(map_err)?,
                    sid: row.try_get("sid").map_err(map_err)?,
                    created_at: row.try_get("created_at").map_err(map_err)?,
                    expires_at: row.try_get("expires_at").map_err(map_err)?,
                    grant_id,
                })
            }

            fn interaction(row: &$db::Row) -> StoreResult<InteractionRecord> {
                let id: String = row.try_get("id").map_err(map_err)?;
                let request: String = row.try_get("request").map_err(map_err)?;
                Ok(InteractionRecord {
                    purpose: serde_json::from_str(&request)
                        .map_err(|e| corrupt("request", &id, e))?,
                    browser_hash: row.try_get("browser_hash").map_err(map_err)?,
                    created_at: row.try_get("created_at").map_err(map_err)?,
                    expires_at: row.try_get("expires_at").map_err(map_err)?,
                    id,
                })
            }
        }

        #[async_trait::async_trait]
        impl SessionStore for $store {
            async fn insert_session(&self, s: &SessionRecord) -> StoreResult<()> {
                crate::failpoint("store.write")?;
                $db::query(sql::INSERT_SESSION)
                    .bind(&s.id_hash)
                    .bind(&s.sid)
                    .bind(&s.sub)
                    .bind(s.auth_time)
                    .bind(json(&s.amr)?)
                    .bind(&s.acr)
                    .bind(s.created_at)
                    .bind(s.expires_at)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn get_session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>> {
                crate::failpoint("store.read")?;
                let row = $db::query(sql::GET_SESSION)
                    .bind(id_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(Self::session).transpose()
            }

            async fn delete_session(&self, id_hash: &str) -> StoreResult<bool> {
                crate::failpoint("store.write")?;
                let done = $db::query(sql::DELETE_SESSION)
                    .bind(id_hash)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn insert_interaction(&self, i: &InteractionRecord) -> StoreResult<()> {
                crate::failpoint("store.write")?;
                $db::query(sql::INSERT_INTERACTION)
                    .bind(&i.id)
                    .bind(&i.browser_hash)
                    .bind(json(&i.purpose)?)
                    .bind(i.created_at)
                    .bind(i.expires_at)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn get_interaction(&self, id: &str) -> StoreResult<Option<InteractionRecord>> {
                crate::failpoint("store.read")?;
                let row = $db::query(sql::GET_INTERACTION)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(Self::interaction).transpose()
            }

            async fn take_interaction(&self, id: &str) -> StoreResult<Option<InteractionRecord>> {
                crate::failpoint("store.write")?;
                let row = $db::query(sql::TAKE_INTERACTION)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(Self::interaction).transpose()
            }

            async fn get_consent(&self, sub: &str, client_id: &str) -> StoreResult<Option<String>> {
                crate::failpoint("store.read")?;
                let row = $db::query(sql::GET_CONSENT)
                    .bind(sub)
                    .bind(client_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.map(|r| r.try_get::<String, _>("scope").map_err(map_err))
                    .transpose()
            }

            async fn put_consent(
                &self,
                sub: &str,
                client_id: &str,
                scope: &str,
                now: i64,
            ) -> StoreResult<()> {
                crate::failpoint("store.write")?;
                $db::query(sql::PUT_CONSENT)
                    .bind(sub)
                    .bind(client_id)
                    .bind(scope)
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn insert_code(&self, c: &CodeRecord) -> StoreResult<()> {
                crate::failpoint("store.write")?;
                Self::insert_code_with(&self.pool, c).await
            }

            async fn finish_with_code(
                &self,
                interaction: Option<&str>,
                consent: Option<ConsentGrant<'_>>,
                code: &CodeRecord,
            ) -> StoreResult<bool> {
                crate::failpoint("store.write")?;
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                if let Some(id) = interaction {
                    let taken = $db::query(sql::TAKE_INTERACTION)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    if taken.is_none() {
                        return Ok(false);
                    }
                }
                if let Some(g) = consent {
                    $db::query(sql::PUT_CONSENT)
                        .bind(g.sub)
                        .bind(g.client_id)
                        .bind(g.scope)
                        .bind(g.now)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                Self::insert_code_with(&mut *tx, code).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(true)
            }

            async fn redeem_code_then(
                &self,
                code_hash: &str,
                now: i64,
                then: &mut (dyn for<'r> FnMut(&'r CodeRecord) -> Option<RefreshRecord> + Send),
            ) -> StoreResult<Redemption> {
                crate::failpoint("store.write")?;
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                let fresh = $db::query(sql::REDEEM_CODE)
                    .bind(code_hash)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if let Some(row) = fresh {
                    let record = Self::code(&row)?;
                    if let Some(refresh) = then(&record) {
                        Self::insert_refresh_with(&mut *tx, &refresh).await?;
                    }
                    tx.commit().await.map_err(map_err)?;
                    return Ok(Redemption::Fresh(record));
                }
                drop(tx);
                // Not redeemable: used before, or never issued.
                let used = $db::query(sql::GET_CODE)
                    .bind(code_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                match used {
                    Some(row) => Ok(Redemption::Reused(Self::code(&row)?)),
                    None => Ok(Redemption::Unknown),
                }
            }

            async fn record_login_failure(
                &self,
                key: &str,
                now: i64,
                window: i64,
            ) -> StoreResult<(i64, i64)> {
                crate::failpoint("store.write")?;
                let row = $db::query(sql::RECORD_LOGIN_FAILURE)
                    .bind(key)
                    .bind(now)
                    .bind(window)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok((
                    row.try_get("failures").map_err(map_err)?,
                    row.try_get("window_start").map_err(map_err)?,
                ))
            }

            async fn login_failures(&self, key: &str) -> StoreResult<Option<(i64, i64)>> {
                crate::failpoint("store.read")?;
                let row = $db::query(sql::LOGIN_FAILURES)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.map(|r| -> StoreResult<(i64, i64)> {
                    Ok((
                        r.try_get("failures").map_err(map_err)?,
                        r.try_get("window_start").map_err(map_err)?,
                    ))
                })
                .transpose()
            }

            async fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
                crate::failpoint("store.write")?;
                $db::query(sql::CLEAR_LOGIN_FAILURES)
                    .bind(key)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn reserve_attempt(
                &self,
                key: &str,
                now: i64,
                window: i64,
                limit: i64,
            ) -> StoreResult<Reservation> {
                crate::failpoint("store.write")?;
                let counted = $db::query(sql::RESERVE_ATTEMPT)
                    .bind(key)
                    .bind(now)
                    .bind(window)
                    .bind(limit)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                if counted.is_some() {
                    return Ok(Reservation::Granted);
                }
                // Refused: the row exists and its window is full.
                let window_start = match self.login_failures(key).await? {
                    Some((_, start)) => start,
                    None => now,
                };
                Ok(Reservation::Refused { window_start })
            }

            async fn release_attempt(&self, key: &str) -> StoreResult<()> {
                crate::failpoint("store.write")?;
                $db::query(sql::RELEASE_ATTEMPT)
                    .bind(key)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn purge_sessions(&self, now: i64, limit: i64) -> StoreResult<u64> {
                // Failure windows are at most a day long.
                $db::query(sql::PURGE_LOGIN_FAILURES)
                    .bind(now - INTERACTION_GRACE)
                    .bind(limit)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                let codes = $db::query(sql::PURGE_CODES)
                    .bind(now - INTERACTION_GRACE)
                    .bind(limit)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                let a = $db::query(sql::PURGE_SESSIONS)
                    .bind(now)
                    .bind(limit)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                let b = $db::query(sql::PURGE_INTERACTIONS)
                    .bind(now - INTERACTION_GRACE)
                    .bind(limit)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(codes.rows_affected() + a.rows_affected() + b.rows_affected())
            }
        }
    };
}

impl_session_store!(SqliteStore, lite);
impl_session_store!(PgStore, pg);
