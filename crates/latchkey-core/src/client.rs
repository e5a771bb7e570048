//! Registered clients: RFC 7591 metadata, its defaults and its validation.
//!
//! The same validation serves the admin API, the CLI and (later) dynamic
//! registration, so a client is judged the same way whichever door it used.

use crate::Occurrence;
use crate::catalogue::{
    INVALID_CLIENT_METADATA, INVALID_REDIRECT_URI, PAIRWISE_SECTOR_AMBIGUOUS,
    SUBJECT_TYPE_UNSUPPORTED,
};
use serde::{Deserialize, Serialize};

/// Grant types this server implements (discovery advertises exactly these).
pub const GRANT_TYPES: &[&str] = &[
    "authorization_code",
    "refresh_token",
    "client_credentials",
    crate::device::GRANT_TYPE,
    TOKEN_EXCHANGE,
];
/// The grant type of token exchange (RFC 8693 §2.1).
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// Response types this server implements.
pub const RESPONSE_TYPES: &[&str] = &["code"];
/// Client authentication methods at the token endpoint.
pub const AUTH_METHODS: &[&str] = &[
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "none",
];
/// Algorithms accepted for signatures clients make (assertions, request objects).
pub const CLIENT_SIGNING_ALGS: &[&str] = &["RS256", "PS256", "ES256", "EdDSA", "HS256"];
/// `subject_type` values (OIDC Core §8; discovery's `subject_types_supported`).
pub const SUBJECT_TYPES: &[&str] = &["public", "pairwise"];
/// Algorithms we can sign ID tokens with.
pub const ID_TOKEN_ALGS: &[&str] = &["RS256", "ES256"];
/// JARM: the algorithm authorization responses are signed with when the
/// client registered none (JARM §3).
pub const DEFAULT_AUTHORIZATION_SIGNING_ALG: &str = "RS256";
/// The `profile` value that enforces the FAPI 2.0 Security Profile.
pub const PROFILE_FAPI2: &str = "fapi2";
/// Algorithms accepted for signed request objects. HMAC is left out: it
/// would need the client secret in clear, and secrets are stored hashed.
pub const REQUEST_OBJECT_ALGS: &[&str] = &["RS256", "PS256", "ES256", "EdDSA"];

/// Client metadata (RFC 7591 §2, OIDC Dynamic Registration §2) plus
/// Latchkey's own fields. Unknown fields are ignored (RFC 7591 §2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ClientMetadata {
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub response_types: Vec<String>,
    pub token_endpoint_auth_method: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_signing_alg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub id_token_signed_response_alg: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_object_signing_alg: Option<String>,
    /// JARM: the algorithm of this client's JWT authorization responses
    /// (RS256 when unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_signed_response_alg: Option<String>,
    /// Encryption a client may ask for, which is not offered.
    #[serde(flatten)]
    pub encryption: Encryption,
    /// What this client may get by token exchange (RFC 8693), beyond a
    /// token for this server from its own tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_exchange: Option<ExchangePolicy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub request_uris: Vec<String>,
    pub require_pushed_authorization_requests: bool,
    pub application_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tos_uri: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub default_max_age: Option<i64>,
    pub require_auth_time: bool,
    /// First-party client: no consent page.
    pub skip_consent: bool,
    /// Browser origins (`scheme://host[:port]`) that may call /token,
    /// /userinfo, /revoke, /introspect and /par with CORS. Unset: a public
    /// client's redirect URIs' origins, none for a confidential client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_cors_origins: Option<Vec<String>>,
    /// Seconds this client's refresh tokens live, at most the server's
    /// `tokens.refresh_token_ttl` (browser apps keep them shorter).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub refresh_token_ttl: Option<i64>,
    /// `public` (the default: one `sub` per user for every client) or
    /// `pairwise` (OIDC Core §8.1: a `sub` of its own per sector).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_type: Option<String>,
    /// A URL serving a JSON array of redirect URIs (OIDC Registration §5):
    /// its host is the sector of a pairwise client; it must list every
    /// redirect URI of the client (checked when the client is written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sector_identifier_uri: Option<String>,
    /// Every token request must carry a DPoP proof, so every access token
    /// is DPoP-bound (RFC 9449 §5.2).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dpop_bound_access_tokens: bool,
    /// Where Logout Tokens are POSTed when a user's session ends
    /// (Back-Channel Logout §2.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backchannel_logout_uri: Option<String>,
    /// Whether every Logout Token must name the session (`sid`).
    pub backchannel_logout_session_required: bool,
    /// `fapi2`: the FAPI 2.0 Security Profile is enforced for this client
    /// (docs/fapi2.md); unset, only when the server-wide
    /// `profile` setting turns it on for every client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// A client's token exchange policy (RFC 8693 §5 leaves it to the server;
/// Latchkey keeps it in the client's metadata, set by the operator).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ExchangePolicy {
    /// Clients whose tokens this client may exchange, besides its own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subject_clients: Vec<String>,
    /// Audiences (or resources) it may ask for, besides this server.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// The scopes exchanged tokens may carry at most; unset: any the
    /// subject token carries (and none for an ID token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
}

/// The encryption metadata of RFC 7591, OIDC Registration §2 and JARM:
/// none is offered (discovery lists no encryption algorithms), so each is
/// kept only to refuse it at registration. Ignoring it would leave a
/// client waiting for encrypted responses it never gets, or sending
/// encrypted request objects no one can read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Encryption {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_encrypted_response_alg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_encrypted_response_enc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_object_encryption_alg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_object_encryption_enc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token_encrypted_response_alg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token_encrypted_response_enc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_encrypted_response_alg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_encrypted_response_enc: Option<String>,
}

impl Encryption {
    /// The names of the fields a client set.
    pub fn asked(&self) -> Vec<&'static str> {
        [
            (
                "authorization_encrypted_response_alg",
                &self.authorization_encrypted_response_alg,
            ),
            (
                "authorization_encrypted_response_enc",
                &self.authorization_encrypted_response_enc,
            ),
            (
                "request_object_encryption_alg",
                &self.request_object_encryption_alg,
            ),
            (
                "request_object_encryption_enc",
                &self.request_object_encryption_enc,
            ),
            (
                "id_token_encrypted_response_alg",
                &self.id_token_encrypted_response_alg,
            ),
            (
                "id_token_encrypted_response_enc",
                &self.id_token_encrypted_response_enc,
            ),
            (
                "userinfo_encrypted_response_alg",
                &self.userinfo_encrypted_response_alg,
            ),
            (
                "userinfo_encrypted_response_enc",
                &self.userinfo_encrypted_response_enc,
            ),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(name, _)| name)
        .collect()
    }
}

