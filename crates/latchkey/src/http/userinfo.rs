//! `GET`/`POST /userinfo` (OIDC Core §5.3, RFC 6750 §2, RFC 9449 §7): the
//! access token from the Authorization header (`Bearer`, or `DPoP` with a
//! proof of the token's key) or the form body, never two of them; and, as
//! a resource may (RFC 9470), what the caller asks of the user's sign-in.

use super::respond::{Channel, Failure};
use super::token::no_store_json;
use crate::app::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use latchkey_core::Occurrence;
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{
    AUTHORIZATION_HEADER_MALFORMED, DPOP_BOUND_TOKEN_AS_BEARER, DPOP_PROOF_MISSING,
    REPEATED_PARAMETER, SCOPE_NOT_GRANTED, STEP_UP_DEMAND_MALFORMED, TOKEN_IN_TWO_PLACES,
    TOKEN_MISSING,
};
use latchkey_core::token::step_up::Demand;
use latchkey_core::token::userinfo::Asked;
use std::sync::Arc;

/// How the token came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    /// `Authorization: Bearer`, or the form body.
    Bearer,
    /// `Authorization: DPoP`.
    Dpop,
}

/// The refusal on the channel the request asks for: a DPoP challenge for
/// a DPoP request, for one without credentials (next to the Bearer one)
/// and for a bound token sent as a bearer token; else a Bearer challenge.
fn refusal(occ: Occurrence, scheme: Option<Scheme>) -> Failure {
    let scope = occ.is(&SCOPE_NOT_GRANTED).then(|| "openid".to_string());
    let dpop = scheme == Some(Scheme::Dpop)
        || occ.is(&TOKEN_MISSING)
        || occ.is(&DPOP_BOUND_TOKEN_AS_BEARER);
    Failure {
        occ,
        channel: if dpop {
            Channel::Dpop { scope }
        } else {
            Channel::Bearer { scope }
        },
    }
}

/// The token the request carries and how; `token_missing` when it carries
/// none. An Authorization header of another scheme (Basic, say) carries no
/// credentials for this resource (RFC 6750 §3.1): it is answered like no
/// header, with the bare challenges.
fn token_of(
    method: &Method,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(String, Scheme), Failure> {
    let mut other_scheme = false;
    let from_header = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(v) => {
            let raw = v.as_bytes();
            let mut parts = raw.splitn(2, |&b| b == b' ');
            let scheme = parts.next().unwrap_or_default();
            let rest = parts.next().unwrap_or_default();
            let scheme = if scheme.eq_ignore_ascii_case(b"bearer") {
                Some(Scheme::Bearer)
            } else if scheme.eq_ignore_ascii_case(b"dpop") {
                Some(Scheme::Dpop)
            } else {
                None
            };
            match scheme {
                Some(scheme) => {
                    let token = std::str::from_utf8(rest)
                        .map(str::trim)
                        .ok()
                        .filter(|t| !t.is_empty());
                    let Some(token) = token else {
                        let name = if scheme == Scheme::Dpop {
                            "DPoP"
                        } else {
                            "Bearer"
                        };
                        return Err(refusal(
                            AUTHORIZATION_HEADER_MALFORMED.with_detail(format!(
                                "expected {name} followed by the access token"
                            )),
                            Some(scheme),
                        ));
                    };
                    Some((token.to_string(), scheme))
                }
                None => {
                    other_scheme = true;
                    None
                }
            }
        }
    };
    let from_body = if *method == Method::POST && super::is_form(headers) {
        let params = RawParams::parse(&String::from_utf8_lossy(body));
        params
            .single("access_token")
            .map_err(|_| refusal(REPEATED_PARAMETER.with_detail("access_token"), None))?
            .map(str::to_string)
    } else {
        None
    };
    match (from_header, from_body) {
        (Some((_, scheme)), Some(_)) => Err(refusal(
            TOKEN_IN_TWO_PLACES.with_detail("send the token in the Authorization header only"),
            Some(scheme),
        )),
        (Some(found), None) => Ok(found),
        (None, Some(token)) => Ok((token, Scheme::Bearer)),
        (None, None) if other_scheme => Err(refusal(
            TOKEN_MISSING
                .with_detail("the Authorization header does not use the Bearer scheme, nor DPoP"),
            None,
        )),
        (None, None) => Err(refusal(TOKEN_MISSING.occur(), None)),
    }
}

