//! Management operations shared by the admin API, the CLI and the admin
//! console, so a client or user is created, changed and shown the same way
//! through every door.
//! Each returns the JSON the admin API answers with, or an occurrence.
//! `registration` serves dynamic registration (RFC 7591, 7592) with the
//! same client records and metadata rules.

pub mod audit;
pub mod clients;
pub mod errors;
pub mod keys;
pub mod passkeys;
pub mod registration;
pub mod resources;
pub mod users;

/// Whether a record could be stored under `key`: no id, username or
/// identifier holds a NUL character (each is checked when written), and
/// PostgreSQL refuses one in any text, so a look-up with one finds nothing
/// without asking the database.
pub(crate) fn storable(key: &str) -> bool {
    !key.contains('\0')
}

/// The checks every listing's query string passes first, refused as
/// `cause`: no parameter given twice, and no NUL character (PostgreSQL
/// refuses one in any text: a filter holding one must not become a 500).
pub(crate) fn plain_query(
    params: &latchkey_core::authorize::RawParams,
    cause: &'static latchkey_core::error::Cause,
) -> Result<(), latchkey_core::Occurrence> {
    if let Some(name) = params.first_repeated() {
        return Err(cause.with_detail(format!("{name} is given more than once")));
    }
    if let Some((name, _)) = params.pairs().iter().find(|(_, v)| v.contains('\0')) {
        return Err(cause.with_detail(format!("{name} holds a NUL character")));
    }
    Ok(())
}
