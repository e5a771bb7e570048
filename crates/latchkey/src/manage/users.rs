//! Users: create, show, list, search, update (also lock and unlock),
//! delete, set a password, end sessions.

use latchkey_core::Occurrence;
use latchkey_core::catalogue::{
    EMAIL_TAKEN, INVALID_USER_ATTRIBUTES, ROLE_UNKNOWN, USER_LOCKED, USER_NOT_FOUND,
    USER_SESSION_NOT_FOUND, USERNAME_TAKEN,
};
use latchkey_core::crypto::{Secrets, hash_password};
use latchkey_core::factors::{TotpRecord, totp_context};
use latchkey_core::store::{Store, StoreError};
use latchkey_core::user::{UserRecord, check_password, check_username};
use serde_json::{Map, Value, json};

/// The user as the admin API shows it (never the password hash). A list
/// shows the first six members; one user (shown, created with factors, or
/// changed) also what they have besides a password.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = User)]
pub struct UserView {
    /// The user's subject identifier (a UUID), assigned by the server.
    pub sub: String,
    pub username: String,
    /// Standard claims (OIDC Core §5.1) released by scope: `email`, `name`, ...
    #[schema(value_type = Object)]
    pub claims: Map<String, Value>,
    pub has_password: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// `P0` to `P2` (RFC 8485 identity proofing).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^P[0-2]$")]
    pub identity_confidence: Option<String>,
    /// Whether a confirmed TOTP second factor is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp: Option<bool>,
    /// With a second factor: how many unused recovery codes are left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_codes_left: Option<i64>,
    /// The roles held: `admin` (everything), `auditor` (reads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Role>>)]
    pub roles: Option<Vec<String>>,
    /// Whether the user is locked out (no sign-in of any kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    /// When the user was locked, while locked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_at: Option<i64>,
}

/// A role a user may hold.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub enum Role {
    #[schema(rename = "admin")]
    Admin,
    #[schema(rename = "auditor")]
    Auditor,
}

fn user_view(user: &UserRecord) -> UserView {
    UserView {
        sub: user.sub.clone(),
        username: user.username.clone(),
        claims: user.claims.clone(),
        has_password: user.password_hash.is_some(),
        created_at: user.created_at,
        updated_at: user.updated_at,
        identity_confidence: None,
        totp: None,
        recovery_codes_left: None,
        roles: None,
        locked: None,
        locked_at: None,
    }
}

pub fn view(user: &UserRecord) -> Value {
    serde_json::to_value(user_view(user)).unwrap_or_default()
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
    "locked",
];