impl Default for ClientMetadata {
    /// RFC 7591 §2 defaults: `client_secret_basic`, `["authorization_code"]`,
    /// `["code"]`; OIDC Registration §2: ID tokens `RS256`, `web`.
    fn default() -> Self {
        ClientMetadata {
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            grant_types: vec!["authorization_code".into()],
            response_types: vec!["code".into()],
            token_endpoint_auth_method: "client_secret_basic".into(),
            token_endpoint_auth_signing_alg: None,
            jwks: None,
            jwks_uri: None,
            scope: None,
            id_token_signed_response_alg: "RS256".into(),
            request_object_signing_alg: None,
            authorization_signed_response_alg: None,
            encryption: Encryption::default(),
            token_exchange: None,
            request_uris: Vec::new(),
            require_pushed_authorization_requests: false,
            application_type: "web".into(),
            client_name: None,
            client_uri: None,
            logo_uri: None,
            policy_uri: None,
            tos_uri: None,
            contacts: Vec::new(),
            software_id: None,
            software_version: None,
            default_max_age: None,
            require_auth_time: false,
            skip_consent: false,
            allowed_cors_origins: None,
            refresh_token_ttl: None,
            subject_type: None,
            sector_identifier_uri: None,
            dpop_bound_access_tokens: false,
            backchannel_logout_uri: None,
            backchannel_logout_session_required: false,
            profile: None,
        }
    }
}

impl ClientMetadata {
    /// Whether the client authenticates with a shared secret we issue.
    pub fn uses_secret(&self) -> bool {
        matches!(
            self.token_endpoint_auth_method.as_str(),
            "client_secret_basic" | "client_secret_post" | "client_secret_jwt"
        )
    }

    /// The algorithm JARM responses to this client are signed with.
    pub fn authorization_signing_alg(&self) -> &str {
        self.authorization_signed_response_alg
            .as_deref()
            .unwrap_or(DEFAULT_AUTHORIZATION_SIGNING_ALG)
    }

    pub fn is_public(&self) -> bool {
        self.token_endpoint_auth_method == "none"
    }

    /// A native app (OIDC Registration §2, RFC 8252): its loopback redirect
    /// URIs match on any port, and it always needs PKCE.
    pub fn is_native(&self) -> bool {
        self.application_type == "native"
    }

    /// The browser origins that may call the token endpoints with CORS:
    /// `allowed_cors_origins` when set; otherwise, for a public client, the
    /// origins of its http(s) redirect URIs; none for a confidential client,
    /// whose credentials must not be in a browser.
    pub fn cors_origins(&self) -> Vec<String> {
        if let Some(origins) = &self.allowed_cors_origins {
            return origins.clone();
        }
        if !self.is_public() {
            return Vec::new();
        }
        let mut out: Vec<String> = Vec::new();
        for uri in &self.redirect_uris {
            if let Ok(u) = url::Url::parse(uri)
                && matches!(u.scheme(), "https" | "http")
            {
                let origin = u.origin().ascii_serialization();
                if !out.contains(&origin) {
                    out.push(origin);
                }
            }
        }
        out
    }

    /// Whether the client gets pairwise subject identifiers.
    pub fn is_pairwise(&self) -> bool {
        self.subject_type.as_deref() == Some("pairwise")
    }

    /// The sector of a pairwise client (OIDC Core §8.1): the host of its
    /// `sector_identifier_uri`, else the one host of its redirect URIs.
    /// `None` for a public client, and for one whose sector cannot be
    /// told (refused when it is written).
    pub fn sector(&self) -> Option<String> {
        if !self.is_pairwise() {
            return None;
        }
        if let Some(uri) = &self.sector_identifier_uri {
            return url::Url::parse(uri).ok()?.host_str().map(str::to_string);
        }
        let mut hosts = self.redirect_uri_hosts();
        match (hosts.pop(), hosts.is_empty()) {
            (Some(host), true) => Some(host),
            _ => None,
        }
    }

    /// The distinct hosts of the redirect URIs (a URI without one, such
    /// as a native app's `com.example.app:/cb`, counts as its scheme).
    fn redirect_uri_hosts(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for uri in &self.redirect_uris {
            let host = match url::Url::parse(uri) {
                Ok(u) => u
                    .host_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{}:", u.scheme())),
                Err(_) => continue,
            };
            if !out.contains(&host) {
                out.push(host);
            }
        }
        out
    }

