//! What a sign-in is asked for: a validated authorization request (RFC 6749
//! §4.1.1, OIDC Core §3.1.2.1) or a device's request (RFC 8628). Part of
//! the data model: kept server-side in an interaction while the user signs
//! in, so it imports only the error catalogue, the protocol's value types
//! and vectors of trust.

use crate::claims::ClaimsRequest;
use crate::error::render::{RedirectTarget, RedirectUri, ResponseMode};
use crate::scope::Scope;
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

/// `code_challenge_method` (RFC 7636 §4.3). Stored as its value, in
/// interactions and in a code's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeChallengeMethod {
    S256,
    #[serde(rename = "plain")]
    Plain,
}

impl CodeChallengeMethod {
    /// Exactly `S256` or `plain` (the names are case sensitive).
    pub fn parse(s: &str) -> Option<CodeChallengeMethod> {
        match s {
            "S256" => Some(CodeChallengeMethod::S256),
            "plain" => Some(CodeChallengeMethod::Plain),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CodeChallengeMethod::S256 => "S256",
            CodeChallengeMethod::Plain => "plain",
        }
    }
}

impl std::fmt::Display for CodeChallengeMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated authorization request. Kept server-side while the user
/// signs in and consents, then used to issue the code. Only
/// [`crate::authorize::validate`] makes one (and serde, reading an
/// interaction back), so holding one means every check passed:
///
/// ```compile_fail
/// fn client(req: &latchkey_core::request::AuthorizeRequest) -> &str {
///     &req.client_id
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    client_id: String,
    /// The verified redirect URI (registered, exact match).
    redirect_uri: RedirectUri,
    /// Whether the request carried `redirect_uri` (then /token must too).
    redirect_uri_sent: bool,
    response_mode: ResponseMode,
    /// For a JARM response mode: the client's
    /// `authorization_signed_response_alg` when it asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    response_alg: Option<String>,
    scopes: Scope,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<CodeChallengeMethod>,
    prompt: Vec<Prompt>,
    max_age: Option<i64>,
    login_hint: Option<String>,
    id_token_hint: Option<String>,
    ui_locales: Option<String>,
    acr_values: Option<String>,
    /// The vectors of trust asked for (`vtr`, else `acr_values`, else
    /// `vtr.default`); any one satisfies the request. Empty means `Cl`.
    #[serde(default)]
    vtr: Vec<Vector>,
    /// The `claims` parameter (OIDC Core §5.5), when it asked for a claim
    /// this server can return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claims: Option<ClaimsRequest>,
    /// The DPoP key the code is bound to (`dpop_jkt`, RFC 9449 §10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dpop_jkt: Option<String>,
    /// The registered resources named in `resource` (RFC 8707), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    resources: Vec<String>,
}

/// What [`crate::authorize::validate`] checked, made into an
/// [`AuthorizeRequest`] there and nowhere else.
#[derive(Debug, Clone)]
pub(crate) struct Validated {
    pub client_id: String,
    pub redirect_uri: RedirectUri,
    pub redirect_uri_sent: bool,
    pub response_mode: ResponseMode,
    pub response_alg: Option<String>,
    pub scopes: Scope,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// `code_challenge` with its method.
    pub pkce: Option<(String, CodeChallengeMethod)>,
    pub prompt: Vec<Prompt>,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    pub id_token_hint: Option<String>,
    pub ui_locales: Option<String>,
    pub acr_values: Option<String>,
    pub vtr: Vec<Vector>,
    pub claims: Option<ClaimsRequest>,
    pub dpop_jkt: Option<String>,
    pub resources: Vec<String>,
}

impl Validated {
    /// A request of client `c` for `openid` to `https://a.example/cb`,
    /// for tests to change what they need.
    #[cfg(test)]
    pub fn example() -> Validated {
        Validated {
            client_id: "c".into(),
            redirect_uri: RedirectUri::for_tests("https://a.example/cb"),
            redirect_uri_sent: true,
            response_mode: ResponseMode::Query,
            response_alg: None,
            scopes: Scope::split("openid"),
            state: None,
            nonce: None,
            pkce: None,
            prompt: Vec::new(),
            max_age: None,
            login_hint: None,
            id_token_hint: None,
            ui_locales: None,
            acr_values: None,
            vtr: Vec::new(),
            claims: None,
            dpop_jkt: None,
            resources: Vec::new(),
        }
    }
}

