//! Clients: their records, what is written once with them (the sealed
//! client_secret_jwt secret, the registration access token's hash), and
//! this node's memory of them (the client cache, the origin index).

use super::StoreResult;
use crate::client::ClientRecord;

#[async_trait::async_trait]
pub trait ClientStore: Send + Sync {
    // Clients. `create_client` fails with `Conflict` when the id exists.
    async fn create_client(&self, client: &ClientRecord) -> StoreResult<()> {
        self.create_client_with(client, None, None).await
    }
    /// [`ClientStore::create_client`] with what is written once with a
    /// client: its sealed client_secret_jwt secret and its registration
    /// access token's hash, in the same statement, so no client exists half
    /// made.
    async fn create_client_with(
        &self,
        client: &ClientRecord,
        secret_sealed: Option<&[u8]>,
        registration_token_hash: Option<&str>,
    ) -> StoreResult<()>;
    async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>>;
    /// The client as this node last read it, from memory only (`None` when
    /// it is not cached): for answers that must not wait on the database.
    fn cached_client(&self, client_id: &str) -> Option<ClientRecord>;
    async fn list_clients(&self) -> StoreResult<Vec<ClientRecord>>;
    /// Whether some active client allows a browser at `origin` to call the
    /// token endpoints (a CORS preflight, which names no client). Answered
    /// from this node's index of every client's origins, built with one
    /// `list_clients` and rebuilt after the client cache is forgotten (a
    /// write here, or another node's seen by the change watcher).
    async fn origin_allowed_by_a_client(&self, origin: &str) -> StoreResult<bool>;
    /// Replaces the stored record; false when no such client.
    async fn update_client(&self, client: &ClientRecord) -> StoreResult<bool>;
    async fn delete_client(&self, client_id: &str) -> StoreResult<bool>;

    /// The client_secret_jwt secret, sealed with `Secrets::seal` (context:
    /// the client_id); set only for clients using that method.
    async fn set_client_secret_sealed(
        &self,
        client_id: &str,
        sealed: Option<&[u8]>,
    ) -> StoreResult<bool>;
    async fn get_client_secret_sealed(&self, client_id: &str) -> StoreResult<Option<Vec<u8>>>;
    /// The sealed client_secret_jwt secret a rotation replaced (kept while
    /// the record's [`crate::client::PreviousSecret`] lasts).
    async fn get_client_previous_secret_sealed(
        &self,
        client_id: &str,
    ) -> StoreResult<Option<Vec<u8>>>;
    /// Rotate the secret: `new_hash` (and `new_sealed`, for
    /// client_secret_jwt) become current; with `previous_expires_at`, the
    /// secret they replace (hash and sealed form) stays valid until then,
    /// else it stops at once. Returns the record as written; `None` when
    /// no such client.
    async fn rotate_client_secret(
        &self,
        client_id: &str,
        new_hash: &str,
        new_sealed: Option<&[u8]>,
        previous_expires_at: Option<i64>,
        now: i64,
    ) -> StoreResult<Option<ClientRecord>>;
    /// Forget previous secrets whose grace period ended before `now`; the
    /// number of clients changed.
    async fn purge_expired_previous_secrets(&self, now: i64) -> StoreResult<u64>;

    // Dynamic registration (RFC 7592): the keyed hash of a client's
    // registration access token; a client created otherwise has none.
    /// Set or clear it; false when no such client.
    async fn set_registration_token_hash(
        &self,
        client_id: &str,
        token_hash: Option<&str>,
    ) -> StoreResult<bool>;
    /// None when the client does not exist or has no registration token.
    async fn get_registration_token_hash(&self, client_id: &str) -> StoreResult<Option<String>>;

    // When each client last got tokens (the admin console's "last use").
    /// Note that `client_id` got tokens at `at`; a later time already
    /// noted is kept. Fails when no such client.
    async fn record_client_use(&self, client_id: &str, at: i64) -> StoreResult<()>;
    /// When `client_id` last got tokens, if it ever did since it was noted.
    async fn client_last_used(&self, client_id: &str) -> StoreResult<Option<i64>>;
    /// Every client's last use: (client_id, Unix seconds), by client_id.
    async fn list_client_uses(&self) -> StoreResult<Vec<(String, i64)>>;
}
