//! What Latchkey registers for itself: the console's client
//! (`latchkey-console`, a public client of this server that signs
//! administrators in to `/admin`) and the admin API as a resource
//! (`{issuer}/admin`, accepting the scopes `admin` and `admin:read`, for
//! the console's client only). Both are written at start-up (and put back
//! as they should be when they differ), are not listed, and cannot be
//! changed or deleted through the admin API or the command line.

use latchkey_core::Occurrence;
use latchkey_core::catalogue::BUILT_IN_READ_ONLY;
use latchkey_core::client::{ClientMetadata, ClientRecord};
use latchkey_core::resource_record::ResourceRecord;
use latchkey_core::store::{Store, StoreError};
use latchkey_core::user::{ADMIN_READ_SCOPE, ADMIN_SCOPE, CONSOLE_CLIENT_ID};
use serde_json::json;

/// The console's redirect URI.
pub fn console_redirect_uri(issuer: &str) -> String {
    format!("{issuer}/admin/callback")
}

/// The admin API's resource identifier (the `aud` of its access tokens).
pub fn admin_resource(issuer: &str) -> String {
    format!("{issuer}/admin")
}

/// The scope the console asks for: the grant keeps only what the
/// person's role allows.
pub fn console_scope() -> String {
    format!("openid {ADMIN_READ_SCOPE} {ADMIN_SCOPE}")
}

fn console_metadata(issuer: &str) -> Result<ClientMetadata, Occurrence> {
    ClientMetadata::from_json(&json!({
        "client_name": "Latchkey console",
        "redirect_uris": [console_redirect_uri(issuer)],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        "scope": format!("openid profile email {ADMIN_READ_SCOPE} {ADMIN_SCOPE}"),
        "skip_consent": true,
        "allowed_cors_origins": [],
    }))
}

fn admin_resource_record(issuer: &str, now: i64) -> ResourceRecord {
    ResourceRecord {
        identifier: admin_resource(issuer),
        name: "Latchkey admin API".into(),
        scopes: vec![ADMIN_SCOPE.into(), ADMIN_READ_SCOPE.into()],
        allowed_clients: vec![CONSOLE_CLIENT_ID.into()],
        created_at: now,
        updated_at: now,
    }
}

/// Write the console's client and the admin resource when they are
/// missing or differ from what they should be (another node starting at
/// the same moment may win the insert; that is fine).
pub async fn ensure(store: &dyn Store, issuer: &str) -> Result<(), Occurrence> {
    let now = latchkey_core::now_unix();
    let metadata = console_metadata(issuer)?;
    match store.get_client(CONSOLE_CLIENT_ID).await? {
        Some(c) if c.metadata == metadata && c.active && c.secret_hash.is_none() => {}
        Some(mut c) => {
            c.metadata = metadata;
            c.active = true;
            c.secret_hash = None;
            c.previous_secret = None;
            c.updated_at = now;
            store.update_client(&c).await?;
        }
        None => {
            let record = ClientRecord {
                client_id: CONSOLE_CLIENT_ID.into(),
                secret_hash: None,
                previous_secret: None,
                active: true,
                metadata,
                created_at: now,
                updated_at: now,
            };
            match store.create_client_with(&record, None, None).await {
                Ok(()) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let wanted = admin_resource_record(issuer, now);
    match store.get_resource(&wanted.identifier).await? {
        Some(r) if r.scopes == wanted.scopes && r.allowed_clients == wanted.allowed_clients => {}
        Some(mut r) => {
            r.scopes = wanted.scopes;
            r.allowed_clients = wanted.allowed_clients;
            r.updated_at = now;
            store.update_resource(&r).await?;
        }
        None => match store.create_resource(&wanted).await {
            Ok(()) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        },
    }
    Ok(())
}

/// Refuse a change to the console's client.
pub fn guard_client(client_id: &str) -> Result<(), Occurrence> {
    if client_id == CONSOLE_CLIENT_ID {
        return Err(BUILT_IN_READ_ONLY.with_detail(format!(
            "client {CONSOLE_CLIENT_ID} is the console's own and cannot be changed or deleted"
        )));
    }
    Ok(())
}

/// Whether a resource is the admin API's: for the console only, with
/// the admin scopes, at `{issuer}/admin` (the command line may run with
/// another issuer than the server's, so the record tells, not the name).
fn is_admin_resource(identifier: &str, scopes: &[&str], allowed_clients: &[&str]) -> bool {
    identifier.ends_with("/admin")
        && allowed_clients == [CONSOLE_CLIENT_ID]
        && scopes == [ADMIN_SCOPE, ADMIN_READ_SCOPE]
}

/// Refuse a change to the admin resource.
pub async fn guard_resource(store: &dyn Store, identifier: &str) -> Result<(), Occurrence> {
    let Some(r) = store.get_resource(identifier).await? else {
        return Ok(());
    };
    let scopes: Vec<&str> = r.scopes.iter().map(String::as_str).collect();
    let clients: Vec<&str> = r.allowed_clients.iter().map(String::as_str).collect();
    if is_admin_resource(&r.identifier, &scopes, &clients) {
        return Err(BUILT_IN_READ_ONLY.with_detail(format!(
            "resource {identifier} is the admin API and cannot be changed or deleted"
        )));
    }
    Ok(())
}

/// A listing (of clients or resources) without the built-in ones, which
/// are shown by their own address only.
pub fn without_built_ins(list: serde_json::Value) -> serde_json::Value {
    match list {
        serde_json::Value::Array(items) => serde_json::Value::Array(
            items
                .into_iter()
                .filter(|i| !is_listed_built_in(i))
                .collect(),
        ),
        other => other,
    }
}

/// Whether a listed JSON item (a client or a resource) is built in, so
/// lists leave it out.
pub fn is_listed_built_in(item: &serde_json::Value) -> bool {
    let strings = |name: &str| -> Vec<&str> {
        item.get(name)
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default()
    };
    if item.get("client_id").and_then(|v| v.as_str()) == Some(CONSOLE_CLIENT_ID) {
        return true;
    }
    let scopes: Vec<&str> = item
        .get("scope")
        .and_then(|v| v.as_str())
        .map(|s| s.split(' ').collect())
        .unwrap_or_else(|| strings("scopes"));
    match item.get("resource").and_then(|v| v.as_str()) {
        Some(id) => is_admin_resource(id, &scopes, &strings("allowed_clients")),
        None => false,
    }
}
