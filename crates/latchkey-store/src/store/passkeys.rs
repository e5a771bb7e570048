//! [`PasskeyStore`]: users' passkeys and the WebAuthn ceremonies in
//! progress.

use super::SqlStore;
use crate::db::{Db, DbRow};
use crate::error::map_err;
use latchkey_core::passkey_record::{CeremonyKind, CeremonyRecord, PasskeyRecord};
use latchkey_core::store::{PasskeyStore, StoreError, StoreResult};

mod sql {
    pub const INSERT: &str = "INSERT INTO passkeys \
        (id, sub, credential_id, name, credential, sign_count, created_at, last_used_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    pub const LIST: &str = "SELECT id, sub, credential_id, name, credential, sign_count, created_at, last_used_at \
        FROM passkeys WHERE sub = $1 ORDER BY created_at, id";
    pub const FIND: &str = "SELECT id, sub, credential_id, name, credential, sign_count, created_at, last_used_at \
        FROM passkeys WHERE credential_id = $1";
    /// The conditional update is the clone guard across nodes: a counter is
    /// accepted once, and only above the stored one (0 stays 0 for
    /// authenticators that keep no counter).
    pub const USE: &str = "UPDATE passkeys SET credential = $2, sign_count = $3, last_used_at = $4 \
        WHERE id = $1 AND (sign_count < $3 OR ($3 = 0 AND sign_count = 0))";
    pub const RENAME: &str = "UPDATE passkeys SET name = $3 WHERE sub = $1 AND id = $2";
    pub const DELETE: &str = "DELETE FROM passkeys WHERE sub = $1 AND id = $2";
    pub const INSERT_CEREMONY: &str = "INSERT INTO passkey_ceremonies \
        (id_hash, kind, binding, sub, state, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    pub const TAKE_CEREMONY: &str = "DELETE FROM passkey_ceremonies WHERE id_hash = $1 \
        RETURNING id_hash, kind, binding, sub, state, created_at, expires_at";
    pub const PURGE_CEREMONIES: &str = "DELETE FROM passkey_ceremonies WHERE id_hash IN \
        (SELECT id_hash FROM passkey_ceremonies WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
}

fn passkey<R: DbRow>(row: &R) -> StoreResult<PasskeyRecord> {
    Ok(PasskeyRecord {
        id: row.try_get("id").map_err(map_err)?,
        sub: row.try_get("sub").map_err(map_err)?,
        credential_id: row.try_get("credential_id").map_err(map_err)?,
        name: row.try_get("name").map_err(map_err)?,
        credential: row.try_get("credential").map_err(map_err)?,
        sign_count: row.try_get("sign_count").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        last_used_at: row.try_get("last_used_at").map_err(map_err)?,
    })
}

#[async_trait::async_trait]
impl<D: Db> PasskeyStore for SqlStore<D> {
    async fn insert_passkey(&self, p: &PasskeyRecord) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        D::query(sql::INSERT)
            .bind(&p.id)
            .bind(&p.sub)
            .bind(&p.credential_id)
            .bind(&p.name)
            .bind(&p.credential)
            .bind(p.sign_count)
            .bind(p.created_at)
            .bind(p.last_used_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn list_passkeys(&self, sub: &str) -> StoreResult<Vec<PasskeyRecord>> {
        crate::failpoint("store.read")?;
        let rows = D::query(sql::LIST)
            .bind(sub)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(passkey).collect()
    }

    async fn find_passkey(&self, credential_id: &str) -> StoreResult<Option<PasskeyRecord>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::FIND)
            .bind(credential_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(passkey).transpose()
    }

    async fn record_passkey_use(
        &self,
        id: &str,
        credential: &str,
        sign_count: i64,
        now: i64,
    ) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let done = D::query(sql::USE)
            .bind(id)
            .bind(credential)
            .bind(sign_count)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn rename_passkey(&self, sub: &str, id: &str, name: &str) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let done = D::query(sql::RENAME)
            .bind(sub)
            .bind(id)
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_passkey(&self, sub: &str, id: &str) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let done = D::query(sql::DELETE)
            .bind(sub)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn insert_ceremony(&self, c: &CeremonyRecord) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        D::query(sql::INSERT_CEREMONY)
            .bind(&c.id_hash)
            .bind(c.kind.as_str())
            .bind(&c.binding)
            .bind(c.sub.as_deref())
            .bind(&c.state)
            .bind(c.created_at)
            .bind(c.expires_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn take_ceremony(&self, id_hash: &str, now: i64) -> StoreResult<Option<CeremonyRecord>> {
        crate::failpoint("store.write")?;
        let row = D::query(sql::TAKE_CEREMONY)
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        let Some(row) = row else { return Ok(None) };
        let kind: String = row.try_get("kind").map_err(map_err)?;
        let record = CeremonyRecord {
            id_hash: row.try_get("id_hash").map_err(map_err)?,
            kind: CeremonyKind::parse(&kind).ok_or_else(|| {
                StoreError::Other(format!("unknown passkey ceremony kind {kind}"))
            })?,
            binding: row.try_get("binding").map_err(map_err)?,
            sub: row.try_get("sub").map_err(map_err)?,
            state: row.try_get("state").map_err(map_err)?,
            created_at: row.try_get("created_at").map_err(map_err)?,
            expires_at: row.try_get("expires_at").map_err(map_err)?,
        };
        // An expired ceremony is gone all the same: taken, and not given.
        Ok((record.expires_at > now).then_some(record))
    }

    async fn purge_ceremonies(&self, now: i64, limit: i64) -> StoreResult<u64> {
        if limit <= 0 {
            return Ok(0);
        }
        crate::failpoint("store.write")?;
        let done = D::query(sql::PURGE_CEREMONIES)
            .bind(now)
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }
}
