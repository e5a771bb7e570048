//! [`ErrorStore`]: error occurrences, by `error_id`.

use super::SqlStore;
use crate::db::{Db, DbRow};
use crate::error::map_err;
use latchkey_core::error::ErrorRecord;
use latchkey_core::store::{ErrorStore, StoreError, StoreResult};

mod sql {
    pub const INSERT_ERROR: &str = "INSERT INTO error_records \
        (error_id, cause, code, status, description, debug, endpoint, client_id, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING";
    pub const GET_ERROR: &str = "SELECT error_id, cause, code, status, description, debug, endpoint, client_id, created_at \
        FROM error_records WHERE error_id = $1";
}

fn error_record(row: &impl DbRow) -> StoreResult<ErrorRecord> {
    Ok(ErrorRecord {
        error_id: row.try_get("error_id").map_err(map_err)?,
        cause: row.try_get("cause").map_err(map_err)?,
        code: row.try_get("code").map_err(map_err)?,
        status: row.try_get("status").map_err(map_err)?,
        description: row.try_get("description").map_err(map_err)?,
        debug: row.try_get("debug").map_err(map_err)?,
        endpoint: row.try_get("endpoint").map_err(map_err)?,
        client_id: row.try_get("client_id").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
    })
}

#[async_trait::async_trait]
impl<D: Db> ErrorStore for SqlStore<D> {
    async fn record_error(&self, record: &ErrorRecord) -> StoreResult<()> {
        let inserted = D::query(sql::INSERT_ERROR)
            .bind(&record.error_id)
            .bind(&record.cause)
            .bind(&record.code)
            .bind(record.status)
            .bind(&record.description)
            .bind(&record.debug)
            .bind(&record.endpoint)
            .bind(&record.client_id)
            .bind(record.created_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "error record {} already exists",
                record.error_id
            )));
        }
        Ok(())
    }

    async fn get_error(&self, error_id: &str) -> StoreResult<Option<ErrorRecord>> {
        let row = D::query(sql::GET_ERROR)
            .bind(error_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(error_record).transpose()
    }
}
