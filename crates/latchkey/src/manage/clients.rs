//! Clients: create, show, list, update (partial metadata), delete.

use crate::http::fetch::Fetcher;
use latchkey_core::Occurrence;
use latchkey_core::catalogue::{
    CLIENT_ID_TAKEN, CLIENT_NOT_FOUND, INVALID_CLIENT_METADATA, SECRET_ROTATION_INVALID,
    SECTOR_IDENTIFIER_INVALID,
};
use latchkey_core::client::{
    ClientMetadata, ClientRecord, ServerLimits, Warning, chosen_secret_warning,
};
use latchkey_core::crypto::{Secrets, random_token};
use latchkey_core::store::{Store, StoreError};
use serde_json::{Map, Value, json};

/// The client as the admin API shows it: every metadata field, plus
/// `client_id`, `active`, `client_id_issued_at` (RFC 7591 §3.2.1), the
/// secret only when it was just set, and `previous_secret_expires_at`
/// while a rotated-out secret still works (never the secret or its hash).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Client)]
pub struct ClientView {
    #[serde(flatten)]
    pub metadata: ClientMetadata,
    pub client_id: String,
    /// Whether the client may get tokens; an inactive one is refused
    /// everywhere (`client_inactive`).
    pub active: bool,
    /// When it was created (Unix seconds).
    pub client_id_issued_at: i64,
    /// When it was last changed (Unix seconds).
    pub updated_at: i64,
    /// While a rotated-out secret still works: when it stops (Unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_secret_expires_at: Option<i64>,
    /// The secret, shown only in the answer that set it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// With a new secret: 0, it does not expire (RFC 7591 §3.2.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<i64>,
    /// In the answer to a create or update: what was accepted but
    /// discouraged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
    /// In the answer to a secret rotation: how long the previous secret
    /// keeps working.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grace_seconds: Option<i64>,
    /// In a listing and when shown: when it last got tokens at `/token`
    /// (Unix seconds; noted at most once a minute per node), absent when
    /// it has not since uses were first noted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<i64>,
}

impl ClientView {
    pub fn of(record: &ClientRecord, new_secret: Option<&str>) -> ClientView {
        ClientView {
            metadata: record.metadata.clone(),
            client_id: record.client_id.clone(),
            active: record.active,
            client_id_issued_at: record.created_at,
            updated_at: record.updated_at,
            previous_secret_expires_at: record
                .previous_secret
                .as_ref()
                .map(|p| p.expires_at)
                .filter(|at| *at > latchkey_core::now_unix()),
            client_secret: new_secret.map(str::to_string),
            client_secret_expires_at: new_secret.map(|_| 0),
            warnings: Vec::new(),
            grace_seconds: None,
            last_used_at: None,
        }
    }

    pub fn json(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|_| Value::Object(Map::new()))
    }
}

/// [`ClientView`] as JSON.
pub fn view(record: &ClientRecord, new_secret: Option<&str>) -> Value {
    ClientView::of(record, new_secret).json()
}

/// An answer to a create or update with the metadata's `warnings` (what
/// was accepted but discouraged, e.g. a native app's localhost redirect
/// URI), and the warning about a chosen secret, when there are any.
pub(crate) fn with_warnings(
    mut answer: Value,
    metadata: &ClientMetadata,
    secret_warning: Option<Warning>,
) -> Value {
    let mut warnings = metadata.warnings();
    warnings.extend(secret_warning);
    if let (Value::Object(map), false) = (&mut answer, warnings.is_empty()) {
        map.insert("warnings".into(), json!(warnings));
    }
    answer
}

/// Fields that are not metadata: taken out before metadata is parsed.
struct Extras {
    client_id: Option<String>,
    client_secret: Option<String>,
    active: Option<bool>,
}

