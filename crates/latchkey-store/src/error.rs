//! Mapping sqlx errors onto `StoreError`.
//!
//! sqlx never puts bound values in its messages, so passing its text on
//! cannot leak a secret hash or a sealed key; URLs are never echoed.

use latchkey_core::store::StoreError;
use sqlx::error::DatabaseError;

/// Classify a sqlx error: unique violations are `Conflict`, anything that
/// says "the database is not reachable right now" is `Unavailable`, the rest
/// `Other`.
pub(crate) fn map_err(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(db.message().to_string())
        }
        sqlx::Error::Database(db) if is_transient(db.as_ref()) => {
            StoreError::Unavailable(db.message().to_string())
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => StoreError::Unavailable(error.to_string()),
        _ => StoreError::Other(error.to_string()),
    }
}

/// Database-reported conditions that retrying may cure.
fn is_transient(db: &dyn DatabaseError) -> bool {
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        // Class 08: connection exception; 57P01-57P03: shutting down or
        // starting up; 53300: too many connections.
        let code = pg.code();
        return code.starts_with("08") || code.starts_with("57P") || code == "53300";
    }
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // Primary result code of the extended one: BUSY (still locked after
        // busy_timeout), LOCKED, IOERR, CANTOPEN.
        let primary = db
            .code()
            .and_then(|c| c.parse::<i64>().ok())
            .map(|c| c & 0xff);
        return matches!(primary, Some(5 | 6 | 10 | 14));
    }
    false
}

/// A `StoreError::Other` for data the store itself cannot make sense of.
pub(crate) fn corrupt(what: &str, key: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored {what} for {key} is unreadable: {detail}"))
}
