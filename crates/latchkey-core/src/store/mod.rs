//! The store interface: everything Latchkey keeps, one trait per concern.
//! [`Store`] is their sum, what the server holds; a function that needs
//! one concern asks for that trait only. Two implementations live in
//! `latchkey-store` (SQLite, PostgreSQL) and pass one conformance suite.
//!
//! Secrets never reach the store in clear: client secrets, codes and refresh
//! tokens arrive hashed, signing keys encrypted.
//!
//! The records the traits read and write belong to the data model
//! ([`crate::grant`], [`crate::session`], ...), which knows nothing of this
//! module.

mod audit;
mod changes;
mod clients;
mod device;
mod errors;
mod factors;
mod grants;
mod keys;
mod logouts;
mod mail;
mod passkeys;
mod resources;
mod sessions;
mod upstream;
mod users;

pub use audit::AuditStore;
pub use changes::ChangeStore;
pub use clients::ClientStore;
pub use device::DeviceStore;
pub use errors::ErrorStore;
pub use factors::FactorStore;
pub use grants::GrantStore;
pub use keys::KeyStore;
pub use logouts::LogoutStore;
pub use mail::MailStore;
pub use passkeys::PasskeyStore;
pub use resources::ResourceStore;
pub use sessions::SessionStore;
pub use upstream::UpstreamStore;
pub use users::UserStore;

/// Every store trait, for calling store methods:
/// `use latchkey_core::store::prelude::*;`.
pub mod prelude {
    pub use super::{
        AuditStore, ChangeStore, ClientStore, DeviceStore, ErrorStore, FactorStore, GrantStore,
        KeyStore, LogoutStore, MailStore, PasskeyStore, ResourceStore, SessionStore, Store,
        UpstreamStore, UserStore,
    };
}

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

/// Everything Latchkey keeps: the sum of the store traits, implemented by
/// every type that implements them all.
pub trait Store:
    ClientStore
    + UserStore
    + KeyStore
    + GrantStore
    + SessionStore
    + FactorStore
    + UpstreamStore
    + ErrorStore
    + ChangeStore
    + DeviceStore
    + AuditStore
    + PasskeyStore
    + MailStore
    + LogoutStore
    + ResourceStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: ClientStore
        + UserStore
        + KeyStore
        + GrantStore
        + SessionStore
        + FactorStore
        + UpstreamStore
        + ErrorStore
        + ChangeStore
        + DeviceStore
        + AuditStore
        + PasskeyStore
        + MailStore
        + LogoutStore
        + ResourceStore
        + Send
        + Sync
        + 'static
{
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
