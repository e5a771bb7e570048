//! Who calls the admin API: the static tokens, or a person's access token
//! for `{issuer}/admin` with its scope and the roles the person holds now.
//! Every guarded handler takes a [`Caller`]: the token is checked once,
//! before the path and the body are read, and a refusal is audited.

use super::shared::*;
use subtle::ConstantTimeEq;

fn equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Who is calling the admin API: one of the static tokens (by its setting's
/// name), or a person with an access token for the admin API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Token(&'static str),
    Person { sub: String },
}

/// A checked caller of the admin API, and the address it called from
/// (for the audit trail), read once by the extractor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub who: Who,
    pub address: Option<String>,
}

impl Caller {
    /// As the audit trail names the caller: `admin:{token name}`, or
    /// `user:{sub}` for a person.
    pub fn actor(&self) -> latchkey_core::audit::Actor {
        use latchkey_core::audit::Actor;
        match &self.who {
            Who::Token(name) => Actor::Admin((*name).to_string()),
            Who::Person { sub } => Actor::User(sub.clone()),
        }
    }

    /// An audit event of this caller, from its address.
    pub fn event(&self, kind: &str, target: impl Into<String>) -> latchkey_core::audit::AuditEvent {
        latchkey_core::audit::AuditEvent::new(&self.actor(), kind, target)
            .address(self.address.clone())
    }
}

/// Check the bearer token. Reads accept either static token, writes only
/// the full one; an access token for the admin API (`{issuer}/admin`)
/// works by its scope (`admin`, `admin:read` for reads) and by what its
/// user's roles allow now.
async fn authorize(app: &App, method: &Method, headers: &HeaderMap) -> Result<Who, Failure> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let read = method == Method::GET || method == Method::HEAD;
    let full = app.config.admin_token.as_deref();
    let Some(presented) = presented else {
        if full.is_none() {
            return Err(Failure::admin(ADMIN_API_DISABLED.with_detail(
                "set admin_token (LATCHKEY_ADMIN_TOKEN) to enable it, or sign in at /admin",
            )));
        }
        return Err(Failure::admin(REQUEST_UNAUTHORIZED.with_detail(
            "send Authorization: Bearer with the admin token or an access token for the admin API",
        )));
    };
    if full.is_some_and(|t| equal(presented, t)) {
        return Ok(Who::Token("admin_token"));
    }
    let readonly = full.is_some()
        && app
            .config
            .admin_readonly_token
            .as_deref()
            .is_some_and(|t| equal(presented, t));
    if readonly {
        return match read {
            true => Ok(Who::Token("admin_readonly_token")),
            false => Err(Failure::admin(
                REQUEST_FORBIDDEN.with_detail(format!("the read-only admin token cannot {method}")),
            )),
        };
    }
    // A JWT: perhaps a person's access token.
    if presented.split('.').count() == 3 {
        return person(app, presented, read).await.map_err(Failure::admin);
    }
    if full.is_none() {
        return Err(Failure::admin(ADMIN_API_DISABLED.with_detail(
            "set admin_token (LATCHKEY_ADMIN_TOKEN) to enable it, or sign in at /admin",
        )));
    }
    Err(Failure::admin(
        REQUEST_UNAUTHORIZED.with_detail("the bearer token is not an admin token"),
    ))
}

/// What a person's access token for the admin API allows now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rights {
    pub sub: String,
    /// The user's roles as stored now.
    pub roles: Vec<String>,
    /// The token's scope.
    pub scope: String,
}

impl Rights {
    fn has(&self, scope: &str) -> bool {
        latchkey_core::token::has_scope(&self.scope, scope)
    }

    /// Reads: scope `admin` or `admin:read`, and a role that allows reading.
    pub fn can_read(&self) -> bool {
        use latchkey_core::user::{ADMIN_READ_SCOPE, ADMIN_SCOPE, roles_allow};
        (self.has(ADMIN_SCOPE) || self.has(ADMIN_READ_SCOPE))
            && roles_allow(&self.roles, ADMIN_READ_SCOPE)
    }

    /// Changes: scope `admin` and the admin role.
    pub fn can_write(&self) -> bool {
        use latchkey_core::user::{ADMIN_SCOPE, roles_allow};
        self.has(ADMIN_SCOPE) && roles_allow(&self.roles, ADMIN_SCOPE)
    }
}

/// Check a person's access token for the admin API with the validator of
/// every access token (signature, expiry, revocation, its client), then
/// its audience, and read its user's roles as they are now.
pub async fn rights(app: &App, token: &str) -> Result<Rights, latchkey_core::Occurrence> {
    use latchkey_core::catalogue::{
        ADMIN_TOKEN_INACTIVE, ADMIN_TOKEN_NOT_FOR_ADMIN, TOKEN_AUDIENCE_MISMATCH,
    };
    use latchkey_core::token::access;
    let keys = app.keys();
    let now = latchkey_core::now_unix();
    let resource = crate::builtin::admin_resource(&app.config.issuer);
    let (claims, _client) =
        access::check_issued(app.store.as_ref(), &keys, &app.config.issuer, token, now)
            .await
            .map_err(|occ| {
                if occ.is(&TOKEN_AUDIENCE_MISMATCH) {
                    ADMIN_TOKEN_NOT_FOR_ADMIN
                        .with_detail(format!("the admin API takes tokens for {resource}"))
                } else if occ.cause.status >= 500 {
                    occ
                } else {
                    let why = occ
                        .detail
                        .clone()
                        .unwrap_or_else(|| occ.cause.summary.to_string());
                    ADMIN_TOKEN_INACTIVE.with_detail(why)
                }
            })?;
    if claims.aud != resource {
        return Err(ADMIN_TOKEN_NOT_FOR_ADMIN.with_detail(format!(
            "the token is for {}, not for the admin API ({resource})",
            claims.aud
        )));
    }
    if claims.cnf.is_some() {
        return Err(ADMIN_TOKEN_INACTIVE
            .with_detail("the admin API takes bearer tokens; this one is DPoP-bound"));
    }
    let sub = access::local_sub(&app.secrets, &claims)?;
    let Some(roles) = app.store.user_roles(&sub).await? else {
        return Err(ADMIN_TOKEN_INACTIVE.with_detail("the user of this token no longer exists"));
    };
    Ok(Rights {
        sub,
        roles,
        scope: claims.scope,
    })
}