    /// Whether a browser at `origin` (the `Origin` header, compared as
    /// sent) may call the token endpoints as this client.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.cors_origins().iter().any(|o| o == origin)
    }

    /// What is accepted but discouraged, for the answer to whoever
    /// registered the client: a native app's `http://localhost` redirect
    /// URI (RFC 8252 §8.3: the name may resolve to a non-loopback
    /// interface or be blocked by a firewall; the IP literals do not).
    pub fn warnings(&self) -> Vec<Warning> {
        if !self.is_native() {
            return Vec::new();
        }
        self.redirect_uris
            .iter()
            .enumerate()
            .filter(|(_, uri)| {
                url::Url::parse(uri)
                    .is_ok_and(|u| u.scheme() == "http" && u.host_str() == Some("localhost"))
            })
            .map(|(i, uri)| Warning {
                field: format!("redirect_uris[{i}]"),
                summary: format!(
                    "{uri} uses localhost, which RFC 8252 §8.3 discourages: register the loopback IP literal instead (http://127.0.0.1 or http://[::1], any port matches)"
                ),
            })
            .collect()
    }

    /// Parse metadata from a JSON object (admin API, registration), naming
    /// the field when a value has the wrong type. A client that does not
    /// use the authorization_code grant and names no response types gets
    /// none, so `{"grant_types":["client_credentials"]}` is complete.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, Occurrence> {
        let Some(object) = value.as_object() else {
            return Err(INVALID_CLIENT_METADATA.with_detail("the body must be a JSON object"));
        };
        let mut metadata: ClientMetadata = match serde_json::from_value(value.clone()) {
            Ok(m) => m,
            Err(_) => {
                let mut occ = INVALID_CLIENT_METADATA.occur();
                let mut names = Vec::new();
                for (key, v) in object {
                    let single = serde_json::json!({ key.clone(): v.clone() });
                    if let Err(e) = serde_json::from_value::<ClientMetadata>(single) {
                        names.push(key.clone());
                        occ = occ.field(key.clone(), format!("wrong type: {e}"));
                    }
                }
                return Err(occ.detail(format!("wrong type for {}", names.join(", "))));
            }
        };
        if !object.contains_key("response_types")
            && !metadata
                .grant_types
                .iter()
                .any(|g| g == "authorization_code")
        {
            metadata.response_types.clear();
        }
        Ok(metadata)
    }

    /// Check the metadata as a whole. The first problem wins the cause;
    /// every problem found is listed as a field error.
    pub fn validate(&self) -> Result<(), Occurrence> {
        let mut redirect_problems: Vec<(String, String)> = Vec::new();
        let mut problems: Vec<(String, String)> = Vec::new();
        let mut bad = |field: &str, msg: String| problems.push((field.to_string(), msg));

        for (i, uri) in self.redirect_uris.iter().enumerate() {
            if let Err(msg) = check_redirect_uri(uri, &self.application_type) {
                redirect_problems.push((format!("redirect_uris[{i}]"), msg));
            }
        }
        for (i, uri) in self.post_logout_redirect_uris.iter().enumerate() {
            if let Err(msg) = check_redirect_uri(uri, &self.application_type) {
                redirect_problems.push((format!("post_logout_redirect_uris[{i}]"), msg));
            }
        }
        let needs_redirect = self.grant_types.iter().any(|g| g == "authorization_code");
        if needs_redirect && self.redirect_uris.is_empty() {
            redirect_problems.push((
                "redirect_uris".into(),
                "at least one redirect URI is required for the authorization_code grant".into(),
            ));
        }

        if !matches!(self.application_type.as_str(), "web" | "native") {
            bad("application_type", "must be web or native".into());
        }
        for g in &self.grant_types {
            if !GRANT_TYPES.contains(&g.as_str()) {
                bad(
                    "grant_types",
                    format!(
                        "{g} is not supported; supported: {}",
                        GRANT_TYPES.join(", ")
                    ),
                );
            }
        }
        for r in &self.response_types {
            if !RESPONSE_TYPES.contains(&r.as_str()) {
                bad(
                    "response_types",
                    format!("{r} is not supported; supported: code"),
                );
            }
        }
        let has_code_grant = self.grant_types.iter().any(|g| g == "authorization_code");
        let has_code_response = self.response_types.iter().any(|r| r == "code");
        if has_code_grant != has_code_response {
            bad(
                "response_types",
                "the code response type and the authorization_code grant type go together".into(),
            );
        }
        if !AUTH_METHODS.contains(&self.token_endpoint_auth_method.as_str()) {
            bad(
                "token_endpoint_auth_method",
                format!("must be one of {}", AUTH_METHODS.join(", ")),
            );
        }
        if self.is_public() && self.grant_types.iter().any(|g| g == "client_credentials") {
            bad(
                "grant_types",
                "client_credentials needs a confidential client (token_endpoint_auth_method other than none)".into(),
            );
        }
        if self.token_endpoint_auth_method == "private_key_jwt"
            && self.jwks.is_none()
            && self.jwks_uri.is_none()
        {
            bad("jwks", "private_key_jwt needs jwks or jwks_uri".into());
        }
        if self.jwks.is_some() && self.jwks_uri.is_some() {
            bad(
                "jwks_uri",
                "jwks and jwks_uri must not both be present".into(),
            );
        }
        if let Some(jwks) = &self.jwks {
            let keys_ok = jwks.get("keys").map(|k| k.is_array()).unwrap_or(false);
            if !keys_ok {
                bad(
                    "jwks",
                    "must be a JSON Web Key Set: an object with a keys array".into(),
                );
            }
        }
        if let Some(alg) = &self.token_endpoint_auth_signing_alg
            && !CLIENT_SIGNING_ALGS.contains(&alg.as_str())
        {
            {
                bad(
                    "token_endpoint_auth_signing_alg",
                    format!("must be one of {}", CLIENT_SIGNING_ALGS.join(", ")),
                );
            }
        }
        // HMAC is not offered for request objects: it would need the
        // client secret in clear, and secrets are stored hashed.
        if let Some(alg) = &self.request_object_signing_alg
            && alg != "none"
            && !REQUEST_OBJECT_ALGS.contains(&alg.as_str())
        {
            bad(
                "request_object_signing_alg",
                format!("must be none or one of {}", REQUEST_OBJECT_ALGS.join(", ")),
            );
        }
        if let Some(alg) = &self.authorization_signed_response_alg
            && !ID_TOKEN_ALGS.contains(&alg.as_str())
        {
            bad(
                "authorization_signed_response_alg",
                format!("must be one of {}", ID_TOKEN_ALGS.join(", ")),
            );
        }
        if let Some(policy) = &self.token_exchange {
            for (i, audience) in policy.audiences.iter().enumerate() {
                match url::Url::parse(audience) {
                    Ok(u) if u.fragment().is_none() => {}
                    _ => bad(
                        &format!("token_exchange.audiences[{i}]"),
                        "must be an absolute URI without a fragment (RFC 8707 §2)".into(),
                    ),
                }
            }
            for (i, scope) in policy.scopes.iter().flatten().enumerate() {
                if scope.is_empty() || !scope.bytes().all(is_scope_char) {
                    bad(
                        &format!("token_exchange.scopes[{i}]"),
                        "must be one scope token (RFC 6749 §3.3)".into(),
                    );
                }
            }
            if !self.grant_types.iter().any(|g| g == TOKEN_EXCHANGE) {
                bad(
                    "token_exchange",
                    format!("is set but grant_types lacks {TOKEN_EXCHANGE}"),
                );
            }
        }
        for field in self.encryption.asked() {
            bad(
                field,
                "encryption is not offered (discovery lists no encryption algorithms): responses and request objects are signed only".into(),
            );
        }
        if !ID_TOKEN_ALGS.contains(&self.id_token_signed_response_alg.as_str()) {
            bad(
                "id_token_signed_response_alg",
                format!("must be one of {}", ID_TOKEN_ALGS.join(", ")),
            );
        }
        if self.scope.as_ref().is_some_and(|scope| {
            scope
                .split(' ')
                .any(|s| s.is_empty() || !s.bytes().all(is_scope_char))
        }) {
            bad(
                "scope",
                "must be scope tokens separated by single spaces (RFC 6749 §3.3)".into(),
            );
        }
        for (field, value) in [
            ("jwks_uri", &self.jwks_uri),
            ("client_uri", &self.client_uri),
            ("logo_uri", &self.logo_uri),
            ("policy_uri", &self.policy_uri),
            ("tos_uri", &self.tos_uri),
        ] {
            if let Some(v) = value {
                match url::Url::parse(v) {
                    Ok(u) if matches!(u.scheme(), "https" | "http") => {}
                    _ => bad(field, "must be an absolute http or https URL".into()),
                }
            }
        }
        // Like jwks_uri: http is registered but fetched only when the
        // operator allows private networks (development and tests).
        for (i, uri) in self.request_uris.iter().enumerate() {
            match url::Url::parse(uri) {
                Ok(u) if matches!(u.scheme(), "https" | "http") => {}
                _ => bad(
                    &format!("request_uris[{i}]"),
                    "must be an absolute https URL".into(),
                ),
            }
        }
        if self.default_max_age.is_some_and(|age| age < 0) {
            bad("default_max_age", "must not be negative".into());
        }
        for (i, origin) in self.allowed_cors_origins.iter().flatten().enumerate() {
            if let Err(msg) = check_origin(origin) {
                bad(&format!("allowed_cors_origins[{i}]"), msg);
            }
        }
        if !self.is_public()
            && self
                .allowed_cors_origins
                .as_ref()
                .is_some_and(|o| !o.is_empty())
        {
            bad(
                "allowed_cors_origins",
                "only public clients (token_endpoint_auth_method none) may be called from a browser: a confidential client's credentials must not be in one".into(),
            );
        }
        if self.refresh_token_ttl.is_some_and(|ttl| ttl < 1) {
            bad("refresh_token_ttl", "must be at least 1 second".into());
        }
        // OIDC Core §8, OIDC Registration §2, §5.
        let mut subject_cause = None;
        if let Some(t) = &self.subject_type
            && !SUBJECT_TYPES.contains(&t.as_str())
        {
            subject_cause = Some(&SUBJECT_TYPE_UNSUPPORTED);
            bad(
                "subject_type",
                format!("{t} is not offered; use public or pairwise"),
            );
        }
        if let Some(uri) = &self.sector_identifier_uri {
            match url::Url::parse(uri) {
                Ok(u) if matches!(u.scheme(), "https" | "http") && u.host_str().is_some() => {}
                _ => bad(
                    "sector_identifier_uri",
                    "must be an absolute https URL".into(),
                ),
            }
        }
        if self.is_pairwise()
            && self.sector_identifier_uri.is_none()
            && self.redirect_uri_hosts().len() > 1
        {
            subject_cause = subject_cause.or(Some(&PAIRWISE_SECTOR_AMBIGUOUS));
            bad(
                "sector_identifier_uri",
                "a pairwise client with redirect URIs on several hosts needs a sector_identifier_uri listing them".into(),
            );
        }
        if let Some(uri) = &self.backchannel_logout_uri
            && let Err(msg) = check_backchannel_logout_uri(uri)
        {
            bad("backchannel_logout_uri", msg);
        }
        if let Some(profile) = &self.profile
            && profile != PROFILE_FAPI2
        {
            bad(
                "profile",
                format!(
                    "{profile} is not offered; the one profile is {PROFILE_FAPI2} (the FAPI 2.0 Security Profile)"
                ),
            );
        }

        let cause = if !redirect_problems.is_empty() {
            &INVALID_REDIRECT_URI
        } else if let Some(cause) = subject_cause {
            cause
        } else if !problems.is_empty() {
            &INVALID_CLIENT_METADATA
        } else {
            return Ok(());
        };
        let all: Vec<(String, String)> = redirect_problems.into_iter().chain(problems).collect();
        let detail = all
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut occ = cause.with_detail(detail);
        for (field, msg) in all {
            occ = occ.field(field, msg);
        }
        Err(occ)
    }
}

