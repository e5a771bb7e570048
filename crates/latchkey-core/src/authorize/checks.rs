//! The checks that run once the redirect URI is trusted, one function each.

use super::{CodeChallengeMethod, Policy, Prompt};
use crate::Occurrence;
use crate::catalogue::*;
use crate::claims::ClaimsRequest;
use crate::client::ClientRecord;
use crate::error::render::ResponseMode;
use crate::scope::Scope;

/// Scopes defined by OIDC Core §5.4 and §11; clients without a registered
/// `scope` may ask for these.
pub const STANDARD_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
];

/// - `request` / `request_uri` still present: request objects are switched
///   off (`request_objects.enabled`); when on, the HTTP layer has already
///   replaced the parameters by the object's (`request_object`).
/// - `registration` is not supported (OIDC Core §3.1.2.6).
pub fn request_objects(
    request: Option<&str>,
    request_uri: Option<&str>,
    registration: Option<&str>,
) -> Result<(), Occurrence> {
    if request.is_some() && request_uri.is_some() {
        return Err(REQUEST_AND_REQUEST_URI.occur());
    }
    if request.is_some() {
        return Err(
            REQUEST_NOT_SUPPORTED.with_detail("request objects are not enabled on this server")
        );
    }
    if request_uri.is_some() {
        return Err(
            REQUEST_URI_NOT_SUPPORTED.with_detail("request_uri is not enabled on this server")
        );
    }
    if registration.is_some() {
        return Err(REGISTRATION_PARAMETER_NOT_SUPPORTED.occur());
    }
    Ok(())
}

/// - `response_type` is required; only `code` is supported (G5, U3, H3).
/// - the client must be registered for it (O3).
pub fn response_type(value: Option<&str>, client: &ClientRecord) -> Result<(), Occurrence> {
    match value {
        None => Err(RESPONSE_TYPE_MISSING.occur()),
        Some("code") if client.metadata.response_types.iter().any(|r| r == "code") => Ok(()),
        Some("code") => Err(RESPONSE_TYPE_NOT_ALLOWED
            .with_detail("the client is not registered for response_type code")),
        Some(other) => {
            Err(UNSUPPORTED_RESPONSE_TYPE.with_detail(format!("response_type {other}; use code")))
        }
    }
}

/// - `query` (default), `fragment`, `form_post`, and JARM's `jwt`,
///   `query.jwt`, `fragment.jwt`, `form_post.jwt`; anything else is
///   refused (U4, O6).
pub fn response_mode(value: Option<&str>) -> Result<ResponseMode, Occurrence> {
    let Some(value) = value else {
        return Ok(ResponseMode::Query);
    };
    ResponseMode::parse(value).ok_or_else(|| {
        UNSUPPORTED_RESPONSE_MODE.with_detail(format!(
            "response_mode {value}; use one of {}",
            ResponseMode::SUPPORTED.join(", ")
        ))
    })
}

/// - `scope` is required and must include `openid`, unless the client is a
///   plain OAuth client (its registered scope has no `openid`) (G2).
/// - every value must be allowed for the client: its registered `scope`, or
///   the standard OpenID scopes when it registered none (G4, U5, H4).
pub fn scope(value: Option<&str>, client: &ClientRecord) -> Result<Scope, Occurrence> {
    let registered: Option<Scope> = client.metadata.scope.as_deref().map(Scope::split);
    let Some(value) = value else {
        return Err(SCOPE_MISSING.occur());
    };
    let scopes = Scope::parse(value).map_err(|e| SCOPE_MALFORMED.with_detail(e.to_string()))?;
    for s in scopes.iter() {
        let allowed = match &registered {
            Some(list) => list.contains(s),
            None => STANDARD_SCOPES.contains(&s),
        };
        // The admin API's scopes go to the console only, whatever a
        // client registered.
        let allowed = allowed
            && (!crate::user::ADMIN_SCOPES.contains(&s)
                || client.client_id == crate::user::CONSOLE_CLIENT_ID);
        if !allowed {
            // A standard scope this client may not use, or a value this
            // client never registered.
            let cause = if STANDARD_SCOPES.contains(&s) {
                &SCOPE_NOT_ALLOWED
            } else {
                &UNKNOWN_SCOPE
            };
            return Err(cause.with_detail(format!("scope {s}")));
        }
    }
    let oauth_only = registered
        .as_ref()
        .is_some_and(|list| !list.contains("openid"));
    if !oauth_only && !scopes.contains("openid") {
        return Err(SCOPE_MISSING_OPENID.occur());
    }
    Ok(scopes)
}

