//! The authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1).
//!
//! [`validate`] runs the checks in a fixed order. The order decides the
//! channel: until the client and the redirect URI are verified, a failure
//! can only be shown as an error page; after that, a [`RedirectTarget`]
//! exists and every failure is redirected to the client.

mod checks;
pub mod params;
pub mod redirect_uri;
pub mod request_object;

use crate::Occurrence;
use crate::catalogue::{
    CLIENT_DEACTIVATED, CLIENT_ID_MISSING, CLIENT_ID_UNKNOWN, REPEATED_PARAMETER,
};
use crate::client::ClientRecord;
use crate::error::render::{RedirectTarget, ResponseMode};
use crate::request::Validated;
pub use crate::request::{AuthorizeRequest, CodeChallengeMethod, Prompt};
pub use checks::STANDARD_SCOPES;
/// The scope rules of /authorize, for the endpoints that take a scope for
/// a later sign-in (`/device_authorization`).
pub use checks::scope as check_scope;
pub use params::RawParams;

/// How strict /authorize is (the `policy.*` settings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub require_state: bool,
    pub min_parameter_length: usize,
    /// PKCE for every client, not only public ones.
    pub require_pkce_all: bool,
    pub allow_plain_pkce: bool,
    /// The vectors a request without `vtr` (or usable `acr_values`) asks
    /// for (`vtr.default`); empty means `Cl`.
    pub vtr_default: Vec<crate::vtr::Vector>,
    /// `profile = "fapi2"`: the FAPI 2.0 Security Profile holds for every
    /// client ([`crate::fapi2`]); a client may also ask for it alone.
    pub fapi2: bool,
}

/// Why a request was refused, and where the answer goes.
#[derive(Debug)]
pub struct Rejection {
    pub occ: Occurrence,
    /// `None`: the client or redirect URI could not be trusted; show a page.
    pub target: Option<RedirectTarget>,
}

impl Rejection {
    fn page(occ: Occurrence) -> Self {
        Rejection { occ, target: None }
    }
}

/// The `client_id` to look up (the caller fetches the client, then calls
/// [`validate`]). A repeated `client_id` is refused here, on the page.
pub fn client_id(raw: &RawParams) -> Result<&str, Rejection> {
    match raw.single("client_id") {
        Err(params::Repeated) => Err(Rejection::page(REPEATED_PARAMETER.with_detail("client_id"))),
        Ok(None) => Err(Rejection::page(CLIENT_ID_MISSING.occur())),
        Ok(Some(id)) => Ok(id),
    }
}

/// Where an error goes when the request could not be read as a whole: a
/// request object or `request_uri` that failed (RFC 9101 §6.3, OIDC Core
/// §6.3), or a server too busy to read it. `outer` is the query as sent;
/// `object` the parameters of a request object whose signature verified.
///
/// The redirect URI is the object's when it is registered for `client`,
/// else the outer one when it is (either may be left out when the client
/// registered exactly one). `state` and `response_mode` are the verified
/// object's, else the outer ones. Only a URI registered for the client the
/// outer `client_id` names is ever used; `None`: show the page. A JWT
/// response is signed as [`validate`] would sign it under `policy`.
pub fn error_target(
    outer: &RawParams,
    object: Option<&RawParams>,
    client: &ClientRecord,
    policy: &Policy,
) -> Option<RedirectTarget> {
    if client_id(outer).ok() != Some(client.client_id.as_str()) {
        return None;
    }
    let registered = |raw: &RawParams| {
        let requested = raw.single("redirect_uri").ok()?;
        redirect_uri::choose(requested, &client.metadata).ok()
    };
    let uri = object.and_then(registered).or_else(|| registered(outer))?;
    let says = object.unwrap_or(outer);
    let text = |name: &str| says.single(name).ok().flatten();
    let mode = text("response_mode")
        .and_then(ResponseMode::parse)
        .unwrap_or(ResponseMode::Query);
    Some(
        RedirectTarget::verified(uri, mode, text("state").map(str::to_string)).for_client(
            &client.client_id,
            crate::fapi2::authorization_signing_alg(&client.metadata, policy.fapi2),
        ),
    )
}

