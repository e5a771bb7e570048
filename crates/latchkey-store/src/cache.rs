//! The in-memory client cache: client lookups sit on every token request,
//! so they are answered from memory once read. Writes through this store
//! forget the cache at once; writes elsewhere (another node, the CLI) bump
//! the `clients` version in `latchkey_changes`, and the server's change
//! watcher calls `forget_clients` when it sees that.

use latchkey_core::client::ClientRecord;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Beyond this many clients the cache starts over rather than grow.
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, Default)]
struct Inner {
    /// Bumped by every `forget`: a lookup that read the database before a
    /// change must not put its stale answer in afterwards.
    generation: u64,
    map: HashMap<String, ClientRecord>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ClientCache {
    inner: Arc<RwLock<Inner>>,
}

impl ClientCache {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached record, and the generation to hand back to `put` on a miss.
    pub(crate) fn get(&self, client_id: &str) -> Result<ClientRecord, u64> {
        let inner = self.read();
        inner.map.get(client_id).cloned().ok_or(inner.generation)
    }

    /// Keep a record read from the database, unless the cache was forgotten
    /// since the read began.
    pub(crate) fn put(&self, generation: u64, record: &ClientRecord) {
        let mut inner = self.write();
        if inner.generation != generation {
            return;
        }
        if inner.map.len() >= MAX_ENTRIES {
            inner.map.clear();
        }
        inner.map.insert(record.client_id.clone(), record.clone());
    }

    pub(crate) fn forget(&self) {
        let mut inner = self.write();
        inner.generation += 1;
        inner.map.clear();
    }
}