/// A rotated-out secret that still authenticates the client until
/// `expires_at` (Unix seconds, exclusive): kept as a keyed hash, like the
/// current one.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousSecret {
    pub hash: String,
    pub expires_at: i64,
}

impl ClientRecord {
    /// The previous secret's hash while it is still valid at `now`. Checked
    /// at each authentication against the record's deadline, so a cached
    /// record stops accepting it at the deadline on every node.
    pub fn previous_secret_hash(&self, now: i64) -> Option<&str> {
        self.previous_secret
            .as_ref()
            .filter(|p| now < p.expires_at)
            .map(|p| p.hash.as_str())
    }

    /// The `sub` this client sees for the user whose own `sub` is `sub`
    /// (OIDC Core §8): the user's own for a public client; for a pairwise
    /// one, [`crate::crypto::Secrets::pairwise_sub`] of its sector (its
    /// `client_id` stands in for a sector that cannot be told, which
    /// validation refuses, so nothing falls back to the public `sub`).
    pub fn subject(&self, secrets: &crate::crypto::Secrets, sub: &str) -> String {
        if !self.metadata.is_pairwise() {
            return sub.to_string();
        }
        let sector = self
            .metadata
            .sector()
            .unwrap_or_else(|| format!("client:{}", self.client_id));
        secrets.pairwise_sub(&sector, sub)
    }
}

