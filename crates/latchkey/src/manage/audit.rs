//! The audit trail as read by the admin API (`GET /admin/v1/audit`) and
//! the admin console: the same filters, read from the same query string,
//! and the same pages, newest first.

use latchkey_core::Occurrence;
use latchkey_core::audit::{AuditQuery, AuditRecord, PAGE_DEFAULT, PAGE_MAX};
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::AUDIT_QUERY_INVALID;
use latchkey_core::store::Store;

/// `actor`, `target`, `kind` (each matched exactly; empty means any),
/// `before` (an event id: the page after the one that ended there) and
/// `limit` (1 to [`PAGE_MAX`], default [`PAGE_DEFAULT`]).
pub fn query(params: &RawParams) -> Result<AuditQuery, Occurrence> {
    super::plain_query(params, &AUDIT_QUERY_INVALID)?;
    let invalid = |detail: String| AUDIT_QUERY_INVALID.with_detail(detail);
    let text = |name: &str| {
        params
            .single(name)
            .ok()
            .flatten()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let number = |name: &str, min: i64, max: i64| -> Result<Option<i64>, Occurrence> {
        match text(name) {
            None => Ok(None),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(invalid(format!(
                    "{name} must be a whole number from {min} to {max}, got {v:?}"
                ))),
            },
        }
    };
    Ok(AuditQuery {
        actor: text("actor"),
        target: text("target"),
        kind: text("kind"),
        before: number("before", 1, i64::MAX)?,
        limit: number("limit", 1, PAGE_MAX)?.unwrap_or(PAGE_DEFAULT),
    })
}

/// One page of the trail, newest first, and the `before` of the next page
/// (`None` on the last one).
pub async fn page(
    store: &dyn Store,
    q: &AuditQuery,
) -> Result<(Vec<AuditRecord>, Option<i64>), Occurrence> {
    let events = store.list_audit(q).await?;
    let next = (events.len() as i64 == q.limit)
        .then(|| events.last().map(|e| e.id))
        .flatten();
    Ok((events, next))
}
