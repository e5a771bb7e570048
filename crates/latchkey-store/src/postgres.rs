//! PostgreSQL connection set-up, and creating databases (for tests and
//! first installs).

use crate::error::map_err;
use crate::store::PgStore;
use latchkey_core::store::{StoreError, StoreResult};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// The names the store's generated code (`store.rs`) uses, for PostgreSQL
/// through sqlx; `crate::lite` offers the same for SQLite.
pub(crate) mod db {
    pub(crate) use sqlx::{Error, query, raw_sql};
    pub(crate) type Pool = sqlx::PgPool;
    pub(crate) type Tx<'a> = sqlx::Transaction<'a, sqlx::Postgres>;
    pub(crate) type Row = sqlx::postgres::PgRow;
    /// A pool, a connection or a transaction.
    pub(crate) trait Exec<'e>: sqlx::Executor<'e, Database = sqlx::Postgres> {}
    impl<'e, T: sqlx::Executor<'e, Database = sqlx::Postgres>> Exec<'e> for T {}
}

const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_CONNECTIONS: u32 = 16;
/// A pooled connection idle this long is pinged before use.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);
/// SQLSTATE duplicate_database.
const DUPLICATE_DATABASE: &str = "42P04";

fn options(url: &str) -> StoreResult<PgConnectOptions> {
    // sqlx's parse errors describe the problem, not the URL, so no password
    // can end up in the message.
    PgConnectOptions::from_str(url)
        .map(|o| o.application_name("latchkey"))
        .map_err(|e| StoreError::Other(format!("invalid PostgreSQL URL: {e}")))
}

impl PgStore {
    pub(crate) async fn connect(url: &str) -> StoreResult<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            // sqlx pings every connection before handing it out: a network
            // round trip in front of every statement. Only one that sat idle
            // a while is pinged; a busy one that has gone bad fails its
            // statement once (503) and is replaced.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_AFTER_IDLE {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options(url)?)
            .await
            .map_err(map_err)?;
        Ok(PgStore {
            pool,
            clients: Default::default(),
            revocations: Default::default(),
            origins: Default::default(),
        })
    }
}

/// Database names we create: plain identifiers, so quoting is trivial and
/// nothing can be injected.
fn check_name(name: &str) -> StoreResult<()> {
    let ok = name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.bytes().next().is_some_and(|b| !b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(StoreError::Other(format!(
            "invalid database name {name:?}: use 1 to 63 ASCII letters, digits and underscores, not starting with a digit"
        )))
    }
}

/// One connection to the server of `server_url` for administration, with
/// a bound on how long reaching it may take.
async fn admin_connection(server_url: &str) -> StoreResult<PgConnection> {
    let options = options(server_url)?;
    match tokio::time::timeout(ACQUIRE_TIMEOUT, PgConnection::connect_with(&options)).await {
        Ok(result) => result.map_err(map_err),
        Err(_) => Err(StoreError::Unavailable(
            "timed out connecting to PostgreSQL".into(),
        )),
    }
}

/// Create the empty database `name` on the server `server_url` points at
/// (connecting to the database named in `server_url`, which must exist),
/// and return `server_url` with its database replaced by `name`.
pub async fn create_postgres_database(server_url: &str, name: &str) -> Result<String, StoreError> {
    check_name(name)?;
    let mut url = url::Url::parse(server_url)
        .map_err(|e| StoreError::Other(format!("invalid PostgreSQL URL: {e}")))?;
    let mut conn = admin_connection(server_url).await?;
    let created = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await
        .map_err(|e| match e.as_database_error().and_then(|db| db.code()) {
            Some(code) if code == DUPLICATE_DATABASE => {
                StoreError::Conflict(format!("database {name} already exists"))
            }
            _ => map_err(e),
        });
    let _ = conn.close().await;
    created?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}

/// Drop the database `name` on the server `server_url` points at, ending
/// any sessions still connected to it. Best effort: a database that does
/// not exist is not an error.
pub async fn drop_postgres_database(server_url: &str, name: &str) -> Result<(), StoreError> {
    check_name(name)?;
    let mut conn = admin_connection(server_url).await?;
    let dropped = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await
    .map_err(map_err);
    let _ = conn.close().await;
    dropped.map(|_| ())
}