/// Back-Channel Logout §2.2: an absolute URI, https (http only on a
/// loopback host, as for redirect URIs), without a fragment; a query is
/// allowed. It is where Logout Tokens are POSTed, through the same fence
/// as every request to a client's URL.
fn check_backchannel_logout_uri(uri: &str) -> Result<(), String> {
    if let Some(why) = unsendable(uri) {
        return Err(why);
    }
    let parsed = url::Url::parse(uri).map_err(|e| format!("{uri} is not an absolute URI ({e})"))?;
    if parsed.fragment().is_some() {
        return Err(format!("{uri} must not contain a fragment"));
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback_host(&parsed) => Ok(()),
        "http" => Err(format!(
            "{uri}: use https (http is allowed only for a loopback host)"
        )),
        other => Err(format!("{uri}: use https, not {other}")),
    }
}

fn is_loopback_host(parsed: &url::Url) -> bool {
    matches!(
        parsed.host_str(),
        Some("localhost") | Some("127.0.0.1") | Some("[::1]")
    )
}

/// What the server's settings allow of a client's metadata, checked when
/// it is written (the admin API, the CLI, registration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// `tokens.refresh_token_ttl`.
    pub refresh_token_ttl: i64,
    /// Whether the issuer is on a loopback host (development): only then
    /// may a `backchannel_logout_uri` use http.
    pub loopback_issuer: bool,
    /// `profile = "fapi2"`: the FAPI 2.0 Security Profile holds for every
    /// client (`crate::fapi2`).
    pub fapi2: bool,
}

impl ClientMetadata {
    /// Refuse what exceeds the server's settings. A lifetime the settings
    /// lowered later is capped when tokens are issued.
    pub fn check_limits(&self, limits: ServerLimits) -> Result<(), Occurrence> {
        if !limits.loopback_issuer
            && let Some(uri) = &self.backchannel_logout_uri
            && uri.starts_with("http:")
        {
            let msg = format!(
                "{uri}: use https; http is allowed only while this server runs on a loopback host"
            );
            return Err(INVALID_CLIENT_METADATA
                .with_detail(format!("backchannel_logout_uri: {msg}"))
                .field("backchannel_logout_uri", msg));
        }
        match self.refresh_token_ttl {
            Some(ttl) if ttl > limits.refresh_token_ttl => {
                let msg = format!(
                    "at most tokens.refresh_token_ttl, {} seconds on this server",
                    limits.refresh_token_ttl
                );
                Err(INVALID_CLIENT_METADATA
                    .with_detail(format!("refresh_token_ttl: {msg}"))
                    .field("refresh_token_ttl", msg))
            }
            _ => Ok(()),
        }
    }
}

/// A browser origin as the `Origin` header sends it: `https://host[:port]`
/// (http only on a loopback host, for development), no path, query or
/// user, written in its normal form since it is compared as a string.
fn check_origin(origin: &str) -> Result<(), String> {
    let parsed = url::Url::parse(origin)
        .map_err(|e| format!("{origin} is not an origin, scheme://host[:port] ({e})"))?;
    let loopback = matches!(
        parsed.host_str(),
        Some("localhost") | Some("127.0.0.1") | Some("[::1]")
    );
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(format!("{origin}: use https (http only for localhost)")),
        _ => return Err(format!("{origin}: an origin is https://host[:port]")),
    }
    let normal = parsed.origin().ascii_serialization();
    if origin != normal {
        return Err(format!(
            "{origin} is not an origin as browsers send it: no path, query or user, lower-case host, no default port; register it as {normal}"
        ));
    }
    Ok(())
}

fn is_scope_char(b: u8) -> bool {
    // RFC 6749 §3.3: %x21 / %x23-5B / %x5D-7E
    matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E)
}

/// Why `uri` cannot be sent as it is in a `Location` header, if it cannot:
/// the first character outside visible ASCII (a control character, a space
/// or a non-ASCII character), named by its code point. The URL parser drops
/// TAB, CR and LF and encodes the rest while checking, so the check is made
/// on the exact string, which is what is stored and sent.
pub fn unsendable(uri: &str) -> Option<String> {
    let (at, c) = uri.char_indices().find(|(_, c)| !matches!(c, '!'..='~'))?;
    let kind = match c {
        ' ' => "a space",
        c if c.is_control() => "a control character",
        c if c.is_whitespace() => "a space",
        _ => "a character outside ASCII",
    };
    Some(format!(
        "it contains U+{:04X} ({kind}) at byte {at}; such characters must be percent-encoded",
        u32::from(c)
    ))
}

/// RFC 6749 §3.1.2: absolute, no fragment. Web clients use https (or http
/// on a loopback host, for development); native clients may also use a
/// private-use scheme (RFC 8252 §7.1). The exact string is what /authorize
/// compares and sends in `Location`, so it is checked as written: visible
/// ASCII only, and already in the normal form the URL parser gives it.
fn check_redirect_uri(uri: &str, application_type: &str) -> Result<(), String> {
    // Before parsing, which would drop or encode these characters unseen.
    if let Some(why) = unsendable(uri) {
        return Err(why);
    }
    let parsed = url::Url::parse(uri).map_err(|e| format!("{uri} is not an absolute URI ({e})"))?;
    check_parsed(uri, &parsed, application_type)?;
    if parsed.as_str() != uri {
        return Err(format!(
            "{uri} is not written in its normal form; register it as {parsed} (redirect URIs are compared character by character)"
        ));
    }
    Ok(())
}

/// No fragment, and a scheme (and host) this application type may use.
fn check_parsed(uri: &str, parsed: &url::Url, application_type: &str) -> Result<(), String> {
    if parsed.fragment().is_some() {
        return Err(format!("{uri} must not contain a fragment"));
    }
    let loopback = matches!(
        parsed.host_str(),
        Some("localhost") | Some("127.0.0.1") | Some("[::1]")
    );
    match (parsed.scheme(), application_type) {
        ("https", _) => Ok(()),
        ("http", _) if loopback => Ok(()),
        ("http", "native") => Err(format!(
            "{uri}: native clients may use http only on a loopback host"
        )),
        ("http", _) => Err(format!(
            "{uri}: web clients must use https (http is allowed only for localhost)"
        )),
        ("javascript" | "data" | "file" | "vbscript", _) => {
            Err(format!("{uri}: scheme not allowed"))
        }
        (scheme, "native") if is_reverse_domain(scheme) => Ok(()),
        (scheme, "native") => Err(format!(
            "{uri}: a private-use scheme must be a reverse domain name, e.g. com.example.app, not {scheme}"
        )),
        (scheme, _) => Err(format!("{uri}: web clients must use https, not {scheme}")),
    }
}

