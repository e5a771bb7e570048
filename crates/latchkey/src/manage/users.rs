//! Users: create, show, list, update, delete, set a password.

use latchkey_core::Occurrence;
use latchkey_core::catalogue::{
    EMAIL_TAKEN, INVALID_USER_ATTRIBUTES, ROLE_UNKNOWN, USER_NOT_FOUND, USERNAME_TAKEN,
};
use latchkey_core::crypto::{Secrets, hash_password};
use latchkey_core::factors::{TotpRecord, totp_context};
use latchkey_core::store::{Store, StoreError};
use latchkey_core::user::{UserRecord, check_password, check_username};
use serde_json::{Map, Value, json};

/// The user as the admin API shows it (never the password hash).
pub fn view(user: &UserRecord) -> Value {
    json!({
        "sub": user.sub,
        "username": user.username,
        "claims": user.claims,
        "has_password": user.password_hash.is_some(),
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    })
}

fn invalid(field: &str, summary: &str) -> Occurrence {
    INVALID_USER_ATTRIBUTES
        .with_detail(format!("{field} {summary}"))
        .field(field, summary)
}

const FIELDS: &[&str] = &[
    "username",
    "password",
    "claims",
    "identity_confidence",
    "totp_secret",
    "roles",
];

fn object(body: Value) -> Result<Map<String, Value>, Occurrence> {
    let Value::Object(body) = body else {
        return Err(INVALID_USER_ATTRIBUTES.with_detail("the body must be a JSON object"));
    };
    if let Some(unknown) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(invalid(
            unknown,
            "is not a user attribute; accepted: username, password, claims, identity_confidence, totp_secret, roles",
        ));
    }
    Ok(body)
}

fn string_field(body: &Map<String, Value>, name: &str) -> Result<Option<String>, Occurrence> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(name, "must be a string")),
    }
}

/// Claims are a JSON object of standard claims; `sub` is ours to assign.
fn claims_field(value: Option<&Value>) -> Result<Option<Map<String, Value>>, Occurrence> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => {
            if map.contains_key("sub") {
                return Err(invalid(
                    "claims.sub",
                    "is assigned by the server and cannot be set",
                ));
            }
            Ok(Some(map.clone()))
        }
        Some(_) => Err(invalid("claims", "must be a JSON object")),
    }
}

/// `roles`: an array of role names (`admin`, `auditor`); `[]` or `null`
/// removes every role.
fn roles_field(body: &Map<String, Value>) -> Result<Option<Vec<String>>, Occurrence> {
    const ACCEPTED: &str = "must be an array of role names: admin, auditor";
    match body.get("roles") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(Vec::new())),
        Some(Value::Array(items)) => {
            let mut names = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let Some(name) = item.as_str() else {
                    return Err(ROLE_UNKNOWN
                        .with_detail(format!("roles[{i}] is not a string"))
                        .field(format!("roles[{i}]"), ACCEPTED));
                };
                names.push(name);
            }
            latchkey_core::user::parse_roles(names.iter().copied())
                .map(Some)
                .map_err(|unknown| {
                    let i = names.iter().position(|n| *n == unknown).unwrap_or_default();
                    ROLE_UNKNOWN
                        .with_detail(format!("role {unknown:?}"))
                        .field(format!("roles[{i}]"), ACCEPTED)
                })
        }
        Some(_) => Err(ROLE_UNKNOWN
            .with_detail("roles must be an array")
            .field("roles", ACCEPTED)),
    }
}

/// The roles a user holds now (none for a user that is gone).
pub async fn roles_of(store: &dyn Store, sub: &str) -> Result<Vec<String>, Occurrence> {
    Ok(store.user_roles(sub).await?.unwrap_or_default())
}

/// The audit event of a change of roles, when they changed: target the
/// user, `detail.roles` (now) and `detail.previous`.
pub fn roles_event(
    actor: &latchkey_core::audit::Actor,
    address: Option<String>,
    user: &Value,
    previous: &[String],
) -> Option<latchkey_core::audit::AuditEvent> {
    let now: Vec<String> = user
        .get("roles")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if now == previous {
        return None;
    }
    let sub = user.get("sub").and_then(Value::as_str).unwrap_or_default();
    Some(
        latchkey_core::audit::AuditEvent::new(
            actor,
            latchkey_core::audit::kind::ROLES_CHANGED,
            format!("user:{sub}"),
        )
        .address(address)
        .with("roles", now)
        .with("previous", previous.to_vec()),
    )
}

/// Argon2id on a blocking thread: it costs tens of milliseconds of CPU.
async fn hash(password: String) -> Result<String, Occurrence> {
    if let Err(msg) = check_password(&password) {
        return Err(invalid("password", msg));
    }
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| {
            latchkey_core::catalogue::INTERNAL_ERROR
                .occur()
                .debug(e.to_string())
        })?
        .map_err(Occurrence::from)
}

