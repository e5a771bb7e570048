//! The store interface: everything Latchkey keeps. Two implementations live
//! in `latchkey-store` (SQLite, PostgreSQL) and pass one conformance suite.
//!
//! Secrets never reach the store in clear: client secrets, codes and refresh
//! tokens arrive hashed, signing keys encrypted.

use crate::client::ClientRecord;
use crate::keys::KeyRecord;
use crate::user::UserRecord;

/// Why a store call failed. The edge maps these onto catalogue causes
/// (`store_unavailable`, `internal_error`); the store itself knows no causes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (duplicate id or name).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database could not be reached or timed out; retrying may work.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else (bad data, a bug, a failed migration).
    #[error("database error: {0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// One error occurrence, kept so support can look it up by `error_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRecord {
    pub error_id: String,
    pub cause: String,
    pub code: String,
    pub status: i64,
    pub description: String,
    pub debug: Option<String>,
    pub endpoint: String,
    pub client_id: Option<String>,
    pub created_at: i64,
}

#[async_trait::async_trait]
pub trait Store:
    crate::session::SessionStore
    + crate::upstream::UpstreamStore
    + crate::factors::FactorStore
    + crate::device::DeviceStore
    + Send
    + Sync
    + 'static
{
    /// Cheap round trip, for readiness checks.
    async fn ping(&self) -> StoreResult<()>;

    // Clients. `create_client` fails with `Conflict` when the id exists.
    async fn create_client(&self, client: &ClientRecord) -> StoreResult<()> {
        self.create_client_with(client, None, None).await
    }
    /// [`Store::create_client`] with what is written once with a client:
    /// its sealed client_secret_jwt secret and its registration access
    /// token's hash, in the same statement, so no client exists half made.
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

    // Change propagation between nodes: client and key writes bump a
    // version counter per topic (`clients`, `keys`) in their transaction.
    async fn change_versions(&self) -> StoreResult<Vec<(String, i64)>>;
    /// Drop cached clients: the `clients` version moved, so another node or
    /// process changed one.
    fn forget_clients(&self);
    /// Drop cached revocation answers: the `revocations` version moved, so
    /// another node or process revoked a token or a grant.
    fn forget_revocations(&self);

    // Run-time settings (e.g. `maintenance`) set through the admin API and
    // shared by every node: a write bumps the `settings` change topic.
    async fn get_setting(&self, name: &str) -> StoreResult<Option<String>>;
    /// Set (insert or replace) a setting.
    async fn set_setting(&self, name: &str, value: &str, now: i64) -> StoreResult<()>;

    // Users. `create_user` fails with `Conflict` when the username is taken.
    async fn create_user(&self, user: &UserRecord) -> StoreResult<()>;
    async fn get_user(&self, sub: &str) -> StoreResult<Option<UserRecord>>;
    async fn get_user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    /// The users a typed sign-in name may mean (a few at most): that
    /// username exactly or ignoring ASCII case, or that verified email
    /// ignoring ASCII case. [`crate::user::pick_for_sign_in`] chooses.
    async fn find_users_for_sign_in(&self, name: &str) -> StoreResult<Vec<UserRecord>>;
    /// Users whose verified email is `email_key` ([`crate::user::email_key`]).
    async fn find_users_by_verified_email(&self, email_key: &str) -> StoreResult<Vec<UserRecord>>;
    async fn list_users(&self) -> StoreResult<Vec<UserRecord>>;
    /// Replaces the stored record; `Conflict` when the new username is taken.
    async fn update_user(&self, user: &UserRecord) -> StoreResult<bool>;
    /// Delete a user and end everything that lets anyone act as them, in
    /// one transaction: sessions, pending codes and refresh tokens go, the
    /// grants they belong to are revoked (kept until `keep_until`, so the
    /// access tokens already issued from them stop working), and consents,
    /// second factors and upstream links go. False when no such user.
    async fn delete_user(&self, sub: &str, now: i64, keep_until: i64) -> StoreResult<bool>;

    // Signing keys.
    async fn insert_key(&self, key: &KeyRecord) -> StoreResult<()>;
    /// All keys, newest first.
    async fn list_keys(&self) -> StoreResult<Vec<KeyRecord>>;
    /// Make `new_key` the active key for its algorithm and retire the
    /// previously active ones (published until `publish_until`), atomically.
    async fn rotate_key(
        &self,
        new_key: &KeyRecord,
        retired_at: i64,
        publish_until: i64,
    ) -> StoreResult<()>;

    // Error occurrences.
    async fn record_error(&self, record: &ErrorRecord) -> StoreResult<()>;
    async fn get_error(&self, error_id: &str) -> StoreResult<Option<ErrorRecord>>;
    /// Delete what has expired (retired keys past publication, old error
    /// records); bounded per call. Returns the number of rows removed.
    async fn purge_expired(
        &self,
        now: i64,
        error_retention_secs: i64,
        limit: i64,
    ) -> StoreResult<u64>;

    // -----------------------------------------------------------------------
    // Tokens (the /token side: refresh tokens, revocation, assertion jtis).
    // `purge_expired` also removes what expired here.
    // -----------------------------------------------------------------------

    /// Keep a new refresh token (by its hash).
    async fn insert_refresh_token(&self, token: &RefreshRecord) -> StoreResult<()>;
    async fn get_refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshRecord>>;
    /// Rotate `token_hash` into `successor`, atomically across nodes: only
    /// the call that finds the token neither rotated nor revoked wins
    /// (true) and inserts the successor; `successor_sealed` is the
    /// successor token sealed with `Secrets::seal`, kept so a retry within
    /// the grace window gets the same successor.
    async fn rotate_refresh_token(
        &self,
        token_hash: &str,
        now: i64,
        successor: &RefreshRecord,
        successor_sealed: &[u8],
    ) -> StoreResult<bool>;
    /// Revoke a grant: every refresh token of it, and (through
    /// `is_grant_revoked`) every access token carrying its id. Remembered
    /// until `keep_until`. Idempotent.
    async fn revoke_grant(&self, grant_id: &str, now: i64, keep_until: i64) -> StoreResult<()>;
    async fn is_grant_revoked(&self, grant_id: &str) -> StoreResult<bool>;
    /// Denylist an access token by `jti` until it expires. Idempotent.
    async fn deny_access_token(&self, jti: &str, expires_at: i64) -> StoreResult<()>;
    async fn is_access_token_denied(&self, jti: &str) -> StoreResult<bool>;
    /// Record a client assertion's `jti` until `expires_at`: true when it
    /// was new, false when it was already recorded (a replay).
    async fn record_jti(&self, client_id: &str, jti: &str, expires_at: i64) -> StoreResult<bool>;
    /// The client_secret_jwt secret, sealed with `Secrets::seal` (context:
    /// the client_id); set only for clients using that method.
    async fn set_client_secret_sealed(
        &self,
        client_id: &str,
        sealed: Option<&[u8]>,
    ) -> StoreResult<bool>;
    async fn get_client_secret_sealed(&self, client_id: &str) -> StoreResult<Option<Vec<u8>>>;

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
    // -----------------------------------------------------------------------
    // Pushed authorization requests (RFC 9126). `purge_expired` removes
    // them an hour after they expire (kept that long so a late or repeated
    // use is answered precisely).
    // -----------------------------------------------------------------------

    async fn insert_pushed_request(&self, pushed: &PushedRequest) -> StoreResult<()>;
    /// Use a pushed request exactly once, atomically across nodes: only the
    /// first call by the client that pushed it, before it expires, gets it.
    async fn take_pushed_request(
        &self,
        uri_hash: &str,
        client_id: &str,
        now: i64,
    ) -> StoreResult<PushedTake>;
}

