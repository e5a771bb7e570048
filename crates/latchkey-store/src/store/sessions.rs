//! [`SessionStore`]: browser sessions, pending interactions, consents, and
//! the counting of sign-in failures and attempts.

use super::{SqlStore, to_json};
use crate::db::{Db, DbRow};
use crate::error::{corrupt, map_err};
use latchkey_core::session::{
    Consent, ConsentRecord, InteractionRecord, Reservation, SessionRecord,
};
use latchkey_core::store::{SessionStore, StoreResult};

/// How long an expired interaction is kept to answer a late submission.
const INTERACTION_GRACE: i64 = 24 * 3600;

pub(super) mod sql {
    pub const INSERT_SESSION: &str = "INSERT INTO sessions \
        (id_hash, sid, sub, auth_time, amr, acr, created_at, expires_at, user_agent, address) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    pub const GET_SESSION: &str = "SELECT id_hash, sid, sub, auth_time, amr, acr, created_at, expires_at, \
        user_agent, address FROM sessions WHERE id_hash = $1";
    pub const LIST_SESSIONS: &str = "SELECT id_hash, sid, sub, auth_time, amr, acr, created_at, expires_at, \
        user_agent, address FROM sessions WHERE sub = $1 AND expires_at > $2 \
        ORDER BY created_at DESC, sid";
    pub const END_SESSION: &str = "DELETE FROM sessions WHERE sub = $1 AND sid = $2";
    pub const END_SESSIONS: &str = "DELETE FROM sessions WHERE sub = $1";

    /// Whether the space-separated scope in column `$col` holds
    /// `offline_access` (`_` escaped: a LIKE wildcard otherwise).
    macro_rules! offline {
        ($col:literal) => {
            concat!(
                "(' ' || ",
                $col,
                " || ' ') LIKE '% offline\\_access %' ESCAPE '\\'"
            )
        };
    }
    /// The grants of `sub` ($1) made in the sessions `$sessions` picks,
    /// revoked at `$now` until `$keep` for the reason `session_ended`, unless they hold offline_access
    /// (their code or a refresh token says so) or come from the device
    /// flow (`latchkey_core::grant::DEVICE_GRANT_PREFIX`).
    macro_rules! revoke_session_grants {
        ($sessions:literal, $now:literal, $keep:literal) => {
            concat!(
                "INSERT INTO revoked_grants (grant_id, revoked_at, keep_until, reason) \
                SELECT DISTINCT grant_id, ", $now, ", ", $keep, ", 'session_ended' FROM (\
                SELECT grant_id FROM grant_uses WHERE sub = $1 AND ", $sessions, " \
                UNION SELECT grant_id FROM refresh_tokens WHERE sub = $1 AND ", $sessions, " \
                UNION SELECT grant_id FROM authorization_codes WHERE sub = $1 AND ", $sessions, ") AS g \
                WHERE g.grant_id NOT LIKE 'device.%' \
                AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.grant_id = g.grant_id AND ",
                offline!("r.scope"), ") \
                AND NOT EXISTS (SELECT 1 FROM authorization_codes c WHERE c.grant_id = g.grant_id AND ",
                offline!("c.scope"), ") \
                ON CONFLICT DO NOTHING"
            )
        };
    }
    /// Their refresh tokens, at once (every token of a grant has its scope).
    macro_rules! revoke_session_refresh {
        ($sessions:literal, $now:literal) => {
            concat!(
                "UPDATE refresh_tokens SET revoked_at = ",
                $now,
                " \
                WHERE sub = $1 AND ",
                $sessions,
                " AND revoked_at IS NULL \
                AND grant_id NOT LIKE 'device.%' AND NOT ",
                offline!("scope")
            )
        };
    }
    /// Their codes not yet redeemed are spent, so a late redemption is
    /// refused at once (by the revocation's reason) rather than making
    /// tokens that are already revoked.
    macro_rules! spend_session_codes {
        ($sessions:literal, $now:literal) => {
            concat!(
                "UPDATE authorization_codes SET used_at = ",
                $now,
                " WHERE sub = $1 AND ",
                $sessions,
                " AND used_at IS NULL AND NOT ",
                offline!("scope")
            )
        };
    }
    /// Bound to one session: `$1` sub, `$2` sid, `$3` now, `$4` keep_until.
    pub const REVOKE_SESSION_GRANTS: &str = revoke_session_grants!("sid = $2", "$3", "$4");
    pub const REVOKE_SESSION_REFRESH: &str = revoke_session_refresh!("sid = $2", "$3");
    pub const SPEND_SESSION_CODES: &str = spend_session_codes!("sid = $2", "$3");
    /// Bound to any session of `$1`: `$2` now, `$3` keep_until.
    pub const REVOKE_SESSIONS_GRANTS: &str = revoke_session_grants!("sid IS NOT NULL", "$2", "$3");
    pub const REVOKE_SESSIONS_REFRESH: &str = revoke_session_refresh!("sid IS NOT NULL", "$2");
    pub const SPEND_SESSIONS_CODES: &str = spend_session_codes!("sid IS NOT NULL", "$2");
    pub const LIST_CONSENTS: &str = "SELECT c.client_id, c.scope, c.updated_at, \
        (SELECT MAX(u.last_used_at) FROM grant_uses u WHERE u.sub = c.sub AND u.client_id = c.client_id) \
        AS last_used_at FROM consents c WHERE c.sub = $1 ORDER BY c.updated_at, c.client_id";
    pub const DELETE_CONSENT: &str = "DELETE FROM consents WHERE sub = $1 AND client_id = $2";
    /// The grants a user holds with one client: those tokens were issued
    /// from (grant_uses), of refresh tokens, and of codes. (`WHERE true`
    /// lets SQLite tell the upsert clause from the SELECT.)
    pub const REVOKE_CLIENT_GRANTS: &str = "INSERT INTO revoked_grants (grant_id, revoked_at, keep_until, reason) \
        SELECT DISTINCT grant_id, $3, $4, 'consent_revoked' FROM (\
        SELECT grant_id FROM grant_uses WHERE sub = $1 AND client_id = $2 \
        UNION SELECT grant_id FROM refresh_tokens WHERE sub = $1 AND client_id = $2 \
        UNION SELECT grant_id FROM authorization_codes WHERE sub = $1 AND client_id = $2) AS g WHERE true \
        ON CONFLICT DO NOTHING";
    pub const REVOKE_CLIENT_REFRESH: &str = "UPDATE refresh_tokens SET revoked_at = $3 \
        WHERE sub = $1 AND client_id = $2 AND revoked_at IS NULL";
    pub const SPEND_CLIENT_CODES: &str = "UPDATE authorization_codes SET used_at = $3 \
        WHERE sub = $1 AND client_id = $2 AND used_at IS NULL";
    pub const DELETE_SESSION: &str = "DELETE FROM sessions WHERE id_hash = $1";
    pub const INSERT_INTERACTION: &str = "INSERT INTO interactions \
        (id, browser_hash, request, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
    pub const GET_INTERACTION: &str = "SELECT id, browser_hash, request, created_at, expires_at \
        FROM interactions WHERE id = $1";
    /// Also run by `GrantStore::finish_with_code`, as is PUT_CONSENT.
    pub const TAKE_INTERACTION: &str = "DELETE FROM interactions WHERE id = $1 \
        RETURNING id, browser_hash, request, created_at, expires_at";
    pub const GET_CONSENT: &str =
        "SELECT scope, resources FROM consents WHERE sub = $1 AND client_id = $2";
    /// `resources` NULL keeps the resources remembered before.
    pub const PUT_CONSENT: &str = "INSERT INTO consents (sub, client_id, scope, updated_at, resources) \
        VALUES ($1, $2, $3, $4, $5) \
        ON CONFLICT (sub, client_id) DO UPDATE SET scope = excluded.scope, updated_at = excluded.updated_at, \
        resources = COALESCE(excluded.resources, consents.resources)";
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

fn session(row: &impl DbRow) -> StoreResult<SessionRecord> {
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
        user_agent: row.try_get("user_agent").map_err(map_err)?,
        address: row.try_get("address").map_err(map_err)?,
        sid,
    })
}

