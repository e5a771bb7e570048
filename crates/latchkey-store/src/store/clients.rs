//! [`ClientStore`]: clients, the client cache and the origin index.

use super::{SqlStore, to_json};
use crate::db::{Db, DbRow};
use crate::error::{corrupt, map_err};
use latchkey_core::client::{ClientMetadata, ClientRecord, PreviousSecret};
use latchkey_core::store::{ClientStore, StoreError, StoreResult};
use std::collections::HashSet;
use std::sync::Arc;

mod sql {
    pub const INSERT_CLIENT: &str = "INSERT INTO clients \
        (client_id, secret_hash, active, metadata, created_at, updated_at, secret_sealed, \
        registration_token_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
    pub const GET_CLIENT: &str = "SELECT client_id, secret_hash, active, metadata, created_at, updated_at, \
        previous_secret_hash, previous_secret_expires_at FROM clients WHERE client_id = $1";
    pub const LIST_CLIENTS: &str = "SELECT client_id, secret_hash, active, metadata, created_at, updated_at, \
        previous_secret_hash, previous_secret_expires_at FROM clients ORDER BY created_at, client_id";
    /// `created_at` is kept: a client is created once. A previous secret
    /// the record no longer has is forgotten with its sealed form.
    pub const UPDATE_CLIENT: &str = "UPDATE clients \
        SET secret_hash = $2, active = $3, metadata = $4, updated_at = $5, \
        previous_secret_hash = $6, previous_secret_expires_at = $7, \
        previous_secret_sealed = CASE WHEN $6 IS NULL THEN NULL ELSE previous_secret_sealed END \
        WHERE client_id = $1";
    /// The current secret becomes the previous one until $4.
    pub const ROTATE_SECRET_WITH_GRACE: &str = "UPDATE clients \
        SET previous_secret_hash = secret_hash, previous_secret_sealed = secret_sealed, \
        previous_secret_expires_at = $4, secret_hash = $2, secret_sealed = $3, updated_at = $5 \
        WHERE client_id = $1";
    pub const ROTATE_SECRET_AT_ONCE: &str = "UPDATE clients \
        SET previous_secret_hash = NULL, previous_secret_sealed = NULL, \
        previous_secret_expires_at = NULL, secret_hash = $2, secret_sealed = $3, updated_at = $4 \
        WHERE client_id = $1";
    pub const GET_PREVIOUS_SECRET_SEALED: &str =
        "SELECT previous_secret_sealed FROM clients WHERE client_id = $1";
    pub const PURGE_PREVIOUS_SECRETS: &str = "UPDATE clients \
        SET previous_secret_hash = NULL, previous_secret_sealed = NULL, \
        previous_secret_expires_at = NULL WHERE previous_secret_expires_at <= $1";
    pub const DELETE_CLIENT: &str = "DELETE FROM clients WHERE client_id = $1";
    /// A secret set outright ends any rotation's grace period.
    pub const SET_SECRET_SEALED: &str =
        "UPDATE clients SET secret_sealed = $2, previous_secret_sealed = NULL WHERE client_id = $1";
    pub const GET_SECRET_SEALED: &str = "SELECT secret_sealed FROM clients WHERE client_id = $1";
    pub const SET_REGISTRATION_TOKEN: &str =
        "UPDATE clients SET registration_token_hash = $2 WHERE client_id = $1";
    pub const GET_REGISTRATION_TOKEN: &str =
        "SELECT registration_token_hash FROM clients WHERE client_id = $1";
    /// The later of the two times stays.
    pub const RECORD_USE: &str = "INSERT INTO client_uses (client_id, last_used_at) VALUES ($1, $2) \
        ON CONFLICT (client_id) DO UPDATE SET last_used_at = CASE \
        WHEN client_uses.last_used_at > excluded.last_used_at \
        THEN client_uses.last_used_at ELSE excluded.last_used_at END";
    pub const LAST_USED: &str = "SELECT last_used_at FROM client_uses WHERE client_id = $1";
    pub const LIST_USES: &str =
        "SELECT client_id, last_used_at FROM client_uses ORDER BY client_id";
}