impl AuthorizeRequest {
    pub(crate) fn validated(v: Validated) -> AuthorizeRequest {
        let (code_challenge, code_challenge_method) = v.pkce.unzip();
        AuthorizeRequest {
            client_id: v.client_id,
            redirect_uri: v.redirect_uri,
            redirect_uri_sent: v.redirect_uri_sent,
            response_mode: v.response_mode,
            response_alg: v.response_alg,
            scopes: v.scopes,
            state: v.state,
            nonce: v.nonce,
            code_challenge,
            code_challenge_method,
            prompt: v.prompt,
            max_age: v.max_age,
            login_hint: v.login_hint,
            id_token_hint: v.id_token_hint,
            ui_locales: v.ui_locales,
            acr_values: v.acr_values,
            vtr: v.vtr,
            claims: v.claims,
            dpop_jkt: v.dpop_jkt,
            resources: v.resources,
        }
    }

    /// Where responses to this request go.
    pub fn target(&self) -> RedirectTarget {
        RedirectTarget::verified(
            self.redirect_uri.clone(),
            self.response_mode,
            self.state.clone(),
        )
        .for_client(
            &self.client_id,
            self.response_alg
                .as_deref()
                .unwrap_or(crate::client::DEFAULT_AUTHORIZATION_SIGNING_ALG),
        )
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn redirect_uri(&self) -> &RedirectUri {
        &self.redirect_uri
    }

    /// Whether the request carried `redirect_uri` (then /token must too).
    pub fn redirect_uri_sent(&self) -> bool {
        self.redirect_uri_sent
    }

    pub fn response_mode(&self) -> ResponseMode {
        self.response_mode
    }

    pub fn scopes(&self) -> &Scope {
        &self.scopes
    }

    pub fn state(&self) -> Option<&str> {
        self.state.as_deref()
    }

    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    pub fn code_challenge(&self) -> Option<&str> {
        self.code_challenge.as_deref()
    }

    pub fn code_challenge_method(&self) -> Option<CodeChallengeMethod> {
        self.code_challenge_method
    }

    pub fn prompt(&self) -> &[Prompt] {
        &self.prompt
    }

    pub fn has_prompt(&self, p: Prompt) -> bool {
        self.prompt.contains(&p)
    }

    pub fn max_age(&self) -> Option<i64> {
        self.max_age
    }

    pub fn login_hint(&self) -> Option<&str> {
        self.login_hint.as_deref()
    }

    pub fn id_token_hint(&self) -> Option<&str> {
        self.id_token_hint.as_deref()
    }

    pub fn ui_locales(&self) -> Option<&str> {
        self.ui_locales.as_deref()
    }

    pub fn acr_values(&self) -> Option<&str> {
        self.acr_values.as_deref()
    }

    /// The vectors of trust asked for; empty means `Cl`.
    pub fn vtr(&self) -> &[Vector] {
        &self.vtr
    }

    /// The claims asked for by name (OIDC Core §5.5).
    pub fn claims(&self) -> Option<&ClaimsRequest> {
        self.claims.as_ref()
    }

    /// The resources named (RFC 8707), registered and allowed when the
    /// request was validated.
    pub fn resources(&self) -> &[String] {
        &self.resources
    }

    /// The DPoP key thumbprint the code must be redeemed with.
    pub fn dpop_jkt(&self) -> Option<&str> {
        self.dpop_jkt.as_deref()
    }

    /// Bind the code to a DPoP key: that of the proof sent with a pushed
    /// request (RFC 9449 §10.1).
    pub fn bind_dpop_key(&mut self, jkt: String) {
        self.dpop_jkt = Some(jkt);
    }
}

/// A device's request waiting for its user (RFC 8628 §3.3): found by the
/// user code the person typed; approved or denied at the end of the sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRequest {
    pub client_id: String,
    /// Keyed hash of the normalized user code: the grant's key.
    pub user_code_hash: String,
    pub scopes: Scope,
    /// The vectors of trust the sign-in must meet (`vtr.default`).
    #[serde(default)]
    pub vtr: Vec<Vector>,
    /// The APIs the device authorization request named (RFC 8707), shown
    /// on the consent page and remembered with the consent.
    #[serde(default)]
    pub resources: Vec<String>,
}

