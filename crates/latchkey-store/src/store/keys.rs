//! [`KeyStore`]: signing keys, and rotating them.

use super::{SqlStore, to_json};
use crate::db::{Db, DbRow};
use crate::error::{corrupt, map_err};
use latchkey_core::keys::{KeyRecord, KeyState};
use latchkey_core::store::{KeyStore, StoreError, StoreResult};

mod sql {
    pub const INSERT_KEY: &str = "INSERT INTO signing_keys \
        (kid, alg, state, private_sealed, public_jwk, created_at, retired_at, publish_until) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
    pub const LIST_KEYS: &str = "SELECT kid, alg, state, private_sealed, public_jwk, created_at, retired_at, publish_until \
        FROM signing_keys ORDER BY created_at DESC, kid";
    pub const RETIRE_ACTIVE_KEYS: &str = "UPDATE signing_keys \
        SET state = 'retired', retired_at = $1, publish_until = $2 \
        WHERE alg = $3 AND state = 'active' AND kid <> $4";
}

fn key_state(kid: &str, text: &str) -> StoreResult<KeyState> {
    KeyState::parse(text).ok_or_else(|| corrupt("state", kid, format!("unknown state {text:?}")))
}

fn public_jwk(kid: &str, text: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| corrupt("public JWK", kid, e))
}

fn key(row: &impl DbRow) -> StoreResult<KeyRecord> {
    let kid: String = row.try_get("kid").map_err(map_err)?;
    let state: String = row.try_get("state").map_err(map_err)?;
    let jwk: String = row.try_get("public_jwk").map_err(map_err)?;
    Ok(KeyRecord {
        state: key_state(&kid, &state)?,
        public_jwk: public_jwk(&kid, &jwk)?,
        alg: row.try_get("alg").map_err(map_err)?,
        private_sealed: row.try_get("private_sealed").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        retired_at: row.try_get("retired_at").map_err(map_err)?,
        publish_until: row.try_get("publish_until").map_err(map_err)?,
        kid,
    })
}

#[async_trait::async_trait]
impl<D: Db> KeyStore for SqlStore<D> {
    async fn insert_key(&self, key: &KeyRecord) -> StoreResult<()> {
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        let inserted = D::query(sql::INSERT_KEY)
            .bind(&key.kid)
            .bind(&key.alg)
            .bind(key.state.as_str())
            .bind(&key.private_sealed)
            .bind(to_json("public JWK", &key.public_jwk)?)
            .bind(key.created_at)
            .bind(key.retired_at)
            .bind(key.publish_until)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "key {} already exists",
                key.kid
            )));
        }
        Self::bump(&mut tx, "keys").await?;
        tx.commit().await.map_err(map_err)
    }

    async fn list_keys(&self) -> StoreResult<Vec<KeyRecord>> {
        let rows = D::query(sql::LIST_KEYS)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(key).collect()
    }

    async fn rotate_key(
        &self,
        new_key: &KeyRecord,
        retired_at: i64,
        publish_until: i64,
    ) -> StoreResult<()> {
        let jwk = to_json("public JWK", &new_key.public_jwk)?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        D::query(sql::RETIRE_ACTIVE_KEYS)
            .bind(retired_at)
            .bind(publish_until)
            .bind(&new_key.alg)
            .bind(&new_key.kid)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let inserted = D::query(sql::INSERT_KEY)
            .bind(&new_key.kid)
            .bind(&new_key.alg)
            .bind(KeyState::Active.as_str())
            .bind(&new_key.private_sealed)
            .bind(jwk)
            .bind(new_key.created_at)
            .bind(None::<i64>)
            .bind(None::<i64>)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        if inserted == 0 {
            // Dropping `tx` rolls the retirement back.
            return Err(StoreError::Conflict(format!(
                "key {} already exists",
                new_key.kid
            )));
        }
        Self::bump(&mut tx, "keys").await?;
        tx.commit().await.map_err(map_err)
    }
}