fn object(body: Value) -> Result<Map<String, Value>, Occurrence> {
    let Value::Object(body) = body else {
        return Err(INVALID_USER_ATTRIBUTES.with_detail("the body must be a JSON object"));
    };
    if let Some(unknown) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(invalid(
            unknown,
            "is not a user attribute; accepted: username, password, claims, identity_confidence, totp_secret, roles, locked",
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
    let locked = locked_field(&body)?;
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
    if identity.is_none() && matches!(totp, TotpChange::Keep) && locked != Some(true) {
        let mut shown = view(&user);
        if let Some(members) = shown.as_object_mut() {
            members.insert("roles".into(), json!(roles));
        }
        return Ok(shown);
    }
    apply_factors(store, secrets, &user.sub, identity, totp, now).await?;
    if locked == Some(true) {
        set_locked(store, &user.sub, true).await?;
    }
    describe(store, &user).await
}

pub async fn get(store: &dyn Store, sub_or_username: &str) -> Result<UserRecord, Occurrence> {
    if !super::storable(sub_or_username) {
        return Err(USER_NOT_FOUND.with_detail("the sub or username holds a NUL character"));
    }
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
    let mut v = user_view(user);
    let identity = store.identity_confidence(&user.sub).await?;
    let locked_at = store.user_locked_at(&user.sub).await?;
    let totp = store
        .get_totp(&user.sub)
        .await?
        .is_some_and(|t| t.confirmed_at.is_some());
    v.recovery_codes_left = match totp {
        true => Some(store.recovery_codes_left(&user.sub).await?),
        false => None,
    };
    v.identity_confidence = Some(format!("P{identity}"));
    v.totp = Some(totp);
    v.roles = Some(roles_of(store, &user.sub).await?);
    v.locked = Some(locked_at.is_some());
    v.locked_at = locked_at;
    Ok(serde_json::to_value(v).unwrap_or_default())
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
    let locked = locked_field(&body)?;
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
    if let Some(locked) = locked {
        set_locked(store, &user.sub, locked).await?;
    }
    if let Some(roles) = roles {
        store.set_user_roles(&user.sub, &roles, now).await?;
    }
    describe(store, &user).await
}

/// `locked`: true or false.
fn locked_field(body: &Map<String, Value>) -> Result<Option<bool>, Occurrence> {
    match body.get("locked") {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(invalid("locked", "must be true or false")),
    }
}

/// Lock or unlock the user. Locking refuses every sign-in from then on
/// (cause `user_locked`) and ends everything that lets anyone act as them,
/// as a password reset does: sessions, refresh tokens, pending codes, the
/// access tokens already issued (on every node within a second), and the
/// clients that received tokens are sent Logout Tokens. Returns how many
/// Logout Tokens were queued (the caller wakes its worker). Locking a
/// locked user keeps the first time.
pub async fn set_locked(store: &dyn Store, sub: &str, locked: bool) -> Result<usize, Occurrence> {
    let now = latchkey_core::now_unix();
    if !locked {
        return match store.set_user_locked(sub, None).await? {
            true => Ok(0),
            false => Err(USER_NOT_FOUND.with_detail(format!("sub {sub}"))),
        };
    }
    if store.user_locked_at(sub).await?.is_none() && !store.set_user_locked(sub, Some(now)).await? {
        return Err(USER_NOT_FOUND.with_detail(format!("sub {sub}")));
    }
    let keep_until = now + latchkey_core::token::ACCESS_TOKEN_TTL_MAX;
    let ending = crate::backchannel::before_end(store, sub, None).await;
    store.end_everything_for(sub, now, keep_until).await?;
    tracing::info!(sub, "user locked");
    Ok(crate::backchannel::queue(store, ending).await)
}

/// The refusal of a locked user's sign-in, `None` when not locked.
pub async fn locked(store: &dyn Store, sub: &str) -> Result<Option<Occurrence>, Occurrence> {
    Ok(store
        .user_locked_at(sub)
        .await?
        .map(|at| USER_LOCKED.with_detail(format!("user {sub} was locked at {at}"))))
}

/// A search of `GET /admin/v1/users`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    pub text: String,
    pub after: Option<String>,
    pub limit: usize,
}

/// How many users a search answers when `limit` is not given, and at most.
pub const SEARCH_DEFAULT: usize = 100;
pub const SEARCH_MAX: usize = 1000;

/// The search `GET /admin/v1/users` names: `q` (text in the username,
/// `sub` or email), `after` (the previous page's last username) and
/// `limit`. `None` without any of them: the whole list, as before search.
pub fn query(
    params: &latchkey_core::authorize::RawParams,
) -> Result<Option<UserQuery>, Occurrence> {
    use latchkey_core::catalogue::ADMIN_QUERY_INVALID;
    super::plain_query(params, &ADMIN_QUERY_INVALID)?;
    let invalid = |detail: String| ADMIN_QUERY_INVALID.with_detail(detail);
    let text = |name: &str| params.single(name).ok().flatten();
    let (q, after, limit) = (text("q"), text("after"), text("limit"));
    if q.is_none() && after.is_none() && limit.is_none() {
        return Ok(None);
    }
    let limit = match limit {
        None => SEARCH_DEFAULT,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=SEARCH_MAX).contains(&n) => n,
            _ => {
                return Err(invalid(format!(
                    "limit must be a whole number from 1 to {SEARCH_MAX}, got {v:?}"
                )));
            }
        },
    };
    Ok(Some(UserQuery {
        text: q.unwrap_or_default().to_string(),
        after: after.filter(|a| !a.is_empty()).map(str::to_string),
        limit,
    }))
}

/// The users a listing asks for, as the admin API and the CLI show them:
/// everyone without a search, else the page of the search.
pub async fn find(store: &dyn Store, query: Option<&UserQuery>) -> Result<Value, Occurrence> {
    match query {
        None => list(store).await,
        Some(q) => Ok(Value::Array(
            search(store, &q.text, q.after.as_deref(), q.limit)
                .await?
                .iter()
                .map(view)
                .collect(),
        )),
    }
}

