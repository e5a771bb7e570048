//! Dynamic registration (RFC 7591) and management (RFC 7592) of clients:
//! the same records, metadata rules and secret handling as the admin API
//! and CLI, plus the registration access token. The decisions live in
//! `latchkey_core::registration`.

use super::clients::{JWT_METHOD, check_sector, keep_jwt_secret, sealed_jwt_secret, with_warnings};
use crate::http::fetch::Fetcher;
use latchkey_core::Occurrence;
use latchkey_core::catalogue::{
    FAPI2_PROFILE_KEPT, INVALID_CLIENT_METADATA, REGISTRATION_CLIENT_UNKNOWN,
};
use latchkey_core::client::{ClientRecord, ServerLimits};
use latchkey_core::crypto::{Secrets, random_token};
use latchkey_core::registration::{self, Allowed, Requested};
use latchkey_core::store::Store;
use serde_json::Value;

/// What a registered client's metadata is held to: the operator's sets
/// for registered clients, and the server's limits for every client.
#[derive(Clone, Copy)]
pub struct Rules<'a> {
    pub allowed: &'a Allowed,
    pub limits: ServerLimits,
    /// Fetches a `sector_identifier_uri` (OIDC Registration §5).
    pub fetcher: &'a Fetcher,
}

/// `POST /register`: a new client with a server-chosen client_id, a
/// secret when its authentication method uses one, and a registration
/// access token, holding only what `rules` let it. Returns the client
/// information response.
pub async fn register(
    store: &dyn Store,
    secrets: &Secrets,
    issuer: &str,
    rules: Rules<'_>,
    body: Value,
) -> Result<Value, Occurrence> {
    let sent = body.clone();
    let Requested { mut metadata, .. } = registration::register_request(body, rules.allowed)?;
    latchkey_core::fapi2::fill_defaults(&mut metadata, &sent, rules.limits.fapi2);
    latchkey_core::fapi2::check_metadata(&metadata, rules.limits.fapi2)?;
    metadata.check_limits(rules.limits)?;
    check_sector(rules.fetcher, &metadata, None).await?;
    let client_id: String = random_token()?.chars().take(22).collect();
    let secret = match metadata.uses_secret() {
        true => Some(random_token()?),
        false => None,
    };
    let now = latchkey_core::now_unix();
    let record = ClientRecord {
        client_id,
        secret_hash: secret.as_deref().map(|s| secrets.hash(s)),
        previous_secret: None,
        active: true,
        metadata,
        created_at: now,
        updated_at: now,
    };
    // One statement: a client never exists without its registration
    // token. A 132-bit random id does not collide; a conflict would be a
    // bug and is reported as one.
    let sealed = sealed_jwt_secret(secrets, &record, secret.as_deref())?;
    let access_token = registration::mint_access_token(secrets, &record.client_id)?;
    store
        .create_client_with(
            &record,
            sealed.as_deref(),
            Some(&secrets.hash(&access_token)),
        )
        .await?;
    Ok(with_warnings(
        registration::response(&record, secret.as_deref(), &access_token, issuer),
        &record.metadata,
        None,
    ))
}

