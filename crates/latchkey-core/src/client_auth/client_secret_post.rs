//! `client_secret_post` (RFC 6749 §2.3.1): client_id and client_secret in
//! the form body.

use crate::Occurrence;
use crate::client::ClientRecord;
use crate::crypto::Secrets;

/// Same check as Basic: constant-time comparison with the keyed hash.
pub fn verify(client: &ClientRecord, secret: &str, secrets: &Secrets) -> Result<(), Occurrence> {
    super::client_secret_basic::verify(client, secret, secrets)
}
