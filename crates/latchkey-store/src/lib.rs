//! Latchkey's store: SQLite (the embedded default) and PostgreSQL
//! implementations of [`latchkey_core::store::Store`].
//!
//! Both run the same SQL text (see `store.rs`); only connection set-up and
//! the migration files differ. Pick one with a URL:
//!
//! - `sqlite://PATH` (a relative path is relative to the working directory;
//!   the file (0600) and its directory (0700) are created when missing),
//! - `sqlite::memory:` (a private in-memory database, for tests),
//! - `postgres://…` or `postgresql://…`.

mod cache;
mod device;
mod error;
mod factors;
mod lite;
mod migrate;
mod postgres;
mod sessions;
mod sqlite;
mod store;
mod upstream;

use latchkey_core::store::{Store, StoreError};
use sqlite::SqliteTarget;
use std::path::PathBuf;
use std::sync::Arc;

/// The fault-injection points `store.read` and `store.write` (cargo feature
/// `failpoints`): armed, they fail the store call as an internal error.
#[allow(clippy::needless_pass_by_value)]
pub(crate) fn failpoint(point: &'static str) -> latchkey_core::store::StoreResult<()> {
    fail::fail_point!(point, |_| Err(StoreError::Other(format!(
        "failpoint {point} is armed"
    ))));
    let _ = point;
    Ok(())
}

pub use postgres::{create_postgres_database, drop_postgres_database};
pub use sqlite::create_private_dir;
pub use store::{PgStore, SqliteStore};

const ACCEPTED: &str = "sqlite://PATH, sqlite::memory:, postgres://… or postgresql://…";

#[derive(Debug, PartialEq, Eq)]
enum Target<'a> {
    Sqlite(SqliteTarget),
    Postgres(&'a str),
}

fn parse_url(url: &str) -> Result<Target<'_>, StoreError> {
    if url == "sqlite::memory:" {
        return Ok(Target::Sqlite(SqliteTarget::Memory));
    }
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(StoreError::Other(format!(
                "the database URL sqlite:// names no file; expected {ACCEPTED}"
            )));
        }
        return Ok(Target::Sqlite(SqliteTarget::File(PathBuf::from(path))));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Target::Postgres(url));
    }
    // Name only the scheme: the rest may hold a password.
    let scheme = match url.split_once(':') {
        Some((scheme, _)) if !scheme.is_empty() => format!("scheme {scheme:?}"),
        _ => "no scheme".to_string(),
    };
    Err(StoreError::Other(format!(
        "unsupported database URL ({scheme}); expected {ACCEPTED}"
    )))
}

/// SQLite refuses a second writer at once in a few places its busy timeout
/// does not cover (switching a new file to WAL, upgrading a read lock), so
/// processes opening one database at the same moment retry briefly.
async fn sqlite_retry<T, F, Fut>(mut attempt: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut tries: u64 = 0;
    loop {
        match attempt().await {
            Err(StoreError::Unavailable(m))
                if tries < 10 && (m.contains("locked") || m.contains("busy")) =>
            {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(25 * tries)).await;
            }
            other => return other,
        }
    }
}

/// Connect to the database at `database_url`, apply pending migrations and
/// return the store.
pub async fn open(database_url: &str) -> Result<Arc<dyn Store>, StoreError> {
    match parse_url(database_url)? {
        Target::Sqlite(target) => {
            let store = sqlite_retry(|| async {
                let store = SqliteStore::connect(&target).await?;
                store.run_migrations().await?;
                Ok(store)
            })
            .await?;
            Ok(Arc::new(store))
        }
        Target::Postgres(url) => {
            let store = PgStore::connect(url).await?;
            store.run_migrations().await?;
            Ok(Arc::new(store))
        }
    }
}

/// Apply pending migrations to the database at `database_url`; returns the
/// names of those applied (empty when it was up to date).
pub async fn migrate(database_url: &str) -> Result<Vec<String>, StoreError> {
    match parse_url(database_url)? {
        Target::Sqlite(target) => {
            sqlite_retry(|| async {
                let store = SqliteStore::connect(&target).await?;
                let applied = store.run_migrations().await;
                store.pool.close().await;
                applied
            })
            .await
        }
        Target::Postgres(url) => {
            let store = PgStore::connect(url).await?;
            let applied = store.run_migrations().await;
            store.pool.close().await;
            applied
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_database() {
        assert_eq!(
            parse_url("sqlite::memory:").unwrap(),
            Target::Sqlite(SqliteTarget::Memory)
        );
        assert_eq!(
            parse_url("sqlite://data/latchkey.db").unwrap(),
            Target::Sqlite(SqliteTarget::File("data/latchkey.db".into()))
        );
        assert_eq!(
            parse_url("sqlite:///var/lib/latchkey.db").unwrap(),
            Target::Sqlite(SqliteTarget::File("/var/lib/latchkey.db".into()))
        );
        assert_eq!(
            parse_url("postgresql://u@h/db").unwrap(),
            Target::Postgres("postgresql://u@h/db")
        );
        assert!(parse_url("postgres://u@h/db").is_ok());
    }

    #[test]
    fn bad_urls_name_the_accepted_schemes_and_no_secret() {
        for url in ["mysql://root:hunter2@h/db", "", "sqlite://", "latchkey.db"] {
            let Err(StoreError::Other(msg)) = parse_url(url) else {
                panic!("{url} accepted");
            };
            assert!(
                msg.contains("sqlite://PATH") && msg.contains("postgres://"),
                "{msg}"
            );
            assert!(!msg.contains("hunter2"), "{msg}");
        }
    }
}