/// A sign-in for the account page (`/account`): the person signs in (or
/// again, when a change needs a recent sign-in) and comes back to the
/// page, not to a client. Nothing is consented to and nothing is issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRequest {
    /// Where the browser goes when the sign-in is complete: a path of the
    /// account page (always starting with `/account`).
    pub return_to: String,
    /// A re-authentication: the sign-in must be at most this old
    /// (seconds), like `max_age` (OIDC Core §3.1.2.1).
    #[serde(default)]
    pub max_age: Option<i64>,
    /// The signed-in user's username, offered on the login page of a
    /// re-authentication.
    #[serde(default)]
    pub login_hint: Option<String>,
    /// `Cl.Cm` when the user has a second factor and this is a
    /// re-authentication; empty (`Cl`) otherwise.
    #[serde(default)]
    pub vtr: Vec<Vector>,
    /// Always empty: the account page asks for no scope.
    #[serde(default, skip_serializing)]
    pub scopes: Scope,
}

impl AccountRequest {
    /// The client id put in logs and occurrences for the account page's
    /// sign-ins (no client of that id is ever loaded for them).
    pub const CLIENT_ID: &'static str = "account";

    /// A sign-in coming back to `return_to`.
    pub fn new(return_to: &str) -> AccountRequest {
        let return_to = if return_to.starts_with("/account") {
            return_to.to_string()
        } else {
            "/account".to_string()
        };
        AccountRequest {
            return_to,
            max_age: None,
            login_hint: None,
            vtr: Vec::new(),
            scopes: Scope::default(),
        }
    }
}

/// What a sign-in in progress is for. Stored as JSON in its interaction:
/// an authorization request as itself (how interactions were always
/// kept), a device's request under `device`, the account page's under
/// `account`.
// One per sign-in in progress, moved rather than copied: the size
// difference of the variants costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Purpose {
    Authorize(AuthorizeRequest),
    Device { device: DeviceRequest },
    Account { account: AccountRequest },
}

impl Purpose {
    pub fn client_id(&self) -> &str {
        match self {
            Purpose::Authorize(r) => &r.client_id,
            Purpose::Device { device } => &device.client_id,
            Purpose::Account { .. } => AccountRequest::CLIENT_ID,
        }
    }

    pub fn scopes(&self) -> &Scope {
        match self {
            Purpose::Authorize(r) => &r.scopes,
            Purpose::Device { device } => &device.scopes,
            Purpose::Account { account } => &account.scopes,
        }
    }

    pub fn vtr(&self) -> &[Vector] {
        match self {
            Purpose::Authorize(r) => &r.vtr,
            Purpose::Device { device } => &device.vtr,
            Purpose::Account { account } => &account.vtr,
        }
    }

    /// The `prompt` values asked for (none for a device).
    pub fn has_prompt(&self, p: Prompt) -> bool {
        match self {
            Purpose::Authorize(r) => r.has_prompt(p),
            Purpose::Device { .. } | Purpose::Account { .. } => false,
        }
    }

    pub fn max_age(&self) -> Option<i64> {
        match self {
            Purpose::Authorize(r) => r.max_age(),
            Purpose::Device { .. } => None,
            Purpose::Account { account } => account.max_age,
        }
    }

    pub fn login_hint(&self) -> Option<&str> {
        match self {
            Purpose::Authorize(r) => r.login_hint(),
            Purpose::Device { .. } => None,
            Purpose::Account { account } => account.login_hint.as_deref(),
        }
    }

