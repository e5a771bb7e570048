//! [`UpstreamStore`]: flows waiting for an upstream's answer, links between
//! upstream accounts and local users, and sessions signed in through an
//! upstream.

use super::SqlStore;
use super::users::user;
use crate::db::{Db, DbRow};
use crate::error::map_err;
use latchkey_core::store::{StoreResult, UpstreamStore};
use latchkey_core::upstream_record::{UpstreamSessionRecord, UpstreamStateRecord};
use latchkey_core::user::UserRecord;

mod sql {
    pub const INSERT_STATE: &str = "INSERT INTO upstream_states \
        (state_hash, upstream_id, interaction_id, nonce, verifier_sealed, created_at, expires_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7)";
    pub const TAKE_STATE: &str = "DELETE FROM upstream_states WHERE state_hash = $1 \
        RETURNING state_hash, upstream_id, interaction_id, nonce, verifier_sealed, created_at, expires_at";
    pub const GET_LINK: &str =
        "SELECT sub FROM upstream_links WHERE upstream_id = $1 AND upstream_sub = $2";
    pub const GET_LINK_OF_USER: &str =
        "SELECT upstream_sub FROM upstream_links WHERE upstream_id = $1 AND sub = $2";
    /// Either unique key (account, or user at this upstream) refuses it.
    pub const INSERT_LINK: &str = "INSERT INTO upstream_links \
        (upstream_id, upstream_sub, sub, created_at, last_login_at) VALUES ($1, $2, $3, $4, $4) \
        ON CONFLICT DO NOTHING";
    pub const TOUCH_LINK: &str = "UPDATE upstream_links SET last_login_at = $3 \
        WHERE upstream_id = $1 AND upstream_sub = $2";
    pub const DELETE_LINK: &str =
        "DELETE FROM upstream_links WHERE upstream_id = $1 AND upstream_sub = $2";
    /// Claims are JSON text in both databases and neither shares a JSON
    /// path syntax with the other, so the text is narrowed with LIKE and
    /// the exact comparison is made on the parsed claims.
    pub const USERS_BY_EMAIL: &str = "SELECT sub, username, password_hash, claims, created_at, updated_at \
        FROM users WHERE LOWER(claims) LIKE $1 ESCAPE '\\' ORDER BY created_at, sub LIMIT 50";
    pub const INSERT_SESSION: &str = "INSERT INTO upstream_sessions \
        (sid, upstream_id, upstream_sub, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) \
        ON CONFLICT (sid) DO UPDATE SET upstream_id = excluded.upstream_id, \
        upstream_sub = excluded.upstream_sub, created_at = excluded.created_at, \
        expires_at = excluded.expires_at";
    pub const GET_SESSION: &str = "SELECT sid, upstream_id, upstream_sub, created_at, expires_at \
        FROM upstream_sessions WHERE sid = $1";
    pub const PURGE_STATES: &str = "DELETE FROM upstream_states WHERE state_hash IN (SELECT state_hash \
        FROM upstream_states WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
    pub const PURGE_SESSIONS: &str = "DELETE FROM upstream_sessions WHERE sid IN (SELECT sid \
        FROM upstream_sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
}

/// `%"email":"a@b"%` for the JSON text of the claims, lower case, with the
/// LIKE wildcards of the address escaped.
fn email_pattern(email: &str) -> String {
    let quoted = serde_json::Value::String(email.to_ascii_lowercase()).to_string();
    let mut escaped = String::with_capacity(quoted.len() + 4);
    for c in quoted.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    format!("%\"email\":{escaped}%")
}

fn upstream_state(row: &impl DbRow) -> StoreResult<UpstreamStateRecord> {
    Ok(UpstreamStateRecord {
        state_hash: row.try_get("state_hash").map_err(map_err)?,
        upstream_id: row.try_get("upstream_id").map_err(map_err)?,
        interaction_id: row.try_get("interaction_id").map_err(map_err)?,
        nonce: row.try_get("nonce").map_err(map_err)?,
        verifier_sealed: row.try_get("verifier_sealed").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        expires_at: row.try_get("expires_at").map_err(map_err)?,
    })
}