/// `PUT /register/{client_id}`: replace the metadata (RFC 7592 §2.2).
/// The secret is kept; one is issued only when the new method needs a
/// secret the client lacks (from `none` or `private_key_jwt`, or to
/// `client_secret_jwt`, whose key must be kept sealed). A method without a
/// secret drops it. The new metadata is held to `rules` like a
/// registration.
pub async fn replace(
    store: &dyn Store,
    secrets: &Secrets,
    issuer: &str,
    rules: Rules<'_>,
    mut record: ClientRecord,
    access_token: &str,
    body: Value,
) -> Result<Value, Occurrence> {
    let sent = body.clone();
    let mut requested = registration::update_request(body, &record.client_id, rules.allowed)?;
    keep_profile(&record, &sent, &mut requested.metadata)?;
    // PUT replaces the metadata: what it leaves out takes the defaults.
    latchkey_core::fapi2::fill_defaults(&mut requested.metadata, &sent, rules.limits.fapi2);
    latchkey_core::fapi2::check_metadata(&requested.metadata, rules.limits.fapi2)
        .map_err(|occ| occ.client(record.client_id.clone()))?;
    // A lifetime the server's setting has since undercut is kept as it
    // was (issuing caps it); only a new one is held to the setting.
    if requested.metadata.refresh_token_ttl != record.metadata.refresh_token_ttl {
        requested.metadata.check_limits(rules.limits)?;
    }
    check_sector(rules.fetcher, &requested.metadata, Some(&record.metadata)).await?;
    if let Some(given) = &requested.client_secret {
        let current = record
            .secret_hash
            .as_deref()
            .is_some_and(|hash| secrets.verify(given.expose_str(), hash));
        if !current {
            return Err(INVALID_CLIENT_METADATA
                .with_detail("client_secret must be the secret currently issued; the server issues secrets and an update cannot set one")
                .field("client_secret", "not the current secret")
                .client(record.client_id.clone()));
        }
    }
    let metadata = requested.metadata;
    let old_method = record.metadata.token_endpoint_auth_method.clone();
    let method_changed = metadata.token_endpoint_auth_method != old_method;
    let needs_new_secret = metadata.uses_secret()
        && (record.secret_hash.is_none()
            || (metadata.token_endpoint_auth_method == JWT_METHOD && old_method != JWT_METHOD));
    let new_secret = match needs_new_secret {
        true => Some(random_token()?),
        false => None,
    };
    if !metadata.uses_secret() {
        record.secret_hash = None;
    } else if let Some(s) = &new_secret {
        record.secret_hash = Some(secrets.hash(s));
    }
    // A secret issued or dropped here ends a rotation's grace period.
    if method_changed || new_secret.is_some() || record.secret_hash.is_none() {
        record.previous_secret = None;
    }
    record.metadata = metadata;
    record.updated_at = latchkey_core::now_unix();
    if !store.update_client(&record).await? {
        // Deleted between authentication and now.
        return Err(REGISTRATION_CLIENT_UNKNOWN
            .with_detail(format!("client_id {}", record.client_id))
            .client(record.client_id.clone()));
    }
    if method_changed || new_secret.is_some() {
        keep_jwt_secret(store, secrets, &record, new_secret.as_deref()).await?;
    }
    Ok(with_warnings(
        registration::response(&record, new_secret.as_deref(), access_token, issuer),
        &record.metadata,
        None,
    ))
}

/// A client registered under the FAPI 2.0 profile keeps it through
/// RFC 7592: left out of the update, it is kept; named otherwise, the
/// update is refused. The registration access token alone must not be
/// enough to weaken the client; an administrator can.
fn keep_profile(
    record: &ClientRecord,
    sent: &Value,
    requested: &mut latchkey_core::client::ClientMetadata,
) -> Result<(), Occurrence> {
    let fapi2 = latchkey_core::client::PROFILE_FAPI2;
    if record.metadata.profile.as_deref() != Some(fapi2) {
        return Ok(());
    }
    match sent.get("profile") {
        None => {
            requested.profile = Some(fapi2.into());
            Ok(())
        }
        Some(v) if v.as_str() == Some(fapi2) => Ok(()),
        Some(_) => Err(FAPI2_PROFILE_KEPT
            .with_detail(format!(
                "profile: the client is registered under {fapi2}, and only an administrator can take it out"
            ))
            .field("profile", "must stay fapi2")
            .client(record.client_id.clone())),
    }
}

/// `DELETE /register/{client_id}`: the client, its secret and its
/// registration access token go (RFC 7592 §2.3).
pub async fn delete(store: &dyn Store, client_id: &str) -> Result<(), Occurrence> {
    if store.delete_client(client_id).await? {
        Ok(())
    } else {
        Err(REGISTRATION_CLIENT_UNKNOWN
            .with_detail(format!("client_id {client_id}"))
            .client(client_id))
    }
}
