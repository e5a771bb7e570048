//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when a
//! user's session ends, every client that received tokens in it and
//! registered a `backchannel_logout_uri` is sent a Logout Token.
//!
//! Whatever ends a session asks [`before_end`] which clients to tell (the
//! grants noted with their session, read before the session and its traces
//! go), ends it, then hands the answer to [`queue`] (or [`after_end`],
//! which also wakes this node's worker). Only a row per delivery is
//! written on the request's path; the worker on each node claims due rows
//! for a lease, signs a fresh Logout Token for each attempt, POSTs it
//! through the fetch fence within `backchannel_logout.timeout`, deletes
//! the row on a 2xx answer, and otherwise retries with growing waits
//! (`backchannel_logout.retry_base`), giving up after
//! `backchannel_logout.attempts` with the cause `backchannel_logout_failed`
//! in the log. A node that dies mid-delivery leaves its rows to another
//! node when the lease ends.

use crate::app::App;
use crate::http::fetch::FetchError;
use latchkey_core::backchannel::{CLAIM_LEASE, PendingLogout, QUEUE_TTL, deliveries};
use latchkey_core::catalogue::BACKCHANNEL_LOGOUT_FAILED;
use latchkey_core::client::ClientRecord;
use latchkey_core::crypto::random_token;
use latchkey_core::logout::{logout_token_claims, sign_logout_token};
use latchkey_core::store::Store;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How often a worker looks for due deliveries without being woken
/// (retries, and deliveries other nodes or the CLI queued).
const POLL_EVERY: Duration = Duration::from_secs(1);
/// Deliveries claimed at once; they are sent side by side, each within
/// `backchannel_logout.timeout` (at most 30 s), well inside the lease.
const BATCH: i64 = 8;
const _: () = assert!(30 < CLAIM_LEASE);

/// Until when the grants a session's end revokes are remembered (the
/// store's `end_session` and `end_sessions`): longer than any token or code
/// issued from them can live.
pub fn revocation_horizon(app: &App, now: i64) -> i64 {
    horizon(&app.config, now)
}

/// [`revocation_horizon`] from the settings alone (the CLI has no server).
pub fn horizon(config: &crate::config::Config, now: i64) -> i64 {
    now + config
        .refresh_token_ttl
        .max(config.access_token_ttl)
        .max(latchkey_core::token::ACCESS_TOKEN_TTL_MAX)
}

/// The deliveries a session's end calls for, worked out before it ends.
#[derive(Debug, Default)]
pub struct Ending {
    sub: String,
    /// (client, session named in the token).
    rows: Vec<(String, Option<String>)>,
}

impl Ending {
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Which clients to tell that `sub` logged out: of the session `sid`, or
/// of every session when `None`. Read before the session ends (ending
/// every session also forgets the grants). A store failure is logged and
/// tells nobody: the logout itself goes on.
pub async fn before_end(store: &dyn Store, sub: &str, sid: Option<&str>) -> Ending {
    let clients = match store.session_clients(sub, sid).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, sub, "back-channel logout: cannot read which clients the session reached; none is told");
            return Ending::default();
        }
    };
    let mut wants: HashMap<String, Option<bool>> = HashMap::new();
    for c in &clients {
        if wants.contains_key(&c.client_id) {
            continue;
        }
        let want = match store.get_client(&c.client_id).await {
            Ok(Some(record)) => wants_logout(&record),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, client_id = %c.client_id, "back-channel logout: cannot read the client; it is not told");
                None
            }
        };
        wants.insert(c.client_id.clone(), want);
    }
    Ending {
        sub: sub.to_string(),
        rows: deliveries(sid, &clients, |id| wants.get(id).copied().flatten()),
    }
}

/// `Some(session_required)` when the client takes Logout Tokens.
fn wants_logout(client: &ClientRecord) -> Option<bool> {
    (client.active && client.metadata.backchannel_logout_uri.is_some())
        .then_some(client.metadata.backchannel_logout_session_required)
}

/// Queue the deliveries of a session that ended. Returns how many; a
/// failure is logged (the session has ended either way).
pub async fn queue(store: &dyn Store, ending: Ending) -> usize {
    if ending.rows.is_empty() {
        return 0;
    }
    let now = latchkey_core::now_unix();
    let rows: Vec<PendingLogout> = ending
        .rows
        .iter()
        .map(|(client_id, sid)| PendingLogout {
            id: uuid::Uuid::now_v7().to_string(),
            client_id: client_id.clone(),
            sub: ending.sub.clone(),
            sid: sid.clone(),
            attempts: 0,
            due_at: now,
            created_at: now,
            expires_at: now + QUEUE_TTL,
        })
        .collect();
    match store.enqueue_logouts(&rows).await {
        Ok(()) => {
            let clients: Vec<&str> = rows.iter().map(|r| r.client_id.as_str()).collect();
            tracing::info!(sub = %ending.sub, clients = ?clients, "back-channel logout queued");
            rows.len()
        }
        Err(e) => {
            tracing::warn!(error = %e, sub = %ending.sub, "back-channel logout: cannot queue the Logout Tokens; the clients are not told");
            0
        }
    }
}

/// [`queue`], then wake this node's worker.
pub async fn after_end(app: &App, ending: Ending) {
    if queue(app.store.as_ref(), ending).await > 0 {
        app.logout_wake.notify_one();
    }
}

/// The worker of this node: deliver due Logout Tokens until the process
/// ends. `app.logout_wake` is notified when a request queues some.
pub async fn worker(app: Arc<App>) {
    let wake = app.logout_wake.clone();
    loop {
        drain(&app).await;
        tokio::select! {
            () = wake.notified() => {},
            () = tokio::time::sleep(POLL_EVERY) => {},
        }
    }
}

