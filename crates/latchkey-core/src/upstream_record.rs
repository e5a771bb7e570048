//! What Latchkey keeps about sign-ins through an upstream identity
//! provider: the flow waiting for the upstream's answer, and the session it
//! started.

/// A flow sent to the upstream and waiting for its answer. Found by the
/// keyed hash of `state`; the PKCE verifier is sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamStateRecord {
    pub state_hash: String,
    pub upstream_id: String,
    /// The interaction (our authorization request) to continue.
    pub interaction_id: String,
    pub nonce: String,
    pub verifier_sealed: Vec<u8>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A session signed in through an upstream: which one, and as whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamSessionRecord {
    pub sid: String,
    pub upstream_id: String,
    pub upstream_sub: String,
    pub created_at: i64,
    pub expires_at: i64,
}
