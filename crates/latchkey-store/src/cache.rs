//! In-memory caches of what sits on every token request, answered from
//! memory once read: clients (every token request), and whether an access
//! token's `jti` or a grant is revoked (every introspection, userinfo and
//! refresh). Writes through this store forget the cache at once; writes
//! elsewhere (another node, the CLI) bump the topic's version in
//! `latchkey_changes` (`clients`, `revocations`), and the server's change
//! watcher calls `forget_clients` / `forget_revocations` when it sees that.

use latchkey_core::cache::Cache;
use latchkey_core::client::ClientRecord;

/// Clients by `client_id`.
pub(crate) type ClientCache = Cache<ClientRecord>;
/// Revocation answers by `jti:{jti}` and `grant:{grant_id}`.
pub(crate) type RevocationCache = Cache<bool>;