fn take_extras(body: &mut Map<String, Value>) -> Result<Extras, Occurrence> {
    let mut string = |name: &str| -> Result<Option<String>, Occurrence> {
        match body.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(INVALID_CLIENT_METADATA
                .with_detail(format!("{name} must be a string"))
                .field(name, "must be a string")),
        }
    };
    let client_id = string("client_id")?;
    let client_secret = string("client_secret")?;
    let active = match body.remove("active") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(b),
        Some(_) => {
            return Err(INVALID_CLIENT_METADATA
                .with_detail("active must be true or false")
                .field("active", "must be true or false"));
        }
    };
    // Read-only fields a client may echo back from a previous answer.
    for ignored in [
        "client_id_issued_at",
        "client_secret_expires_at",
        "previous_secret_expires_at",
        "updated_at",
        "warnings",
    ] {
        body.remove(ignored);
    }
    Ok(Extras {
        client_id,
        client_secret,
        active,
    })
}

fn check_client_id(id: &str) -> Result<(), Occurrence> {
    let ok = !id.is_empty() && id.len() <= 255 && id.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if ok {
        Ok(())
    } else {
        Err(INVALID_CLIENT_METADATA
            .with_detail("client_id must be 1 to 255 visible ASCII characters")
            .field("client_id", "must be 1 to 255 visible ASCII characters"))
    }
}

/// A client's `sector_identifier_uri` (OIDC Core §8.1, OIDC Registration
/// §5) is fetched through the fence when the client is written (created,
/// or its redirect URIs or sector URI changed): it must be a JSON array
/// listing every redirect URI of the client, exactly.
pub async fn check_sector(
    fetcher: &Fetcher,
    metadata: &ClientMetadata,
    before: Option<&ClientMetadata>,
) -> Result<(), Occurrence> {
    let Some(uri) = &metadata.sector_identifier_uri else {
        return Ok(());
    };
    let unchanged = before.is_some_and(|b| {
        b.sector_identifier_uri == metadata.sector_identifier_uri
            && b.redirect_uris == metadata.redirect_uris
    });
    if unchanged {
        return Ok(());
    }
    let invalid = |why: String| {
        SECTOR_IDENTIFIER_INVALID
            .with_detail(why.clone())
            .field("sector_identifier_uri", why)
    };
    let listed = fetcher
        .sector_uris(uri)
        .await
        .map_err(|e| invalid(format!("{uri}: {e}")))?;
    if let Some(missing) = metadata.redirect_uris.iter().find(|r| !listed.contains(r)) {
        return Err(invalid(format!(
            "{uri} does not list the redirect URI {missing}"
        )));
    }
    Ok(())
}

/// Decide the secret: the given one, a generated 256-bit one, or none.
fn secret_for(
    metadata: &ClientMetadata,
    given: Option<String>,
) -> Result<Option<String>, Occurrence> {
    match (metadata.uses_secret(), given) {
        (true, Some(s)) if !s.is_empty() => Ok(Some(s)),
        (true, _) => Ok(Some(random_token()?)),
        (false, None) => Ok(None),
        (false, Some(_)) => Err(INVALID_CLIENT_METADATA
            .with_detail(format!(
                "client_secret is not used with token_endpoint_auth_method {}",
                metadata.token_endpoint_auth_method
            ))
            .field("client_secret", "not used by this authentication method")),
    }
}

