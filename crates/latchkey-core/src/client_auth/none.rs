//! `none` (OIDC Core §9, RFC 7591 §2): a public client that cannot keep a
//! secret identifies itself with client_id only; PKCE protects its codes.

use crate::Occurrence;
use crate::client::ClientRecord;

/// Nothing to verify beyond the registered method (checked by the caller).
pub fn verify(_client: &ClientRecord) -> Result<(), Occurrence> {
    Ok(())
}
