//! `/admin/v1/maintenance`: the maintenance switch of every node.

use super::caller::Caller;
use super::shared::*;

/// The maintenance switch as this node sees it.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Maintenance)]
pub struct MaintenanceView {
    /// Whether maintenance is in effect on this node.
    pub enabled: bool,
    /// The admin API's switch, shared by every node.
    pub switched: bool,
    /// This node's `maintenance` setting.
    pub setting: bool,
}

fn maintenance_view(app: &App) -> Value {
    json!(MaintenanceView {
        enabled: app.in_maintenance(),
        switched: app.stored_maintenance(),
        setting: app.config.maintenance,
    })
}

/// `GET /admin/v1/maintenance`: `enabled` (in effect on this node),
/// `switched` (the admin API's switch, shared by every node) and `setting`
/// (this node's `maintenance` setting).
#[utoipa::path(
    get,
    path = "/maintenance",
    tag = "maintenance",
    summary = "Show the maintenance switch",
    responses(
        (status = 200, description = "The switch as this node sees it", body = MaintenanceView)
    ),
    security(("bearer" = []))
)]
pub(super) async fn show_maintenance(State(app): State<Arc<App>>, _caller: Caller) -> AdminResult {
    Ok(ok(StatusCode::OK, maintenance_view(&app)))
}

/// `PUT /admin/v1/maintenance {"enabled": bool}`: switch maintenance on or
/// off for every node (this one at once, the others within a second).
#[utoipa::path(
    put,
    path = "/maintenance",
    tag = "maintenance",
    summary = "Switch maintenance on or off for every node",
    request_body(content = crate::http::openapi::MaintenanceSwitch, content_type = "application/json"),
    responses(
        (status = 200, description = "The switch as changed", body = MaintenanceView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or no boolean `enabled` (`malformed_body`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn set_maintenance(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> AdminResult {
    let body = json_body(&headers, &body)?;
    let Some(on) = body.get("enabled").and_then(Value::as_bool) else {
        return Err(Failure::admin(
            MALFORMED_BODY
                .with_detail(r#"send {"enabled": true} or {"enabled": false}"#)
                .field("enabled", "must be true or false"),
        ));
    };
    crate::maintenance::switch(&app, on)
        .await
        .map_err(|e| Failure::admin(latchkey_core::Occurrence::from(e)))?;
    let event = caller
        .event(
            latchkey_core::audit::kind::MAINTENANCE_SWITCHED,
            "maintenance",
        )
        .with("enabled", on);
    crate::audit::record(&app, event).await;
    Ok(ok(StatusCode::OK, maintenance_view(&app)))
}
