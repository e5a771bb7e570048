//! Hand-rolled schema migrations.
//!
//! Each database has its own migration files (the column types differ), but
//! the same versions and names. The runner ([`run`], written once for both
//! databases) applies each pending migration in its own transaction, after
//! `Dialect::lock` has serialized concurrent migrators, and records it in
//! `latchkey_migrations`.

use crate::db::{Db, DbRow};
use crate::error::map_err;
use crate::migrations::Dialect;

use latchkey_core::store::{StoreError, StoreResult};

pub(crate) const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS latchkey_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";
pub(crate) const APPLIED: &str = "SELECT version, name FROM latchkey_migrations ORDER BY version";
pub(crate) const RECORD: &str =
    "INSERT INTO latchkey_migrations (version, name, applied_at) VALUES ($1, $2, $3)";

/// Refuse a database that has migrations this binary does not know: it was
/// written by a newer Latchkey, and running an older one on it is unsafe.
pub(crate) fn check_known(dialect: &Dialect, applied: &[(i64, String)]) -> Result<(), String> {
    let unknown: Vec<String> = applied
        .iter()
        .filter(|(v, _)| !dialect.migrations.iter().any(|m| m.version == *v))
        .map(|(v, name)| format!("{v} ({name})"))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let known = dialect
        .migrations
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0);
    Err(format!(
        "the database has schema migration {} unknown to this binary, which knows versions up to {known}; \
         it was written by a newer Latchkey: run that version or restore a backup",
        unknown.join(", ")
    ))
}

/// Apply the migrations the database of `pool` lacks; returns their names.
pub(crate) async fn run<D: Db>(pool: &D::Pool) -> StoreResult<Vec<String>> {
    let dialect = D::DIALECT;
    let mut applied_now = Vec::new();
    for migration in dialect.migrations {
        let mut tx = D::begin_with(pool, dialect.begin).await.map_err(map_err)?;
        if let Some(lock) = dialect.lock {
            D::query(lock).execute(&mut *tx).await.map_err(map_err)?;
        }
        if let Some(quiet) = dialect.quiet {
            D::query(quiet).execute(&mut *tx).await.map_err(map_err)?;
        }
        D::query(CREATE_TABLE)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let applied = D::query(APPLIED)
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?
            .iter()
            .map(|row| Ok((row.try_get::<i64, _>(0)?, row.try_get::<String, _>(1)?)))
            .collect::<Result<Vec<(i64, String)>, D::Error>>()
            .map_err(map_err)?;
        check_known(dialect, &applied).map_err(StoreError::Other)?;
        if applied.iter().any(|(v, _)| *v == migration.version) {
            tx.rollback().await.map_err(map_err)?;
            continue;
        }
        D::execute_raw(migration.sql, (&mut *tx).into())
            .await
            .map_err(|e| StoreError::Other(format!("migration {} failed: {e}", migration.name)))?;
        D::query(RECORD)
            .bind(migration.version)
            .bind(migration.name)
            .bind(latchkey_core::now_unix())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        tracing::info!(migration = migration.name, "applied database migration");
        applied_now.push(migration.name.to_string());
    }
    Ok(applied_now)
}
