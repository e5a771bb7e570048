//! Recording to the audit trail: one call, [`record`], for every feature.
//! The event is logged as JSON (`event=`) and appended to the store; a
//! store that cannot take it is logged, never turned into the request's
//! failure (what the event records has already happened).

use crate::app::App;
use latchkey_core::audit::AuditEvent;
use latchkey_core::store::AuditStore;

/// Log `event` and append it to the trail.
pub async fn record(app: &App, event: AuditEvent) {
    append(app.store.as_ref(), event).await
}

/// [`record`] without the server's state: for the CLI, which has the
/// store only.
pub async fn append(store: &dyn AuditStore, event: AuditEvent) {
    let json = serde_json::to_string(&event).unwrap_or_default();
    tracing::info!(event = %json, kind = %event.kind, "audit");
    if let Err(e) = store.append_audit(&event).await {
        tracing::error!(error = %e, event = %json, "the audit trail could not keep this event");
    }
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
