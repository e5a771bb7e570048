//! A user's passkeys, for the admin API and the CLI: listed (never the
//! credential itself) and removed one by one.

use super::users;
use latchkey_core::Occurrence;
use latchkey_core::audit::{Actor, AuditEvent, kind};
use latchkey_core::catalogue::PASSKEY_NOT_FOUND;
use latchkey_core::passkey_record::PasskeyRecord;
use latchkey_core::store::Store;
use serde_json::Value;

/// A passkey as the admin API shows it (never the credential itself).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Passkey)]
pub struct PasskeyView {
    pub id: String,
    /// What the user called it.
    pub name: String,
    pub credential_id: String,
    pub sign_count: i64,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A user's passkeys.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PasskeyList {
    pub sub: String,
    pub passkeys: Vec<PasskeyView>,
}

pub fn view(p: &PasskeyRecord) -> PasskeyView {
    PasskeyView {
        id: p.id.clone(),
        name: p.name.clone(),
        credential_id: p.credential_id.clone(),
        sign_count: p.sign_count,
        created_at: p.created_at,
        last_used_at: p.last_used_at,
    }
}

/// The passkeys of the user named by `sub` or username, oldest first.
pub async fn list(store: &dyn Store, user: &str) -> Result<Value, Occurrence> {
    let user = users::get(store, user).await?;
    let passkeys = store.list_passkeys(&user.sub).await?;
    let listed = PasskeyList {
        sub: user.sub,
        passkeys: passkeys.iter().map(view).collect(),
    };
    Ok(serde_json::to_value(listed).unwrap_or_default())
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
    if super::storable(id) && store.delete_passkey(&user.sub, id).await? {
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
