//! Grants: what a user allowed a client, carried from /authorize to /token.

/// An issued authorization code (RFC 6749 §4.1.2): everything /token needs
/// to issue tokens. Stored by the hash of the code; single use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    /// Keyed hash of the code (`Secrets::hash`); the code itself is never stored.
    pub code_hash: String,
    /// Groups every token issued from this code, so a replay can revoke them all.
    pub grant_id: String,
    pub client_id: String,
    /// The redirect_uri of the authorization request, if it carried one
    /// (RFC 6749 §4.1.3: /token must then receive the identical value).
    pub redirect_uri: Option<String>,
    pub sub: String,
    /// Granted scope, space separated.
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// `S256` or `plain`.
    pub code_challenge_method: Option<String>,
    /// When the user authenticated (Unix seconds).
    pub auth_time: i64,
    pub acr: Option<String>,
    pub amr: Vec<String>,
    /// The browser session id (OIDC `sid`).
    pub sid: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}
