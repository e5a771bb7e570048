//! The last use of a connected application: when tokens are issued for a
//! user's grant, the store notes the grant with its client, user and
//! browser session (the account page's "last used", how a revoked
//! application's grants are found, including those whose only trace is an
//! access token, and which clients a session's end must tell).
//!
//! Kept cheap on the token path: a grant already noted on this node within
//! [`GRANULARITY`] seconds is not written again (a refresh of the same
//! grant), so the write happens once per new grant and at most once a
//! minute per grant after that. The first note of a grant is written before
//! the tokens are answered, so a revocation right after finds it.
//!
//! A client's last use (the admin console's "last use": any grant,
//! `client_credentials` included) is noted the same way per client, off
//! the request path: nothing waits on it.

use crate::app::App;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// Seconds within which a grant's use is not written again by this node.
pub const GRANULARITY: i64 = 60;

/// Entries kept before the oldest half is dropped.
const CAPACITY: usize = 10_000;

/// When this node last wrote each grant's use.
#[derive(Default)]
pub struct GrantUses {
    noted: Mutex<HashMap<String, i64>>,
}

impl GrantUses {
    /// Whether `grant_id`'s use at `now` needs writing; remembers it as
    /// written when so.
    fn due(&self, grant_id: &str, now: i64) -> bool {
        let mut noted = self.noted.lock().unwrap_or_else(PoisonError::into_inner);
        if noted.get(grant_id).is_some_and(|at| now - at < GRANULARITY) {
            return false;
        }
        if noted.len() >= CAPACITY {
            noted.retain(|_, at| now - *at < GRANULARITY);
        }
        noted.insert(grant_id.to_string(), now);
        true
    }

    /// Forget a grant whose write failed, so the next use tries again.
    fn forget(&self, grant_id: &str) {
        self.noted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(grant_id);
    }
}

/// Note that tokens of `grant_id` were issued to `client_id` for `sub`, in
/// the browser session `sid` if the grant was made in one (so that the
/// session's end reaches the client: back-channel logout). A failed write
/// is logged: the tokens are already made.
pub async fn note(app: &App, grant_id: &str, sub: &str, client_id: &str, sid: Option<&str>) {
    let now = latchkey_core::now_unix();
    if !app.grant_uses.due(grant_id, now) {
        return;
    }
    let keep_until = now
        + app
            .config
            .refresh_token_ttl
            .max(app.config.access_token_ttl);
    if let Err(e) = app
        .store
        .record_grant_use(grant_id, sub, client_id, sid, now, keep_until)
        .await
    {
        app.grant_uses.forget(grant_id);
        tracing::warn!(error = %e, client_id, "the use of a grant could not be noted");
    }
}

/// Note that `client_id` got tokens now: written at most once a minute
/// per client by this node, in the background. A failed write is logged
/// and tried again at the next use.
pub fn note_client(app: &App, client_id: &str) {
    let now = latchkey_core::now_unix();
    if !app.client_uses.due(client_id, now) {
        return;
    }
    let store = app.store.clone();
    let client_id = client_id.to_string();
    let uses = app.client_uses.clone();
    tokio::spawn(async move {
        if let Err(e) = store.record_client_use(&client_id, now).await {
            uses.forget(&client_id);
            tracing::warn!(error = %e, client_id, "the use of a client could not be noted");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_is_written_once_a_minute() {
        let uses = GrantUses::default();
        assert!(uses.due("g", 100));
        assert!(!uses.due("g", 159));
        assert!(uses.due("g", 160));
        assert!(uses.due("h", 160));
        uses.forget("h");
        assert!(uses.due("h", 161));
    }
}