pub async fn create(
    store: &dyn Store,
    secrets: &Secrets,
    body: Value,
) -> Result<Value, Occurrence> {
    let body = object(body)?;
    let identity = identity_field(&body)?;
    let totp = totp_field(&body)?;
    let roles = roles_field(&body)?.unwrap_or_default();
    let username =
        string_field(&body, "username")?.ok_or_else(|| invalid("username", "is required"))?;
    check_username(&username).map_err(|m| invalid("username", m))?;
    let claims = claims_field(body.get("claims"))?.unwrap_or_default();
    let password_hash = match string_field(&body, "password")? {
        Some(p) => Some(hash(p).await?),
        None => None,
    };
    let now = latchkey_core::now_unix();
    let user = UserRecord {
        sub: uuid::Uuid::new_v4().to_string(),
        username,
        password_hash,
        claims,
        created_at: now,
        updated_at: now,
    };
    // The username is the first thing that must be free (the store's
    // insert decides races); then the verified email.
    if store.get_user_by_username(&user.username).await?.is_some() {
        return Err(USERNAME_TAKEN.with_detail(format!("username {}", user.username)));
    }
    email_free(store, &user).await?;
    match store.create_user(&user).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(USERNAME_TAKEN.with_detail(format!("username {}", user.username)));
        }
        Err(e) => return Err(e.into()),
    }
    if !roles.is_empty() {
        store.set_user_roles(&user.sub, &roles, now).await?;
    }
    if identity.is_none() && matches!(totp, TotpChange::Keep) {
        let mut shown = view(&user);
        if let Some(members) = shown.as_object_mut() {
            members.insert("roles".into(), json!(roles));
        }
        return Ok(shown);
    }
    apply_factors(store, secrets, &user.sub, identity, totp, now).await?;
    describe(store, &user).await
}

pub async fn get(store: &dyn Store, sub_or_username: &str) -> Result<UserRecord, Occurrence> {
    if let Some(user) = store.get_user(sub_or_username).await? {
        return Ok(user);
    }
    store
        .get_user_by_username(sub_or_username)
        .await?
        .ok_or_else(|| {
            USER_NOT_FOUND.with_detail(format!("no user with sub or username {sub_or_username}"))
        })
}

/// The user with what they have besides a password: identity confidence
/// and whether a second factor is set (never the key itself).
pub async fn describe(store: &dyn Store, user: &UserRecord) -> Result<Value, Occurrence> {
    let mut v = view(user);
    let identity = store.identity_confidence(&user.sub).await?;
    let totp = store
        .get_totp(&user.sub)
        .await?
        .is_some_and(|t| t.confirmed_at.is_some());
    let recovery_codes_left = match totp {
        true => Some(store.recovery_codes_left(&user.sub).await?),
        false => None,
    };
    let roles = roles_of(store, &user.sub).await?;
    if let Some(members) = v.as_object_mut() {
        members.insert("roles".into(), json!(roles));
        members.insert("identity_confidence".into(), json!(format!("P{identity}")));
        members.insert("totp".into(), json!(totp));
        if let Some(left) = recovery_codes_left {
            members.insert("recovery_codes_left".into(), json!(left));
        }
    }
    Ok(v)
}

/// `identity_confidence`: `P0` to `P2`; `null` resets it to `P0`.
fn identity_field(body: &Map<String, Value>) -> Result<Option<u8>, Occurrence> {
    const ACCEPTED: &str = "must be P0, P1 or P2";
    match body.get("identity_confidence") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(0)),
        Some(Value::String(s)) => latchkey_core::vtr::parse_identity(s)
            .map(Some)
            .ok_or_else(|| invalid("identity_confidence", ACCEPTED)),
        Some(_) => Err(invalid("identity_confidence", ACCEPTED)),
    }
}

/// What to do with the second factor: `totp_secret` is a base32 key of at
/// least 128 bits (set, confirmed at once), or `null` (removed).
enum TotpChange {
    Keep,
    Set(Vec<u8>),
    Remove,
}

fn totp_field(body: &Map<String, Value>) -> Result<TotpChange, Occurrence> {
    const ACCEPTED: &str = "must be a base32 key of at least 128 bits (26 characters), or null";
    match body.get("totp_secret") {
        None => Ok(TotpChange::Keep),
        Some(Value::Null) => Ok(TotpChange::Remove),
        Some(Value::String(s)) => match latchkey_core::totp::base32_decode(s) {
            Some(key) if key.len() >= latchkey_core::totp::MIN_SECRET_BYTES => {
                Ok(TotpChange::Set(key))
            }
            _ => Err(invalid("totp_secret", ACCEPTED)),
        },
        Some(_) => Err(invalid("totp_secret", ACCEPTED)),
    }
}

