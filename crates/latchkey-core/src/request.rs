//! What a sign-in is asked for: a validated authorization request (RFC 6749
//! §4.1.1, OIDC Core §3.1.2.1) or a device's request (RFC 8628). Part of
//! the data model: kept server-side in an interaction while the user signs
//! in, so it imports only the error catalogue and vectors of trust.

use crate::error::render::{RedirectTarget, ResponseMode};
use crate::vtr::Vector;
use serde::{Deserialize, Serialize};

/// `prompt` values (OIDC Core §3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prompt {
    None,
    Login,
    Consent,
    SelectAccount,
}

/// A validated authorization request. Kept server-side while the user
/// signs in and consents, then used to issue the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    pub client_id: String,
    /// The verified redirect URI (registered, exact match).
    pub redirect_uri: String,
    /// Whether the request carried `redirect_uri` (then /token must too).
    pub redirect_uri_sent: bool,
    pub response_mode: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Vec<Prompt>,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    pub id_token_hint: Option<String>,
    pub ui_locales: Option<String>,
    pub acr_values: Option<String>,
    /// The vectors of trust asked for (`vtr`, else `acr_values`, else
    /// `vtr.default`); any one satisfies the request. Empty means `Cl`.
    #[serde(default)]
    pub vtr: Vec<Vector>,
}

impl AuthorizeRequest {
    /// Where responses to this request go.
    pub fn target(&self) -> RedirectTarget {
        let mode = ResponseMode::parse(&self.response_mode).unwrap_or(ResponseMode::Query);
        RedirectTarget::verified(self.redirect_uri.clone(), mode, self.state.clone())
    }

    pub fn scope(&self) -> String {
        self.scopes.join(" ")
    }

    pub fn has_prompt(&self, p: Prompt) -> bool {
        self.prompt.contains(&p)
    }
}

/// A device's request waiting for its user (RFC 8628 §3.3): found by the
/// user code the person typed; approved or denied at the end of the sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRequest {
    pub client_id: String,
    /// Keyed hash of the normalized user code: the grant's key.
    pub user_code_hash: String,
    pub scopes: Vec<String>,
    /// The vectors of trust the sign-in must meet (`vtr.default`).
    #[serde(default)]
    pub vtr: Vec<Vector>,
}

/// What a sign-in in progress is for. Stored as JSON in its interaction:
/// an authorization request as itself (how interactions were always
/// kept), a device's request under `device`.
// One per sign-in in progress, moved rather than copied: the size
// difference of the variants costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Purpose {
    Authorize(AuthorizeRequest),
    Device { device: DeviceRequest },
}

impl Purpose {
    pub fn client_id(&self) -> &str {
        match self {
            Purpose::Authorize(r) => &r.client_id,
            Purpose::Device { device } => &device.client_id,
        }
    }

    pub fn scopes(&self) -> &[String] {
        match self {
            Purpose::Authorize(r) => &r.scopes,
            Purpose::Device { device } => &device.scopes,
        }
    }

    pub fn vtr(&self) -> &[Vector] {
        match self {
            Purpose::Authorize(r) => &r.vtr,
            Purpose::Device { device } => &device.vtr,
        }
    }

    /// The `prompt` values asked for (none for a device).
    pub fn has_prompt(&self, p: Prompt) -> bool {
        match self {
            Purpose::Authorize(r) => r.has_prompt(p),
            Purpose::Device { .. } => false,
        }
    }

    pub fn max_age(&self) -> Option<i64> {
        match self {
            Purpose::Authorize(r) => r.max_age,
            Purpose::Device { .. } => None,
        }
    }

    pub fn login_hint(&self) -> Option<&str> {
        match self {
            Purpose::Authorize(r) => r.login_hint.as_deref(),
            Purpose::Device { .. } => None,
        }
    }

    /// Where failures of this sign-in go: back to the client at its
    /// verified redirect URI, or (`None`) on the page, for a device whose
    /// person is here and whose client polls.
    pub fn error_target(&self) -> Option<RedirectTarget> {
        match self {
            Purpose::Authorize(r) => Some(r.target()),
            Purpose::Device { .. } => None,
        }
    }

    /// A device is always asked for: the person confirms who gets access
    /// on every request (RFC 8628 §5.4), nothing is remembered.
    pub fn always_confirm(&self) -> bool {
        matches!(self, Purpose::Device { .. })
    }

    pub fn authorize(&self) -> Option<&AuthorizeRequest> {
        match self {
            Purpose::Authorize(r) => Some(r),
            Purpose::Device { .. } => None,
        }
    }
}

impl From<AuthorizeRequest> for Purpose {
    fn from(r: AuthorizeRequest) -> Purpose {
        Purpose::Authorize(r)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn interactions_stored_before_devices_still_read() {
        let stored = r#"{"client_id":"c","redirect_uri":"https://a.example/cb","redirect_uri_sent":true,
            "response_mode":"query","scopes":["openid"],"state":"s","nonce":null,"code_challenge":null,
            "code_challenge_method":null,"prompt":[],"max_age":null,"login_hint":null,"id_token_hint":null,
            "ui_locales":null,"acr_values":null}"#;
        let purpose: Purpose = serde_json::from_str(stored).unwrap();
        assert_eq!(purpose.client_id(), "c");
        assert!(purpose.error_target().is_some());
        let device = Purpose::Device {
            device: DeviceRequest {
                client_id: "tv".into(),
                user_code_hash: "h".into(),
                scopes: vec!["openid".into()],
                vtr: Vec::new(),
            },
        };
        let json = serde_json::to_string(&device).unwrap();
        assert!(json.starts_with(r#"{"device":"#));
        let back: Purpose = serde_json::from_str(&json).unwrap();
        assert_eq!(back, device);
        assert!(back.error_target().is_none() && back.always_confirm());
    }
}
