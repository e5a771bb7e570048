//! SQLite on the request's own thread.
//!
//! sqlx runs every SQLite connection on a thread of its own, so each
//! statement costs two thread hand-offs (the request's task to that thread
//! and back). On a small machine a hand-off costs more than SQLite's own
//! work on a statement of this store (tens of microseconds against a few),
//! and a sign-in flow runs a dozen statements. Here statements run where
//! the request runs, through rusqlite, behind the same small API sqlx offers
//! for PostgreSQL (`query(..).bind(..).fetch_optional(..)`, `begin`,
//! `commit`); [`Lite`] puts it behind [`Db`], so the store is written once
//! for both.
//!
//! - One writer connection, behind an async mutex: writers queue on it
//!   without occupying a thread, and never meet SQLite's lock inside this
//!   process. Transactions take it for their whole length.
//! - Reader connections (WAL lets them run beside the writer), opened on
//!   demand and kept up to [`IDLE_READERS`].
//! - Another process holding the lock (the CLI, a backup) is waited for
//!   asynchronously: SQLite answers busy at once and the statement is
//!   retried after a short sleep, until [`BUSY_TIMEOUT`] has passed.

use crate::db::{Column, ColumnIndex as DbColumnIndex, Db, DbRow, On as DbOn, Param};
use crate::migrations::{self, Dialect};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OwnedMutexGuard;

pub use rusqlite::Error;

/// How long a statement waits for another process's lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle reader connections kept open.
const IDLE_READERS: usize = 4;
/// Prepared statements kept per connection (the store has about a hundred).
const STATEMENT_CACHE: usize = 256;
/// How often the background checkpoint runs.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);
/// WAL pages at which a commit checkpoints by itself: only a backstop.
const COMMIT_CHECKPOINT_PAGES: u32 = 20_000;

/// Where the connections come from.
#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    /// One private in-memory database: the writer is the only connection.
    Memory,
}

/// The connections of one database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Pool(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    source: Source,
    writer: Arc<tokio::sync::Mutex<Connection>>,
    readers: Mutex<Vec<Connection>>,
}

fn configure(conn: &Connection) -> Result<(), Error> {
    // Busy answers come back at once; `retry` waits without blocking a thread.
    conn.busy_timeout(Duration::ZERO)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
}

impl Pool {
    /// Open (creating if missing) the database file in WAL mode.
    pub async fn open_file(path: PathBuf) -> Result<Pool, Error> {
        let mut conn = Connection::open(&path)?;
        configure(&conn)?;
        retry(&mut conn, |c| {
            c.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        })
        .await?;
        let pool = Pool::new(Source::File(path), conn);
        if pool.spawn_checkpointer()?
            && let Ok(writer) = pool.0.writer.try_lock()
        {
            writer.pragma_update(None, "wal_autocheckpoint", COMMIT_CHECKPOINT_PAGES)?;
        }
        Ok(pool)
    }

    /// A checkpoint copies the WAL's pages into the database file and syncs
    /// it. SQLite runs one inside the commit that takes the WAL past 1,000
    /// pages, a few milliseconds in one request out of dozens; here a thread
    /// of its own runs a passive one (it waits for nobody and nobody waits
    /// for it) every [`CHECKPOINT_EVERY`], and ends with the pool.
    fn spawn_checkpointer(&self) -> Result<bool, Error> {
        let Some(conn) = self.reader()? else {
            return Ok(false);
        };
        let pool = Arc::downgrade(&self.0);
        let spawned = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(CHECKPOINT_EVERY);
                    if pool.strong_count() == 0 {
                        break;
                    }
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::debug!(error = %e, "WAL checkpoint failed; the next one retries");
                    }
                }
            });
        if let Err(e) = spawned {
            // Commits keep checkpointing by themselves, at SQLite's default size.
            tracing::warn!(error = %e, "cannot start the WAL checkpoint thread");
            return Ok(false);
        }
        Ok(true)
    }

    /// A private in-memory database.
    pub fn open_memory() -> Result<Pool, Error> {
        let conn = Connection::open_in_memory()?;
        configure(&conn)?;
        Ok(Pool::new(Source::Memory, conn))
    }

    fn new(source: Source, writer: Connection) -> Pool {
        Pool(Arc::new(Shared {
            source,
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
            readers: Mutex::new(Vec::new()),
        }))
    }

    /// Start a transaction (on the writer: it is held until the end).
    pub async fn begin(&self) -> Result<Tx<'static>, Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }

    /// Start a transaction with this statement.
    pub async fn begin_with(&self, begin: &str) -> Result<Tx<'static>, Error> {
        let mut conn = self.writer().await?;
        retry(&mut conn, |c| c.execute_batch(begin)).await?;
        Ok(Tx {
            conn,
            _life: PhantomData,
        })
    }

    /// Close the idle readers (the writer closes with the last clone).
    pub async fn close(&self) {
        self.idle().clear();
    }

    /// The writer, once free. A writer held past [`BUSY_TIMEOUT`] (a long
    /// transaction, or a write issued on the pool by code holding a
    /// transaction, which would otherwise wait forever) answers busy.
    async fn writer(&self) -> Result<OwnedMutexGuard<Connection>, Error> {
        let wait = Arc::clone(&self.0.writer).lock_owned();
        tokio::time::timeout(BUSY_TIMEOUT, wait).await.map_err(|_| {
            Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                Some("the database writer stayed busy".to_string()),
            )
        })
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        // A panic while holding this lock leaves only a Vec behind: usable.
        self.0
            .readers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn reader(&self) -> Result<Option<Connection>, Error> {
        if let Some(conn) = self.idle().pop() {
            return Ok(Some(conn));
        }
        match &self.0.source {
            Source::Memory => Ok(None),
            Source::File(path) => {
                let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let conn = Connection::open_with_flags(path, flags)?;
                configure(&conn)?;
                Ok(Some(conn))
            }
        }
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.idle();
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
    }
}