/// A person's access token: issued here, active, for the admin API, with
/// the scope the request needs, and its user holding a role that allows it.
async fn person(app: &App, token: &str, read: bool) -> Result<Who, latchkey_core::Occurrence> {
    use latchkey_core::catalogue::{ADMIN_ROLE_MISSING, ADMIN_SCOPE_MISSING};
    use latchkey_core::user::{ADMIN_READ_SCOPE, ADMIN_SCOPE, roles_allow};
    let r = rights(app, token).await?;
    let scope_ok = r.has(ADMIN_SCOPE) || (read && r.has(ADMIN_READ_SCOPE));
    if !scope_ok {
        return Err(ADMIN_SCOPE_MISSING
            .with_detail(match read {
                true => "reads need scope admin:read or admin",
                false => "changes need scope admin; this token may only read",
            })
            .subject(&r.sub));
    }
    let needed = if read { ADMIN_READ_SCOPE } else { ADMIN_SCOPE };
    if !roles_allow(&r.roles, needed) {
        return Err(ADMIN_ROLE_MISSING
            .with_detail(match (read, r.roles.is_empty()) {
                (_, true) => "the user of this token holds no administrative role".to_string(),
                (false, false) => format!(
                    "the user of this token is {}: changes need the admin role",
                    r.roles.join(", ")
                ),
                (true, false) => "the user's roles do not allow reading".to_string(),
            })
            .subject(&r.sub));
    }
    Ok(Who::Person { sub: r.sub })
}

/// Every guarded admin handler takes its caller as an extractor, so the
/// token is checked once, before the path and the body are read, and no
/// handler can forget it. A refusal (no or a wrong token, a write with the
/// read-only one, a person's token without the scope or the role) is
/// logged at WARN and recorded in the audit trail as
/// `admin.access_denied`, at most once per address per minute (the kept
/// event's `detail.unrecorded` counts those in between), so guessing
/// cannot flood the trail.
impl axum::extract::FromRequestParts<Arc<App>> for Caller {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &Arc<App>,
    ) -> Result<Caller, Failure> {
        let refused = match authorize(app, &parts.method, &parts.headers).await {
            Ok(who) => {
                let address = address_of(app, &parts.extensions, &parts.headers);
                return Ok(Caller { who, address });
            }
            Err(failure) => failure,
        };
        record_denied(app, parts, &refused).await;
        Err(refused)
    }
}

async fn record_denied(app: &App, parts: &axum::http::request::Parts, failure: &Failure) {
    use latchkey_core::audit::{Actor, AuditEvent, kind};
    use latchkey_core::catalogue::{
        ADMIN_ROLE_MISSING, ADMIN_SCOPE_MISSING, ADMIN_TOKEN_INACTIVE, ADMIN_TOKEN_NOT_FOR_ADMIN,
    };
    let cause = failure.occ.cause;
    let refused = [
        &REQUEST_UNAUTHORIZED,
        &REQUEST_FORBIDDEN,
        &ADMIN_TOKEN_INACTIVE,
        &ADMIN_TOKEN_NOT_FOR_ADMIN,
        &ADMIN_SCOPE_MISSING,
        &ADMIN_ROLE_MISSING,
    ];
    if !refused.iter().any(|c| cause.id == c.id) {
        return;
    }
    let address = address_of(app, &parts.extensions, &parts.headers);
    // Nested under /admin/v1, the router sees the rest of the path.
    let path = format!("/admin/v1{}", parts.uri.path());
    let method = parts.method.to_string();
    tracing::warn!(cause = cause.id, method = %method, path = %path, address = address.as_deref().unwrap_or_default(), "admin access denied");
    let key = address.clone().unwrap_or_default();
    let Some(unrecorded) = app.admin_denied.admit(&key, latchkey_core::now_unix()) else {
        return;
    };
    // A person known by a valid token is the actor; a guessed or foreign
    // token is nobody's.
    let actor = match (&failure.occ.subject, cause.id == REQUEST_FORBIDDEN.id) {
        (Some(subject), _) => {
            Actor::User(subject.strip_prefix("user:").unwrap_or(subject).to_string())
        }
        (None, true) => Actor::Admin("admin_readonly_token".into()),
        (None, false) => Actor::System,
    };
    let event = AuditEvent::new(&actor, kind::ADMIN_ACCESS_DENIED, "admin_api")
        .failed()
        .address(address)
        .with("method", method)
        .with("path", path)
        .with("cause", cause.id)
        .with("unrecorded", unrecorded);
    crate::audit::record(app, event).await;
}
