//! What the store asks of a database, so [`crate::store::SqlStore`] is
//! written once for both: SQLite through [`crate::lite`] (rusqlite, on the
//! request's own thread) and PostgreSQL through sqlx
//! ([`crate::postgres::Pg`]).
//!
//! The shape is sqlx's: `D::query(SQL).bind(..).fetch_optional(&pool)`,
//! `D::begin(&pool)`, `tx.commit()`, `row.try_get("column")`. A statement
//! runs [`On`] the pool or on the connection of an open transaction
//! (`&mut *tx`). Every statement is plain SQL both databases accept, with
//! `$N` placeholders.

use crate::error::DbError;
use crate::lite;
use crate::migrations::Dialect;
use sqlx::Postgres;
use sqlx::postgres::PgRow;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};

/// A value bound to a statement parameter: one both databases take.
pub trait Param<'t>: lite::Bind + sqlx::Encode<'t, Postgres> + sqlx::Type<Postgres> {}
impl<'t, T: lite::Bind + sqlx::Encode<'t, Postgres> + sqlx::Type<Postgres>> Param<'t> for T {}

/// A Rust value read from a column, on both databases.
pub trait Column: lite::Decode + for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres> {}
impl<T: lite::Decode + for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>> Column for T {}

/// A column by name or by position, on both databases.
pub trait ColumnIndex: lite::ColumnIndex + sqlx::ColumnIndex<PgRow> {}
impl<T: lite::ColumnIndex + sqlx::ColumnIndex<PgRow>> ColumnIndex for T {}

/// One row of a result.
pub trait DbRow: Send {
    type Error: DbError;
    fn try_get<T: Column, I: ColumnIndex>(&self, index: I) -> Result<T, Self::Error>;
}

/// A database the store runs on.
pub trait Db: Sized + Send + Sync + 'static {
    /// The connections; cheap to clone.
    type Pool: Clone + fmt::Debug + Send + Sync;
    /// One connection, as an open transaction lends it.
    type Conn: Send;
    /// An open transaction; rolled back when dropped uncommitted.
    type Tx: DerefMut<Target = Self::Conn> + Send;
    /// A statement with the arguments bound so far.
    type Statement: Send;
    type Row: DbRow<Error = Self::Error>;
    type Error: DbError + fmt::Display + Send;

    /// How this database is migrated.
    const DIALECT: &'static Dialect;

    fn statement(sql: &'static str) -> Self::Statement;
    fn bind<'t, T: Param<'t>>(statement: Self::Statement, value: T) -> Self::Statement;
    /// Run it; returns the number of rows changed.
    fn execute(
        statement: Self::Statement,
        on: On<'_, Self>,
    ) -> impl Future<Output = Result<u64, Self::Error>> + Send;
    fn fetch_all(
        statement: Self::Statement,
        on: On<'_, Self>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, Self::Error>> + Send;
    fn fetch_optional(
        statement: Self::Statement,
        on: On<'_, Self>,
    ) -> impl Future<Output = Result<Option<Self::Row>, Self::Error>> + Send;
    /// Exactly one row; none is an error.
    fn fetch_one(
        statement: Self::Statement,
        on: On<'_, Self>,
    ) -> impl Future<Output = Result<Self::Row, Self::Error>> + Send;
    /// Several statements, no arguments (migrations).
    fn execute_raw(
        sql: &'static str,
        on: On<'_, Self>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Open a transaction, the way this database's writes begin one.
    fn start(pool: &Self::Pool) -> impl Future<Output = Result<Self::Tx, Self::Error>> + Send;
    /// Open a transaction with this statement.
    fn start_with(
        pool: &Self::Pool,
        begin: &'static str,
    ) -> impl Future<Output = Result<Self::Tx, Self::Error>> + Send;
    fn commit(tx: Self::Tx) -> impl Future<Output = Result<(), Self::Error>> + Send;
    fn rollback(tx: Self::Tx) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// A statement to bind and run.
    fn query(sql: &'static str) -> Query<Self> {
        Query(Self::statement(sql))
    }

    /// Start a transaction, the way this database's writes begin one.
    fn begin(pool: &Self::Pool) -> impl Future<Output = Result<Tx<Self>, Self::Error>> + Send {
        async move { Self::start(pool).await.map(Tx) }
    }

    /// Start a transaction with this statement (migrations: SQLite's
    /// `BEGIN IMMEDIATE` takes the write lock at once).
    fn begin_with(
        pool: &Self::Pool,
        begin: &'static str,
    ) -> impl Future<Output = Result<Tx<Self>, Self::Error>> + Send {
        async move { Self::start_with(pool, begin).await.map(Tx) }
    }
}

/// Where a statement runs: the pool, or the connection of an open
/// transaction.
pub enum On<'e, D: Db> {
    Pool(&'e D::Pool),
    Conn(&'e mut D::Conn),
}

impl<'e, D: Db> From<&'e D::Pool> for On<'e, D> {
    fn from(pool: &'e D::Pool) -> Self {
        On::Pool(pool)
    }
}

impl<'e, D: Db> From<&'e mut D::Conn> for On<'e, D> {
    fn from(conn: &'e mut D::Conn) -> Self {
        On::Conn(conn)
    }
}

/// A statement and its arguments, `$N` placeholders bound by number.
#[must_use]
pub struct Query<D: Db>(D::Statement);

/// What `execute` reports.
pub struct Done(u64);

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.0
    }
}

impl<D: Db> Query<D> {
    pub fn bind<'t, T: Param<'t>>(self, value: T) -> Self {
        Query(D::bind(self.0, value))
    }

    pub async fn execute<'e>(self, on: impl Into<On<'e, D>>) -> Result<Done, D::Error> {
        D::execute(self.0, on.into()).await.map(Done)
    }

    pub async fn fetch_all<'e>(self, on: impl Into<On<'e, D>>) -> Result<Vec<D::Row>, D::Error> {
        D::fetch_all(self.0, on.into()).await
    }

    pub async fn fetch_optional<'e>(
        self,
        on: impl Into<On<'e, D>>,
    ) -> Result<Option<D::Row>, D::Error> {
        D::fetch_optional(self.0, on.into()).await
    }

    pub async fn fetch_one<'e>(self, on: impl Into<On<'e, D>>) -> Result<D::Row, D::Error> {
        D::fetch_one(self.0, on.into()).await
    }
}

/// An open transaction (from [`Db::begin`]); rolled back when dropped
/// uncommitted. `&mut *tx` runs a statement inside it.
pub struct Tx<D: Db>(D::Tx);

impl<D: Db> Tx<D> {
    pub async fn commit(self) -> Result<(), D::Error> {
        D::commit(self.0).await
    }

    pub async fn rollback(self) -> Result<(), D::Error> {
        D::rollback(self.0).await
    }
}

impl<D: Db> Deref for Tx<D> {
    type Target = D::Conn;
    fn deref(&self) -> &D::Conn {
        &self.0
    }
}

impl<D: Db> DerefMut for Tx<D> {
    fn deref_mut(&mut self) -> &mut D::Conn {
        &mut self.0
    }
}
