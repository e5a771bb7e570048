//! `/admin/v1/errors`: error occurrences, one by its `error_id` and counts
//! by code and cause over time.

use super::caller::Caller;
use super::shared::*;

/// `GET /admin/v1/errors`: the occurrences the store keeps, counted by
/// code and cause over the last 24 hours by hour or the last 7 days by
/// day, as the console's table and chart show them.
#[utoipa::path(
    get,
    path = "/errors",
    tag = "errors",
    summary = "Count the errors by code and cause over time",
    params(
        ("span" = Option<String>, Query, description = "`day` (the last 24 hours by hour, the default) or `week` (the last 7 days by day); UTC", example = "day"),
        ("client_id" = Option<String>, Query, description = "Count one client's errors only")
    ),
    responses(
        (status = 200, description = "The counts per bucket, oldest first, a row per cause seen, most frequent first", body = manage::errors::CountsView),
        (status = 400, description = "A parameter given twice, an unknown `span` or a NUL character (`admin_query_invalid`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn count_errors(
    State(app): State<Arc<App>>,
    _caller: Caller,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> AdminResult {
    let params = latchkey_core::authorize::RawParams::parse(query.as_deref().unwrap_or(""));
    let (span, client) = manage::errors::query(&params).map_err(Failure::admin)?;
    let now = latchkey_core::now_unix();
    let counts = manage::errors::counts(app.store.as_ref(), span, now, client.as_deref())
        .await
        .map_err(Failure::admin)?;
    let view = manage::errors::CountsView::of(&counts, &app.config.issuer);
    Ok(ok(StatusCode::OK, json!(view)))
}

/// `GET /admin/v1/errors/{error_id}`: an occurrence with its internal
/// detail, for support.
#[utoipa::path(
    get,
    path = "/errors/{error_id}",
    tag = "errors",
    summary = "Look up an error occurrence",
    params(("error_id" = String, Path, description = "The `error_id` an answer or page showed")),
    responses(
        (status = 200, description = "The occurrence, with its internal detail", body = ErrorRecordView),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No occurrence with this id (`error_id_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn show_error(
    State(app): State<Arc<App>>,
    _caller: Caller,
    Path(error_id): Path<String>,
) -> AdminResult {
    let record = match manage::storable(&error_id) {
        true => app
            .store
            .get_error(&error_id)
            .await
            .map_err(|e| Failure::admin(latchkey_core::Occurrence::from(e)))?,
        false => None,
    };
    let record = record.ok_or_else(|| {
        Failure::admin(ERROR_ID_NOT_FOUND.with_detail(format!("error_id {error_id}")))
    })?;
    let shown = ErrorRecordView {
        error_id: record.error_id,
        cause: record.cause,
        error: record.code,
        status: record.status,
        error_description: record.description,
        debug: record.debug,
        endpoint: record.endpoint,
        client_id: record.client_id,
        created_at: record.created_at,
    };
    Ok(ok(StatusCode::OK, json!(shown)))
}

/// An error occurrence as recorded, with its internal detail.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = ErrorRecord)]
pub struct ErrorRecordView {
    pub error_id: String,
    /// The cause (a section of the error reference).
    pub cause: String,
    /// The error code sent on the wire.
    pub error: String,
    /// The HTTP status answered.
    pub status: i64,
    pub error_description: String,
    /// The internal detail, never sent to the caller.
    pub debug: Option<String>,
    /// The endpoint that answered (`/token`, ...).
    pub endpoint: String,
    pub client_id: Option<String>,
    pub created_at: i64,
}
