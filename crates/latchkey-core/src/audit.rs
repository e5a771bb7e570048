//! The audit trail: who did what to which account, from where, and how it
//! ended. Append-only; kept `audit.retention_days`, then purged like other
//! expiring rows. An event carries no secret: its `detail` is a small JSON
//! object of names and ids (never a password, code, token or key).

use serde::{Deserialize, Serialize};

/// What happened: one name per kind of event, stable (operators filter
/// on them). Other features add their own names in the same style.
pub mod kind {
    pub const SIGN_IN: &str = "sign_in";
    pub const PROFILE_UPDATED: &str = "account.profile_updated";
    pub const PASSWORD_CHANGED: &str = "account.password_changed";
    pub const TOTP_ENROLLED: &str = "account.totp_enrolled";
    pub const TOTP_REMOVED: &str = "account.totp_removed";
    pub const RECOVERY_CODES_REGENERATED: &str = "account.recovery_codes_regenerated";
    pub const SESSION_ENDED: &str = "account.session_ended";
    pub const CONSENT_REVOKED: &str = "account.consent_revoked";
    pub const ADMIN_USER_CREATED: &str = "admin.user_created";
    pub const ADMIN_USER_UPDATED: &str = "admin.user_updated";
    pub const ADMIN_USER_DELETED: &str = "admin.user_deleted";
    /// Every session of the user ended through the admin API.
    pub const ADMIN_SESSIONS_ENDED: &str = "admin.sessions_ended";
    /// A user's administrative roles changed (`detail.roles`: now,
    /// `detail.previous`: before), by the admin API or the command line.
    pub const ROLES_CHANGED: &str = "admin.roles_changed";
    /// A recovery link was asked for an account that exists (the page
    /// answers the same either way; only the trail knows).
    pub const RECOVERY_REQUESTED: &str = "recovery.requested";
    /// A password was set with a recovery link.
    pub const RECOVERY_USED: &str = "recovery.password_reset";
    /// An `email` claim was confirmed with its link.
    pub const EMAIL_VERIFIED: &str = "email.verified";
    /// A passkey added, renamed or removed: by its user on the account
    /// page, or removed by an administrator (the actor tells which).
    pub const PASSKEY_ADDED: &str = "passkey.added";
    pub const PASSKEY_RENAMED: &str = "passkey.renamed";
    pub const PASSKEY_REMOVED: &str = "passkey.removed";
    /// The second factor at sign-in (`detail.method`: `totp`,
    /// `recovery_code`, `passkey`), passed or refused.
    pub const SECOND_FACTOR: &str = "sign_in.second_factor";
    /// A person allowed a client on the consent page (`detail.scope`).
    pub const CONSENT_GIVEN: &str = "consent.given";
    /// A browser session ended at `/logout` (RP-initiated logout).
    pub const LOGOUT: &str = "session.logout";
    /// A rotated refresh token was presented again: its grant (the whole
    /// token family) is revoked. Actor `system`, target the user.
    pub const REFRESH_TOKEN_REUSED: &str = "token.refresh_token_reused";
    /// A used authorization code was presented again: its grant is revoked.
    pub const CODE_REUSED: &str = "token.code_reused";
    /// Clients: by the admin API (`admin:admin_token`), the CLI
    /// (`admin:cli`) or dynamic registration (`client:{client_id}` for the
    /// management endpoint; `system` for an open `/register`).
    pub const CLIENT_CREATED: &str = "client.created";
    /// Metadata changed (`detail.fields`: names only).
    pub const CLIENT_UPDATED: &str = "client.updated";
    pub const CLIENT_DEACTIVATED: &str = "client.deactivated";
    pub const CLIENT_REACTIVATED: &str = "client.reactivated";
    pub const CLIENT_DELETED: &str = "client.deleted";
    /// A new client secret was issued (never the secret itself).
    pub const CLIENT_SECRET_ROTATED: &str = "client.secret_rotated";
    /// Resources (RFC 8707 APIs) registered, changed (`detail.fields`:
    /// names only) or deleted, by the admin API or the CLI; target
    /// `resource:{identifier}`.
    pub const RESOURCE_CREATED: &str = "resource.created";
    pub const RESOURCE_UPDATED: &str = "resource.updated";
    pub const RESOURCE_DELETED: &str = "resource.deleted";
    /// New signing keys (`detail.kids`, `detail.algs`).
    pub const KEYS_ROTATED: &str = "keys.rotated";
    /// The maintenance switch set through the admin API (the one setting
    /// the API changes; `detail.enabled`).
    pub const MAINTENANCE_SWITCHED: &str = "admin.maintenance_switched";
    /// A request to the admin API without a valid token (actor `system`),
    /// or a write with the read-only one (`admin:admin_readonly_token`).
    /// At most one event per address per minute is kept; the next kept one
    /// counts those left out (`detail.unrecorded`). Every refusal is still
    /// logged.
    pub const ADMIN_ACCESS_DENIED: &str = "admin.access_denied";
}