/// Run `f`, and again after a pause while another process holds the lock.
async fn retry<R>(
    conn: &mut Connection,
    mut f: impl FnMut(&Connection) -> Result<R, Error>,
) -> Result<R, Error> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(1);
    loop {
        match f(conn) {
            Err(e) if is_busy(&e) && Instant::now() < deadline => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

fn is_busy(e: &Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy))
}

/// An open transaction; rolled back when dropped uncommitted.
pub struct Tx<'a> {
    conn: OwnedMutexGuard<Connection>,
    _life: PhantomData<&'a ()>,
}

impl Tx<'_> {
    /// On failure the transaction is still open, and Drop rolls it back.
    pub async fn commit(self) -> Result<(), Error> {
        self.conn.execute_batch("COMMIT")
    }

    pub async fn rollback(self) -> Result<(), Error> {
        self.conn.execute_batch("ROLLBACK")
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

impl Deref for Tx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// Where a statement runs: the pool (a reader or the writer) or the
/// connection of a transaction.
pub enum On<'e> {
    Pool(&'e Pool),
    Conn(&'e mut Connection),
}

impl<'e> From<&'e Pool> for On<'e> {
    fn from(pool: &'e Pool) -> Self {
        On::Pool(pool)
    }
}

impl<'e> From<&'e mut Connection> for On<'e> {
    fn from(conn: &'e mut Connection) -> Self {
        On::Conn(conn)
    }
}

/// Anything a statement can run on (the name the store's code uses).
pub trait Exec<'e>: Into<On<'e>> + Send {}
impl<'e, T: Into<On<'e>> + Send> Exec<'e> for T {}

impl On<'_> {
    async fn run<R>(
        self,
        write: bool,
        f: impl FnMut(&Connection) -> Result<R, Error>,
    ) -> Result<R, Error> {
        match self {
            On::Conn(conn) => retry(conn, f).await,
            On::Pool(pool) => {
                if !write && let Some(mut conn) = pool.reader()? {
                    let result = retry(&mut conn, f).await;
                    pool.give_back(conn);
                    return result;
                }
                let mut guard = pool.writer().await?;
                retry(&mut guard, f).await
            }
        }
    }
}

/// A value bound to a statement parameter.
pub trait Bind {
    fn value(&self) -> Value;
}

macro_rules! bind_as {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl Bind for $t {
            fn value(&self) -> Value {
                let $v = self;
                $e
            }
        })*
    };
}

bind_as! {
    str => |v| Value::Text(v.to_string()),
    String => |v| Value::Text(v.clone()),
    i64 => |v| Value::Integer(*v),
    i32 => |v| Value::Integer(i64::from(*v)),
    bool => |v| Value::Integer(i64::from(*v)),
    [u8] => |v| Value::Blob(v.to_vec()),
    Vec<u8> => |v| Value::Blob(v.clone()),
}

impl<T: Bind + ?Sized> Bind for &T {
    fn value(&self) -> Value {
        (**self).value()
    }
}

