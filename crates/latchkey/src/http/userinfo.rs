//! `GET`/`POST /userinfo` (OIDC Core §5.3, RFC 6750 §2): the bearer token
//! from the Authorization header or the form body, never both.

use super::respond::{Channel, Failure};
use super::token::no_store_json;
use crate::app::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, header};
use axum::response::Response;
use latchkey_core::Occurrence;
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{
    AUTHORIZATION_HEADER_MALFORMED, REPEATED_PARAMETER, SCOPE_NOT_GRANTED, TOKEN_IN_TWO_PLACES,
    TOKEN_MISSING,
};
use std::sync::Arc;

fn bearer(occ: Occurrence) -> Failure {
    let scope = occ.is(&SCOPE_NOT_GRANTED).then(|| "openid".to_string());
    Failure {
        occ,
        channel: Channel::Bearer { scope },
    }
}

/// The token the request carries; `token_missing` when it carries none. An
/// Authorization header of another scheme (Basic, say) carries no
/// credentials for this resource (RFC 6750 §3.1): it is answered like no
/// header, with the bare challenge.
fn token_of(method: &Method, headers: &HeaderMap, body: &Bytes) -> Result<String, Failure> {
    let mut other_scheme = false;
    let from_header = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(v) => {
            let raw = v.as_bytes();
            let mut parts = raw.splitn(2, |&b| b == b' ');
            let scheme = parts.next().unwrap_or_default();
            let rest = parts.next().unwrap_or_default();
            if scheme.eq_ignore_ascii_case(b"bearer") {
                let token = std::str::from_utf8(rest)
                    .map(str::trim)
                    .ok()
                    .filter(|t| !t.is_empty());
                let Some(token) = token else {
                    return Err(bearer(
                        AUTHORIZATION_HEADER_MALFORMED
                            .with_detail("expected Bearer followed by the access token"),
                    ));
                };
                Some(token.to_string())
            } else {
                other_scheme = true;
                None
            }
        }
    };
    let from_body = if *method == Method::POST && super::is_form(headers) {
        let params = RawParams::parse(&String::from_utf8_lossy(body));
        params
            .single("access_token")
            .map_err(|_| bearer(REPEATED_PARAMETER.with_detail("access_token")))?
            .map(str::to_string)
    } else {
        None
    };
    match (from_header, from_body) {
        (Some(_), Some(_)) => Err(bearer(
            TOKEN_IN_TWO_PLACES.with_detail("send the token in the Authorization header only"),
        )),
        (Some(token), None) | (None, Some(token)) => Ok(token),
        (None, None) if other_scheme => Err(bearer(
            TOKEN_MISSING.with_detail("the Authorization header does not use the Bearer scheme"),
        )),
        (None, None) => Err(bearer(TOKEN_MISSING.occur())),
    }
}

pub async fn userinfo(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let token = token_of(&method, &headers, &body)?;
    let keys = app.keys();
    let (claims, client_id) = latchkey_core::token::userinfo::answer(
        app.store.as_ref(),
        &keys,
        &app.secrets,
        &app.config.issuer,
        &token,
        latchkey_core::now_unix(),
    )
    .await
    .map_err(bearer)?;
    Ok(super::cors::answered(no_store_json(claims), &client_id))
}