/// Every kind, for documentation and filters.
pub const KINDS: &[&str] = &[
    kind::SIGN_IN,
    kind::SECOND_FACTOR,
    kind::PROFILE_UPDATED,
    kind::PASSWORD_CHANGED,
    kind::TOTP_ENROLLED,
    kind::TOTP_REMOVED,
    kind::RECOVERY_CODES_REGENERATED,
    kind::SESSION_ENDED,
    kind::LOGOUT,
    kind::CONSENT_GIVEN,
    kind::CONSENT_REVOKED,
    kind::ADMIN_USER_CREATED,
    kind::ADMIN_USER_UPDATED,
    kind::ADMIN_USER_DELETED,
    kind::ADMIN_SESSIONS_ENDED,
    kind::ROLES_CHANGED,
    kind::RECOVERY_REQUESTED,
    kind::RECOVERY_USED,
    kind::EMAIL_VERIFIED,
    kind::PASSKEY_ADDED,
    kind::PASSKEY_RENAMED,
    kind::PASSKEY_REMOVED,
    kind::REFRESH_TOKEN_REUSED,
    kind::CODE_REUSED,
    kind::CLIENT_CREATED,
    kind::CLIENT_UPDATED,
    kind::CLIENT_DEACTIVATED,
    kind::CLIENT_REACTIVATED,
    kind::CLIENT_DELETED,
    kind::CLIENT_SECRET_ROTATED,
    kind::RESOURCE_CREATED,
    kind::RESOURCE_UPDATED,
    kind::RESOURCE_DELETED,
    kind::KEYS_ROTATED,
    kind::MAINTENANCE_SWITCHED,
    kind::ADMIN_ACCESS_DENIED,
];

/// Who acted: a user (by `sub`), an admin token (by its name), or the
/// server itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User(String),
    Admin(String),
    /// A client acting for itself (dynamic client management, RFC 7592).
    Client(String),
    System,
}

impl Actor {
    /// As stored and filtered: `user:{sub}`, `admin:{name}`,
    /// `client:{client_id}`, `system`.
    pub fn as_string(&self) -> String {
        match self {
            Actor::User(sub) => format!("user:{sub}"),
            Actor::Admin(name) => format!("admin:{name}"),
            Actor::Client(id) => format!("client:{id}"),
            Actor::System => "system".into(),
        }
    }
}

/// How the action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "success" => Some(Outcome::Success),
            "failure" => Some(Outcome::Failure),
            _ => None,
        }
    }
}

/// One event, as appended. `actor` is [`Actor::as_string`]; `target` what
/// was acted on (`user:{sub}`, a client id, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: i64,
    pub actor: String,
    pub address: Option<String>,
    pub target: String,
    pub kind: String,
    pub outcome: Outcome,
    pub detail: serde_json::Value,
}

impl AuditEvent {
    /// A successful `kind` by `actor` on `target` now, without address or
    /// detail (add them with the builder methods).
    pub fn new(actor: &Actor, kind: &str, target: impl Into<String>) -> AuditEvent {
        AuditEvent {
            at: crate::now_unix(),
            actor: actor.as_string(),
            address: None,
            target: target.into(),
            kind: kind.to_string(),
            outcome: Outcome::Success,
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn failed(mut self) -> AuditEvent {
        self.outcome = Outcome::Failure;
        self
    }

    pub fn address(mut self, address: Option<String>) -> AuditEvent {
        self.address = address;
        self
    }

    /// Add `key` to the detail (names and ids only: never a secret).
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> AuditEvent {
        if let serde_json::Value::Object(map) = &mut self.detail {
            map.insert(key.to_string(), value.into());
        }
        self
    }
}

/// An event as kept, with its place in the trail (ids grow with time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: i64,
    #[serde(flatten)]
    pub event: AuditEvent,
}

/// A page of the trail, newest first: events before `before` (an id),
/// matching every filter given, at most `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub target: Option<String>,
    pub kind: Option<String>,
    pub before: Option<i64>,
    pub limit: i64,
}

/// The most a page of the trail holds, and the default.
pub const PAGE_MAX: i64 = 200;
pub const PAGE_DEFAULT: i64 = 50;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_built_and_reads_back() {
        let e = AuditEvent::new(&Actor::User("u1".into()), kind::SESSION_ENDED, "user:u1")
            .with("sid", "s")
            .address(Some("127.0.0.1".into()))
            .failed();
        assert_eq!(e.actor, "user:u1");
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.detail["sid"], "s");
        let json = serde_json::to_value(AuditRecord { id: 3, event: e }).unwrap();
        assert_eq!(json["id"], 3);
        assert_eq!(json["outcome"], "failure");
        assert_eq!(json["kind"], "account.session_ended");
        assert_eq!(Actor::Admin("ops".into()).as_string(), "admin:ops");
        assert_eq!(Actor::System.as_string(), "system");
        assert_eq!(Outcome::parse("success"), Some(Outcome::Success));
    }
}
