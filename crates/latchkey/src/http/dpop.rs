//! DPoP over HTTP (RFC 9449): the `DPoP` request header, the proof check
//! with this server's URL and nonce policy, and the `DPoP-Nonce` header of
//! answers. The checks themselves are `latchkey_core::dpop`.

use super::respond::Failure;
use crate::app::App;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use latchkey_core::catalogue::DPOP_PROOF_MALFORMED;
use latchkey_core::dpop::{self, Checked, Expected, Nonces};
use latchkey_core::{ErrorCode, Occurrence};

pub const DPOP: HeaderName = HeaderName::from_static("dpop");
pub const DPOP_NONCE: HeaderName = HeaderName::from_static("dpop-nonce");

/// The proof of a request: `None` without a `DPoP` header; more than one
/// header, or one that is not ASCII, is malformed (RFC 9449 §4.3).
pub fn proof_of(headers: &HeaderMap) -> Result<Option<&str>, Occurrence> {
    let mut values = headers.get_all(DPOP).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(DPOP_PROOF_MALFORMED.with_detail("send exactly one DPoP header"));
    }
    first
        .to_str()
        .map(|s| Some(s.trim()))
        .map_err(|_| DPOP_PROOF_MALFORMED.with_detail("the DPoP header is not ASCII"))
}

/// Check the proof of a request to `path` of this server: every check of
/// RFC 9449 §4.3, the nonce when `dpop.require_nonce` is on, and the jti
/// once across all nodes.
pub async fn check(
    app: &App,
    proof: &str,
    method: &str,
    path: &str,
    access_token: Option<&str>,
) -> Result<Checked, Occurrence> {
    let url = format!("{}{path}", app.config.issuer);
    let expected = Expected {
        method,
        url: &url,
        access_token,
        now: latchkey_core::now_unix(),
    };
    let nonces = app.config.dpop_require_nonce.then_some(Nonces {
        secrets: &app.secrets,
    });
    dpop::check(app.store.as_ref(), proof, &expected, nonces).await
}

/// FAPI 2.0 §5.4.1: under the profile a proof is signed with PS256 or
/// ES256 (RFC 9449 allows more).
pub fn fapi2_alg(checked: &Checked) -> Result<(), Occurrence> {
    let alg = checked.proof.alg.as_str();
    if latchkey_core::fapi2::ALGS.contains(&alg) {
        return Ok(());
    }
    Err(
        latchkey_core::catalogue::FAPI2_DPOP_ALG.with_detail(format!(
            "the DPoP proof is signed with {alg}; use ES256 or PS256"
        )),
    )
}

fn current_nonce(app: &App) -> Option<HeaderValue> {
    HeaderValue::from_str(&dpop::nonce(&app.secrets, latchkey_core::now_unix())).ok()
}

/// A successful answer, with the current nonce when the proof's was the
/// previous one (RFC 9449 §8.2).
pub fn answered(app: &App, mut res: Response, checked: Option<&Checked>) -> Response {
    if checked.is_some_and(|c| c.renew_nonce)
        && let Some(nonce) = current_nonce(app)
    {
        res.headers_mut().insert(DPOP_NONCE, nonce);
    }
    res
}

/// A refusal; a `use_dpop_nonce` one carries the nonce to retry with
/// (RFC 9449 §8, §9). The edge renders it and keeps the header.
pub fn refused(app: &App, failure: Failure) -> Response {
    let wants_nonce = failure.occ.cause.code == ErrorCode::UseDpopNonce;
    let mut res = failure.into_response();
    if wants_nonce && let Some(nonce) = current_nonce(app) {
        res.headers_mut().insert(DPOP_NONCE, nonce);
    }
    res
}
