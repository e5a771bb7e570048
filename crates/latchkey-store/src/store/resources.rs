//! [`ResourceStore`]: the resources (RFC 8707) the operator registered.

use super::{SqlStore, to_json};
use crate::db::{Db, DbRow};
use crate::error::{corrupt, map_err};
use latchkey_core::resource_record::ResourceRecord;
use latchkey_core::store::{ResourceStore, StoreError, StoreResult};

mod sql {
    pub const INSERT: &str = "INSERT INTO resources \
        (identifier, name, scopes, allowed_clients, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
    pub const GET: &str = "SELECT identifier, name, scopes, allowed_clients, created_at, updated_at \
        FROM resources WHERE identifier = $1";
    pub const LIST: &str = "SELECT identifier, name, scopes, allowed_clients, created_at, updated_at \
        FROM resources ORDER BY created_at, identifier";
    /// `created_at` is kept: a resource is registered once.
    pub const UPDATE: &str = "UPDATE resources \
        SET name = $2, scopes = $3, allowed_clients = $4, updated_at = $5 WHERE identifier = $1";
    pub const DELETE: &str = "DELETE FROM resources WHERE identifier = $1";
}

fn list_of(row: &impl DbRow, column: &str, identifier: &str) -> StoreResult<Vec<String>> {
    let text: String = row.try_get(column).map_err(map_err)?;
    serde_json::from_str(&text).map_err(|e| corrupt(column, identifier, e))
}

fn resource(row: &impl DbRow) -> StoreResult<ResourceRecord> {
    let identifier: String = row.try_get("identifier").map_err(map_err)?;
    Ok(ResourceRecord {
        name: row.try_get("name").map_err(map_err)?,
        scopes: list_of(row, "scopes", &identifier)?,
        allowed_clients: list_of(row, "allowed_clients", &identifier)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        updated_at: row.try_get("updated_at").map_err(map_err)?,
        identifier,
    })
}

#[async_trait::async_trait]
impl<D: Db> ResourceStore for SqlStore<D> {
    async fn create_resource(&self, r: &ResourceRecord) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        let inserted = D::query(sql::INSERT)
            .bind(&r.identifier)
            .bind(&r.name)
            .bind(to_json("resource scopes", &r.scopes)?)
            .bind(to_json("resource clients", &r.allowed_clients)?)
            .bind(r.created_at)
            .bind(r.updated_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "resource {} already exists",
                r.identifier
            )));
        }
        Ok(())
    }

    async fn get_resource(&self, identifier: &str) -> StoreResult<Option<ResourceRecord>> {
        crate::failpoint("store.read")?;
        // PostgreSQL refuses NUL in text; no identifier holds one.
        if identifier.contains('\0') {
            return Ok(None);
        }
        let row = D::query(sql::GET)
            .bind(identifier)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(resource).transpose()
    }

    async fn list_resources(&self) -> StoreResult<Vec<ResourceRecord>> {
        crate::failpoint("store.read")?;
        let rows = D::query(sql::LIST)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(resource).collect()
    }

    async fn update_resource(&self, r: &ResourceRecord) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let updated = D::query(sql::UPDATE)
            .bind(&r.identifier)
            .bind(&r.name)
            .bind(to_json("resource scopes", &r.scopes)?)
            .bind(to_json("resource clients", &r.allowed_clients)?)
            .bind(r.updated_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        Ok(updated > 0)
    }

    async fn delete_resource(&self, identifier: &str) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let deleted = D::query(sql::DELETE)
            .bind(identifier)
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        Ok(deleted > 0)
    }
}
