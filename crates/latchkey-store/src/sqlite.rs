//! SQLite connection set-up.

use crate::error::map_err;
use crate::lite::Pool;
use crate::store::SqliteStore;
use latchkey_core::store::{StoreError, StoreResult};
use std::path::PathBuf;

/// Where a SQLite database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SqliteTarget {
    File(PathBuf),
    /// A private in-memory database, for tests.
    Memory,
}

impl SqliteStore {
    pub(crate) async fn connect(target: &SqliteTarget) -> StoreResult<SqliteStore> {
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
                Pool::open_file(path.clone()).await.map_err(map_err)?
            }
            // An in-memory database lives as long as its connection and is
            // seen by that connection only: the pool has exactly one.
            SqliteTarget::Memory => Pool::open_memory().map_err(map_err)?,
        };
        Ok(SqliteStore {
            pool,
            clients: Default::default(),
            revocations: Default::default(),
        })
    }
}
