//! In-memory caches of what sits on every token request, answered from
//! memory once read: clients (every token request), and whether an access
//! token's `jti` or a grant is revoked (every introspection, userinfo and
//! refresh). Writes through this store forget the cache at once; writes
//! elsewhere (another node, the CLI) bump the topic's version in
//! `latchkey_changes` (`clients`, `revocations`), and the server's change
//! watcher calls `forget_clients` / `forget_revocations` when it sees that.

use latchkey_core::client::ClientRecord;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Beyond this many entries a cache starts over rather than grow.
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug)]
struct Inner<V> {
    /// Bumped by every `forget`: a lookup that read the database before a
    /// change must not put its stale answer in afterwards.
    generation: u64,
    map: HashMap<String, V>,
}

#[derive(Debug)]
pub(crate) struct Cache<V> {
    inner: Arc<RwLock<Inner<V>>>,
}

impl<V> Clone for Cache<V> {
    fn clone(&self) -> Self {
        Cache {
            inner: self.inner.clone(),
        }
    }
}

impl<V> Default for Cache<V> {
    fn default() -> Self {
        Cache {
            inner: Arc::new(RwLock::new(Inner {
                generation: 0,
                map: HashMap::new(),
            })),
        }
    }
}

/// Clients by `client_id`.
pub(crate) type ClientCache = Cache<ClientRecord>;
/// Revocation answers by `jti:{jti}` and `grant:{grant_id}`.
pub(crate) type RevocationCache = Cache<bool>;

impl<V: Clone> Cache<V> {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner<V>> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner<V>> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached value, and the generation to hand back to `put` on a miss.
    pub(crate) fn get(&self, key: &str) -> Result<V, u64> {
        let inner = self.read();
        inner.map.get(key).cloned().ok_or(inner.generation)
    }

    /// Keep a value read from the database, unless the cache was forgotten
    /// since the read began.
    pub(crate) fn put(&self, generation: u64, key: &str, value: &V) {
        let mut inner = self.write();
        if inner.generation != generation {
            return;
        }
        if inner.map.len() >= MAX_ENTRIES {
            inner.map.clear();
        }
        inner.map.insert(key.to_string(), value.clone());
    }

    pub(crate) fn forget(&self) {
        let mut inner = self.write();
        inner.generation += 1;
        inner.map.clear();
    }
}
