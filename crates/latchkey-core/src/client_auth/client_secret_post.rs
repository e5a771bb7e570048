//! `client_secret_post` (RFC 6749 §2.3.1): client_id and client_secret in
//! the form body.

use crate::Occurrence;
use crate::catalogue::CLIENT_SECRET_MISMATCH;
use crate::client::ClientRecord;
use crate::crypto::Secrets;

/// Constant-time comparison with the keyed hash. The form body is decoded
/// once, as every library encodes it, so the secret has a single reading.
pub fn verify(client: &ClientRecord, secret: &str, secrets: &Secrets) -> Result<(), Occurrence> {
    match &client.secret_hash {
        Some(hash) if secrets.verify(secret, hash) => Ok(()),
        _ => Err(CLIENT_SECRET_MISMATCH.occur()),
    }
}
