//! `POST /device_authorization` (RFC 8628 §3.1, §3.2): a device asks for
//! a device code to poll /token with and a user code for the user to type
//! at `/device`. The client authenticates exactly as at /token (a public
//! client names itself with client_id), must be registered for the device
//! grant, and may ask for the scopes and resources (RFC 8707) /authorize
//! would allow it. Both codes
//! are kept hashed; errors go back as JSON.

use super::respond::Failure;
use super::token::{authenticate, form, no_store_json};
use crate::app::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use latchkey_core::Occurrence;
use latchkey_core::catalogue::DEVICE_GRANT_NOT_ALLOWED;
use latchkey_core::crypto::random_token;
use latchkey_core::device::{self, DeviceGrant, DeviceState};
use latchkey_core::store::StoreError;
use serde_json::json;
use std::sync::Arc;

/// User codes drawn before giving up when each is already taken (about
/// 34 bits each: a second draw is already rare).
const USER_CODE_DRAWS: usize = 5;

pub async fn device_authorization(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let params = form(&headers, &body)?;
    let client = authenticate(&app, &headers, &params, "/device_authorization").await?;
    let fail = |occ: Occurrence| Failure::json(occ.client(client.client_id.clone()));
    if !client
        .metadata
        .grant_types
        .iter()
        .any(|g| g == device::GRANT_TYPE)
    {
        return Err(fail(DEVICE_GRANT_NOT_ALLOWED.with_detail(format!(
            "add {} to the client's grant_types",
            device::GRANT_TYPE
        ))));
    }
    let scope = params.single("scope").map_err(|_| {
        fail(latchkey_core::catalogue::REPEATED_PARAMETER.with_detail("scope".to_string()))
    })?;
    // The same rules as /authorize: the client's registered scopes (or the
    // OpenID ones), openid unless it is a plain OAuth client.
    let scope = latchkey_core::authorize::check_scope(scope, &client)
        .map_err(fail)?
        .to_string();
    // Resource indicators (RFC 8707 §2) as at /authorize: registered APIs
    // this client may ask for, each accepting a scope asked for.
    let named = latchkey_core::resource::named(&params);
    let known = latchkey_core::resource::load(app.store.as_ref(), &named)
        .await
        .map_err(|e| fail(e.into()))?;
    let resources = latchkey_core::resource::check_named(
        &named,
        &known,
        &client.client_id,
        &latchkey_core::scope::Scope::split(&scope),
    )
    .map_err(fail)?;

    let now = latchkey_core::now_unix();
    let ttl = app.config.device_code_ttl;
    let interval = app.config.device_interval;
    let device_code = random_token().map_err(|e| fail(e.into()))?;
    let mut grant = DeviceGrant {
        device_code_hash: app.secrets.hash(&device_code),
        user_code_hash: String::new(),
        client_id: client.client_id.clone(),
        scope,
        created_at: now,
        expires_at: now + ttl,
        interval,
        last_polled_at: None,
        state: DeviceState::Pending,
        resources,
    };
    let mut draws = 0;
    let user_code = loop {
        let user_code = device::new_user_code().map_err(|e| fail(e.into()))?;
        // Drawn in its normalized form: the hash `/device` looks it up by.
        grant.user_code_hash = app.secrets.hash(&user_code);
        match app.store.insert_device_grant(&grant).await {
            Ok(()) => break user_code,
            Err(StoreError::Conflict(_)) if draws + 1 < USER_CODE_DRAWS => draws += 1,
            Err(e) => return Err(fail(e.into())),
        }
    };
    tracing::info!(
        client_id = client.client_id.as_str(),
        scope = %grant.scope,
        "device authorization started"
    );
    let issuer = &app.config.issuer;
    Ok(no_store_json(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": format!("{issuer}/device"),
        "verification_uri_complete": format!("{issuer}/device?user_code={user_code}"),
        "expires_in": ttl,
        "interval": interval,
    })))
}