    /// The languages the client asked the pages to speak (OIDC Core
    /// `ui_locales`).
    pub fn ui_locales(&self) -> Option<&str> {
        match self {
            Purpose::Authorize(r) => r.ui_locales(),
            Purpose::Device { .. } | Purpose::Account { .. } => None,
        }
    }

    /// Where failures of this sign-in go: back to the client at its
    /// verified redirect URI, or (`None`) on the page, for a device whose
    /// person is here and whose client polls, and for the account page.
    pub fn error_target(&self) -> Option<RedirectTarget> {
        match self {
            Purpose::Authorize(r) => Some(r.target()),
            Purpose::Device { .. } | Purpose::Account { .. } => None,
        }
    }

    /// A device is always asked for: the person confirms who gets access
    /// on every request (RFC 8628 §5.4), nothing is remembered.
    pub fn always_confirm(&self) -> bool {
        matches!(self, Purpose::Device { .. })
    }

    /// Whether the sign-in ends in a consent to a client (the account
    /// page's does not: the person acts on their own account).
    pub fn asks_consent(&self) -> bool {
        !matches!(self, Purpose::Account { .. })
    }

    /// The claims asked for by name (only an authorization request asks).
    pub fn claims(&self) -> Option<&ClaimsRequest> {
        self.authorize().and_then(AuthorizeRequest::claims)
    }

    /// The resources named (by an authorization or device request).
    pub fn resources(&self) -> &[String] {
        match self {
            Purpose::Authorize(r) => r.resources(),
            Purpose::Device { device } => &device.resources,
            Purpose::Account { .. } => &[],
        }
    }

