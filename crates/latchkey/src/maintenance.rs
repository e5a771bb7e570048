//! Maintenance switched through the admin API: kept in the database
//! (`latchkey_settings`, name `maintenance`) so every node honours it. A
//! switch bumps the `settings` change topic; each node's change watcher
//! reads the value again when it moves, so it holds everywhere within a
//! second. The `maintenance` setting of a node adds to it (either one on
//! means maintenance there).

use crate::app::App;
use latchkey_core::store::StoreResult;

/// The name of the stored setting.
pub const SETTING: &str = "maintenance";

/// Read the stored switch into the node.
pub async fn load(app: &App) -> StoreResult<bool> {
    let on = app.store.get_setting(SETTING).await?.as_deref() == Some("true");
    if on != app.stored_maintenance() {
        tracing::info!(
            maintenance = on,
            "maintenance switched through the admin API"
        );
    }
    app.set_stored_maintenance(on);
    Ok(on)
}

/// Store the switch and apply it on this node at once.
pub async fn switch(app: &App, on: bool) -> StoreResult<()> {
    app.store
        .set_setting(
            SETTING,
            if on { "true" } else { "false" },
            latchkey_core::now_unix(),
        )
        .await?;
    app.set_stored_maintenance(on);
    tracing::info!(
        maintenance = on,
        "maintenance switched through the admin API"
    );
    Ok(())
}
