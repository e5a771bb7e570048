//! The store, written once for both databases: [`SqlStore`] over a
//! [`Db`], one module per store trait of `latchkey_core::store`, each with
//! its SQL next to the functions that run it.
//!
//! Every query is plain SQL that SQLite and PostgreSQL both accept: `$N`
//! placeholders (bound by number on both: `lite` maps them onto SQLite's
//! named parameters), `ON CONFLICT DO NOTHING`, integer Unix seconds, JSON
//! as text, booleans and bytes bound as such. The schema files under
//! `migrations/` give the same column names on both sides.

mod audit;
mod changes;
mod clients;
mod device;
mod errors;
mod factors;
mod grants;
mod keys;
mod leased;
mod logouts;
mod mail;
mod passkeys;
mod resources;
mod sessions;
mod upstream;
mod users;

use crate::cache::{ClientCache, OriginIndex, RevocationCache};
use crate::db::{Db, Tx};
use crate::error::map_err;
use crate::lite::Lite;
use crate::migrate;
use crate::postgres::Pg;
use latchkey_core::store::{StoreError, StoreResult};

/// A `Store` on a database `D`, with this node's caches.
#[derive(Debug, Clone)]
pub struct SqlStore<D: Db> {
    pub(crate) pool: D::Pool,
    clients: ClientCache,
    revocations: RevocationCache,
    origins: OriginIndex,
}

/// The store on SQLite.
pub type SqliteStore = SqlStore<Lite>;
/// The store on PostgreSQL.
pub type PgStore = SqlStore<Pg>;

/// Change propagation (see `cache.rs`).
mod sql {
    pub const BUMP_CHANGE: &str =
        "UPDATE latchkey_changes SET version = version + 1 WHERE topic = $1";
    /// `revocations` has no row until the first revocation (0009 seeds only
    /// `clients` and `keys`), so it is created on first use.
    pub const BUMP_REVOCATIONS: &str = "INSERT INTO latchkey_changes (topic, version) \
        VALUES ('revocations', 1) ON CONFLICT (topic) DO UPDATE SET version = latchkey_changes.version + 1";
}

impl<D: Db> SqlStore<D> {
    /// The store on these connections, its caches empty.
    pub(crate) fn new(pool: D::Pool) -> Self {
        SqlStore {
            pool,
            clients: ClientCache::default(),
            revocations: RevocationCache::default(),
            origins: OriginIndex::default(),
        }
    }

    /// Apply the migrations this database lacks; returns their names.
    pub(crate) async fn run_migrations(&self) -> StoreResult<Vec<String>> {
        migrate::run::<D>(&self.pool).await
    }

    /// Bump a change topic inside the transaction of the change.
    async fn bump(tx: &mut Tx<D>, topic: &str) -> StoreResult<()> {
        D::query(sql::BUMP_CHANGE)
            .bind(topic)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    /// Bump `revocations` inside the transaction of a revocation.
    async fn bump_revocations(tx: &mut Tx<D>) -> StoreResult<()> {
        D::query(sql::BUMP_REVOCATIONS)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}

/// A value as JSON text.
fn to_json<T: serde::Serialize>(what: &str, value: &T) -> StoreResult<String> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Other(format!("cannot serialize {what}: {e}")))
}
