//! `/admin/v1/audit`: the audit trail, newest first.

use super::caller::Caller;
use super::shared::*;

/// A page of the audit trail.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub events: Vec<latchkey_core::audit::AuditRecord>,
    /// The `before` of the next page; `null` on the last one.
    pub next: Option<i64>,
}

/// `GET /admin/v1/audit?actor=&target=&kind=&limit=&before=`: the audit
/// trail, newest first. `next` is the `before` of the following page
/// (absent on the last one).
#[utoipa::path(
    get,
    path = "/audit",
    tag = "audit",
    summary = "Read the audit trail",
    params(("actor" = Option<String>, Query, description = "Only events by this actor (`user:{sub}`, `admin:admin_token`, `client:{id}`, `system`)"), ("target" = Option<String>, Query, description = "Only events on this target (`user:{sub}`, `client:{id}`, ...)"), ("kind" = Option<String>, Query, description = "Only events of this kind (`sign_in`, `client.created`, ...)"), ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "Events per page (default 50; an empty value counts as absent, as for every filter)"), ("before" = Option<i64>, Query, minimum = 1, description = "Only events older than this id: the `next` of the previous page")),
    responses(
        (status = 200, description = "A page of the trail, newest first", body = AuditPage),
        (status = 400, description = "A filter given twice or holding a NUL character, or a `limit` or `before` out of range (`audit_query_invalid`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn list_audit(
    State(app): State<Arc<App>>,
    _caller: Caller,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> AdminResult {
    let params = latchkey_core::authorize::RawParams::parse(query.as_deref().unwrap_or(""));
    let q = manage::audit::query(&params).map_err(Failure::admin)?;
    let (events, next) = manage::audit::page(app.store.as_ref(), &q)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, json!(AuditPage { events, next })))
}
