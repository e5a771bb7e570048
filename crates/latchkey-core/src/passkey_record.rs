//! Passkeys (WebAuthn credentials) and the ceremonies in progress, as the
//! store keeps them. The credential itself is opaque here: the JSON that
//! `webauthn-rs` serialises (public key, counter, flags), read back only by
//! [`crate::passkey`].

/// A user's passkey. `id` is ours (shown to people and the admin API);
/// `credential_id` is the authenticator's (base64url), unique across users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyRecord {
    pub id: String,
    pub sub: String,
    pub credential_id: String,
    /// What the user called it ("Laptop", "Phone").
    pub name: String,
    pub credential: String,
    /// The authenticator's signature counter last seen (0 when it keeps
    /// none, as synced passkeys do).
    pub sign_count: i64,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// What a ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyKind {
    /// Adding a passkey to `sub`.
    Register,
    /// Signing in with a discoverable passkey: nobody is named yet.
    SignIn,
    /// A passkey of `sub` as the factor after the password.
    SecondFactor,
}

impl CeremonyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CeremonyKind::Register => "register",
            CeremonyKind::SignIn => "sign_in",
            CeremonyKind::SecondFactor => "second_factor",
        }
    }

    pub fn parse(s: &str) -> Option<CeremonyKind> {
        match s {
            "register" => Some(CeremonyKind::Register),
            "sign_in" => Some(CeremonyKind::SignIn),
            "second_factor" => Some(CeremonyKind::SecondFactor),
            _ => None,
        }
    }
}

/// A ceremony in progress: the server-side state (`webauthn-rs`'
/// registration or authentication state, JSON) between the page that
/// started it and the form that finishes it. Stored under the hash of the
/// id the page carries, bound to what started it (`binding`: a sign-in in
/// progress, or whatever the calling page chooses), taken once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CeremonyRecord {
    pub id_hash: String,
    pub kind: CeremonyKind,
    pub binding: String,
    pub sub: Option<String>,
    pub state: String,
    pub created_at: i64,
    pub expires_at: i64,
}
