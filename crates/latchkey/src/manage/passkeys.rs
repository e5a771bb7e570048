//! A user's passkeys, for the admin API and the CLI: listed (never the
//! credential itself) and removed one by one.

use super::users;
use latchkey_core::Occurrence;
use latchkey_core::audit::{Actor, AuditEvent, kind};
use latchkey_core::catalogue::PASSKEY_NOT_FOUND;
use latchkey_core::passkey_record::PasskeyRecord;
use latchkey_core::store::Store;
use serde_json::{Value, json};

pub fn view(p: &PasskeyRecord) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "credential_id": p.credential_id,
        "sign_count": p.sign_count,
        "created_at": p.created_at,
        "last_used_at": p.last_used_at,
    })
}

/// The passkeys of the user named by `sub` or username, oldest first.
pub async fn list(store: &dyn Store, user: &str) -> Result<Value, Occurrence> {
    let user = users::get(store, user).await?;
    let passkeys = store.list_passkeys(&user.sub).await?;
    Ok(json!({
        "sub": user.sub,
        "passkeys": passkeys.iter().map(view).collect::<Vec<_>>(),
    }))
}

/// Remove one of the user's passkeys: the next sign-in with it is refused
/// (`passkey_unknown`). Recorded in the audit trail (`passkey.removed`)
/// with `actor` (the admin token, or the CLI) and the caller's address.
pub async fn remove(
    store: &dyn Store,
    user: &str,
    id: &str,
    actor: &Actor,
    address: Option<String>,
) -> Result<(), Occurrence> {
    let user = users::get(store, user).await?;
    if store.delete_passkey(&user.sub, id).await? {
        tracing::info!(sub = %user.sub, passkey = %id, "passkey removed");
        let event = AuditEvent::new(actor, kind::PASSKEY_REMOVED, format!("user:{}", user.sub))
            .address(address)
            .with("passkey", id);
        crate::audit::append(store, event).await;
        Ok(())
    } else {
        Err(PASSKEY_NOT_FOUND.with_detail(format!("user {} has no passkey {id}", user.sub)))
    }
}