fn client_metadata(client_id: &str, text: &str) -> StoreResult<ClientMetadata> {
    serde_json::from_str(text).map_err(|e| corrupt("metadata", client_id, e))
}

fn client(row: &impl DbRow) -> StoreResult<ClientRecord> {
    let client_id: String = row.try_get("client_id").map_err(map_err)?;
    let metadata: String = row.try_get("metadata").map_err(map_err)?;
    let previous_hash: Option<String> = row.try_get("previous_secret_hash").map_err(map_err)?;
    let previous_expires_at: Option<i64> =
        row.try_get("previous_secret_expires_at").map_err(map_err)?;
    let previous_secret = match (previous_hash, previous_expires_at) {
        (Some(hash), Some(expires_at)) => Some(PreviousSecret { hash, expires_at }),
        _ => None,
    };
    Ok(ClientRecord {
        previous_secret,
        metadata: client_metadata(&client_id, &metadata)?,
        secret_hash: row.try_get("secret_hash").map_err(map_err)?,
        active: row.try_get("active").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        updated_at: row.try_get("updated_at").map_err(map_err)?,
        client_id,
    })
}

#[async_trait::async_trait]
impl<D: Db> ClientStore for SqlStore<D> {
    async fn create_client_with(
        &self,
        client: &ClientRecord,
        secret_sealed: Option<&[u8]>,
        registration_token_hash: Option<&str>,
    ) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        let inserted = D::query(sql::INSERT_CLIENT)
            .bind(&client.client_id)
            .bind(&client.secret_hash)
            .bind(client.active)
            .bind(to_json("client metadata", &client.metadata)?)
            .bind(client.created_at)
            .bind(client.updated_at)
            .bind(secret_sealed)
            .bind(registration_token_hash)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "client {} already exists",
                client.client_id
            )));
        }
        Self::bump(&mut tx, "clients").await?;
        tx.commit().await.map_err(map_err)?;
        self.clients.forget();
        Ok(())
    }

    async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>> {
        crate::failpoint("store.read")?;
        // Client ids are visible ASCII, so one with a NUL character names
        // no client (and PostgreSQL refuses NUL in any text).
        if client_id.contains('\0') {
            return Ok(None);
        }
        let generation = match self.clients.get(client_id) {
            Ok(hit) => return Ok(Some(hit)),
            Err(generation) => generation,
        };
        let row = D::query(sql::GET_CLIENT)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        let record = row.as_ref().map(client).transpose()?;
        if let Some(record) = &record {
            self.clients.put(generation, &record.client_id, record);
        }
        Ok(record)
    }

    fn cached_client(&self, client_id: &str) -> Option<ClientRecord> {
        self.clients.get(client_id).ok()
    }

    async fn list_clients(&self) -> StoreResult<Vec<ClientRecord>> {
        let rows = D::query(sql::LIST_CLIENTS)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(client).collect()
    }

    async fn origin_allowed_by_a_client(&self, origin: &str) -> StoreResult<bool> {
        let generation = self.clients.generation();
        if let Some(index) = self.origins.current(generation) {
            return Ok(index.contains(origin));
        }
        // Read after the generation: a change meanwhile moves it, and the
        // next lookup builds the index again.
        let clients = self.list_clients().await?;
        let index: HashSet<String> = clients
            .iter()
            .filter(|c| c.active)
            .flat_map(|c| c.metadata.cors_origins())
            .collect();
        let allowed = index.contains(origin);
        self.origins.put(generation, Arc::new(index));
        Ok(allowed)
    }

    async fn update_client(&self, client: &ClientRecord) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        let updated = D::query(sql::UPDATE_CLIENT)
            .bind(&client.client_id)
            .bind(&client.secret_hash)
            .bind(client.active)
            .bind(to_json("client metadata", &client.metadata)?)
            .bind(client.updated_at)
            .bind(client.previous_secret.as_ref().map(|p| p.hash.as_str()))
            .bind(client.previous_secret.as_ref().map(|p| p.expires_at))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        Self::bump(&mut tx, "clients").await?;
        tx.commit().await.map_err(map_err)?;
        self.clients.forget();
        Ok(updated > 0)
    }

    async fn delete_client(&self, client_id: &str) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        let deleted = D::query(sql::DELETE_CLIENT)
            .bind(client_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        Self::bump(&mut tx, "clients").await?;
        tx.commit().await.map_err(map_err)?;
        self.clients.forget();
        Ok(deleted > 0)
    }

    async fn set_client_secret_sealed(
        &self,
        client_id: &str,
        sealed: Option<&[u8]>,
    ) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let updated = D::query(sql::SET_SECRET_SEALED)
            .bind(client_id)
            .bind(sealed)
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        Ok(updated > 0)
    }

    async fn get_client_secret_sealed(&self, client_id: &str) -> StoreResult<Option<Vec<u8>>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::GET_SECRET_SEALED)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        match row {
            Some(row) => row.try_get("secret_sealed").map_err(map_err),
            None => Ok(None),
        }
    }

    async fn get_client_previous_secret_sealed(
        &self,
        client_id: &str,
    ) -> StoreResult<Option<Vec<u8>>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::GET_PREVIOUS_SECRET_SEALED)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        match row {
            Some(row) => row.try_get("previous_secret_sealed").map_err(map_err),
            None => Ok(None),
        }
    }

    async fn rotate_client_secret(
        &self,
        client_id: &str,
        new_hash: &str,
        new_sealed: Option<&[u8]>,
        previous_expires_at: Option<i64>,
        now: i64,
    ) -> StoreResult<Option<ClientRecord>> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        let query = match previous_expires_at {
            Some(expires_at) => D::query(sql::ROTATE_SECRET_WITH_GRACE)
                .bind(client_id)
                .bind(new_hash)
                .bind(new_sealed)
                .bind(expires_at)
                .bind(now),
            None => D::query(sql::ROTATE_SECRET_AT_ONCE)
                .bind(client_id)
                .bind(new_hash)
                .bind(new_sealed)
                .bind(now),
        };
        let updated = query
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        if updated == 0 {
            return Ok(None);
        }
        let row = D::query(sql::GET_CLIENT)
            .bind(client_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        let record = row.as_ref().map(client).transpose()?;
        Self::bump(&mut tx, "clients").await?;
        tx.commit().await.map_err(map_err)?;
        self.clients.forget();
        Ok(record)
    }

    async fn purge_expired_previous_secrets(&self, now: i64) -> StoreResult<u64> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        let purged = D::query(sql::PURGE_PREVIOUS_SECRETS)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        if purged > 0 {
            Self::bump(&mut tx, "clients").await?;
        }
        tx.commit().await.map_err(map_err)?;
        if purged > 0 {
            self.clients.forget();
        }
        Ok(purged)
    }

    async fn set_registration_token_hash(
        &self,
        client_id: &str,
        token_hash: Option<&str>,
    ) -> StoreResult<bool> {
        let updated = D::query(sql::SET_REGISTRATION_TOKEN)
            .bind(client_id)
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        Ok(updated > 0)
    }

    async fn get_registration_token_hash(&self, client_id: &str) -> StoreResult<Option<String>> {
        let row = D::query(sql::GET_REGISTRATION_TOKEN)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        match row {
            Some(row) => row.try_get("registration_token_hash").map_err(map_err),
            None => Ok(None),
        }
    }

    async fn record_client_use(&self, client_id: &str, at: i64) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        D::query(sql::RECORD_USE)
            .bind(client_id)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn client_last_used(&self, client_id: &str) -> StoreResult<Option<i64>> {
        let row = D::query(sql::LAST_USED)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.map(|r| r.try_get("last_used_at").map_err(map_err))
            .transpose()
    }

    async fn list_client_uses(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows = D::query(sql::LIST_USES)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("client_id").map_err(map_err)?,
                    r.try_get("last_used_at").map_err(map_err)?,
                ))
            })
            .collect()
    }
}