    pub fn authorize(&self) -> Option<&AuthorizeRequest> {
        match self {
            Purpose::Authorize(r) => Some(r),
            Purpose::Device { .. } | Purpose::Account { .. } => None,
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
                scopes: Scope::split("openid"),
                vtr: Vec::new(),
                resources: Vec::new(),
            },
        };
        let json = serde_json::to_string(&device).unwrap();
        assert!(json.starts_with(r#"{"device":"#));
        let back: Purpose = serde_json::from_str(&json).unwrap();
        assert_eq!(back, device);
        assert!(back.error_target().is_none() && back.always_confirm());
        let mut request = AccountRequest::new("/account?x=1");
        request.max_age = Some(300);
        let account = Purpose::Account { account: request };
        let json = serde_json::to_string(&account).unwrap();
        assert!(json.starts_with(r#"{"account":"#));
        let back: Purpose = serde_json::from_str(&json).unwrap();
        assert_eq!(back, account);
        assert!(back.error_target().is_none() && !back.asks_consent());
        assert_eq!(back.max_age(), Some(300));
        assert_eq!(
            AccountRequest::new("https://evil.example/").return_to,
            "/account"
        );
    }

    /// An interaction written before the values were typed: `response_mode`
    /// and `code_challenge_method` as strings, `scopes` as an array.
    const STORED: &str = r#"{"client_id":"app","redirect_uri":"http://127.0.0.1:53127/cb",
        "redirect_uri_sent":false,"response_mode":"form_post","scopes":["openid","email"],
        "state":"s","nonce":"n","code_challenge":"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method":"plain","prompt":["login","consent"],"max_age":60,
        "login_hint":"alice","id_token_hint":"h","ui_locales":"fr","acr_values":"Cl.Cm",
        "vtr":[{"second_factor":true,"identity":null}]}"#;

    #[test]
    fn a_sign_in_stored_before_the_upgrade_reads_as_it_was_asked() {
        let purpose: Purpose = serde_json::from_str(STORED).unwrap();
        let req = purpose.authorize().unwrap();
        assert_eq!(req.client_id(), "app");
        assert_eq!(req.redirect_uri(), "http://127.0.0.1:53127/cb");
        assert!(!req.redirect_uri_sent());
        assert_eq!(req.response_mode(), ResponseMode::FormPost);
        assert_eq!(req.scopes().to_string(), "openid email");
        assert_eq!(req.state(), Some("s"));
        assert_eq!(req.nonce(), Some("n"));
        assert_eq!(
            req.code_challenge_method(),
            Some(CodeChallengeMethod::Plain)
        );
        assert_eq!(req.prompt(), [Prompt::Login, Prompt::Consent]);
        assert_eq!(req.max_age(), Some(60));
        assert_eq!(
            (req.login_hint(), req.id_token_hint(), req.ui_locales()),
            (Some("alice"), Some("h"), Some("fr"))
        );
        assert_eq!(req.acr_values(), Some("Cl.Cm"));
        assert_eq!(req.vtr(), [crate::vtr::CL_CM]);
        let target = req.target();
        assert_eq!(
            (target.uri(), target.mode()),
            ("http://127.0.0.1:53127/cb", ResponseMode::FormPost)
        );
    }

    #[test]
    fn a_sign_in_is_stored_in_the_same_shape() {
        let purpose: Purpose = serde_json::from_str(STORED).unwrap();
        let written = serde_json::to_value(&purpose).unwrap();
        let stored: serde_json::Value = serde_json::from_str(STORED).unwrap();
        assert_eq!(written, stored);
        for mode in ["query", "fragment", "form_post"] {
            let json = STORED.replace(r#""form_post""#, &format!("{mode:?}"));
            let purpose: Purpose = serde_json::from_str(&json).unwrap();
            let written = serde_json::to_value(&purpose).unwrap();
            assert_eq!(written["response_mode"], mode);
        }
        let s256 = STORED.replace(r#""plain""#, r#""S256""#);
        let written =
            serde_json::to_value(serde_json::from_str::<Purpose>(&s256).unwrap()).unwrap();
        assert_eq!(written["code_challenge_method"], "S256");
        // What was never valid is not read as something else.
        for (from, to) in [
            (r#""form_post""#, r#""jwt""#),
            (r#""plain""#, r#""s256""#),
            (r#"["openid","email"]"#, r#""openid email""#),
        ] {
            let bad = STORED.replace(from, to);
            assert!(
                serde_json::from_str::<AuthorizeRequest>(&bad).is_err(),
                "{to}"
            );
        }
    }

    #[test]
    fn code_challenge_methods() {
        use CodeChallengeMethod::*;
        assert_eq!(CodeChallengeMethod::parse("S256"), Some(S256));
        assert_eq!(CodeChallengeMethod::parse("plain"), Some(Plain));
        for bad in ["s256", "PLAIN", "S512", ""] {
            assert_eq!(CodeChallengeMethod::parse(bad), None, "{bad}");
        }
        for m in [S256, Plain] {
            assert_eq!(CodeChallengeMethod::parse(&m.to_string()), Some(m));
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.as_str()));
            assert_eq!(
                serde_json::from_str::<CodeChallengeMethod>(&json).unwrap(),
                m
            );
        }
    }

    #[test]
    fn response_modes() {
        use ResponseMode::*;
        for (m, s, carrier) in [
            (Query, "query", Query),
            (Fragment, "fragment", Fragment),
            (FormPost, "form_post", FormPost),
            (QueryJwt, "query.jwt", Query),
            (FragmentJwt, "fragment.jwt", Fragment),
            (FormPostJwt, "form_post.jwt", FormPost),
        ] {
            assert_eq!(ResponseMode::parse(s), Some(m));
            assert_eq!(m.to_string(), s);
            assert_eq!(m.carrier(), carrier);
            assert_eq!(m.is_jwt(), s.ends_with(".jwt"));
            assert!(ResponseMode::SUPPORTED.contains(&s));
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<ResponseMode>(&json).unwrap(), m);
        }
        // JARM §2.3.4: `jwt` is the default carrier of `code`, the query.
        assert_eq!(ResponseMode::parse("jwt"), Some(QueryJwt));
        for bad in ["Query", "jwt.query", "form-post", "query.JWT", ""] {
            assert_eq!(ResponseMode::parse(bad), None, "{bad}");
        }
    }
}