/// Validate an authorization request for `client` (the record found for
/// [`client_id`], or `None` when there is none). `resources` are the
/// records the store holds for the request's `resource` values
/// ([`crate::resource::load`] of [`crate::resource::named`]).
pub fn validate(
    raw: &RawParams,
    client: Option<&ClientRecord>,
    policy: &Policy,
    resources: &[crate::resource_record::ResourceRecord],
) -> Result<AuthorizeRequest, Rejection> {
    let id = client_id(raw)?;
    let client = client
        .ok_or_else(|| Rejection::page(CLIENT_ID_UNKNOWN.with_detail(format!("client_id {id}"))))?;
    let requested_uri = raw.single("redirect_uri").map_err(|params::Repeated| {
        Rejection::page(REPEATED_PARAMETER.with_detail("redirect_uri"))
    })?;
    let redirect_uri =
        redirect_uri::choose(requested_uri, &client.metadata).map_err(Rejection::page)?;

    // From here on the client and the redirect URI are trusted: errors are
    // redirected, with state echoed (if state itself is readable).
    let state = raw.single("state").ok().flatten().map(str::to_string);
    let mode_param = raw.single("response_mode").ok().flatten();
    let mode = mode_param
        .and_then(ResponseMode::parse)
        .unwrap_or(ResponseMode::Query);
    let fapi2 = crate::fapi2::applies(policy.fapi2, &client.metadata);
    let jarm_alg = crate::fapi2::authorization_signing_alg(&client.metadata, policy.fapi2);
    let target = RedirectTarget::verified(redirect_uri.clone(), mode, state.clone())
        .for_client(&client.client_id, jarm_alg);
    let redirect = |occ: Occurrence| Rejection {
        occ,
        target: Some(target.clone()),
    };

    if !client.active {
        return Err(redirect(
            CLIENT_DEACTIVATED.with_detail(format!("client_id {id}")),
        ));
    }
    if let Some(name) = raw.first_repeated() {
        return Err(redirect(REPEATED_PARAMETER.with_detail(name.to_string())));
    }
    let get = |name: &str| raw.single(name).ok().flatten();
    checks::request_objects(get("request"), get("request_uri"), get("registration"))
        .map_err(redirect)?;
    checks::response_type(get("response_type"), client).map_err(redirect)?;
    let response_mode = checks::response_mode(mode_param).map_err(redirect)?;
    let scopes = checks::scope(get("scope"), client).map_err(redirect)?;
    if fapi2 {
        crate::fapi2::check_request(
            requested_uri,
            get("code_challenge"),
            get("code_challenge_method"),
        )
        .map_err(redirect)?;
    }
    let pkce = checks::pkce(
        get("code_challenge"),
        get("code_challenge_method"),
        client,
        policy,
    )
    .map_err(redirect)?;
    checks::state_and_nonce(state.as_deref(), get("nonce"), policy).map_err(redirect)?;
    let prompt = checks::prompt(get("prompt")).map_err(redirect)?;
    let max_age = checks::max_age(get("max_age"), client).map_err(redirect)?;
    let claims = checks::claims(get("claims")).map_err(redirect)?;
    let vtr = checks::vtr(
        get("vtr"),
        get("acr_values"),
        claims.as_ref(),
        &policy.vtr_default,
    )
    .map_err(redirect)?;
    let resources = crate::resource::check_named(
        &crate::resource::named(raw),
        resources,
        &client.client_id,
        &scopes,
    )
    .map_err(redirect)?;
    let dpop_jkt = match get("dpop_jkt") {
        Some(jkt) if !crate::dpop::is_jkt(jkt) => {
            return Err(redirect(crate::catalogue::DPOP_JKT_MALFORMED.occur()));
        }
        jkt => jkt.map(str::to_string),
    };

    Ok(AuthorizeRequest::validated(Validated {
        client_id: client.client_id.clone(),
        redirect_uri,
        redirect_uri_sent: requested_uri.is_some(),
        response_mode,
        response_alg: response_mode.is_jwt().then(|| jarm_alg.to_string()),
        scopes,
        state,
        nonce: get("nonce").map(str::to_string),
        pkce,
        prompt,
        max_age,
        login_hint: get("login_hint").map(str::to_string),
        id_token_hint: get("id_token_hint").map(str::to_string),
        ui_locales: get("ui_locales").map(str::to_string),
        acr_values: get("acr_values").map(str::to_string),
        vtr,
        claims,
        dpop_jkt,
        resources,
    }))
}

/// What is checked again when a request validated earlier is used (a
/// pushed request, RFC 9126): the client it was validated for must still
/// be active, else the refusal is redirected to the client as [`validate`]
/// would. Everything else stands as validated, against the client as it
/// was then.
pub fn still_usable(req: &AuthorizeRequest, client: &ClientRecord) -> Result<(), Rejection> {
    if !client.active {
        return Err(Rejection {
            occ: CLIENT_DEACTIVATED.with_detail(format!("client_id {}", client.client_id)),
            target: Some(req.target()),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