/// RFC 7636 §4.2: 43 to 128 characters of ALPHA / DIGIT / "-" / "." / "_" / "~".
fn is_pkce_value(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// - public clients and native apps must use PKCE; with
///   `policy.require_pkce = all`, every client. A native app's secret ships
///   in every copy of the app and keeps nothing secret (RFC 8252 §8.5), so a
///   confidential native client is treated like a public one here.
/// - `S256` only, unless `policy.allow_plain_pkce`; the method defaults to
///   `plain` per RFC 7636 §4.3, so a bare challenge needs plain allowed.
/// - the challenge has the RFC 7636 §4.2 syntax.
///
/// The challenge and its method, when there is one.
pub fn pkce(
    challenge: Option<&str>,
    method: Option<&str>,
    client: &ClientRecord,
    policy: &Policy,
) -> Result<Option<(String, CodeChallengeMethod)>, Occurrence> {
    let required =
        policy.require_pkce_all || client.metadata.is_public() || client.metadata.is_native();
    let Some(challenge) = challenge else {
        if method.is_some() {
            return Err(PKCE_CHALLENGE_INVALID
                .with_detail("code_challenge_method was sent without code_challenge"));
        }
        if required {
            let who = if client.metadata.is_native() {
                "native apps (RFC 8252 §8.1)"
            } else if client.metadata.is_public() {
                "public clients"
            } else {
                "every client on this server"
            };
            return Err(PKCE_REQUIRED.with_detail(format!("PKCE with S256 is required for {who}")));
        }
        return Ok(None);
    };
    let method = method.unwrap_or("plain");
    let method = match CodeChallengeMethod::parse(method) {
        Some(CodeChallengeMethod::Plain) if !policy.allow_plain_pkce => {
            return Err(PKCE_PLAIN_NOT_ALLOWED.occur());
        }
        Some(m) => m,
        None => {
            return Err(
                PKCE_METHOD_UNSUPPORTED.with_detail(format!("code_challenge_method {method}"))
            );
        }
    };
    if !is_pkce_value(challenge) {
        return Err(PKCE_CHALLENGE_INVALID
            .with_detail("code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~"));
    }
    Ok(Some((challenge.to_string(), method)))
}

/// - `state` required when `policy.require_state`; shorter than
///   `policy.min_parameter_length` refused (U8).
/// - `nonce` shorter than that refused as too little entropy (U9).
pub fn state_and_nonce(
    state: Option<&str>,
    nonce: Option<&str>,
    policy: &Policy,
) -> Result<(), Occurrence> {
    let min = policy.min_parameter_length;
    match state {
        None if policy.require_state => return Err(INVALID_STATE.with_detail("state is required")),
        Some(s) if s.chars().count() < min => {
            return Err(
                INVALID_STATE.with_detail(format!("state must be at least {min} characters"))
            );
        }
        _ => {}
    }
    if let Some(n) = nonce
        && n.chars().count() < min
    {
        return Err(
            INSUFFICIENT_ENTROPY.with_detail(format!("nonce must be at least {min} characters"))
        );
    }
    Ok(())
}

/// - space-separated `none`, `login`, `consent`, `select_account`;
///   `none` with anything else is refused (OIDC Core §3.1.2.1).
pub fn prompt(value: Option<&str>) -> Result<Vec<Prompt>, Occurrence> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for p in value.split(' ').filter(|p| !p.is_empty()) {
        let parsed = match p {
            "none" => Prompt::None,
            "login" => Prompt::Login,
            "consent" => Prompt::Consent,
            "select_account" => Prompt::SelectAccount,
            other => return Err(PROMPT_VALUE_UNKNOWN.with_detail(format!("prompt {other}"))),
        };
        if !out.contains(&parsed) {
            out.push(parsed);
        }
    }
    if out.contains(&Prompt::None) && out.len() > 1 {
        return Err(PROMPT_NONE_COMBINED.occur());
    }
    Ok(out)
}

/// - a non-negative whole number of seconds; the client's
///   `default_max_age` applies when absent (OIDC Registration §2).
pub fn max_age(value: Option<&str>, client: &ClientRecord) -> Result<Option<i64>, Occurrence> {
    match value {
        None => Ok(client.metadata.default_max_age),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(Some(n)),
            _ => Err(MAX_AGE_INVALID.with_detail(format!("max_age {v}"))),
        },
    }
}

/// - `claims` (OIDC Core §5.5): a JSON object, see
///   [`ClaimsRequest::parse`]; `None` when it asks for nothing this server
///   can return.
pub fn claims(value: Option<&str>) -> Result<Option<ClaimsRequest>, Occurrence> {
    let Some(value) = value else {
        return Ok(None);
    };
    let parsed = ClaimsRequest::parse(value)?;
    Ok((!parsed.is_empty()).then_some(parsed))
}

/// - `vtr` (RFC 8485 §3.1), a JSON array of vectors, wins;
/// - else an essential `acr` of `claims` with `value` or `values` (OIDC
///   Core §5.5.1.1): the values that are vectors; when none is, the
///   request cannot be met and is refused (`essential_acr_unavailable`);
/// - else the `acr_values` that are vectors (voluntary: others are ignored);
/// - else a voluntary `acr` of `claims`, read like `acr_values`;
/// - else the `vtr.default` setting.
pub fn vtr(
    vtr: Option<&str>,
    acr_values: Option<&str>,
    claims: Option<&ClaimsRequest>,
    default: &[crate::vtr::Vector],
) -> Result<Vec<crate::vtr::Vector>, Occurrence> {
    if let Some(v) = vtr {
        return crate::vtr::parse_vtr(v);
    }
    let acr_claim = claims.and_then(ClaimsRequest::acr);
    let vectors = |values: &[&str]| -> Vec<crate::vtr::Vector> {
        values
            .iter()
            .filter_map(|v| crate::vtr::Vector::parse(v).ok())
            .collect()
    };
    if let Some((true, values)) = &acr_claim {
        let wanted = vectors(values);
        if wanted.is_empty() {
            return Err(ESSENTIAL_ACR_UNAVAILABLE
                .with_detail(format!("offered: {}", crate::vtr::SUPPORTED.join(", "))));
        }
        return Ok(wanted);
    }
    let from_acr = acr_values
        .map(crate::vtr::from_acr_values)
        .unwrap_or_default();
    if !from_acr.is_empty() {
        return Ok(from_acr);
    }
    if let Some((false, values)) = &acr_claim {
        let wanted = vectors(values);
        if !wanted.is_empty() {
            return Ok(wanted);
        }
    }
    Ok(default.to_vec())
}