pub async fn create(
    store: &dyn Store,
    secrets: &Secrets,
    fetcher: &Fetcher,
    limits: ServerLimits,
    body: Value,
) -> Result<Value, Occurrence> {
    let Value::Object(mut body) = body else {
        return Err(INVALID_CLIENT_METADATA.with_detail("the body must be a JSON object"));
    };
    let extras = take_extras(&mut body)?;
    let body = Value::Object(body);
    let mut metadata = ClientMetadata::from_json(&body)?;
    latchkey_core::fapi2::fill_defaults(&mut metadata, &body, limits.fapi2);
    metadata.validate()?;
    latchkey_core::fapi2::check_metadata(&metadata, limits.fapi2)?;
    metadata.check_limits(limits)?;
    check_sector(fetcher, &metadata, None).await?;
    let client_id = match extras.client_id {
        Some(id) => {
            check_client_id(&id)?;
            id
        }
        None => random_token()?.chars().take(22).collect(),
    };
    let secret_warning = extras
        .client_secret
        .as_deref()
        .and_then(chosen_secret_warning);
    let secret = secret_for(&metadata, extras.client_secret)?;
    let now = latchkey_core::now_unix();
    let record = ClientRecord {
        client_id,
        secret_hash: secret.as_deref().map(|s| secrets.hash(s)),
        previous_secret: None,
        active: extras.active.unwrap_or(true),
        metadata,
        created_at: now,
        updated_at: now,
    };
    let sealed = sealed_jwt_secret(secrets, &record, secret.as_deref())?;
    match store
        .create_client_with(&record, sealed.as_deref(), None)
        .await
    {
        Ok(()) => Ok(with_warnings(
            view(&record, secret.as_deref()),
            &record.metadata,
            secret_warning,
        )),
        Err(StoreError::Conflict(_)) => {
            Err(CLIENT_ID_TAKEN.with_detail(format!("client_id {}", record.client_id)))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn get(store: &dyn Store, client_id: &str) -> Result<ClientRecord, Occurrence> {
    if !super::storable(client_id) {
        return Err(CLIENT_NOT_FOUND.with_detail("the client_id holds a NUL character"));
    }
    store
        .get_client(client_id)
        .await?
        .ok_or_else(|| CLIENT_NOT_FOUND.with_detail(format!("client_id {client_id}")))
}

/// Every client, each with its last use.
pub async fn list(store: &dyn Store) -> Result<Value, Occurrence> {
    listed(store, "").await
}

/// The clients `query` matches (see [`matches`]; every one when empty),
/// as the admin API lists them, each with its last use.
pub async fn listed(store: &dyn Store, query: &str) -> Result<Value, Occurrence> {
    let clients = search(store, query).await?;
    let uses: std::collections::HashMap<String, i64> =
        store.list_client_uses().await?.into_iter().collect();
    Ok(Value::Array(
        clients
            .iter()
            .map(|c| {
                let mut shown = ClientView::of(c, None);
                shown.last_used_at = uses.get(&c.client_id).copied();
                shown.json()
            })
            .collect(),
    ))
}

/// One client as the admin API shows it, with its last use.
pub async fn shown(store: &dyn Store, client_id: &str) -> Result<Value, Occurrence> {
    let client = get(store, client_id).await?;
    let mut shown = ClientView::of(&client, None);
    shown.last_used_at = last_use(store, &client.client_id).await?;
    Ok(shown.json())
}

/// Partial update: top-level fields present in `patch` replace the stored
/// ones (RFC 7396 style; `null` restores the default). `active` switches
/// the client on or off; `client_secret` replaces the secret.
pub async fn update(
    store: &dyn Store,
    secrets: &Secrets,
    fetcher: &Fetcher,
    limits: ServerLimits,
    client_id: &str,
    patch: Value,
) -> Result<Value, Occurrence> {
    let Value::Object(mut patch) = patch else {
        return Err(INVALID_CLIENT_METADATA.with_detail("the body must be a JSON object"));
    };
    let mut record = get(store, client_id).await?;
    let extras = take_extras(&mut patch)?;
    if extras
        .client_id
        .as_deref()
        .is_some_and(|id| id != client_id)
    {
        return Err(INVALID_CLIENT_METADATA
            .with_detail("client_id cannot be changed")
            .field("client_id", "cannot be changed"));
    }
    let mut merged = match serde_json::to_value(&record.metadata) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let touched_response_types = patch.contains_key("response_types");
    let sent = Value::Object(patch.clone());
    for (k, v) in patch {
        if v.is_null() {
            merged.remove(&k);
        } else {
            merged.insert(k, v);
        }
    }
    if !touched_response_types && !merged.contains_key("response_types") {
        merged.insert("response_types".into(), json!([]));
    }
    let mut metadata = ClientMetadata::from_json(&Value::Object(merged))?;
    // A change that puts the client under the profile gets its defaults
    // for what it does not name; one already under it keeps its values.
    if !latchkey_core::fapi2::applies(limits.fapi2, &record.metadata) {
        latchkey_core::fapi2::fill_defaults(&mut metadata, &sent, limits.fapi2);
    }
    metadata.validate()?;
    // Only a change is held to the profile: a client written before it was
    // on can still be switched off (`active`) or rotated as it is.
    if metadata != record.metadata {
        latchkey_core::fapi2::check_metadata(&metadata, limits.fapi2)?;
    }
    // A lifetime the server's setting has since undercut is kept as it
    // was (issuing caps it), so unrelated updates still pass.
    if metadata.refresh_token_ttl != record.metadata.refresh_token_ttl {
        metadata.check_limits(limits)?;
    }
    check_sector(fetcher, &metadata, Some(&record.metadata)).await?;
    let method_changed =
        metadata.token_endpoint_auth_method != record.metadata.token_endpoint_auth_method;
    let secret_warning = extras
        .client_secret
        .as_deref()
        .and_then(chosen_secret_warning);
    let new_secret = match extras.client_secret {
        Some(given) => secret_for(&metadata, Some(given))?,
        None if method_changed && metadata.uses_secret() && record.secret_hash.is_none() => {
            secret_for(&metadata, None)?
        }
        // The secret of client_secret_jwt must be kept sealed, which a hash
        // alone cannot give: switching to it issues a new secret.
        None if method_changed && metadata.token_endpoint_auth_method == JWT_METHOD => {
            secret_for(&metadata, None)?
        }
        None => None,
    };
    if let Some(s) = &new_secret {
        record.secret_hash = Some(secrets.hash(s));
    }
    if !metadata.uses_secret() {
        record.secret_hash = None;
    }
    // A secret set here replaces the old one at once (rotation with a
    // grace period is `rotate_secret`), and ends any grace period.
    if new_secret.is_some() || method_changed || record.secret_hash.is_none() {
        record.previous_secret = None;
    }
    record.metadata = metadata;
    if let Some(active) = extras.active {
        record.active = active;
    }
    record.updated_at = latchkey_core::now_unix();
    if !store.update_client(&record).await? {
        return Err(CLIENT_NOT_FOUND.with_detail(format!("client_id {client_id}")));
    }
    if method_changed || new_secret.is_some() {
        keep_jwt_secret(store, secrets, &record, new_secret.as_deref()).await?;
    }
    Ok(with_warnings(
        view(&record, new_secret.as_deref()),
        &record.metadata,
        secret_warning,
    ))
}

/// The longest grace period a rotated-out secret may have: 30 days.
pub const MAX_GRACE_SECONDS: i64 = 30 * 86_400;

/// Read the optional body of a rotation: empty, or a JSON object with
/// `grace_seconds` (0 to [`MAX_GRACE_SECONDS`]; absent means 0).
pub fn grace_from_body(body: &Value) -> Result<i64, Occurrence> {
    let invalid = |why: &str| {
        SECRET_ROTATION_INVALID
            .with_detail(format!("grace_seconds {why}"))
            .field("grace_seconds", why.to_string())
    };
    let Value::Object(map) = body else {
        return Err(SECRET_ROTATION_INVALID.with_detail("the body must be a JSON object"));
    };
    if let Some(other) = map.keys().find(|k| k.as_str() != "grace_seconds") {
        return Err(SECRET_ROTATION_INVALID
            .with_detail(format!("{other} is not a field of a rotation"))
            .field(other, "not a field of a rotation (only grace_seconds)"));
    }
    match map.get("grace_seconds") {
        None | Some(Value::Null) => Ok(0),
        Some(v) => match v.as_i64() {
            Some(n) if (0..=MAX_GRACE_SECONDS).contains(&n) => Ok(n),
            Some(_) => Err(invalid(&format!(
                "must be from 0 to {MAX_GRACE_SECONDS} (30 days)"
            ))),
            None => Err(invalid("must be a whole number of seconds")),
        },
    }
}

/// Issue a new generated secret for `client_id`. With `grace_seconds` >
/// 0 the secret it replaces keeps working until then (two secrets are
/// valid at once), so the client's deployments can switch without
/// downtime; with 0 it stops at once. Answers the client with the new
/// secret (shown this once), `previous_secret_expires_at` while the old
/// one works, and `grace_seconds`.
pub async fn rotate_secret(
    store: &dyn Store,
    secrets: &Secrets,
    client_id: &str,
    grace_seconds: i64,
) -> Result<Value, Occurrence> {
    if !(0..=MAX_GRACE_SECONDS).contains(&grace_seconds) {
        return Err(SECRET_ROTATION_INVALID
            .with_detail(format!(
                "grace_seconds must be from 0 to {MAX_GRACE_SECONDS} (30 days)"
            ))
            .field("grace_seconds", "must be from 0 to 2592000 (30 days)"));
    }
    let record = get(store, client_id).await?;
    if !record.metadata.uses_secret() || record.secret_hash.is_none() {
        return Err(SECRET_ROTATION_INVALID.with_detail(format!(
            "client {client_id} uses token_endpoint_auth_method {}, which has no secret to rotate",
            record.metadata.token_endpoint_auth_method
        )));
    }
    let secret = random_token()?;
    let sealed = sealed_jwt_secret(secrets, &record, Some(&secret))?;
    let now = latchkey_core::now_unix();
    let expires_at = (grace_seconds > 0).then(|| now.saturating_add(grace_seconds));
    let Some(rotated) = store
        .rotate_client_secret(
            client_id,
            &secrets.hash(&secret),
            sealed.as_deref(),
            expires_at,
            now,
        )
        .await?
    else {
        return Err(CLIENT_NOT_FOUND.with_detail(format!("client_id {client_id}")));
    };
    let mut answer = ClientView::of(&rotated, Some(&secret));
    answer.grace_seconds = Some(grace_seconds);
    Ok(answer.json())
}

pub(crate) const JWT_METHOD: &str = "client_secret_jwt";

/// Choice for client_secret_jwt: the HS256 key is the client secret, which
/// cannot be verified from its hash, so for that method alone the secret
/// is also kept sealed (`Secrets::seal`, context: the client_id) in
/// `clients.secret_sealed`. Every other method clears it.
pub(crate) async fn keep_jwt_secret(
    store: &dyn Store,
    secrets: &Secrets,
    record: &ClientRecord,
    secret: Option<&str>,
) -> Result<(), Occurrence> {
    let sealed = sealed_jwt_secret(secrets, record, secret)?;
    store
        .set_client_secret_sealed(&record.client_id, sealed.as_deref())
        .await?;
    Ok(())
}

/// The secret a client_secret_jwt client's assertions are checked with,
/// sealed for storage (context: the client_id); none for other methods.
pub(crate) fn sealed_jwt_secret(
    secrets: &Secrets,
    record: &ClientRecord,
    secret: Option<&str>,
) -> Result<Option<Vec<u8>>, Occurrence> {
    Ok(match secret {
        Some(s) if record.metadata.token_endpoint_auth_method == JWT_METHOD => {
            Some(secrets.seal(s.as_bytes(), record.client_id.as_bytes())?)
        }
        _ => None,
    })
}

pub async fn delete(store: &dyn Store, client_id: &str) -> Result<(), Occurrence> {
    if super::storable(client_id) && store.delete_client(client_id).await? {
        Ok(())
    } else {
        Err(CLIENT_NOT_FOUND.with_detail(format!("client_id {client_id}")))
    }
}

/// Whether `record` matches what an admin searched for: `query` found,
/// ignoring case, in its client_id, its name or one of its redirect URIs.
/// An empty query matches every client.
pub fn matches(record: &ClientRecord, query: &str) -> bool {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return true;
    }
    let found = |text: &str| text.to_lowercase().contains(&query);
    found(&record.client_id)
        || record.metadata.client_name.as_deref().is_some_and(found)
        || record.metadata.redirect_uris.iter().any(|u| found(u))
}

/// The clients matching `query` (see [`matches`]), in the order of
/// [`list`].
pub async fn search(store: &dyn Store, query: &str) -> Result<Vec<ClientRecord>, Occurrence> {
    let mut clients = store.list_clients().await?;
    clients.retain(|c| matches(c, query));
    Ok(clients)
}

/// When the client last got tokens at `/token` (noted at most once a
/// minute per client and node), if it has since this was first noted.
pub async fn last_use(store: &dyn Store, client_id: &str) -> Result<Option<i64>, Occurrence> {
    Ok(store.client_last_used(client_id).await?)
}