/// A pushed authorization request, kept by the keyed hash of its
/// `request_uri` until used or expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRequest {
    pub uri_hash: String,
    pub client_id: String,
    /// The authorization parameters as pushed (a request object already
    /// verified and unpacked), validated again when used.
    pub params: Vec<(String, String)>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The outcome of [`Store::take_pushed_request`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushedTake {
    Fresh(PushedRequest),
    Used,
    Expired,
    /// Pushed by another client (left unused).
    OtherClient,
    Unknown,
}

/// A stored refresh token. Tokens rotate: each use creates a successor in
/// the same grant (the family); reuse of a rotated one revokes the grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// Keyed hash of the token (`Secrets::hash`).
    pub token_hash: String,
    /// The grant (the family): every token issued from one authorization.
    pub grant_id: String,
    pub client_id: String,
    pub sub: String,
    /// Scope of the grant, space separated (what a refresh may narrow).
    pub scope: String,
    pub auth_time: Option<i64>,
    pub acr: Option<String>,
    pub amr: Vec<String>,
    pub sid: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    /// Set once, when the token is rotated.
    pub rotated_at: Option<i64>,
    /// The successor token, sealed (only for rotated tokens).
    pub successor_sealed: Option<Vec<u8>>,
    /// Set when the grant was revoked.
    pub revoked_at: Option<i64>,
}

/// Seconds a client is asked to wait while the database is unreachable.
pub const UNAVAILABLE_RETRY_SECS: u64 = 5;

impl From<StoreError> for crate::Occurrence {
    /// An unreachable database is `store_unavailable` (503, retry); anything
    /// else reaching the edge is a bug or broken data: `internal_error`.
    /// Callers that expect `Conflict` map it to their own cause first.
    fn from(err: StoreError) -> Self {
        use crate::catalogue::{INTERNAL_ERROR, STORE_UNAVAILABLE};
        match &err {
            StoreError::Unavailable(_) => STORE_UNAVAILABLE
                .occur()
                .retry_after(UNAVAILABLE_RETRY_SECS)
                .source(&err),
            StoreError::Conflict(_) | StoreError::Other(_) => INTERNAL_ERROR.occur().source(&err),
        }
    }
}
