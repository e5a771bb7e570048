//! Discovery (OIDC Discovery §3, RFC 8414 §2) and the JWKS. Both bodies are
//! built once and served as they are. Discovery lists only what is
//! implemented: a field appears here in the same change as its feature.

use crate::app::App;
use crate::config::Config;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::client::ID_TOKEN_ALGS;
use latchkey_core::error::render::ResponseMode;
use serde_json::{Value, json};
use std::sync::Arc;

pub fn document(config: &Config) -> Value {
    let issuer = &config.issuer;
    let mut pkce = vec!["S256"];
    if config.policy.allow_plain_pkce {
        pkce.push("plain");
    }
    let mut request_object_algs =
        latchkey_core::authorize::request_object::REQUEST_OBJECT_ALGS.to_vec();
    request_object_algs.push("none");
    let mut doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "end_session_endpoint": format!("{issuer}/logout"),
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "response_modes_supported": ResponseMode::SUPPORTED,
        "authorization_signing_alg_values_supported": ID_TOKEN_ALGS,
        "code_challenge_methods_supported": pkce,
        "dpop_signing_alg_values_supported": latchkey_core::dpop::ALGS,
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": config.request_objects,
        "request_uri_parameter_supported": config.request_objects,
        "require_request_uri_registration": true,
        "request_object_signing_alg_values_supported": request_object_algs,
        "pushed_authorization_request_endpoint": format!("{issuer}/par"),
        "require_pushed_authorization_requests": config.par_required,
        "claims_parameter_supported": true,
        "ui_locales_supported": latchkey_core::i18n::Lang::ALL.map(|l| l.tag()),
        "vtr_values_supported": latchkey_core::vtr::SUPPORTED,
        "acr_values_supported": latchkey_core::vtr::SUPPORTED,
        "trustmarks": latchkey_core::token::id_token::trustmark_uri(issuer),
    });
    // In two parts: one `json!` of them all passes the macro's recursion limit.
    let token_side = json!({
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "device_authorization_endpoint": format!("{issuer}/device_authorization"),
        "grant_types_supported": latchkey_core::client::GRANT_TYPES,
        "token_endpoint_auth_methods_supported": latchkey_core::client::AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": latchkey_core::client::CLIENT_SIGNING_ALGS,
        "introspection_endpoint_auth_methods_supported": CONFIDENTIAL_AUTH_METHODS,
        "introspection_endpoint_auth_signing_alg_values_supported": latchkey_core::client::CLIENT_SIGNING_ALGS,
        "revocation_endpoint_auth_methods_supported": latchkey_core::client::AUTH_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": latchkey_core::client::CLIENT_SIGNING_ALGS,
        "id_token_signing_alg_values_supported": latchkey_core::client::ID_TOKEN_ALGS,
        "subject_types_supported": latchkey_core::client::SUBJECT_TYPES,
        "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access"],
        "claims_supported": claims_supported(),
        "service_documentation": format!("{issuer}/errors"),
    });
    if let (Some(map), Value::Object(more)) = (doc.as_object_mut(), token_side) {
        map.extend(more);
    }
    if config.fapi2 {
        narrow_to_fapi2(&mut doc);
    }
    // RFC 7591 §3 / RFC 8414 §2: advertised only when registration is on.
    if config.registration_mode != latchkey_core::registration::Mode::Off
        && let Some(map) = doc.as_object_mut()
    {
        map.insert(
            "registration_endpoint".into(),
            json!(format!("{issuer}/register")),
        );
    }
    doc
}