#[async_trait::async_trait]
impl<D: Db> UpstreamStore for SqlStore<D> {
    async fn insert_upstream_state(&self, s: &UpstreamStateRecord) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        D::query(sql::INSERT_STATE)
            .bind(&s.state_hash)
            .bind(&s.upstream_id)
            .bind(&s.interaction_id)
            .bind(&s.nonce)
            .bind(&s.verifier_sealed)
            .bind(s.created_at)
            .bind(s.expires_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn take_upstream_state(
        &self,
        state_hash: &str,
    ) -> StoreResult<Option<UpstreamStateRecord>> {
        crate::failpoint("store.write")?;
        let row = D::query(sql::TAKE_STATE)
            .bind(state_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(upstream_state).transpose()
    }

    async fn get_upstream_link(
        &self,
        upstream_id: &str,
        upstream_sub: &str,
    ) -> StoreResult<Option<String>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::GET_LINK)
            .bind(upstream_id)
            .bind(upstream_sub)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.map(|r| r.try_get::<String, _>(0).map_err(map_err))
            .transpose()
    }

    async fn get_upstream_link_of_user(
        &self,
        upstream_id: &str,
        sub: &str,
    ) -> StoreResult<Option<String>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::GET_LINK_OF_USER)
            .bind(upstream_id)
            .bind(sub)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.map(|r| r.try_get::<String, _>(0).map_err(map_err))
            .transpose()
    }

    async fn insert_upstream_link(
        &self,
        upstream_id: &str,
        upstream_sub: &str,
        sub: &str,
        now: i64,
    ) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let done = D::query(sql::INSERT_LINK)
            .bind(upstream_id)
            .bind(upstream_sub)
            .bind(sub)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn touch_upstream_link(
        &self,
        upstream_id: &str,
        upstream_sub: &str,
        now: i64,
    ) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        D::query(sql::TOUCH_LINK)
            .bind(upstream_id)
            .bind(upstream_sub)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn delete_upstream_link(
        &self,
        upstream_id: &str,
        upstream_sub: &str,
    ) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let done = D::query(sql::DELETE_LINK)
            .bind(upstream_id)
            .bind(upstream_sub)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn find_users_by_email(&self, email: &str) -> StoreResult<Vec<UserRecord>> {
        crate::failpoint("store.read")?;
        let rows = D::query(sql::USERS_BY_EMAIL)
            .bind(email_pattern(email))
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        let mut out = Vec::new();
        for row in &rows {
            let user = user(row)?;
            let same = user
                .claims
                .get("email")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|e| e.eq_ignore_ascii_case(email));
            if same {
                out.push(user);
            }
        }
        Ok(out)
    }

    async fn insert_upstream_session(&self, s: &UpstreamSessionRecord) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        D::query(sql::INSERT_SESSION)
            .bind(&s.sid)
            .bind(&s.upstream_id)
            .bind(&s.upstream_sub)
            .bind(s.created_at)
            .bind(s.expires_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn get_upstream_session(&self, sid: &str) -> StoreResult<Option<UpstreamSessionRecord>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::GET_SESSION)
            .bind(sid)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(UpstreamSessionRecord {
            sid: row.try_get("sid").map_err(map_err)?,
            upstream_id: row.try_get("upstream_id").map_err(map_err)?,
            upstream_sub: row.try_get("upstream_sub").map_err(map_err)?,
            created_at: row.try_get("created_at").map_err(map_err)?,
            expires_at: row.try_get("expires_at").map_err(map_err)?,
        }))
    }

    async fn purge_upstream(&self, now: i64, limit: i64) -> StoreResult<u64> {
        crate::failpoint("store.write")?;
        let a = D::query(sql::PURGE_STATES)
            .bind(now)
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        let b = D::query(sql::PURGE_SESSIONS)
            .bind(now)
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(a.rows_affected() + b.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn email_patterns_escape_wildcards() {
        assert_eq!(
            super::email_pattern("A_b%c@X.example"),
            "%\"email\":\"a\\_b\\%c@x.example\"%"
        );
    }
}