/// RFC 8252 §7.1: a private-use scheme is a domain name the app's owner
/// controls, in reverse order: at least two dot-separated labels, each of
/// letters, digits and inner hyphens. A one-word scheme (`myapp`) could be
/// claimed by any app.
fn is_reverse_domain(scheme: &str) -> bool {
    let labels: Vec<&str> = scheme.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Metadata that was accepted but deserves a change, named by its field:
/// the `warnings` of the admin API and registration answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Warning {
    pub field: String,
    pub summary: String,
}

/// Whether form-encoding changes `secret`: anything but ASCII letters,
/// digits and `*-._`. Such a secret reads differently depending on whether
/// the library form-encodes it for HTTP Basic (generated secrets, base64url,
/// never do).
pub fn changed_by_form_encoding(secret: &str) -> bool {
    !secret
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_'))
}

/// A secret the operator chose that form-encoding changes (RFC 6749
/// §2.3.1 has it form-encoded before HTTP Basic, and some libraries send
/// it raw): accepted, since both readings match, but worth a warning. The
/// secret itself is not repeated.
pub fn chosen_secret_warning(secret: &str) -> Option<Warning> {
    changed_by_form_encoding(secret).then(|| Warning {
        field: "client_secret".into(),
        summary: "this secret has characters that form-encoding changes (anything but letters, digits and - . _ *): libraries disagree on whether to form-encode it for HTTP Basic (RFC 6749 §2.3.1 says to; Authlib and requests-oauthlib do not). Latchkey accepts it either way, but other servers and tools may not: a generated secret avoids the question".into(),
    })
}

