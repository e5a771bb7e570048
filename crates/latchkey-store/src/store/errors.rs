//! [`ErrorStore`]: error occurrences, by `error_id`.

use super::SqlStore;
use crate::db::{Db, DbRow};
use crate::error::map_err;
use latchkey_core::error::{ErrorCount, ErrorRecord};
use latchkey_core::store::{ErrorStore, StoreError, StoreResult};

mod sql {
    pub const INSERT_ERROR: &str = "INSERT INTO error_records \
        (error_id, cause, code, status, description, debug, endpoint, client_id, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING";
    pub const GET_ERROR: &str = "SELECT error_id, cause, code, status, description, debug, endpoint, client_id, created_at \
        FROM error_records WHERE error_id = $1";
    /// Integer division on both databases (BIGINT / BIGINT, INTEGER /
    /// INTEGER) floors non-negative times to their bucket.
    pub const COUNT_ERRORS: &str = "SELECT (created_at / $2) * $2 AS bucket_start, code, cause, \
        COUNT(*) AS n FROM error_records WHERE created_at >= $1 \
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
    pub const COUNT_CLIENT_ERRORS: &str = "SELECT (created_at / $2) * $2 AS bucket_start, code, cause, \
        COUNT(*) AS n FROM error_records WHERE client_id = $3 AND created_at >= $1 \
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
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

    async fn count_errors(
        &self,
        since: i64,
        bucket: i64,
        client_id: Option<&str>,
    ) -> StoreResult<Vec<ErrorCount>> {
        if bucket <= 0 {
            return Err(StoreError::Other(format!(
                "error counts need a positive bucket, got {bucket}"
            )));
        }
        let query = match client_id {
            Some(id) => D::query(sql::COUNT_CLIENT_ERRORS)
                .bind(since)
                .bind(bucket)
                .bind(id),
            None => D::query(sql::COUNT_ERRORS).bind(since).bind(bucket),
        };
        let rows = query.fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(ErrorCount {
                    bucket_start: r.try_get("bucket_start").map_err(map_err)?,
                    code: r.try_get("code").map_err(map_err)?,
                    cause: r.try_get("cause").map_err(map_err)?,
                    count: r.try_get("n").map_err(map_err)?,
                })
            })
            .collect()
    }
}
