//! Recording to the audit trail: one call, [`record`], for every feature.
//! The event is logged as one structured line and appended to the store; a
//! store that cannot take it is logged, never turned into the request's
//! failure (what the event records has already happened).
//!
//! The log line (target `latchkey::audit`, message `audit`) carries the
//! event's fields under stable names, for a SIEM to pick up:
//! `event` (the kind), `actor`, `address` (empty when not known),
//! `audit_target`, `outcome`, `at` (Unix seconds) and `detail` (the JSON
//! object of names and ids). Never a secret: events carry none.

use crate::app::App;
use latchkey_core::audit::{Actor, AuditEvent, kind};
use latchkey_core::store::AuditStore;
use serde_json::Value;

/// Log `event` and append it to the trail.
pub async fn record(app: &App, event: AuditEvent) {
    append(app.store.as_ref(), event).await
}

/// [`record`] without the server's state: for the CLI, which has the
/// store only.
pub async fn append(store: &dyn AuditStore, event: AuditEvent) {
    log(&event);
    if let Err(e) = store.append_audit(&event).await {
        let json = serde_json::to_string(&event).unwrap_or_default();
        tracing::error!(error = %e, event = %json, "the audit trail could not keep this event");
    }
}

/// The event's log line.
pub fn log(event: &AuditEvent) {
    tracing::info!(
        target: "latchkey::audit",
        event = %event.kind,
        actor = %event.actor,
        address = event.address.as_deref().unwrap_or_default(),
        audit_target = %event.target,
        outcome = event.outcome.as_str(),
        at = event.at,
        detail = %event.detail,
        "audit"
    );
}

/// Purge events older than `audit.retention_days`; run with the other
/// purges.
pub async fn purge(store: &dyn AuditStore, retention_days: i64, now: i64, limit: i64) {
    let before = now.saturating_sub(retention_days.saturating_mul(86_400));
    match store.purge_audit(before, limit).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(rows = n, "purged old audit events"),
        Err(e) => tracing::warn!(error = %e, "audit purge failed"),
    }
}

/// The changes to a client made by an update, as events: `client.updated`
/// naming the fields sent (names only, never values), and
/// `client.deactivated` / `client.reactivated` when `active` flipped and
/// `client.secret_rotated` when a new secret was issued. `answer` is the
/// client as the update answered it (`client_secret` present only when
/// one was just issued; it is never copied).
pub fn client_updated(
    actor: &Actor,
    address: Option<String>,
    was_active: bool,
    fields: Vec<String>,
    answer: &Value,
) -> Vec<AuditEvent> {
    let client_id = answer
        .get("client_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let target = format!("client:{client_id}");
    let event = |kind: &str| AuditEvent::new(actor, kind, target.clone()).address(address.clone());
    let mut events = vec![event(kind::CLIENT_UPDATED).with("fields", fields)];
    match (was_active, answer.get("active").and_then(Value::as_bool)) {
        (true, Some(false)) => events.push(event(kind::CLIENT_DEACTIVATED)),
        (false, Some(true)) => events.push(event(kind::CLIENT_REACTIVATED)),
        _ => {}
    }
    if answer.get("client_secret").is_some() {
        // A secret set by an update replaces the old one at once.
        events.push(event(kind::CLIENT_SECRET_ROTATED).with("grace_seconds", 0));
    }
    events
}

/// `client.secret_rotated` for a rotation with `grace_seconds` during
/// which the previous secret still works (0: none).
pub fn client_secret_rotated(
    actor: &Actor,
    address: Option<String>,
    client_id: &str,
    grace_seconds: i64,
) -> AuditEvent {
    AuditEvent::new(
        actor,
        kind::CLIENT_SECRET_ROTATED,
        format!("client:{client_id}"),
    )
    .address(address)
    .with("grace_seconds", grace_seconds)
}

/// `client.created` for a client as the creation answered it.
pub fn client_created(actor: &Actor, address: Option<String>, answer: &Value) -> AuditEvent {
    let client_id = answer
        .get("client_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut event = AuditEvent::new(actor, kind::CLIENT_CREATED, format!("client:{client_id}"))
        .address(address);
    if let Some(name) = answer.get("client_name").and_then(Value::as_str) {
        event = event.with("client_name", name);
    }
    if let Some(method) = answer
        .get("token_endpoint_auth_method")
        .and_then(Value::as_str)
    {
        event = event.with("token_endpoint_auth_method", method);
    }
    event
}

/// `resource.created`, `resource.updated` or `resource.deleted` (`kind`)
/// for the resource `identifier`.
pub fn resource_changed(actor: &Actor, kind: &str, identifier: &str) -> AuditEvent {
    AuditEvent::new(actor, kind, format!("resource:{identifier}"))
}

/// `keys.rotated` for the keys a rotation made (ids and algorithms only).
pub fn keys_rotated(actor: &Actor, new: &[latchkey_core::key_record::KeyRecord]) -> AuditEvent {
    let kids: Vec<&str> = new.iter().map(|k| k.kid.as_str()).collect();
    let algs: Vec<&str> = new.iter().map(|k| k.alg.as_str()).collect();
    AuditEvent::new(actor, kind::KEYS_ROTATED, "keys")
        .with("kids", kids)
        .with("algs", algs)
}

/// Append each of `events`.
pub async fn append_all(store: &dyn AuditStore, events: Vec<AuditEvent>) {
    for event in events {
        append(store, event).await;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_is_in_the_readme_table() {
        let readme = include_str!("../../../README.md");
        let table = &readme[readme.find("### Audit trail").unwrap()..];
        for kind in latchkey_core::audit::KINDS {
            assert!(
                table.contains(&format!("`{kind}`")),
                "{kind} is not documented"
            );
        }
    }

    #[test]
    fn an_update_names_what_changed_and_never_the_secret() {
        let actor = Actor::Admin("cli".into());
        let answer = json!({"client_id": "app", "active": false, "client_secret": "s3cret"});
        let events = client_updated(&actor, None, true, vec!["active".into()], &answer);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                kind::CLIENT_UPDATED,
                kind::CLIENT_DEACTIVATED,
                kind::CLIENT_SECRET_ROTATED
            ]
        );
        assert!(events.iter().all(|e| e.target == "client:app"));
        assert!(
            !serde_json::to_string(&events[0])
                .unwrap()
                .contains("s3cret")
        );
        let back = client_updated(
            &actor,
            None,
            false,
            vec![],
            &json!({"client_id": "app", "active": true}),
        );
        assert_eq!(back[1].kind, kind::CLIENT_REACTIVATED);
    }
}
