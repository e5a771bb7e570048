//! SQLite connection set-up.

use crate::error::map_err;
use crate::lite::Pool;
use latchkey_core::store::{StoreError, StoreResult};
use std::path::{Path, PathBuf};

/// Where a SQLite database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SqliteTarget {
    File(PathBuf),
    /// A private in-memory database, for tests.
    Memory,
}

/// The connections of the database at `target`, created when missing.
pub(crate) async fn connect(target: &SqliteTarget) -> StoreResult<Pool> {
    let pool = match target {
        SqliteTarget::File(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                create_private_dir(parent).map_err(|e| {
                    StoreError::Other(format!(
                        "cannot create the directory {}: {e}",
                        parent.display()
                    ))
                })?;
            }
            create_private_file(path)
                .map_err(|e| StoreError::Other(format!("cannot create {}: {e}", path.display())))?;
            // An existing empty file is an empty database to SQLite;
            // migrations fill it.
            Pool::open_file(path.clone()).await.map_err(map_err)?
        }
        // An in-memory database lives as long as its connection and is
        // seen by that connection only: the pool has exactly one.
        SqliteTarget::Memory => Pool::open_memory().map_err(map_err)?,
    };
    Ok(pool)
}

/// Directories made for the database are the owner's only (0700). An
/// existing one is left as it is.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// A missing database file is created readable by its owner only (0600):
/// it holds sessions, hashed secrets and sealed keys. SQLite gives the
/// `-wal` and `-shm` files the mode of the database file, so they follow.
/// An existing file is left as it is.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}
