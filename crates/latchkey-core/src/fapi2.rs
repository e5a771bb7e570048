//! The FAPI 2.0 Security Profile (final): what it adds to the rules every
//! client is held to, for every client (`profile = "fapi2"`) or for one
//! (its metadata says `"profile": "fapi2"`).
//!
//! - §5.3.2.1: confidential clients only, authenticated with
//!   `private_key_jwt` (mutual TLS, the other method, is not offered); the
//!   assertion's `aud` is the issuer, as a string; access tokens
//!   sender-constrained with DPoP (checked by the token endpoint);
//! - §5.3.2.2: pushed authorization requests only, with `redirect_uri`;
//!   PKCE with S256; http redirect URIs only for native apps on loopback;
//!   codes live at most [`CODE_TTL`] seconds; `iss` in every response
//!   (always sent by Latchkey);
//! - §5.4.1: JWS with PS256 or ES256 only ([`ALGS`]); what Latchkey signs
//!   for such a client uses ES256 ([`SERVER_ALG`]).
//!
//! Metadata is checked when a client is written ([`check_metadata`], the
//! `fapi2_metadata_*` causes) and again on each request
//! ([`check_client`]), for clients written before the profile was on.

use crate::Occurrence;
use crate::catalogue::{
    FAPI2_CLIENT_NOT_CONFORMANT, FAPI2_METADATA_ALG, FAPI2_METADATA_AUTH_METHOD,
    FAPI2_METADATA_PUBLIC_CLIENT, FAPI2_METADATA_REDIRECT_URI, FAPI2_PKCE_REQUIRED,
    FAPI2_REDIRECT_URI_REQUIRED, FAPI2_REQUEST_OBJECT_ALG,
};
use crate::client::{ClientMetadata, PROFILE_FAPI2};
use base64::Engine;

/// §5.4.1: the JWS algorithms clients may sign with under the profile.
pub const ALGS: &[&str] = &["ES256", "PS256"];
/// [`ALGS`] as the `algs` of a `WWW-Authenticate: DPoP` challenge.
pub const ALGS_CHALLENGE: &str = "ES256 PS256";
/// What Latchkey signs ID tokens, JWT responses and access tokens with
/// under the profile (it holds no PS256 key).
pub const SERVER_ALG: &str = "ES256";
/// §5.3.2.2: the longest an authorization code may live, seconds.
pub const CODE_TTL: i64 = 60;
/// The one client authentication method offered under the profile.
pub const AUTH_METHOD: &str = "private_key_jwt";

/// Whether the profile holds for a client: for every client when `global`
/// (the `profile` setting), else when its metadata asks for it.
pub fn applies(global: bool, metadata: &ClientMetadata) -> bool {
    global || metadata.profile.as_deref() == Some(PROFILE_FAPI2)
}

/// The seconds a code for such a client lives: `configured`, capped at
/// [`CODE_TTL`] when the profile holds.
pub fn code_ttl(configured: i64, applies: bool) -> i64 {
    if applies {
        configured.min(CODE_TTL)
    } else {
        configured
    }
}

/// Under the profile, the algorithms Latchkey signs with default to
/// [`SERVER_ALG`] when the registration (`sent`, the JSON as received)
/// leaves them out, instead of RS256.
pub fn fill_defaults(metadata: &mut ClientMetadata, sent: &serde_json::Value, global: bool) {
    if !applies(global, metadata) {
        return;
    }
    if sent.get("id_token_signed_response_alg").is_none() {
        metadata.id_token_signed_response_alg = SERVER_ALG.into();
    }
    if metadata.authorization_signed_response_alg.is_none() {
        metadata.authorization_signed_response_alg = Some(SERVER_ALG.into());
    }
}

/// The algorithm JARM responses to this client are signed with: the
/// registered one, else [`SERVER_ALG`] under the profile (RS256 without).
pub fn authorization_signing_alg(metadata: &ClientMetadata, global: bool) -> &str {
    match &metadata.authorization_signed_response_alg {
        None if applies(global, metadata) => SERVER_ALG,
        _ => metadata.authorization_signing_alg(),
    }
}

