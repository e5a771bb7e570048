//! SQLite connection set-up.

use crate::error::map_err;
use crate::store::SqliteStore;
use latchkey_core::store::{StoreError, StoreResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::PathBuf;
use std::time::Duration;

/// Writers wait this long for the database lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// SQLite writes one transaction at a time; a few connections are enough for
/// concurrent reads (WAL) on a small machine.
const MAX_CONNECTIONS: u32 = 4;

/// Where a SQLite database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SqliteTarget {
    File(PathBuf),
    /// A private in-memory database, for tests.
    Memory,
}

impl SqliteStore {
    pub(crate) async fn connect(target: &SqliteTarget) -> StoreResult<SqliteStore> {
        let base = SqliteConnectOptions::new()
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            .synchronous(SqliteSynchronous::Normal);
        let pool = match target {
            SqliteTarget::File(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        StoreError::Other(format!(
                            "cannot create the directory {}: {e}",
                            parent.display()
                        ))
                    })?;
                }
                // A missing file is created; an existing empty one is an
                // empty database to SQLite. Either way migrations fill it.
                let options = base
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal);
                SqlitePoolOptions::new()
                    .max_connections(MAX_CONNECTIONS)
                    // A file connection cannot go stale the way a network
                    // one can; the default ping on every acquire would add
                    // a round trip to the connection's thread per statement.
                    .test_before_acquire(false)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(map_err)?
            }
            SqliteTarget::Memory => {
                // An in-memory database lives as long as its connection and
                // is seen by that connection only: use exactly one, forever.
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(base.in_memory(true))
                    .await
                    .map_err(map_err)?
            }
        };
        Ok(SqliteStore {
            pool,
            clients: Default::default(),
            revocations: Default::default(),
        })
    }
}
