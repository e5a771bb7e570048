//! `GET`/`POST /userinfo` (OIDC Core §5.3, RFC 6750 §2): the bearer token
//! from the Authorization header or the form body, never both.

use super::respond::{Channel, Failure};
use super::token::no_store_json;
use crate::app::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::Occurrence;
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{
    AUTHORIZATION_HEADER_MALFORMED, REPEATED_PARAMETER, SCOPE_NOT_GRANTED, TOKEN_IN_TWO_PLACES,
};
use latchkey_core::error::render;
use std::sync::Arc;

fn bearer(occ: Occurrence) -> Failure {
    let scope = occ.is(&SCOPE_NOT_GRANTED).then(|| "openid".to_string());
    Failure {
        occ,
        channel: Channel::Bearer { scope },
    }
}

/// RFC 6750 §3.1: a request with no credentials at all gets the bare
/// challenge, with no error attribute.
fn challenge(app: &App) -> Response {
    let value = render::bearer_challenge(&app.config.issuer, None, None, app.render_ctx());
    let mut res = StatusCode::UNAUTHORIZED.into_response();
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The token the request carries, if any.
fn token_of(method: &Method, headers: &HeaderMap, body: &Bytes) -> Result<Option<String>, Failure> {
    let from_header = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(v) => {
            let text = v.to_str().unwrap_or("");
            match text.split_once(' ') {
                Some((scheme, token))
                    if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
                {
                    Some(token.trim().to_string())
                }
                _ => {
                    return Err(bearer(
                        AUTHORIZATION_HEADER_MALFORMED
                            .with_detail("expected Bearer followed by the access token"),
                    ));
                }
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
        (h, b) => Ok(h.or(b)),
    }
}

pub async fn userinfo(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let Some(token) = token_of(&method, &headers, &body)? else {
        return Ok(challenge(&app));
    };
    let keys = app.keys();
    let claims = latchkey_core::token::userinfo::userinfo(
        app.store.as_ref(),
        &keys,
        &app.config.issuer,
        &token,
        latchkey_core::now_unix(),
    )
    .await
    .map_err(bearer)?;
    Ok(no_store_json(claims))
}