impl<T: Bind> Bind for Option<T> {
    fn value(&self) -> Value {
        self.as_ref().map_or(Value::Null, Bind::value)
    }
}

/// A statement and its arguments, `$N` placeholders bound by number.
#[must_use]
pub struct Query<'q> {
    sql: &'q str,
    args: Vec<Value>,
}

pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql,
        args: Vec::new(),
    }
}

/// What `execute` reports.
pub struct Done(u64);

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.0
    }
}

impl Query<'_> {
    pub fn bind<T: Bind>(mut self, value: T) -> Self {
        self.args.push(value.value());
        self
    }

    /// Anything but a plain SELECT goes to the writer.
    fn writes(&self) -> bool {
        let head = self.sql.trim_start().get(..6).unwrap_or("");
        !head.eq_ignore_ascii_case("select")
    }

    pub async fn execute<'e, E: Exec<'e>>(self, on: E) -> Result<Done, Error> {
        let (sql, args) = (self.sql, &self.args);
        on.into()
            .run(self.writes(), |c| {
                step(c, sql, args, |_| Ok(()))?;
                Ok(Done(c.changes()))
            })
            .await
    }

    pub async fn fetch_all<'e, E: Exec<'e>>(self, on: E) -> Result<Vec<Row>, Error> {
        let (sql, args) = (self.sql, &self.args);
        on.into()
            .run(self.writes(), |c| {
                let mut rows = Vec::new();
                step(c, sql, args, |r| {
                    rows.push(r);
                    Ok(())
                })?;
                Ok(rows)
            })
            .await
    }

    pub async fn fetch_optional<'e, E: Exec<'e>>(self, on: E) -> Result<Option<Row>, Error> {
        Ok(self.fetch_all(on).await?.into_iter().next())
    }

    pub async fn fetch_one<'e, E: Exec<'e>>(self, on: E) -> Result<Row, Error> {
        self.fetch_optional(on)
            .await?
            .ok_or(Error::QueryReturnedNoRows)
    }
}

/// Prepare (cached), bind, and step through every row.
fn step(
    conn: &Connection,
    sql: &str,
    args: &[Value],
    mut each: impl FnMut(Row) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut stmt = conn.prepare_cached(sql)?;
    let count = stmt.parameter_count();
    // `$N` is a named parameter to SQLite, numbered in order of first
    // appearance, so `$2 ... $1` must be bound by name, not position.
    let mut order = Vec::with_capacity(count);
    for i in 1..=count {
        let n = match stmt.parameter_name(i) {
            Some(name) => name
                .strip_prefix('$')
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| Error::InvalidParameterName(name.to_string()))?,
            None => i,
        };
        order.push(n);
    }
    for (i, n) in order.into_iter().enumerate() {
        let value = args
            .get(n.wrapping_sub(1))
            .ok_or(Error::InvalidParameterCount(n, args.len()))?;
        stmt.raw_bind_parameter(i + 1, value)?;
    }
    let columns: Arc<[Box<str>]> = stmt.column_names().into_iter().map(Box::from).collect();
    // `LATCHKEY_LOG=latchkey_store::sql=debug` times every statement.
    let timed =
        tracing::enabled!(target: "latchkey_store::sql", tracing::Level::DEBUG).then(Instant::now);
    let mut count = 0_usize;
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next()? {
        count += 1;
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            values.push(row.get::<_, Value>(i)?);
        }
        each(Row {
            columns: Arc::clone(&columns),
            values,
        })?;
    }
    if let Some(started) = timed {
        let summary: String = sql.split_whitespace().take(6).collect::<Vec<_>>().join(" ");
        tracing::debug!(
            target: "latchkey_store::sql",
            statement = %summary,
            rows = count,
            changes = conn.changes(),
            elapsed_us = started.elapsed().as_micros() as u64,
        );
    }
    Ok(())
}

/// Several statements, no arguments (migrations).
pub struct Raw<'q>(&'q str);

pub fn raw_sql(sql: &str) -> Raw<'_> {
    Raw(sql)
}

impl Raw<'_> {
    pub async fn execute<'e, E: Exec<'e>>(self, on: E) -> Result<Done, Error> {
        let sql = self.0;
        on.into()
            .run(true, |c| {
                c.execute_batch(sql)?;
                Ok(Done(c.changes()))
            })
            .await
    }
}

/// One row, read out of its statement.
#[derive(Debug)]
pub struct Row {
    columns: Arc<[Box<str>]>,
    values: Vec<Value>,
}

/// A column by name or by position.
pub trait ColumnIndex {
    fn index(&self, row: &Row) -> Result<usize, Error>;
}

