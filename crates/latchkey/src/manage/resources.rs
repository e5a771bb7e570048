//! Resources (RFC 8707): register, show, list, update, delete. The APIs
//! clients may name in `resource` to get access tokens for them.
//!
//! The JSON of a resource: `resource` (its identifier, an absolute URI
//! without a fragment, compared exactly), `name` (shown on the consent
//! page), `scope` (the scopes it accepts, space separated),
//! `allowed_clients` (client ids; empty allows every client),
//! `created_at`, `updated_at`.

use latchkey_core::Occurrence;
use latchkey_core::catalogue::{INVALID_RESOURCE_ATTRIBUTES, RESOURCE_EXISTS, RESOURCE_NOT_FOUND};
use latchkey_core::resource_record::{ResourceRecord, check_identifier};
use latchkey_core::scope::Scope;
use latchkey_core::store::{Store, StoreError};
use serde_json::{Map, Value};

/// The longest display name accepted.
const NAME_MAX: usize = 200;

/// A resource as the admin API shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Resource)]
pub struct ResourceView {
    /// Its identifier: an absolute URI without a fragment.
    pub resource: String,
    /// Shown on the consent page.
    pub name: String,
    /// The scopes it accepts, space separated (may be empty).
    pub scope: String,
    /// The clients that may name it; empty allows every client.
    pub allowed_clients: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn view(r: &ResourceRecord) -> Value {
    let shown = ResourceView {
        resource: r.identifier.clone(),
        name: r.name.clone(),
        scope: r.scopes.join(" "),
        allowed_clients: r.allowed_clients.clone(),
        created_at: r.created_at,
        updated_at: r.updated_at,
    };
    serde_json::to_value(shown).unwrap_or_default()
}

fn invalid(field: &str, why: impl Into<String>) -> Occurrence {
    let why = why.into();
    INVALID_RESOURCE_ATTRIBUTES
        .with_detail(format!("{field}: {why}"))
        .field(field, why)
}

fn object(body: Value) -> Result<Map<String, Value>, Occurrence> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(INVALID_RESOURCE_ATTRIBUTES.with_detail("send a JSON object")),
    }
}

/// The attributes a body sets, each checked; what it leaves out is `None`.
#[derive(Default)]
struct Attributes {
    resource: Option<String>,
    name: Option<String>,
    scopes: Option<Vec<String>>,
    allowed_clients: Option<Vec<String>>,
}

fn attributes(body: Value) -> Result<Attributes, Occurrence> {
    let mut out = Attributes::default();
    for (key, value) in object(body)? {
        match (key.as_str(), value) {
            // Read-only: an answer may be sent back as it came.
            ("created_at" | "updated_at", _) => {}
            ("resource", Value::String(s)) => {
                check_identifier(&s).map_err(|occ| invalid("resource", occ.description()))?;
                out.resource = Some(s);
            }
            ("name", Value::String(s)) => {
                let trimmed = s.trim();
                if trimmed.is_empty() || trimmed.chars().count() > NAME_MAX {
                    return Err(invalid(
                        "name",
                        format!("must be 1 to {NAME_MAX} characters"),
                    ));
                }
                out.name = Some(trimmed.to_string());
            }
            ("scope", Value::String(s)) => {
                let scopes = if s.is_empty() {
                    Vec::new()
                } else {
                    Scope::parse(&s)
                        .map_err(|e| invalid("scope", e.to_string()))?
                        .iter()
                        .map(str::to_string)
                        .collect()
                };
                out.scopes = Some(scopes);
            }
            ("allowed_clients", Value::Array(items)) => {
                let mut ids: Vec<String> = Vec::new();
                for item in items {
                    match item {
                        Value::String(id) if !id.is_empty() => {
                            if !ids.contains(&id) {
                                ids.push(id);
                            }
                        }
                        _ => {
                            return Err(invalid(
                                "allowed_clients",
                                "must be an array of client ids",
                            ));
                        }
                    }
                }
                out.allowed_clients = Some(ids);
            }
            ("resource" | "name" | "scope", _) => return Err(invalid(&key, "must be a string")),
            ("allowed_clients", _) => {
                return Err(invalid("allowed_clients", "must be an array of client ids"));
            }
            (other, _) => return Err(invalid(other, "is not an attribute of a resource")),
        }
    }
    Ok(out)
}

pub async fn create(store: &dyn Store, body: Value) -> Result<Value, Occurrence> {
    let a = attributes(body)?;
    let Some(identifier) = a.resource else {
        return Err(invalid("resource", "is required"));
    };
    let Some(name) = a.name else {
        return Err(invalid("name", "is required"));
    };
    let now = latchkey_core::now_unix();
    let record = ResourceRecord {
        identifier,
        name,
        scopes: a.scopes.unwrap_or_default(),
        allowed_clients: a.allowed_clients.unwrap_or_default(),
        created_at: now,
        updated_at: now,
    };
    match store.create_resource(&record).await {
        Ok(()) => Ok(view(&record)),
        Err(StoreError::Conflict(_)) => Err(RESOURCE_EXISTS
            .with_detail(format!("resource {}", record.identifier))
            .field("resource", "is registered already")),
        Err(e) => Err(e.into()),
    }
}

pub async fn get(store: &dyn Store, identifier: &str) -> Result<ResourceRecord, Occurrence> {
    if !super::storable(identifier) {
        return Err(RESOURCE_NOT_FOUND.with_detail("the identifier holds a NUL character"));
    }
    store
        .get_resource(identifier)
        .await?
        .ok_or_else(|| RESOURCE_NOT_FOUND.with_detail(format!("resource {identifier}")))
}

pub async fn list(store: &dyn Store) -> Result<Value, Occurrence> {
    let all = store.list_resources().await?;
    Ok(Value::Array(all.iter().map(view).collect()))
}

/// Change the attributes the body names; the identifier stays.
pub async fn update(
    store: &dyn Store,
    identifier: &str,
    patch: Value,
) -> Result<Value, Occurrence> {
    let mut record = get(store, identifier).await?;
    let a = attributes(patch)?;
    if a.resource.as_deref().is_some_and(|r| r != identifier) {
        return Err(invalid(
            "resource",
            "the identifier cannot change; register a new resource and delete this one",
        ));
    }
    if let Some(name) = a.name {
        record.name = name;
    }
    if let Some(scopes) = a.scopes {
        record.scopes = scopes;
    }
    if let Some(clients) = a.allowed_clients {
        record.allowed_clients = clients;
    }
    record.updated_at = latchkey_core::now_unix();
    if !store.update_resource(&record).await? {
        return Err(RESOURCE_NOT_FOUND.with_detail(format!("resource {identifier}")));
    }
    Ok(view(&record))
}

/// Tokens already issued for it stay valid until they expire; grants
/// naming it get no new tokens for it (`resource_unknown`).
pub async fn delete(store: &dyn Store, identifier: &str) -> Result<(), Occurrence> {
    if super::storable(identifier) && store.delete_resource(identifier).await? {
        Ok(())
    } else {
        Err(RESOURCE_NOT_FOUND.with_detail(format!("resource {identifier}")))
    }
}
