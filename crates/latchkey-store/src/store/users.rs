//! [`UserStore`]: local accounts, and ending everything of a deleted one.

use super::{SqlStore, to_json};
use crate::db::{Db, DbRow};
use crate::error::{corrupt, map_err};
use latchkey_core::store::{StoreError, StoreResult, UserStore};
use latchkey_core::user::UserRecord;

mod sql {
    pub const INSERT_USER: &str = "INSERT INTO users \
        (sub, username, password_hash, claims, created_at, updated_at, verified_email) \
        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";
    /// Each branch has its index (0011_user_lookup).
    pub const USERS_FOR_SIGN_IN: &str = "SELECT sub, username, password_hash, claims, created_at, updated_at \
        FROM users WHERE username = $1 OR LOWER(username) = $2 OR verified_email = $2 \
        ORDER BY created_at, sub LIMIT 10";
    pub const USERS_BY_VERIFIED_EMAIL: &str = "SELECT sub, username, password_hash, claims, created_at, updated_at \
        FROM users WHERE verified_email = $1 ORDER BY created_at, sub LIMIT 10";
    pub const GET_USER: &str = "SELECT sub, username, password_hash, claims, created_at, updated_at \
        FROM users WHERE sub = $1";
    pub const GET_USER_BY_USERNAME: &str = "SELECT sub, username, password_hash, claims, created_at, updated_at \
        FROM users WHERE username = $1";
    pub const LIST_USERS: &str = "SELECT sub, username, password_hash, claims, created_at, updated_at \
        FROM users ORDER BY created_at, sub";
    /// `created_at` is kept: a user is created once.
    pub const UPDATE_USER: &str = "UPDATE users \
        SET username = $2, password_hash = $3, claims = $4, updated_at = $5, verified_email = $6 \
        WHERE sub = $1";
    pub const DELETE_USER: &str = "DELETE FROM users WHERE sub = $1";
    /// The grants of a user's refresh tokens and pending codes. (`WHERE
    /// true` lets SQLite tell the upsert clause from the SELECT.)
    pub const REVOKE_USER_GRANTS: &str = "INSERT INTO revoked_grants (grant_id, revoked_at, keep_until) \
        SELECT DISTINCT grant_id, $2, $3 FROM (SELECT grant_id FROM refresh_tokens WHERE sub = $1 \
        UNION SELECT grant_id FROM authorization_codes WHERE sub = $1 \
        UNION SELECT grant_id FROM grant_uses WHERE sub = $1) AS g WHERE true \
        ON CONFLICT DO NOTHING";
    /// Everything else keyed by a deleted user's sub.
    pub const DELETE_USER_ROWS: [&str; 12] = [
        "DELETE FROM grant_uses WHERE sub = $1",
        "DELETE FROM refresh_tokens WHERE sub = $1",
        "DELETE FROM authorization_codes WHERE sub = $1",
        "DELETE FROM sessions WHERE sub = $1",
        "DELETE FROM consents WHERE sub = $1",
        "DELETE FROM totp_factors WHERE sub = $1",
        "DELETE FROM recovery_codes WHERE sub = $1",
        "DELETE FROM upstream_links WHERE sub = $1",
        "DELETE FROM device_grants WHERE sub = $1",
        "DELETE FROM passkeys WHERE sub = $1",
        "DELETE FROM passkey_ceremonies WHERE sub = $1",
        "DELETE FROM mail_links WHERE sub = $1",
    ];
    /// What ends with [`UserStore::end_everything_for`], beside the
    /// grants: every way back in but the account itself.
    pub const END_EVERYTHING_ROWS: [&str; 3] = [
        "DELETE FROM refresh_tokens WHERE sub = $1",
        "DELETE FROM authorization_codes WHERE sub = $1",
        "DELETE FROM device_grants WHERE sub = $1",
    ];
    pub const USER_ROLES: &str = "SELECT roles FROM users WHERE sub = $1";
    pub const SET_USER_ROLES: &str = "UPDATE users SET roles = $2, updated_at = $3 WHERE sub = $1";
    pub const END_SESSIONS: &str = "DELETE FROM sessions WHERE sub = $1";
}

fn user_claims(sub: &str, text: &str) -> StoreResult<serde_json::Map<String, serde_json::Value>> {
    serde_json::from_str(text).map_err(|e| corrupt("claims", sub, e))
}

/// A user from a row of `sub, username, password_hash, claims,
/// created_at, updated_at` (also read by `upstream.rs`).
pub(super) fn user(row: &impl DbRow) -> StoreResult<UserRecord> {
    let sub: String = row.try_get("sub").map_err(map_err)?;
    let claims: String = row.try_get("claims").map_err(map_err)?;
    Ok(UserRecord {
        claims: user_claims(&sub, &claims)?,
        username: row.try_get("username").map_err(map_err)?,
        password_hash: row.try_get("password_hash").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        updated_at: row.try_get("updated_at").map_err(map_err)?,
        sub,
    })
}

