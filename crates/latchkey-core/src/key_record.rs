//! A signing key as it is stored: its state and its sealed private half.
//! Generating, publishing and signing with keys is `keys.rs`.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    Active,
    Retired,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<KeyState> {
        match s {
            "active" => Some(KeyState::Active),
            "retired" => Some(KeyState::Retired),
            _ => None,
        }
    }
}

/// A stored signing key. The private key is PKCS#8 DER sealed with
/// `LATCHKEY_SECRET` (context: the kid).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRecord {
    pub kid: String,
    pub alg: String,
    pub state: KeyState,
    pub private_sealed: Vec<u8>,
    /// The public JWK as published (with `kid`, `use`, `alg`).
    pub public_jwk: Value,
    pub created_at: i64,
    pub retired_at: Option<i64>,
    /// Retired keys stay in the JWKS until this time.
    pub publish_until: Option<i64>,
}

impl KeyRecord {
    /// Whether `/jwks` lists this key at `now`.
    pub fn is_published(&self, now: i64) -> bool {
        self.state == KeyState::Active || self.publish_until.is_some_and(|t| t > now)
    }
}