/// Claim and deliver due Logout Tokens, batch after batch, until none is
/// due. The deliveries of a batch run side by side, so a client that does
/// not answer delays no other.
async fn drain(app: &Arc<App>) {
    loop {
        let Ok(claim) = random_token() else { return };
        let now = latchkey_core::now_unix();
        let batch = match app
            .store
            .claim_logouts(&claim, now, now + CLAIM_LEASE, BATCH)
            .await
        {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "back-channel logout: cannot read the queue");
                return;
            }
        };
        if batch.is_empty() {
            return;
        }
        let mut running = tokio::task::JoinSet::new();
        for logout in batch {
            let app = app.clone();
            let claim = claim.clone();
            running.spawn(async move { deliver(&app, &claim, logout).await });
        }
        while running.join_next().await.is_some() {}
    }
}

/// Why an attempt failed, and whether trying again could help.
struct Failed {
    reason: String,
    permanent: bool,
}

async fn deliver(app: &App, claim: &str, logout: PendingLogout) {
    let store = app.store.as_ref();
    let client = match store.get_client(&logout.client_id).await {
        Ok(client) => client,
        Err(e) => {
            // Left claimed: the lease runs out and it is tried again.
            tracing::warn!(error = %e, client_id = %logout.client_id, "back-channel logout: cannot read the client");
            return;
        }
    };
    let target = client.as_ref().and_then(|c| {
        let uri = c.metadata.backchannel_logout_uri.clone()?;
        let sid_ok = logout.sid.is_some() || !c.metadata.backchannel_logout_session_required;
        (c.active && sid_ok).then_some((c, uri))
    });
    let Some((client, uri)) = target else {
        // Deleted, deactivated or changed since: it no longer takes this token.
        tracing::info!(logout_id = %logout.id, client_id = %logout.client_id, "back-channel logout dropped: the client no longer takes it");
        finish(store.delete_logout(&logout.id, claim).await, &logout);
        return;
    };
    let outcome = attempt(app, client, &uri, &logout).await;
    let now = latchkey_core::now_unix();
    let attempts = logout.attempts + 1;
    let client_id = logout.client_id.as_str();
    match outcome {
        Ok(status) => {
            metrics::counter!("latchkey_backchannel_logouts_total", "outcome" => "delivered")
                .increment(1);
            tracing::info!(logout_id = %logout.id, client_id, sub = %logout.sub, sid = logout.sid.as_deref(), status, attempts, "back-channel logout delivered");
            finish(store.delete_logout(&logout.id, claim).await, &logout);
        }
        Err(failed) => {
            let next = app
                .config
                .backchannel_retry
                .next_attempt(attempts, now)
                .filter(|due| *due < logout.expires_at && !failed.permanent);
            match next {
                Some(due) => {
                    metrics::counter!("latchkey_backchannel_logouts_total", "outcome" => "retried")
                        .increment(1);
                    tracing::info!(logout_id = %logout.id, client_id, attempts, retry_in = due - now, error = %failed.reason, "back-channel logout not delivered yet; will retry");
                    finish(store.retry_logout(&logout.id, claim, due).await, &logout);
                }
                None => {
                    metrics::counter!("latchkey_backchannel_logouts_total", "outcome" => "given_up")
                        .increment(1);
                    let occ = BACKCHANNEL_LOGOUT_FAILED
                        .with_detail(format!(
                            "the Logout Token for client {client_id} was given up after {attempts} attempts; the last one: {}",
                            failed.reason
                        ))
                        .client(client_id.to_string());
                    crate::http::respond::report(app, &occ, "backchannel_logout_uri");
                    finish(store.delete_logout(&logout.id, claim).await, &logout);
                }
            }
        }
    }
}

/// Sign a fresh Logout Token and POST it; the 2xx status, or why not.
async fn attempt(
    app: &App,
    client: &ClientRecord,
    uri: &str,
    logout: &PendingLogout,
) -> Result<u16, Failed> {
    let now = latchkey_core::now_unix();
    let signed = random_token().map_err(Into::into).and_then(|jti| {
        // The user as this client knows them (a pairwise client its own `sub`).
        let sub = client.subject(&app.secrets, &logout.sub);
        let claims = logout_token_claims(
            &app.config.issuer,
            &client.client_id,
            &sub,
            logout.sid.as_deref(),
            now,
            &jti,
        );
        sign_logout_token(&app.keys(), client, &claims)
    });
    let token = signed.map_err(|occ: latchkey_core::Occurrence| Failed {
        reason: format!(
            "the Logout Token could not be signed: {}",
            occ.debug.clone().unwrap_or_else(|| occ.description())
        ),
        permanent: false,
    })?;
    let timeout = Duration::from_secs(app.config.backchannel_timeout.unsigned_abs());
    match app.fetcher.post_logout_token(uri, &token, timeout).await {
        Ok(status) if (200..300).contains(&status) => Ok(status),
        Ok(status) => Err(Failed {
            reason: format!("{uri} answered HTTP {status}"),
            permanent: false,
        }),
        Err(FetchError::Refused(why)) => Err(Failed {
            reason: format!("the fetch fence refused {uri}: {why}"),
            permanent: true,
        }),
        Err(e) => Err(Failed {
            reason: format!("{uri}: {e}"),
            permanent: false,
        }),
    }
}

fn finish(result: Result<bool, latchkey_core::store::StoreError>, logout: &PendingLogout) {
    if let Err(e) = result {
        tracing::warn!(error = %e, logout_id = %logout.id, "back-channel logout: cannot update the queue");
    }
}