/// What the caller asks of the user's sign-in (RFC 9470): `acr_values`
/// and `max_age` in the query, or in a form body.
fn demand_of(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Demand, Occurrence> {
    let query = RawParams::parse(uri.query().unwrap_or(""));
    let form = (*method == Method::POST && super::is_form(headers))
        .then(|| RawParams::parse(&String::from_utf8_lossy(body)));
    let one = |name: &'static str| -> Result<Option<String>, Occurrence> {
        let mut found = None;
        for params in std::iter::once(&query).chain(form.as_ref()) {
            let twice = || STEP_UP_DEMAND_MALFORMED.with_detail(format!("{name} is sent twice"));
            match params.single(name) {
                Ok(Some(_)) if found.is_some() => return Err(twice()),
                Ok(Some(v)) => found = Some(v.to_string()),
                Ok(None) => {}
                Err(_) => return Err(twice()),
            }
        }
        Ok(found)
    };
    Demand::read(one("acr_values")?.as_deref(), one("max_age")?.as_deref())
}

pub async fn userinfo(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    match answer(&app, &method, &uri, &headers, &body).await {
        Ok(res) => Ok(res),
        Err(failure) => Ok(super::dpop::refused(&app, failure)),
    }
}

async fn answer(
    app: &App,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, Failure> {
    let (token, scheme) = token_of(method, headers, body)?;
    let fail = |occ: Occurrence| refusal(occ, Some(scheme));
    let demand = demand_of(method, uri, headers, body).map_err(fail)?;
    // RFC 9449 §7.1: the DPoP scheme needs a proof for this request and
    // this token; a proof sent with a bearer token is not looked at.
    let checked = match scheme {
        Scheme::Bearer => None,
        Scheme::Dpop => {
            let Some(proof) = super::dpop::proof_of(headers).map_err(fail)? else {
                return Err(fail(
                    DPOP_PROOF_MISSING
                        .with_detail("the DPoP scheme needs a DPoP header with a proof"),
                ));
            };
            Some(
                super::dpop::check(app, proof, method.as_str(), "/userinfo", Some(&token))
                    .await
                    .map_err(fail)?,
            )
        }
    };
    // FAPI 2.0 §5.4.1: under the profile for every client a proof is
    // PS256 or ES256; a client's own profile is checked once the token
    // names it (below).
    if app.config.fapi2
        && let Some(c) = &checked
    {
        super::dpop::fapi2_alg(c).map_err(fail)?;
    }
    let keys = app.keys();
    let (claims, client_id) = latchkey_core::token::userinfo::answer(
        app.store.as_ref(),
        &keys,
        &app.secrets,
        &app.config.issuer,
        &Asked {
            token: &token,
            dpop_jkt: checked.as_ref().map(|c| c.proof.jkt.as_str()),
            demand: &demand,
        },
        latchkey_core::now_unix(),
    )
    .await
    .map_err(fail)?;
    if let Some(c) = &checked
        && let Err(occ) = super::dpop::fapi2_alg(c)
    {
        let client = app
            .store
            .get_client(&client_id)
            .await
            .map_err(|e| fail(e.into()))?;
        if client.is_some_and(|c| latchkey_core::fapi2::applies(false, &c.metadata)) {
            return Err(fail(occ.client(client_id)));
        }
    }
    let res = super::dpop::answered(app, no_store_json(claims), checked.as_ref());
    Ok(super::cors::answered(res, &client_id))
}