/// Refuse metadata that breaks the profile, when it holds for the client
/// (admin API, CLI, registration). One cause per rule, the first broken
/// rule winning; every problem of that rule is named as a field.
pub fn check_metadata(metadata: &ClientMetadata, global: bool) -> Result<(), Occurrence> {
    if !applies(global, metadata) {
        return Ok(());
    }
    let method = metadata.token_endpoint_auth_method.as_str();
    if metadata.is_public() {
        let msg = "a public client (none); the FAPI 2.0 profile allows confidential clients only (section 5.3.2.1), registered for private_key_jwt";
        return Err(FAPI2_METADATA_PUBLIC_CLIENT
            .with_detail(format!("token_endpoint_auth_method: {msg}"))
            .field("token_endpoint_auth_method", msg));
    }
    if method != AUTH_METHOD {
        let msg =
            format!("{method}; the FAPI 2.0 profile allows only private_key_jwt (section 5.3.2.1)");
        return Err(FAPI2_METADATA_AUTH_METHOD
            .with_detail(format!("token_endpoint_auth_method: {msg}"))
            .field("token_endpoint_auth_method", msg));
    }
    let algs = alg_problems(metadata);
    if !algs.is_empty() {
        return Err(with_fields(&FAPI2_METADATA_ALG, algs));
    }
    let uris = redirect_problems(metadata);
    if !uris.is_empty() {
        return Err(with_fields(&FAPI2_METADATA_REDIRECT_URI, uris));
    }
    Ok(())
}

/// On each request (`/par`, `/token`): a client the profile holds for but
/// whose registration (written before it was on) breaks its algorithm or
/// redirect URI rules is refused. The authentication method is checked by
/// client authentication itself.
pub fn check_client(metadata: &ClientMetadata, global: bool) -> Result<(), Occurrence> {
    if !applies(global, metadata) {
        return Ok(());
    }
    let problems: Vec<(String, String)> = alg_problems(metadata)
        .into_iter()
        .chain(redirect_problems(metadata))
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    Err(with_fields(&FAPI2_CLIENT_NOT_CONFORMANT, problems))
}

