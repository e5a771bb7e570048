//! In-memory caches of what sits on every token request, answered from
//! memory once read: clients (every token request), and whether an access
//! token's `jti` or a grant is revoked (every introspection, userinfo and
//! refresh). Writes through this store forget the cache at once; writes
//! elsewhere (another node, the CLI) bump the topic's version in
//! `latchkey_changes` (`clients`, `revocations`), and the server's change
//! watcher calls `forget_clients` / `forget_revocations` when it sees that.

use latchkey_core::cache::Cache;
use latchkey_core::client::ClientRecord;
use std::collections::HashSet;
use std::sync::{Arc, RwLock};

/// Clients by `client_id`.
pub(crate) type ClientCache = Cache<ClientRecord>;
/// Revocation answers by `jti:{jti}` and `grant:{grant_id}`.
pub(crate) type RevocationCache = Cache<bool>;

/// A set of origins, shared by the lookups that read it.
pub(crate) type Origins = Arc<HashSet<String>>;

/// The browser origins some active client allows (CORS), with the client
/// cache's generation it was built at: current while that has not moved.
#[derive(Debug, Clone, Default)]
pub(crate) struct OriginIndex {
    inner: Arc<RwLock<Option<(u64, Origins)>>>,
}

impl OriginIndex {
    /// The index, when it was built at `generation`.
    pub(crate) fn current(&self, generation: u64) -> Option<Origins> {
        let guard = self.inner.read().unwrap_or_else(|p| p.into_inner());
        match &*guard {
            Some((built, origins)) if *built == generation => Some(origins.clone()),
            _ => None,
        }
    }

    /// Keep an index built from clients listed after `generation` was read.
    pub(crate) fn put(&self, generation: u64, origins: Origins) {
        let mut guard = self.inner.write().unwrap_or_else(|p| p.into_inner());
        *guard = Some((generation, origins));
    }
}
