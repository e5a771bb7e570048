//! `POST /par`: pushed authorization requests (RFC 9126). The client
//! authenticates exactly as at /token, the request (or the request object
//! it carries) is validated as /authorize would, and the validated request
//! is kept under a single-use `request_uri`, stored hashed so every node
//! can redeem it. Errors go back as JSON.

use super::respond::Failure;
use super::token::{authenticate, form, no_store_json};
use crate::app::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::Occurrence;
use latchkey_core::authorize::request_object::{self, ObjectContext, PAR_URN_PREFIX};
use latchkey_core::authorize::{RawParams, validate};
use latchkey_core::catalogue::{DPOP_JKT_MISMATCH, REQUEST_NOT_SUPPORTED, REQUEST_URI_IN_PAR};
use latchkey_core::crypto::random_token;
use latchkey_core::grant::PushedRequest;
use serde_json::json;
use std::sync::Arc;

/// Seconds a pushed request may wait for the browser (RFC 9126 §2.2 asks
/// for a short life; the user is sent to /authorize right away).
pub const PUSHED_TTL: i64 = 90;

/// Client authentication travels with the pushed parameters but is not
/// one of them.
const CLIENT_AUTH_PARAMS: &[&str] = &[
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
];

pub async fn par(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    match push(&app, &headers, &body).await {
        Ok(res) => Ok(res),
        Err(failure) => Ok(super::dpop::refused(&app, failure)),
    }
}

async fn push(app: &App, headers: &HeaderMap, body: &Bytes) -> Result<Response, Failure> {
    let params = form(headers, body)?;
    let client = authenticate(app, headers, &params, "/par").await?;
    let fail = |occ: Occurrence| Failure::json(occ.client(client.client_id.clone()));
    let one = |name: &str| params.single(name).ok().flatten();
    let fapi2 = latchkey_core::fapi2::applies(app.config.fapi2, &client.metadata);
    latchkey_core::fapi2::check_client(&client.metadata, app.config.fapi2).map_err(fail)?;
    if one("request_uri").is_some() {
        return Err(fail(REQUEST_URI_IN_PAR.occur()));
    }
    if fapi2 && let Some(jwt) = one("request") {
        latchkey_core::fapi2::check_request_object_alg(jwt).map_err(fail)?;
    }
    let pushed: Vec<(String, String)> = match one("request") {
        Some(_) if !app.config.request_objects => {
            return Err(fail(REQUEST_NOT_SUPPORTED.with_detail(
                "request objects are not enabled on this server; push the parameters themselves",
            )));
        }
        Some(jwt) => {
            let ctx = ObjectContext {
                issuer: &app.config.issuer,
                now: latchkey_core::now_unix(),
                jwks: Some(&app.fetcher),
            };
            request_object::verify(jwt, &client, &ctx)
                .await
                .map_err(fail)?
        }
        None => params
            .pairs()
            .iter()
            .filter(|(k, _)| !CLIENT_AUTH_PARAMS.contains(&k.as_str()))
            .cloned()
            .collect(),
    };
    let pushed = request_object::with_client_id(&client.client_id, pushed);
    // The same checks as /authorize, answered here as JSON. What passes is
    // kept and used as validated here.
    let pushed = RawParams::from_pairs(pushed);
    let resources = super::authorize::registered_resources(app, &pushed)
        .await
        .map_err(fail)?;
    let mut request = validate(&pushed, Some(&client), &app.config.policy, &resources)
        .map_err(|r| fail(r.occ))?;
    // RFC 9449 §10.1: a proof sent with the pushed request binds its code
    // to the proof's key, as dpop_jkt would; both must then agree.
    if let Some(proof) = super::dpop::proof_of(headers).map_err(fail)? {
        let checked = super::dpop::check(app, proof, "POST", "/par", None)
            .await
            .map_err(fail)?;
        if fapi2 {
            super::dpop::fapi2_alg(&checked).map_err(fail)?;
        }
        match request.dpop_jkt() {
            Some(jkt) if jkt != checked.proof.jkt => {
                return Err(fail(DPOP_JKT_MISMATCH.occur()));
            }
            _ => request.bind_dpop_key(checked.proof.jkt),
        }
    }

    let request_uri = format!(
        "{PAR_URN_PREFIX}{}",
        random_token().map_err(|e| fail(e.into()))?
    );
    let now = latchkey_core::now_unix();
    app.store
        .insert_pushed_request(&PushedRequest {
            uri_hash: app.secrets.hash(&request_uri),
            client_id: client.client_id.clone(),
            request,
            created_at: now,
            expires_at: now + PUSHED_TTL,
        })
        .await
        .map_err(|e| fail(e.into()))?;
    let mut res = no_store_json(json!({
        "request_uri": request_uri,
        "expires_in": PUSHED_TTL,
    }));
    *res.status_mut() = StatusCode::CREATED;
    Ok(super::cors::answered(res, &client.client_id))
}
