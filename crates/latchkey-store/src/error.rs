//! Mapping database errors (sqlx for PostgreSQL, rusqlite for SQLite) onto
//! `StoreError`.
//!
//! Neither library puts bound values in its messages, so passing their text
//! on cannot leak a secret hash or a sealed key; URLs are never echoed.

use latchkey_core::store::StoreError;
use sqlx::error::DatabaseError;

/// Classify a database error: unique violations are `Conflict`, anything
/// that says "the database is not reachable right now" is `Unavailable`, the
/// rest `Other`.
pub(crate) fn map_err<E: DbError>(error: E) -> StoreError {
    error.classify()
}

/// An error of one of the database libraries.
pub trait DbError {
    fn classify(self) -> StoreError;
}

impl DbError for rusqlite::Error {
    fn classify(self) -> StoreError {
        use rusqlite::ffi;
        let message = self.to_string();
        match &self {
            rusqlite::Error::SqliteFailure(e, _)
                if e.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                StoreError::Conflict(message)
            }
            // Still locked by another process after the wait, or the file
            // cannot be read or opened: retrying may cure it.
            rusqlite::Error::SqliteFailure(e, _)
                if matches!(
                    e.code,
                    ffi::ErrorCode::DatabaseBusy
                        | ffi::ErrorCode::DatabaseLocked
                        | ffi::ErrorCode::SystemIoFailure
                        | ffi::ErrorCode::CannotOpen
                ) =>
            {
                StoreError::Unavailable(message)
            }
            _ => StoreError::Other(message),
        }
    }
}

impl DbError for sqlx::Error {
    fn classify(self) -> StoreError {
        match &self {
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
            | sqlx::Error::BeginFailed => StoreError::Unavailable(self.to_string()),
            _ => StoreError::Other(self.to_string()),
        }
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
    false
}

/// A `StoreError::Other` for data the store itself cannot make sense of.
pub(crate) fn corrupt(what: &str, key: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored {what} for {key} is unreadable: {detail}"))
}