pub async fn list(store: &dyn Store) -> Result<Value, Occurrence> {
    Ok(Value::Array(
        store.list_users().await?.iter().map(view).collect(),
    ))
}

/// Partial update. `claims` are merged: a claim set to `null` is removed.
/// `identity_confidence` and `totp_secret` set what the user has besides
/// a password (the key is sealed with `secret` before it is stored).
pub async fn update(
    store: &dyn Store,
    secrets: &Secrets,
    sub: &str,
    body: Value,
) -> Result<Value, Occurrence> {
    let body = object(body)?;
    let identity = identity_field(&body)?;
    let totp = totp_field(&body)?;
    let roles = roles_field(&body)?;
    let mut user = get(store, sub).await?;
    if let Some(username) = string_field(&body, "username")? {
        check_username(&username).map_err(|m| invalid("username", m))?;
        user.username = username;
    }
    if let Some(claims) = claims_field(body.get("claims"))? {
        for (k, v) in claims {
            if v.is_null() {
                user.claims.remove(&k);
            } else {
                user.claims.insert(k, v);
            }
        }
    }
    if let Some(p) = string_field(&body, "password")? {
        user.password_hash = Some(hash(p).await?);
    }
    let now = latchkey_core::now_unix();
    user.updated_at = now;
    email_free(store, &user).await?;
    match store.update_user(&user).await {
        Ok(true) => {}
        Ok(false) => return Err(USER_NOT_FOUND.with_detail(format!("sub {sub}"))),
        Err(StoreError::Conflict(_)) => {
            return Err(USERNAME_TAKEN.with_detail(format!("username {}", user.username)));
        }
        Err(e) => return Err(e.into()),
    }
    apply_factors(store, secrets, &user.sub, identity, totp, now).await?;
    if let Some(roles) = roles {
        store.set_user_roles(&user.sub, &roles, now).await?;
    }
    describe(store, &user).await
}

/// A verified email signs its user in, so no other user may hold it.
/// (Two requests racing past this check leave two holders; sign-in then
/// refuses that address for both, so nobody signs in as someone else.)
async fn email_free(store: &dyn Store, user: &UserRecord) -> Result<(), Occurrence> {
    let Some(key) = latchkey_core::user::email_key(&user.claims) else {
        return Ok(());
    };
    let holders = store.find_users_by_verified_email(&key).await?;
    match holders.iter().find(|u| u.sub != user.sub) {
        Some(other) => Err(EMAIL_TAKEN.with_detail(format!(
            "{key} is the verified email of user {} ({})",
            other.username, other.sub
        ))),
        None => Ok(()),
    }
}

/// Record identity confidence and set or remove the TOTP key.
async fn apply_factors(
    store: &dyn Store,
    secrets: &Secrets,
    sub: &str,
    identity: Option<u8>,
    totp: TotpChange,
    now: i64,
) -> Result<(), Occurrence> {
    if let Some(level) = identity {
        store.set_identity_confidence(sub, level, now).await?;
    }
    match totp {
        TotpChange::Keep => {}
        TotpChange::Remove => {
            store.delete_totp(sub).await?;
        }
        TotpChange::Set(key) => {
            let record = TotpRecord {
                sub: sub.to_string(),
                secret_sealed: secrets.seal(&key, &totp_context(sub))?,
                confirmed_at: Some(now),
                last_step: None,
                created_at: now,
            };
            store.put_totp(&record, true).await?;
        }
    }
    Ok(())
}

pub async fn set_password(
    store: &dyn Store,
    secrets: &Secrets,
    sub: &str,
    password: String,
) -> Result<Value, Occurrence> {
    update(store, secrets, sub, json!({ "password": password })).await
}

/// Delete a user: their sessions, refresh tokens and pending codes end at
/// once, and access tokens already issued to them stop being accepted here
/// (introspection, userinfo) on every node within a second. The clients
/// that received tokens for them are sent Logout Tokens (back-channel
/// logout, delivered by the servers' workers); returns how many.
pub async fn delete(store: &dyn Store, sub: &str) -> Result<usize, Occurrence> {
    let user = get(store, sub).await?;
    let now = latchkey_core::now_unix();
    // Revoked grants are remembered as long as any access token can live.
    let keep_until = now + latchkey_core::token::ACCESS_TOKEN_TTL_MAX;
    let ending = crate::backchannel::before_end(store, &user.sub, None).await;
    if store.delete_user(&user.sub, now, keep_until).await? {
        Ok(crate::backchannel::queue(store, ending).await)
    } else {
        Err(USER_NOT_FOUND.with_detail(format!("sub {sub}")))
    }
}