#[async_trait::async_trait]
impl<D: Db> UserStore for SqlStore<D> {
    async fn create_user(&self, user: &UserRecord) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        let inserted = D::query(sql::INSERT_USER)
            .bind(&user.sub)
            .bind(&user.username)
            .bind(&user.password_hash)
            .bind(to_json("user claims", &user.claims)?)
            .bind(user.created_at)
            .bind(user.updated_at)
            .bind(latchkey_core::user::email_key(&user.claims))
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "the username {:?} or the subject {} is taken",
                user.username, user.sub
            )));
        }
        Ok(())
    }

    async fn get_user(&self, sub: &str) -> StoreResult<Option<UserRecord>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::GET_USER)
            .bind(sub)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(user).transpose()
    }

    async fn get_user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::GET_USER_BY_USERNAME)
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(user).transpose()
    }

    async fn find_users_for_sign_in(&self, name: &str) -> StoreResult<Vec<UserRecord>> {
        crate::failpoint("store.read")?;
        let rows = D::query(sql::USERS_FOR_SIGN_IN)
            .bind(name)
            .bind(name.to_ascii_lowercase())
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(user).collect()
    }

    async fn find_users_by_verified_email(&self, email_key: &str) -> StoreResult<Vec<UserRecord>> {
        crate::failpoint("store.read")?;
        let rows = D::query(sql::USERS_BY_VERIFIED_EMAIL)
            .bind(email_key)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(user).collect()
    }

    async fn list_users(&self) -> StoreResult<Vec<UserRecord>> {
        let rows = D::query(sql::LIST_USERS)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(user).collect()
    }

    async fn update_user(&self, user: &UserRecord) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let updated = D::query(sql::UPDATE_USER)
            .bind(&user.sub)
            .bind(&user.username)
            .bind(&user.password_hash)
            .bind(to_json("user claims", &user.claims)?)
            .bind(user.updated_at)
            .bind(latchkey_core::user::email_key(&user.claims))
            .execute(&self.pool)
            .await
            .map_err(|e| match map_err(e) {
                StoreError::Conflict(_) => {
                    StoreError::Conflict(format!("the username {:?} is taken", user.username))
                }
                other => other,
            })?
            .rows_affected();
        Ok(updated > 0)
    }

    async fn delete_user(&self, sub: &str, now: i64, keep_until: i64) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        revoke_then_delete(&mut tx, sub, now, keep_until, &sql::DELETE_USER_ROWS).await?;
        let deleted = D::query(sql::DELETE_USER)
            .bind(sub)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        if deleted == 0 {
            tx.rollback().await.map_err(map_err)?;
            return Ok(false);
        }
        Self::bump_revocations(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        self.revocations.forget();
        Ok(true)
    }

    async fn user_roles(&self, sub: &str) -> StoreResult<Option<Vec<String>>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::USER_ROLES)
            .bind(sub)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let text: String = row.try_get("roles").map_err(map_err)?;
        let mut roles: Vec<String> = text.split_whitespace().map(str::to_string).collect();
        roles.sort();
        roles.dedup();
        Ok(Some(roles))
    }

    async fn set_user_roles(&self, sub: &str, roles: &[String], now: i64) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let mut sorted: Vec<&str> = roles.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        sorted.dedup();
        let updated = D::query(sql::SET_USER_ROLES)
            .bind(sub)
            .bind(sorted.join(" "))
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        Ok(updated > 0)
    }

    async fn end_everything_for(&self, sub: &str, now: i64, keep_until: i64) -> StoreResult<u64> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        revoke_then_delete(&mut tx, sub, now, keep_until, &sql::END_EVERYTHING_ROWS).await?;
        let sessions = D::query(sql::END_SESSIONS)
            .bind(sub)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        Self::bump_revocations(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        self.revocations.forget();
        Ok(sessions)
    }
}

/// Inside `tx`: revoke every grant of `sub` (its access tokens stop at
/// once), then run each of `statements` with `sub` bound.
async fn revoke_then_delete<D: Db>(
    tx: &mut crate::db::Tx<D>,
    sub: &str,
    now: i64,
    keep_until: i64,
    statements: &[&'static str],
) -> StoreResult<()> {
    D::query(sql::REVOKE_USER_GRANTS)
        .bind(sub)
        .bind(now)
        .bind(keep_until)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    for statement in statements {
        D::query(statement)
            .bind(sub)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
    }
    Ok(())
}