impl ColumnIndex for &str {
    fn index(&self, row: &Row) -> Result<usize, Error> {
        row.columns
            .iter()
            .position(|c| **c == **self)
            .ok_or_else(|| Error::InvalidColumnName((*self).to_string()))
    }
}

impl ColumnIndex for usize {
    fn index(&self, row: &Row) -> Result<usize, Error> {
        if *self < row.values.len() {
            Ok(*self)
        } else {
            Err(Error::InvalidColumnIndex(*self))
        }
    }
}

/// A Rust value read from a column.
pub trait Decode: Sized {
    fn decode(value: ValueRef<'_>) -> Option<Self>;
}

impl Decode for String {
    fn decode(value: ValueRef<'_>) -> Option<Self> {
        value.as_str().ok().map(str::to_string)
    }
}

impl Decode for i64 {
    fn decode(value: ValueRef<'_>) -> Option<Self> {
        value.as_i64().ok()
    }
}

impl Decode for i32 {
    fn decode(value: ValueRef<'_>) -> Option<Self> {
        value.as_i64().ok().and_then(|v| i32::try_from(v).ok())
    }
}

impl Decode for bool {
    fn decode(value: ValueRef<'_>) -> Option<Self> {
        value.as_i64().ok().map(|v| v != 0)
    }
}

impl Decode for Vec<u8> {
    fn decode(value: ValueRef<'_>) -> Option<Self> {
        match value {
            ValueRef::Blob(b) | ValueRef::Text(b) => Some(b.to_vec()),
            _ => None,
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(value: ValueRef<'_>) -> Option<Self> {
        match value {
            ValueRef::Null => Some(None),
            v => T::decode(v).map(Some),
        }
    }
}

impl Row {
    pub fn try_get<T: Decode, I: ColumnIndex>(&self, index: I) -> Result<T, Error> {
        let i = index.index(self)?;
        let (Some(raw), Some(name)) = (self.values.get(i), self.columns.get(i)) else {
            return Err(Error::InvalidColumnIndex(i));
        };
        let value = ValueRef::from(raw);
        T::decode(value)
            .ok_or_else(|| Error::InvalidColumnType(i, name.to_string(), value.data_type()))
    }
}

/// SQLite, for [`crate::store::SqlStore`].
#[derive(Debug, Clone, Copy)]
pub struct Lite;

impl<'e> From<DbOn<'e, Lite>> for On<'e> {
    fn from(on: DbOn<'e, Lite>) -> Self {
        match on {
            DbOn::Pool(pool) => On::Pool(pool),
            DbOn::Conn(conn) => On::Conn(conn),
        }
    }
}

impl DbRow for Row {
    type Error = Error;
    fn try_get<T: Column, I: DbColumnIndex>(&self, index: I) -> Result<T, Error> {
        Row::try_get(self, index)
    }
}

impl Db for Lite {
    type Pool = Pool;
    type Conn = Connection;
    type Tx = Tx<'static>;
    type Statement = Query<'static>;
    type Row = Row;
    type Error = Error;

    const DIALECT: &'static Dialect = &migrations::SQLITE;

