//! PostgreSQL through sqlx: the store's [`Db`], connection set-up, and
//! creating databases (for tests and first installs).

use crate::db::{Column, ColumnIndex, Db, DbRow, On, Param};
use crate::error::map_err;
use crate::migrations::{self, Dialect};
use latchkey_core::store::{StoreError, StoreResult};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgConnection, PgPoolOptions, PgRow};
use sqlx::{Connection, PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// PostgreSQL, for [`crate::store::SqlStore`].
#[derive(Debug, Clone, Copy)]
pub struct Pg;

type Statement = sqlx::query::Query<'static, Postgres, PgArguments>;

impl DbRow for PgRow {
    type Error = sqlx::Error;
    fn try_get<T: Column, I: ColumnIndex>(&self, index: I) -> Result<T, sqlx::Error> {
        sqlx::Row::try_get(self, index)
    }
}

impl Db for Pg {
    type Pool = PgPool;
    type Conn = PgConnection;
    type Tx = Transaction<'static, Postgres>;
    type Statement = Statement;
    type Row = PgRow;
    type Error = sqlx::Error;

    const DIALECT: &'static Dialect = &migrations::POSTGRES;

    fn statement(sql: &'static str) -> Statement {
        sqlx::query(sql)
    }

    fn bind<'t, T: Param<'t>>(statement: Statement, value: T) -> Statement {
        statement.bind(value)
    }

    async fn execute(statement: Statement, on: On<'_, Pg>) -> Result<u64, sqlx::Error> {
        let done = match on {
            On::Pool(pool) => statement.execute(pool).await?,
            On::Conn(conn) => statement.execute(conn).await?,
        };
        Ok(done.rows_affected())
    }

    async fn fetch_all(statement: Statement, on: On<'_, Pg>) -> Result<Vec<PgRow>, sqlx::Error> {
        match on {
            On::Pool(pool) => statement.fetch_all(pool).await,
            On::Conn(conn) => statement.fetch_all(conn).await,
        }
    }

    async fn fetch_optional(
        statement: Statement,
        on: On<'_, Pg>,
    ) -> Result<Option<PgRow>, sqlx::Error> {
        match on {
            On::Pool(pool) => statement.fetch_optional(pool).await,
            On::Conn(conn) => statement.fetch_optional(conn).await,
        }
    }

    async fn fetch_one(statement: Statement, on: On<'_, Pg>) -> Result<PgRow, sqlx::Error> {
        match on {
            On::Pool(pool) => statement.fetch_one(pool).await,
            On::Conn(conn) => statement.fetch_one(conn).await,
        }
    }

    async fn execute_raw(sql: &'static str, on: On<'_, Pg>) -> Result<(), sqlx::Error> {
        let raw = sqlx::raw_sql(sql);
        match on {
            On::Pool(pool) => raw.execute(pool).await?,
            On::Conn(conn) => raw.execute(conn).await?,
        };
        Ok(())
    }

    async fn start(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        pool.begin().await
    }

    async fn start_with(
        pool: &PgPool,
        begin: &'static str,
    ) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        pool.begin_with(begin).await
    }

    async fn commit(tx: Transaction<'static, Postgres>) -> Result<(), sqlx::Error> {
        tx.commit().await
    }

    async fn rollback(tx: Transaction<'static, Postgres>) -> Result<(), sqlx::Error> {
        tx.rollback().await
    }
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

/// The connection pool of the database at `url`.
pub(crate) async fn connect(url: &str) -> StoreResult<PgPool> {
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
    Ok(pool)
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
