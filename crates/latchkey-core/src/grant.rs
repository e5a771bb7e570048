//! Grants: what a user allowed a client, carried from /authorize to /token.
//!
//! A grant made in a browser session (it records the session's `sid`)
//! whose scope lacks `offline_access` is bound to that session: ending the
//! session revokes it (OIDC Core §11: only `offline_access` asks for
//! access while the user is not signed in). Device-flow grants keep the
//! `sid` of the browser that approved them but live on another device, so
//! they are never bound ([`DEVICE_GRANT_PREFIX`]).

/// The start of every device-flow grant id (RFC 8628). Random ids are
/// base64url and never hold a '.', so the prefix tells these grants apart
/// where the session-bound ones are revoked.
pub const DEVICE_GRANT_PREFIX: &str = "device.";

/// The revocation reason of a grant its session's end revoked
/// (`GrantStore::revocation_reason`).
pub const SESSION_ENDED: &str = "session_ended";

/// The revocation reason of a grant revoked because the user took back
/// what they had allowed the client (its codes are spent at once).
pub const CONSENT_REVOKED: &str = "consent_revoked";

/// The scope that keeps a grant past the end of its browser session.
pub const OFFLINE_ACCESS: &str = "offline_access";

/// Whether a grant of `grant_id` with `scope`, made in session `sid`, ends
/// with that session (see the module's documentation).
pub fn session_bound(grant_id: &str, scope: &str, sid: Option<&str>) -> bool {
    sid.is_some()
        && !grant_id.starts_with(DEVICE_GRANT_PREFIX)
        && !scope.split(' ').any(|s| s == OFFLINE_ACCESS)
}

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
    /// The claims asked for by name (OIDC Core §5.5), kept for the grant.
    pub claims: Option<crate::claims::ClaimsRequest>,
    /// The resources the authorization request named (RFC 8707), in order.
    pub resources: Vec<String>,
    pub created_at: i64,
    pub expires_at: i64,
    /// The DPoP key thumbprint of the authorization request (`dpop_jkt`,
    /// RFC 9449 §10): the code is redeemed only with a proof of that key.
    pub dpop_jkt: Option<String>,
}

/// The outcome of `GrantStore::redeem_code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    Fresh(CodeRecord),
    Reused(CodeRecord),
    Unknown,
}

/// A pushed authorization request, kept by the keyed hash of its
/// `request_uri` until used or expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRequest {
    pub uri_hash: String,
    pub client_id: String,
    /// The request as validated at /par (a request object already
    /// verified and unpacked). Used as it is: only whether the client is
    /// still active is checked again ([`crate::authorize::still_usable`]).
    pub request: crate::request::AuthorizeRequest,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The outcome of `GrantStore::take_pushed_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushedTake {
    Fresh(Box<PushedRequest>),
    Used,
    /// Past its expiry, or pushed before an upgrade in a form this version
    /// no longer reads (the raw parameters).
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
    /// The claims asked for by name at /authorize (OIDC Core §5.5): every
    /// refresh issues tokens that release them again.
    pub claims: Option<crate::claims::ClaimsRequest>,
    /// The resources of the grant (RFC 8707): a refresh names one of them
    /// or gets a token for the first.
    pub resources: Vec<String>,
    pub created_at: i64,
    pub expires_at: i64,
    /// Set once, when the token is rotated.
    pub rotated_at: Option<i64>,
    /// The successor token, sealed (only for rotated tokens).
    pub successor_sealed: Option<Vec<u8>>,
    /// Set when the grant was revoked.
    pub revoked_at: Option<i64>,
    /// The DPoP key thumbprint the token is bound to (public clients that
    /// got it on a proof, RFC 9449 §5): refreshed only with that key.
    pub dpop_jkt: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_browser_grants_without_offline_access_are_session_bound() {
        assert!(session_bound("g", "openid email", Some("sid")));
        assert!(session_bound("g", "openid offline_accessx", Some("sid")));
        assert!(!session_bound("g", "openid offline_access", Some("sid")));
        assert!(!session_bound("g", "offline_access openid", Some("sid")));
        assert!(!session_bound("g", "openid", None), "no browser session");
        let device = format!("{DEVICE_GRANT_PREFIX}abc");
        assert!(
            !session_bound(&device, "openid", Some("sid")),
            "device flow"
        );
    }
}