/// Under `profile = "fapi2"` only what the FAPI 2.0 Security Profile allows
/// is offered: `private_key_jwt` with PS256 or ES256 (§5.3.2.1, §5.4.1),
/// PKCE with S256 and PAR required (§5.3.2.2), DPoP proofs with PS256 or
/// ES256, and ES256 for what Latchkey signs.
fn narrow_to_fapi2(doc: &mut Value) {
    use latchkey_core::fapi2::{ALGS, AUTH_METHOD, SERVER_ALG};
    let Some(map) = doc.as_object_mut() else {
        return;
    };
    for (key, value) in [
        (
            "token_endpoint_auth_methods_supported",
            json!([AUTH_METHOD]),
        ),
        (
            "introspection_endpoint_auth_methods_supported",
            json!([AUTH_METHOD]),
        ),
        (
            "revocation_endpoint_auth_methods_supported",
            json!([AUTH_METHOD]),
        ),
        (
            "token_endpoint_auth_signing_alg_values_supported",
            json!(ALGS),
        ),
        (
            "introspection_endpoint_auth_signing_alg_values_supported",
            json!(ALGS),
        ),
        (
            "revocation_endpoint_auth_signing_alg_values_supported",
            json!(ALGS),
        ),
        ("request_object_signing_alg_values_supported", json!(ALGS)),
        ("dpop_signing_alg_values_supported", json!(ALGS)),
        ("code_challenge_methods_supported", json!(["S256"])),
        ("require_pushed_authorization_requests", json!(true)),
        ("id_token_signing_alg_values_supported", json!([SERVER_ALG])),
        (
            "authorization_signing_alg_values_supported",
            json!([SERVER_ALG]),
        ),
    ] {
        map.insert(key.to_string(), value);
    }
}

/// Introspection needs a client that proves who it is.
const CONFIDENTIAL_AUTH_METHODS: &[&str] = &[
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
];

/// Claims in ID tokens and at /userinfo.
fn claims_supported() -> Vec<&'static str> {
    let mut out = vec![
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "acr",
        "amr",
        "azp",
        "sid",
        "at_hash",
        "vot",
        "vtm",
    ];
    for (_, names) in latchkey_core::token::userinfo::SCOPE_CLAIMS {
        out.extend_from_slice(names);
    }
    out
}

/// How long clients may cache the discovery document and the JWKS.
const DISCOVERY_CACHE: HeaderValue = HeaderValue::from_static("public, max-age=3600");
const JWKS_CACHE: HeaderValue = HeaderValue::from_static("public, max-age=300");

/// A public JSON document. `body` is shared, not copied, per request.
fn json_response(body: impl Into<axum::body::Body>, cache: HeaderValue) -> Response {
    let mut res = ([(header::CONTENT_TYPE, "application/json")], body.into()).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, cache);
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res
}

/// `GET /.well-known/openid-configuration` (and the RFC 8414 alias).
pub async fn openid_configuration(State(app): State<Arc<App>>) -> Response {
    json_response(app.discovery_json.clone(), DISCOVERY_CACHE)
}

/// The trustmark (RFC 8485 §5): the vectors this provider can assert,
/// the document `vtm` in ID tokens points at.
pub fn trustmark_document(issuer: &str) -> Value {
    json!({
        "idp": issuer,
        "trustmark_provider": issuer,
        "C": ["Cl", "Cm"],
        "P": ["P0", "P1", "P2"],
        "vtr_values_supported": latchkey_core::vtr::SUPPORTED,
        "definitions": {
            "Cl": "a password",
            "Cm": "a second factor: a TOTP authenticator app (RFC 6238) or a single-use recovery code",
            "P0": "identity not proven",
            "P1": "low confidence in the identity, recorded by the operator",
            "P2": "medium confidence in the identity, recorded by the operator",
        },
    })
}

/// `GET /trustmark`
pub async fn trustmark(State(app): State<Arc<App>>) -> Response {
    json_response(
        trustmark_document(&app.config.issuer).to_string(),
        DISCOVERY_CACHE,
    )
}

/// `GET /jwks`: active keys and retired keys still inside their window.
pub async fn jwks(State(app): State<Arc<App>>) -> Response {
    let mut res = json_response(
        axum::body::Bytes::from_owner(JwksBody(app.keys().jwks_json.clone())),
        JWKS_CACHE,
    );
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jwk-set+json"),
    );
    res
}

/// The key set's serialized JWKS as a response body, without a copy.
struct JwksBody(std::sync::Arc<str>);

impl AsRef<[u8]> for JwksBody {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}