/// The users whose username, `sub` or email contains `text` (ignoring
/// ASCII case; every user when empty), by username, at most `limit`, after
/// the username `after` (the previous page's last).
pub async fn search(
    store: &dyn Store,
    text: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<UserRecord>, Occurrence> {
    Ok(store.search_users(text.trim(), after, limit).await?)
}

/// Send the user (by `sub` or username) the password reset email that
/// `/recover` sends, in their language: its link sets a new password (and
/// still asks for their second factor). Returns the user and the address
/// written to; refused when mail is off or the user has no address.
/// The caller wakes the mail worker, when there is one.
pub async fn send_reset_mail(
    config: &crate::config::Config,
    store: &dyn Store,
    secrets: &Secrets,
    sub: &str,
) -> Result<(UserRecord, String), Occurrence> {
    use latchkey_core::catalogue::RESET_MAIL_UNSENDABLE;
    let user = get(store, sub).await?;
    let lang = crate::mail::lang_of(&user);
    match crate::mail::send_recovery(config, store, secrets, &user, lang, "").await? {
        Some(to) => Ok((user, to)),
        None if config.mail.is_none() => Err(RESET_MAIL_UNSENDABLE.with_detail("mail is off")),
        None => {
            Err(RESET_MAIL_UNSENDABLE
                .with_detail(format!("user {} has no email address", user.sub)))
        }
    }
}

/// A live browser session as the admin API and the CLI show it (never
/// the cookie's hash).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = UserSession)]
pub struct SessionView {
    /// The session's public id, as ID Tokens (`sid`) and logout name it.
    pub sid: String,
    /// When the person last authenticated in it (Unix seconds).
    pub auth_time: i64,
    /// How they authenticated (RFC 8176 values: `pwd`, `otp`, `hwk`, `fed`, ...).
    pub amr: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    /// The browser and system its User-Agent named (`browser/system`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The address it signed in from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// The user's live browser sessions (by `sub` or username), newest first
/// as the store lists them.
pub async fn sessions(store: &dyn Store, sub: &str) -> Result<Vec<SessionView>, Occurrence> {
    let user = get(store, sub).await?;
    let now = latchkey_core::now_unix();
    Ok(store
        .list_sessions(&user.sub, now)
        .await?
        .into_iter()
        .map(|s| SessionView {
            sid: s.sid,
            auth_time: s.auth_time,
            amr: s.amr,
            acr: s.acr,
            created_at: s.created_at,
            expires_at: s.expires_at,
            user_agent: s.user_agent,
            address: s.address,
        })
        .collect())
}

/// End every browser session of the user (`DELETE
/// /admin/v1/users/{sub}/sessions`), revoking the grants made in them
/// without `offline_access` (the others stay), remembered until
/// `keep_until`. Returns the sessions ended and the Logout Tokens queued
/// for the clients that received tokens for them.
pub async fn end_sessions(
    store: &dyn Store,
    sub: &str,
    keep_until: i64,
) -> Result<(u64, usize), Occurrence> {
    let user = get(store, sub).await?;
    let ending = crate::backchannel::before_end(store, &user.sub, None).await;
    let now = latchkey_core::now_unix();
    let ended = store.end_sessions(&user.sub, now, keep_until).await?;
    Ok((ended, crate::backchannel::queue(store, ending).await))
}

/// End one browser session of the user, by its public id, as
/// [`end_sessions`] ends them all. Returns the Logout Tokens queued.
pub async fn end_session(
    store: &dyn Store,
    sub: &str,
    sid: &str,
    keep_until: i64,
) -> Result<usize, Occurrence> {
    let user = get(store, sub).await?;
    let ending = crate::backchannel::before_end(store, &user.sub, Some(sid)).await;
    let now = latchkey_core::now_unix();
    if !store.end_session(&user.sub, sid, now, keep_until).await? {
        return Err(USER_SESSION_NOT_FOUND
            .with_detail(format!("user {} has no live session {sid}", user.sub)));
    }
    Ok(crate::backchannel::queue(store, ending).await)
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
