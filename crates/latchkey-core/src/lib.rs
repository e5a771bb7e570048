//! Latchkey's core: the error catalogue, the protocol decisions, the data
//! model and the store interface. No HTTP framework and no SQL live here, so
//! everything in this crate is tested without a server or a database.

pub mod audit;
pub mod authorize;
pub mod backchannel;
pub mod cache;
pub mod claims;
pub mod client;
pub mod client_auth;
pub mod crypto;
pub mod device;
pub mod dpop;
pub mod error;
pub mod factors;
pub mod fapi2;
pub mod grant;
pub mod i18n;
pub mod journey;
pub mod key_record;
pub mod keys;
pub mod logout;
pub mod mail;
pub mod passkey;
pub mod passkey_record;
pub mod registration;
pub mod request;
pub mod resource;
pub mod resource_record;
pub mod scope;
pub mod secret;
pub mod session;
pub mod store;
pub mod throttle;
pub mod token;
pub mod totp;
pub mod upstream;
pub mod upstream_record;
pub mod user;
pub mod vtr;

pub use error::{Cause, ErrorCode, Occurrence, catalogue};

/// Seconds since the Unix epoch.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