    fn statement(sql: &'static str) -> Query<'static> {
        query(sql)
    }

    fn bind<'t, T: Param<'t>>(statement: Query<'static>, value: T) -> Query<'static> {
        statement.bind(value)
    }

    async fn execute(statement: Query<'static>, on: DbOn<'_, Lite>) -> Result<u64, Error> {
        Ok(statement.execute(On::from(on)).await?.rows_affected())
    }

    async fn fetch_all(statement: Query<'static>, on: DbOn<'_, Lite>) -> Result<Vec<Row>, Error> {
        statement.fetch_all(On::from(on)).await
    }

    async fn fetch_optional(
        statement: Query<'static>,
        on: DbOn<'_, Lite>,
    ) -> Result<Option<Row>, Error> {
        statement.fetch_optional(On::from(on)).await
    }

    async fn fetch_one(statement: Query<'static>, on: DbOn<'_, Lite>) -> Result<Row, Error> {
        statement.fetch_one(On::from(on)).await
    }

    async fn execute_raw(sql: &'static str, on: DbOn<'_, Lite>) -> Result<(), Error> {
        raw_sql(sql).execute(On::from(on)).await.map(|_| ())
    }

    async fn start(pool: &Pool) -> Result<Tx<'static>, Error> {
        pool.begin().await
    }

    async fn start_with(pool: &Pool, begin: &'static str) -> Result<Tx<'static>, Error> {
        pool.begin_with(begin).await
    }

    async fn commit(tx: Tx<'static>) -> Result<(), Error> {
        tx.commit().await
    }

    async fn rollback(tx: Tx<'static>) -> Result<(), Error> {
        tx.rollback().await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// A directory of the test's own, removed afterwards.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            let dir = std::env::temp_dir().join(format!("latchkey-lite-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn db(&self) -> PathBuf {
            self.0.join("db.sqlite")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[tokio::test]
    async fn placeholders_bind_by_number_not_by_position() {
        let pool = Pool::open_memory().unwrap();
        raw_sql("CREATE TABLE t (a TEXT, b INTEGER)")
            .execute(&pool)
            .await
            .unwrap();
        // `$2` appears first: SQLite numbers it 1.
        query("INSERT INTO t (b, a) VALUES ($2, $1)")
            .bind("x")
            .bind(7_i64)
            .execute(&pool)
            .await
            .unwrap();
        let row = query("SELECT a, b FROM t WHERE b = $1 AND a = $2")
            .bind(7_i64)
            .bind("x")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(row.try_get::<String, _>("a").unwrap(), "x");
        assert_eq!(row.try_get::<i64, _>(1).unwrap(), 7);
        assert!(row.try_get::<i64, _>("a").is_err());
        assert!(row.try_get::<Option<String>, _>("nope").is_err());
    }

    #[tokio::test]
    async fn an_uncommitted_transaction_rolls_back_when_dropped() {
        let pool = Pool::open_memory().unwrap();
        raw_sql("CREATE TABLE t (a INTEGER)")
            .execute(&pool)
            .await
            .unwrap();
        {
            let mut tx = pool.begin().await.unwrap();
            query("INSERT INTO t VALUES (1)")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        let mut tx = pool.begin().await.unwrap();
        query("INSERT INTO t VALUES (2)")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let rows = query("SELECT a FROM t").fetch_all(&pool).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].try_get::<i64, _>(0).unwrap(), 2);
    }

    /// Another process's lock is waited for without holding the thread: on
    /// a one-thread runtime the lock is released by a task that can only run
    /// while the write waits (a blocking wait would time out instead).
    #[tokio::test(flavor = "current_thread")]
    async fn a_lock_held_elsewhere_is_waited_for_without_blocking_the_thread() {
        let dir = TempDir::new();
        let path = dir.db();
        let pool = Pool::open_file(path.clone()).await.unwrap();
        raw_sql("CREATE TABLE t (a INTEGER)")
            .execute(&pool)
            .await
            .unwrap();
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let write = query("INSERT INTO t VALUES (1)").execute(&pool);
        let meanwhile = async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            other.execute_batch("COMMIT").unwrap();
        };
        let (written, ()) = tokio::join!(write, meanwhile);
        assert_eq!(written.unwrap().rows_affected(), 1);
    }

    /// A write waiting on the writer gives up with busy (a 503 upstream)
    /// rather than waiting forever.
    #[tokio::test(start_paused = true)]
    async fn a_writer_held_too_long_answers_busy() {
        let pool = Pool::open_memory().unwrap();
        raw_sql("CREATE TABLE t (a INTEGER)")
            .execute(&pool)
            .await
            .unwrap();
        let tx = pool.begin().await.unwrap();
        let err = query("INSERT INTO t VALUES (1)")
            .execute(&pool)
            .await
            .err()
            .unwrap();
        assert!(is_busy(&err), "{err}");
        assert!(matches!(
            crate::error::map_err(err),
            latchkey_core::store::StoreError::Unavailable(_)
        ));
        drop(tx);
        query("INSERT INTO t VALUES (1)")
            .execute(&pool)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn the_wal_is_checkpointed_in_the_background() {
        let dir = TempDir::new();
        let path = dir.db();
        let pool = Pool::open_file(path.clone()).await.unwrap();
        raw_sql("CREATE TABLE t (b BLOB)")
            .execute(&pool)
            .await
            .unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        for _ in 0..100 {
            query("INSERT INTO t VALUES ($1)")
                .bind(vec![7_u8; 2000])
                .execute(&pool)
                .await
                .unwrap();
        }
        // The rows are in the WAL; only a checkpoint puts them in the file.
        let deadline = Instant::now() + CHECKPOINT_EVERY * 6;
        while std::fs::metadata(&path).unwrap().len() < before + 150_000 {
            assert!(Instant::now() < deadline, "no checkpoint");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