fn with_fields(cause: &'static crate::Cause, problems: Vec<(String, String)>) -> Occurrence {
    let detail = problems
        .iter()
        .map(|(f, m)| format!("{f}: {m}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut occ = cause.with_detail(detail);
    for (field, msg) in problems {
        occ = occ.field(field, msg);
    }
    occ
}

/// §5.4.1: what the client signs uses PS256 or ES256; what Latchkey signs
/// for it uses ES256 (it cannot sign PS256).
fn alg_problems(metadata: &ClientMetadata) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let client_signed = [
        (
            "token_endpoint_auth_signing_alg",
            metadata.token_endpoint_auth_signing_alg.as_deref(),
        ),
        (
            "request_object_signing_alg",
            metadata.request_object_signing_alg.as_deref(),
        ),
    ];
    for (field, alg) in client_signed {
        if let Some(alg) = alg
            && !ALGS.contains(&alg)
        {
            out.push((
                field.to_string(),
                format!("{alg}; the FAPI 2.0 profile allows ES256 or PS256 (section 5.4.1)"),
            ));
        }
    }
    let server_signed = [
        (
            "id_token_signed_response_alg",
            Some(metadata.id_token_signed_response_alg.as_str()),
        ),
        (
            "authorization_signed_response_alg",
            metadata.authorization_signed_response_alg.as_deref(),
        ),
    ];
    for (field, alg) in server_signed {
        if let Some(alg) = alg
            && alg != SERVER_ALG
        {
            out.push((
                field.to_string(),
                format!("{alg}; under the FAPI 2.0 profile Latchkey signs with {SERVER_ALG} (section 5.4.1)"),
            ));
        }
    }
    out
}

/// §5.3.2.2 (8): http only for a native app's loopback redirect URI.
fn redirect_problems(metadata: &ClientMetadata) -> Vec<(String, String)> {
    metadata
        .redirect_uris
        .iter()
        .enumerate()
        .filter(|(_, uri)| uri.starts_with("http:") && !metadata.is_native())
        .map(|(i, uri)| {
            (
                format!("redirect_uris[{i}]"),
                format!("{uri}: the FAPI 2.0 profile allows http only for native clients on a loopback address (section 5.3.2.2); use https or application_type native"),
            )
        })
        .collect()
}

/// §5.3.2.2 (5, 6): an authorization request (as pushed) names its
/// `redirect_uri` and carries PKCE with S256.
pub fn check_request(
    redirect_uri: Option<&str>,
    code_challenge: Option<&str>,
    code_challenge_method: Option<&str>,
) -> Result<(), Occurrence> {
    if redirect_uri.is_none() {
        return Err(FAPI2_REDIRECT_URI_REQUIRED.with_detail(
            "redirect_uri is missing; the FAPI 2.0 profile requires it in every pushed request",
        ));
    }
    match (code_challenge, code_challenge_method) {
        (Some(_), Some("S256")) => Ok(()),
        (None, _) => Err(FAPI2_PKCE_REQUIRED.with_detail("code_challenge is missing")),
        (Some(_), None) => Err(FAPI2_PKCE_REQUIRED
            .with_detail("code_challenge_method is missing, which means plain; send S256")),
        (Some(_), Some(other)) => {
            Err(FAPI2_PKCE_REQUIRED
                .with_detail(format!("code_challenge_method is {other}; send S256")))
        }
    }
}

/// The `alg` of a compact JWS header, unverified; `None` when unreadable.
pub fn jws_alg(jws: &str) -> Option<String> {
    let header = jws.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("alg")?.as_str().map(str::to_string)
}

/// §5.4.1: a request object pushed under the profile is signed with PS256
/// or ES256 (never `none`). An unreadable header is left to the request
/// object checks, which name what is wrong with it.
pub fn check_request_object_alg(jws: &str) -> Result<(), Occurrence> {
    match jws_alg(jws) {
        Some(alg) if !ALGS.contains(&alg.as_str()) => Err(FAPI2_REQUEST_OBJECT_ALG.with_detail(
            format!("the request object is signed with {alg}; use ES256 or PS256"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn conformant() -> ClientMetadata {
        ClientMetadata {
            redirect_uris: vec!["https://app.example/cb".into()],
            token_endpoint_auth_method: "private_key_jwt".into(),
            jwks: Some(serde_json::json!({"keys": []})),
            id_token_signed_response_alg: "ES256".into(),
            profile: Some("fapi2".into()),
            ..Default::default()
        }
    }

    #[test]
    fn applies_globally_or_per_client() {
        let mut m = conformant();
        assert!(applies(false, &m));
        m.profile = None;
        assert!(!applies(false, &m));
        assert!(applies(true, &m));
    }

    #[test]
    fn metadata_rules_each_have_their_cause() {
        assert!(check_metadata(&conformant(), false).is_ok());
        let public = ClientMetadata {
            token_endpoint_auth_method: "none".into(),
            ..conformant()
        };
        assert!(
            check_metadata(&public, false)
                .unwrap_err()
                .is(&FAPI2_METADATA_PUBLIC_CLIENT)
        );
        let basic = ClientMetadata {
            token_endpoint_auth_method: "client_secret_basic".into(),
            ..conformant()
        };
        assert!(
            check_metadata(&basic, false)
                .unwrap_err()
                .is(&FAPI2_METADATA_AUTH_METHOD)
        );
        // Outside the profile nothing is checked.
        assert!(
            check_metadata(
                &ClientMetadata {
                    profile: None,
                    ..basic
                },
                false
            )
            .is_ok()
        );
        let rs256 = ClientMetadata {
            token_endpoint_auth_signing_alg: Some("RS256".into()),
            id_token_signed_response_alg: "RS256".into(),
            ..conformant()
        };
        let err = check_metadata(&rs256, false).unwrap_err();
        assert!(err.is(&FAPI2_METADATA_ALG));
        assert_eq!(err.fields.len(), 2);
        let none = ClientMetadata {
            request_object_signing_alg: Some("none".into()),
            ..conformant()
        };
        assert!(
            check_metadata(&none, false)
                .unwrap_err()
                .is(&FAPI2_METADATA_ALG)
        );
        let http = ClientMetadata {
            redirect_uris: vec!["http://127.0.0.1:9000/cb".into()],
            ..conformant()
        };
        assert!(
            check_metadata(&http, false)
                .unwrap_err()
                .is(&FAPI2_METADATA_REDIRECT_URI)
        );
        let native = ClientMetadata {
            application_type: "native".into(),
            ..http
        };
        assert!(check_metadata(&native, false).is_ok());
        // At request time the same algorithms and URIs are one cause.
        assert!(
            check_client(&rs256, false)
                .unwrap_err()
                .is(&FAPI2_CLIENT_NOT_CONFORMANT)
        );
        assert!(check_client(&native, false).is_ok());
    }

    #[test]
    fn defaults_become_es256_under_the_profile() {
        let mut m = ClientMetadata {
            profile: Some("fapi2".into()),
            ..Default::default()
        };
        fill_defaults(&mut m, &serde_json::json!({"profile": "fapi2"}), false);
        assert_eq!(m.id_token_signed_response_alg, "ES256");
        assert_eq!(
            m.authorization_signed_response_alg.as_deref(),
            Some("ES256")
        );
        let mut chosen = ClientMetadata::default();
        fill_defaults(
            &mut chosen,
            &serde_json::json!({"id_token_signed_response_alg": "RS256"}),
            true,
        );
        assert_eq!(
            chosen.id_token_signed_response_alg, "RS256",
            "kept, then refused"
        );
        let mut outside = ClientMetadata::default();
        fill_defaults(&mut outside, &serde_json::json!({}), false);
        assert_eq!(outside.id_token_signed_response_alg, "RS256");
        assert_eq!(authorization_signing_alg(&outside, false), "RS256");
        assert_eq!(authorization_signing_alg(&outside, true), "ES256");
    }

    #[test]
    fn requests_need_redirect_uri_and_s256() {
        assert!(check_request(Some("https://a/cb"), Some("x"), Some("S256")).is_ok());
        assert!(
            check_request(None, Some("x"), Some("S256"))
                .unwrap_err()
                .is(&FAPI2_REDIRECT_URI_REQUIRED)
        );
        for (c, m) in [(None, None), (Some("x"), None), (Some("x"), Some("plain"))] {
            assert!(
                check_request(Some("https://a/cb"), c, m)
                    .unwrap_err()
                    .is(&FAPI2_PKCE_REQUIRED)
            );
        }
        assert_eq!(code_ttl(600, true), 60);
        assert_eq!(code_ttl(30, true), 30);
        assert_eq!(code_ttl(600, false), 600);
        assert_eq!(ALGS.join(" "), ALGS_CHALLENGE);
    }

    #[test]
    fn request_object_algs() {
        let b64 = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let jws = |alg: &str| format!("{}.e30.sig", b64(&format!("{{\"alg\":\"{alg}\"}}")));
        assert!(check_request_object_alg(&jws("ES256")).is_ok());
        assert!(check_request_object_alg(&jws("PS256")).is_ok());
        for alg in ["RS256", "none", "HS256"] {
            assert!(
                check_request_object_alg(&jws(alg))
                    .unwrap_err()
                    .is(&FAPI2_REQUEST_OBJECT_ALG)
            );
        }
        assert!(check_request_object_alg("not a jws").is_ok());
    }
}