fn interaction(row: &impl DbRow) -> StoreResult<InteractionRecord> {
    let id: String = row.try_get("id").map_err(map_err)?;
    let request: String = row.try_get("request").map_err(map_err)?;
    Ok(InteractionRecord {
        purpose: serde_json::from_str(&request).map_err(|e| corrupt("request", &id, e))?,
        browser_hash: row.try_get("browser_hash").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        expires_at: row.try_get("expires_at").map_err(map_err)?,
        id,
    })
}

#[async_trait::async_trait]
impl<D: Db> SessionStore for SqlStore<D> {
    async fn insert_session(&self, s: &SessionRecord) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        D::query(sql::INSERT_SESSION)
            .bind(&s.id_hash)
            .bind(&s.sid)
            .bind(&s.sub)
            .bind(s.auth_time)
            .bind(to_json("amr", &s.amr)?)
            .bind(&s.acr)
            .bind(s.created_at)
            .bind(s.expires_at)
            .bind(&s.user_agent)
            .bind(&s.address)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn get_session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::GET_SESSION)
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(session).transpose()
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let done = D::query(sql::DELETE_SESSION)
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn list_sessions(&self, sub: &str, now: i64) -> StoreResult<Vec<SessionRecord>> {
        crate::failpoint("store.read")?;
        let rows = D::query(sql::LIST_SESSIONS)
            .bind(sub)
            .bind(now)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(session).collect()
    }

    async fn end_session(
        &self,
        sub: &str,
        sid: &str,
        now: i64,
        keep_until: i64,
    ) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        let ended = D::query(sql::END_SESSION)
            .bind(sub)
            .bind(sid)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected()
            > 0;
        if !ended {
            tx.rollback().await.map_err(map_err)?;
            return Ok(false);
        }
        D::query(sql::REVOKE_SESSION_GRANTS)
            .bind(sub)
            .bind(sid)
            .bind(now)
            .bind(keep_until)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        for statement in [sql::REVOKE_SESSION_REFRESH, sql::SPEND_SESSION_CODES] {
            D::query(statement)
                .bind(sub)
                .bind(sid)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        Self::bump_revocations(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        self.revocations.forget();
        Ok(true)
    }

    async fn end_sessions(&self, sub: &str, now: i64, keep_until: i64) -> StoreResult<u64> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        let ended = D::query(sql::END_SESSIONS)
            .bind(sub)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        D::query(sql::REVOKE_SESSIONS_GRANTS)
            .bind(sub)
            .bind(now)
            .bind(keep_until)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        for statement in [sql::REVOKE_SESSIONS_REFRESH, sql::SPEND_SESSIONS_CODES] {
            D::query(statement)
                .bind(sub)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        Self::bump_revocations(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        self.revocations.forget();
        Ok(ended)
    }

    async fn insert_interaction(&self, i: &InteractionRecord) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        D::query(sql::INSERT_INTERACTION)
            .bind(&i.id)
            .bind(&i.browser_hash)
            .bind(to_json("interaction request", &i.purpose)?)
            .bind(i.created_at)
            .bind(i.expires_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn get_interaction(&self, id: &str) -> StoreResult<Option<InteractionRecord>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::GET_INTERACTION)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(interaction).transpose()
    }

    async fn take_interaction(&self, id: &str) -> StoreResult<Option<InteractionRecord>> {
        crate::failpoint("store.write")?;
        let row = D::query(sql::TAKE_INTERACTION)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(interaction).transpose()
    }

    async fn get_consent(&self, sub: &str, client_id: &str) -> StoreResult<Option<Consent>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::GET_CONSENT)
            .bind(sub)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(Consent {
            scope: row.try_get("scope").map_err(map_err)?,
            resources: super::grants::resources_of(&row, client_id)?,
        }))
    }

    async fn put_consent(
        &self,
        sub: &str,
        client_id: &str,
        scope: &str,
        now: i64,
    ) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        D::query(sql::PUT_CONSENT)
            .bind(sub)
            .bind(client_id)
            .bind(scope)
            .bind(now)
            .bind(None::<String>)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn list_consents(&self, sub: &str) -> StoreResult<Vec<ConsentRecord>> {
        crate::failpoint("store.read")?;
        let rows = D::query(sql::LIST_CONSENTS)
            .bind(sub)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(ConsentRecord {
                    client_id: r.try_get("client_id").map_err(map_err)?,
                    scope: r.try_get("scope").map_err(map_err)?,
                    updated_at: r.try_get("updated_at").map_err(map_err)?,
                    last_used_at: r.try_get("last_used_at").map_err(map_err)?,
                })
            })
            .collect()
    }

    async fn revoke_consent(
        &self,
        sub: &str,
        client_id: &str,
        now: i64,
        keep_until: i64,
    ) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        let had = D::query(sql::DELETE_CONSENT)
            .bind(sub)
            .bind(client_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected()
            > 0;
        D::query(sql::REVOKE_CLIENT_GRANTS)
            .bind(sub)
            .bind(client_id)
            .bind(now)
            .bind(keep_until)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        for statement in [sql::REVOKE_CLIENT_REFRESH, sql::SPEND_CLIENT_CODES] {
            D::query(statement)
                .bind(sub)
                .bind(client_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        Self::bump_revocations(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        self.revocations.forget();
        Ok(had)
    }

    async fn record_login_failure(
        &self,
        key: &str,
        now: i64,
        window: i64,
    ) -> StoreResult<(i64, i64)> {
        crate::failpoint("store.write")?;
        let row = D::query(sql::RECORD_LOGIN_FAILURE)
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
        let row = D::query(sql::LOGIN_FAILURES)
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
        D::query(sql::CLEAR_LOGIN_FAILURES)
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
        let counted = D::query(sql::RESERVE_ATTEMPT)
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
        D::query(sql::RELEASE_ATTEMPT)
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn purge_sessions(&self, now: i64, limit: i64) -> StoreResult<u64> {
        // Failure windows are at most a day long.
        D::query(sql::PURGE_LOGIN_FAILURES)
            .bind(now - INTERACTION_GRACE)
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        let codes = D::query(sql::PURGE_CODES)
            .bind(now - INTERACTION_GRACE)
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        let a = D::query(sql::PURGE_SESSIONS)
            .bind(now)
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        let b = D::query(sql::PURGE_INTERACTIONS)
            .bind(now - INTERACTION_GRACE)
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(codes.rows_affected() + a.rows_affected() + b.rows_affected())
    }
}
