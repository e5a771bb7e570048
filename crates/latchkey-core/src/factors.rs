//! Second factors and identity confidence: what a user has besides a
//! password. The TOTP key is sealed (`Secrets::seal`, context `totp:{sub}`)
//! before it reaches the store; recovery codes arrive as keyed hashes.

/// A user's TOTP authenticator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpRecord {
    pub sub: String,
    pub secret_sealed: Vec<u8>,
    /// `None` while an enrolment waits for its first code.
    pub confirmed_at: Option<i64>,
    /// The last time step accepted: a code is never accepted twice.
    pub last_step: Option<i64>,
    pub created_at: i64,
}

/// The sealing context of a user's TOTP key: a row cannot be moved to
/// another user.
pub fn totp_context(sub: &str) -> Vec<u8> {
    format!("totp:{sub}").into_bytes()
}
