//! `client_secret_post` (RFC 6749 §2.3.1): client_id and client_secret in
//! the form body.

use crate::Occurrence;
use crate::catalogue::CLIENT_SECRET_MISMATCH;
use crate::client::ClientRecord;
use crate::crypto::Secrets;

/// Constant-time comparison with the keyed hash, and with the previous
/// secret's while its grace period lasts at `now`. Both comparisons
/// always run (with no previous secret, the current hash stands in for
/// it), so the time taken does not tell which secret matched. The form
/// body is decoded once, as every library encodes it, so the secret has a
/// single reading.
pub fn verify(
    client: &ClientRecord,
    secret: &str,
    secrets: &Secrets,
    now: i64,
) -> Result<(), Occurrence> {
    let Some(hash) = &client.secret_hash else {
        return Err(CLIENT_SECRET_MISMATCH.occur());
    };
    let previous = client.previous_secret_hash(now);
    let current = secrets.verify(secret, hash);
    let before = secrets.verify(secret, previous.unwrap_or(hash)) & previous.is_some();
    if current | before {
        Ok(())
    } else {
        Err(CLIENT_SECRET_MISMATCH.occur())
    }
}