/// A stored client. The secret is kept only as a keyed hash.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientRecord {
    pub client_id: String,
    pub secret_hash: Option<String>,
    /// The secret a rotation replaced, while its grace period lasts.
    pub previous_secret: Option<PreviousSecret>,
    pub active: bool,
    pub metadata: ClientMetadata,
    pub created_at: i64,
    pub updated_at: i64,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn web(uris: &[&str]) -> ClientMetadata {
        ClientMetadata {
            redirect_uris: uris.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_follow_rfc_7591() {
        let m: ClientMetadata =
            serde_json::from_str(r#"{"redirect_uris":["https://a.example/cb"]}"#).unwrap();
        assert_eq!(m.token_endpoint_auth_method, "client_secret_basic");
        assert_eq!(m.grant_types, vec!["authorization_code"]);
        assert_eq!(m.response_types, vec!["code"]);
        assert_eq!(m.id_token_signed_response_alg, "RS256");
        assert!(m.validate().is_ok());
    }

    #[test]
    fn subject_types_and_sectors() {
        let pairwise = |uris: &[&str], sector: Option<&str>| ClientMetadata {
            subject_type: Some("pairwise".into()),
            sector_identifier_uri: sector.map(str::to_string),
            ..web(uris)
        };
        assert_eq!(web(&["https://a.example/cb"]).sector(), None, "public");
        let one = pairwise(&["https://a.example/cb", "https://a.example/other"], None);
        assert!(one.validate().is_ok());
        assert_eq!(one.sector().as_deref(), Some("a.example"));
        let two = pairwise(&["https://a.example/cb", "https://b.example/cb"], None);
        let err = two.validate().unwrap_err();
        assert!(err.is(&PAIRWISE_SECTOR_AMBIGUOUS), "{err:?}");
        assert_eq!(err.fields[0].field, "sector_identifier_uri");
        assert_eq!(two.sector(), None);
        let named = pairwise(
            &["https://a.example/cb", "https://b.example/cb"],
            Some("https://sector.example/uris.json"),
        );
        assert!(named.validate().is_ok());
        assert_eq!(named.sector().as_deref(), Some("sector.example"));
        let odd = ClientMetadata {
            subject_type: Some("ppid".into()),
            ..web(&["https://a.example/cb"])
        };
        assert!(odd.validate().unwrap_err().is(&SUBJECT_TYPE_UNSUPPORTED));
        let bad_uri = pairwise(&["https://a.example/cb"], Some("sector.example"));
        assert!(bad_uri.validate().unwrap_err().is(&INVALID_CLIENT_METADATA));
        let public = ClientMetadata {
            subject_type: Some("public".into()),
            ..web(&["https://a.example/cb", "https://b.example/cb"])
        };
        assert!(public.validate().is_ok() && !public.is_pairwise());
    }

    #[test]
    fn redirect_uri_rules() {
        assert!(web(&["https://a.example/cb?x=1"]).validate().is_ok());
        assert!(web(&["http://127.0.0.1:9999/cb"]).validate().is_ok());
        let err = web(&["https://a.example/cb#frag"]).validate().unwrap_err();
        assert!(err.is(&INVALID_REDIRECT_URI));
        assert_eq!(err.fields[0].field, "redirect_uris[0]");
        assert!(
            web(&["http://a.example/cb"])
                .validate()
                .unwrap_err()
                .is(&INVALID_REDIRECT_URI)
        );
        assert!(
            web(&["/relative"])
                .validate()
                .unwrap_err()
                .is(&INVALID_REDIRECT_URI)
        );
        assert!(web(&[]).validate().unwrap_err().is(&INVALID_REDIRECT_URI));
        let native = ClientMetadata {
            application_type: "native".into(),
            ..web(&["com.example.app:/cb"])
        };
        assert!(native.validate().is_ok());
    }

    #[test]
    fn redirect_uris_are_checked_as_the_exact_string() {
        for (uri, says) in [
            ("https://a.example/cb\r\nSet-Cookie: x=1", "U+000D"),
            ("https://a.example/cb\t", "U+0009"),
            ("https://a.example/c b", "U+0020"),
            ("https://a.example/cb\0", "U+0000"),
            (
                "https://A.example/cb",
                "register it as https://a.example/cb",
            ),
            (
                "https://a.example:443/cb",
                "register it as https://a.example/cb",
            ),
            ("https://a.example", "register it as https://a.example/"),
            (
                "https://a.example/x/../cb",
                "register it as https://a.example/cb",
            ),
        ] {
            for post_logout in [false, true] {
                let mut m = web(&["https://a.example/cb"]);
                if post_logout {
                    m.post_logout_redirect_uris = vec![uri.to_string()];
                } else {
                    m.redirect_uris = vec![uri.to_string()];
                }
                let err = m.validate().unwrap_err();
                assert!(err.is(&INVALID_REDIRECT_URI), "{uri:?}");
                assert!(
                    err.description().contains(says),
                    "{uri:?}: {}",
                    err.description()
                );
                assert!(!err.description().contains(['\r', '\n', '\t', '\0']));
            }
        }
        assert!(
            web(&["https://a.example/c%20b?x=1&y=%0D"])
                .validate()
                .is_ok()
        );
        let native = ClientMetadata {
            application_type: "native".into(),
            ..web(&["com.example.app:/cb", "http://[::1]:8080/cb"])
        };
        assert!(native.validate().is_ok());
    }

    fn native(uris: &[&str]) -> ClientMetadata {
        ClientMetadata {
            application_type: "native".into(),
            token_endpoint_auth_method: "none".into(),
            ..web(uris)
        }
    }

    #[test]
    fn native_redirect_uris_follow_rfc_8252() {
        for uri in [
            "com.example.app:/callback",
            "com.example.app://callback",
            "io.my-company.app:/cb",
            "https://app.example/callback",
            "http://127.0.0.1/callback",
            "http://127.0.0.1:8080/callback",
            "http://[::1]/callback",
            "http://localhost/callback",
        ] {
            assert!(native(&[uri]).validate().is_ok(), "{uri}");
        }
        for (uri, says) in [
            ("myapp:/callback", "reverse domain name"),
            ("com..app:/callback", "reverse domain name"),
            ("com.example.:/callback", "reverse domain name"),
            ("com.-example:/callback", "reverse domain name"),
            ("com.example+x:/callback", "reverse domain name"),
            ("http://app.example/callback", "only on a loopback host"),
            ("http://127.0.0.2/callback", "only on a loopback host"),
            ("javascript:alert(1)", "not allowed"),
        ] {
            let err = native(&[uri]).validate().unwrap_err();
            assert!(err.is(&INVALID_REDIRECT_URI), "{uri}");
            assert!(
                err.description().contains(says),
                "{uri}: {}",
                err.description()
            );
        }
        // Web clients: no private-use schemes, http only on loopback.
        for uri in ["com.example.app:/callback", "http://app.example/callback"] {
            assert!(
                web(&[uri])
                    .validate()
                    .unwrap_err()
                    .is(&INVALID_REDIRECT_URI),
                "{uri}"
            );
        }
    }

    #[test]
    fn localhost_is_accepted_with_a_warning_for_native_apps() {
        let m = native(&[
            "http://127.0.0.1/callback",
            "http://localhost:8080/callback",
            "com.example.app:/callback",
        ]);
        assert!(m.validate().is_ok());
        let warnings = m.warnings();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].field, "redirect_uris[1]");
        assert!(warnings[0].summary.contains("RFC 8252"));
        assert!(warnings[0].summary.contains("127.0.0.1"));
        // Web clients may use localhost for development, without advice.
        assert!(web(&["http://localhost/callback"]).warnings().is_empty());
        assert!(native(&["http://127.0.0.1/cb"]).warnings().is_empty());
    }

    #[test]
    fn a_chosen_secret_that_form_encoding_changes_is_warned_about() {
        for secret in ["a+b", "50%", "a&b=c", "with space", "ünï"] {
            let w = chosen_secret_warning(secret).unwrap();
            assert_eq!(w.field, "client_secret");
            assert!(!w.summary.contains(secret), "{secret}");
        }
        let generated = crate::crypto::random_token().unwrap();
        for secret in ["plain-Secret_0.9*", generated.as_str()] {
            assert!(chosen_secret_warning(secret).is_none(), "{secret}");
        }
    }

    #[test]
    fn cors_origins_default_to_a_public_clients_redirect_origins() {
        let spa = ClientMetadata {
            token_endpoint_auth_method: "none".into(),
            ..web(&[
                "https://app.example/cb",
                "https://app.example/other",
                "http://127.0.0.1:5173/cb",
            ])
        };
        assert!(spa.validate().is_ok());
        assert_eq!(
            spa.cors_origins(),
            vec!["https://app.example", "http://127.0.0.1:5173"]
        );
        assert!(spa.allows_origin("https://app.example"));
        assert!(!spa.allows_origin("https://app.example/"));
        assert!(!spa.allows_origin("https://evil.example"));
        // A native app's private-use scheme is no browser origin.
        let app = native(&["com.example.app:/cb"]);
        assert!(app.cors_origins().is_empty());
        // Confidential clients: none by default, and none may be set.
        let confidential = web(&["https://app.example/cb"]);
        assert!(confidential.cors_origins().is_empty());
        let set = ClientMetadata {
            allowed_cors_origins: Some(vec!["https://app.example".into()]),
            ..confidential
        };
        let err = set.validate().unwrap_err();
        assert!(err.is(&INVALID_CLIENT_METADATA));
        assert_eq!(err.fields[0].field, "allowed_cors_origins");
        // Set explicitly, the list replaces the default (empty: none).
        let narrowed = ClientMetadata {
            allowed_cors_origins: Some(vec!["https://other.example".into()]),
            ..spa.clone()
        };
        assert!(narrowed.validate().is_ok());
        assert_eq!(narrowed.cors_origins(), vec!["https://other.example"]);
        let none = ClientMetadata {
            allowed_cors_origins: Some(vec![]),
            ..spa.clone()
        };
        assert!(none.cors_origins().is_empty());
    }

    #[test]
    fn cors_origins_are_origins_as_browsers_send_them() {
        let with = |origin: &str| ClientMetadata {
            token_endpoint_auth_method: "none".into(),
            allowed_cors_origins: Some(vec!["https://ok.example".into(), origin.into()]),
            ..web(&["https://app.example/cb"])
        };
        for ok in [
            "https://app.example",
            "https://app.example:8443",
            "http://127.0.0.1:5173",
            "http://localhost:3000",
            "http://[::1]:8080",
        ] {
            assert!(with(ok).validate().is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("https://app.example/", "register it as https://app.example"),
            ("https://app.example/cb", "no path"),
            ("https://App.example", "register it as https://app.example"),
            (
                "https://app.example:443",
                "register it as https://app.example",
            ),
            (
                "https://user@app.example",
                "register it as https://app.example",
            ),
            ("http://app.example", "use https"),
            ("app.example", "not an origin"),
            ("null", "not an origin"),
            ("*", "not an origin"),
            ("file:///tmp", "https://host"),
        ] {
            let err = with(bad).validate().unwrap_err();
            assert!(err.is(&INVALID_CLIENT_METADATA), "{bad}");
            assert_eq!(err.fields[0].field, "allowed_cors_origins[1]", "{bad}");
            assert!(
                err.description().contains(says),
                "{bad}: {}",
                err.description()
            );
        }
    }

    #[test]
    fn refresh_token_ttl_is_positive_and_within_the_servers() {
        let with = |ttl| ClientMetadata {
            refresh_token_ttl: Some(ttl),
            ..web(&["https://app.example/cb"])
        };
        let limits = ServerLimits {
            refresh_token_ttl: 86_400,
            loopback_issuer: false,
            fapi2: false,
        };
        assert!(with(3600).validate().is_ok());
        assert!(with(3600).check_limits(limits).is_ok());
        assert!(with(86_400).check_limits(limits).is_ok());
        let err = with(86_401).check_limits(limits).unwrap_err();
        assert_eq!(err.fields[0].field, "refresh_token_ttl");
        assert!(err.description().contains("86400"), "{}", err.description());
        assert_eq!(
            with(0).validate().unwrap_err().fields[0].field,
            "refresh_token_ttl"
        );
        assert!(
            web(&["https://app.example/cb"])
                .check_limits(limits)
                .is_ok()
        );
    }

    #[test]
    fn backchannel_logout_uris_are_absolute_https_without_fragment() {
        let with = |uri: &str| ClientMetadata {
            backchannel_logout_uri: Some(uri.to_string()),
            ..web(&["https://app.example/cb"])
        };
        assert!(
            with("https://app.example/logout?from=op")
                .validate()
                .is_ok()
        );
        assert!(with("http://127.0.0.1:9000/logout").validate().is_ok());
        for (uri, says) in [
            ("https://app.example/logout#x", "fragment"),
            ("http://app.example/logout", "use https"),
            ("/logout", "not an absolute URI"),
            ("ftp://app.example/logout", "use https, not ftp"),
            ("https://app.example/log out", "U+0020"),
        ] {
            let err = with(uri).validate().unwrap_err();
            assert!(err.is(&INVALID_CLIENT_METADATA), "{uri}");
            assert_eq!(err.fields[0].field, "backchannel_logout_uri", "{uri}");
            assert!(
                err.description().contains(says),
                "{uri}: {}",
                err.description()
            );
        }
        // http on loopback only while the server itself runs on loopback.
        let public = ServerLimits {
            refresh_token_ttl: 86_400,
            loopback_issuer: false,
            fapi2: false,
        };
        let local = ServerLimits {
            loopback_issuer: true,
            ..public
        };
        let loopback = with("http://127.0.0.1:9000/logout");
        assert!(loopback.check_limits(local).is_ok());
        let err = loopback.check_limits(public).unwrap_err();
        assert_eq!(err.fields[0].field, "backchannel_logout_uri");
        assert!(with("https://app.example/l").check_limits(public).is_ok());
        let parsed: ClientMetadata = serde_json::from_value(serde_json::json!({
            "redirect_uris": ["https://app.example/cb"],
            "backchannel_logout_uri": "https://app.example/l",
            "backchannel_logout_session_required": true,
        }))
        .unwrap();
        assert!(parsed.backchannel_logout_session_required);
        assert!(!ClientMetadata::default().backchannel_logout_session_required);
    }

    #[test]
    fn client_credentials_only_needs_no_redirect() {
        let m = ClientMetadata {
            grant_types: vec!["client_credentials".into()],
            response_types: vec![],
            ..Default::default()
        };
        assert!(m.validate().is_ok());
    }

    #[test]
    fn a_device_client_needs_no_redirect_or_response_type() {
        let v = serde_json::json!({
            "grant_types": [crate::device::GRANT_TYPE, "refresh_token"],
            "token_endpoint_auth_method": "none",
            "scope": "openid profile",
        });
        let m = ClientMetadata::from_json(&v).unwrap();
        assert!(m.response_types.is_empty() && m.redirect_uris.is_empty());
        assert!(m.validate().is_ok(), "{:?}", m.validate());
        assert!(GRANT_TYPES.contains(&crate::device::GRANT_TYPE));
    }

    #[test]
    fn from_json_names_wrong_types_and_defaults_response_types() {
        let v = serde_json::json!({"grant_types": ["client_credentials"]});
        let m = ClientMetadata::from_json(&v).unwrap();
        assert!(m.response_types.is_empty());
        assert!(m.validate().is_ok());
        let v = serde_json::json!({"redirect_uris": "https://a.example/cb", "client_name": "x"});
        let err = ClientMetadata::from_json(&v).unwrap_err();
        assert!(err.is(&INVALID_CLIENT_METADATA));
        assert_eq!(err.fields.len(), 1);
        assert_eq!(err.fields[0].field, "redirect_uris");
        assert!(ClientMetadata::from_json(&serde_json::json!([1])).is_err());
    }

    #[test]
    fn bad_metadata_names_the_field() {
        let m = ClientMetadata {
            token_endpoint_auth_method: "magic".into(),
            ..web(&["https://a.example/cb"])
        };
        let err = m.validate().unwrap_err();
        assert!(err.is(&INVALID_CLIENT_METADATA));
        assert_eq!(err.fields[0].field, "token_endpoint_auth_method");
        assert!(err.description().contains("token_endpoint_auth_method"));

        let m = ClientMetadata {
            token_endpoint_auth_method: "private_key_jwt".into(),
            ..web(&["https://a.example/cb"])
        };
        assert_eq!(m.validate().unwrap_err().fields[0].field, "jwks");

        let m = ClientMetadata {
            grant_types: vec!["password".into()],
            ..web(&["https://a.example/cb"])
        };
        assert!(m.validate().unwrap_err().is(&INVALID_CLIENT_METADATA));
    }
}
