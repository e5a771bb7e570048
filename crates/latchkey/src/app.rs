//! The state every request shares, built once at start-up.

use crate::config::Config;
use latchkey_core::crypto::Secrets;
use latchkey_core::error::ErrorRecord;
use latchkey_core::error::render::RenderCtx;
use latchkey_core::keys::KeySet;
use latchkey_core::store::Store;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// The product name and logo shown on every page (`ui.name`, `ui.logo_uri`).
#[derive(Debug, Clone)]
pub struct Brand {
    pub name: String,
    pub logo_uri: Option<String>,
}

pub struct App {
    pub config: Config,
    /// Name and logo on every page.
    pub brand: Brand,
    pub store: Arc<dyn Store>,
    pub secrets: Secrets,
    keys: RwLock<Arc<KeySet>>,
    /// Pre-serialized bodies: built once, served as they are.
    pub discovery_json: axum::body::Bytes,
    pub errors_html: String,
    pub errors_json: String,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// Requests in flight on this node (`limits.max_in_flight`).
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// Fetches clients' `jwks_uri`, with limits and a cache.
    pub fetcher: crate::http::fetch::Fetcher,
    /// `[[upstream]]` identity providers and their cached discovery.
    pub upstreams: crate::http::upstreams::Upstreams,
    /// Argon2id verifications allowed at once (`limits.password_hashing`,
    /// by default one per core). Each holds
    /// its memory cost (19 MiB by default) while it runs, and more at once
    /// than cores would only add memory, not speed: a burst of sign-ins
    /// queues here instead of multiplying resident memory.
    pub password_slots: tokio::sync::Semaphore,
    /// One password or code check at a time per account on this node.
    pub sign_in_slots: crate::slots::Slots,
    /// Refused admin requests kept in the audit trail, per address.
    pub admin_denied: crate::admin_denied::DeniedLimiter,
    /// Grants whose use this node noted lately (the account page's
    /// connected applications).
    pub grant_uses: crate::grant_uses::GrantUses,
    /// Clients whose use this node noted lately (the console's "last use").
    pub client_uses: std::sync::Arc<crate::grant_uses::GrantUses>,
    /// Occurrences on their way to the store, written off the request path.
    pub error_records: Option<tokio::sync::mpsc::Sender<ErrorRecord>>,
    /// Maintenance as set through the admin API (stored in the database,
    /// followed by every node); the `maintenance` setting adds to it.
    maintenance_stored: AtomicBool,
    /// Whether the change watcher's last poll reached the database.
    store_reachable: AtomicBool,
    /// The passkey relying party (`webauthn.*`); `None` when passkeys are
    /// off (an issuer on an IP address without `webauthn.rp_id`).
    pub passkeys: Option<latchkey_core::passkey::RelyingParty>,
    /// Wakes this node's mail worker when a request queues a message.
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// Wakes this node's back-channel logout worker when a session's end
    /// queues Logout Tokens.
    pub logout_wake: Arc<tokio::sync::Notify>,
}

impl App {
    /// `discovery` is the discovery document (built by the HTTP layer,
    /// served as it is).
    pub fn new(
        config: Config,
        discovery: &serde_json::Value,
        store: Arc<dyn Store>,
        secrets: Secrets,
        keys: KeySet,
        metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
        error_records: Option<tokio::sync::mpsc::Sender<ErrorRecord>>,
    ) -> App {
        let discovery_json = discovery.to_string().into();
        let errors_html = latchkey_core::error::docs::html(&config.issuer);
        let errors_json = latchkey_core::error::docs::json().to_string();
        let brand = Brand {
            name: config.ui_name.clone(),
            logo_uri: config.ui_logo_uri.clone(),
        };
        let fetcher = crate::http::fetch::Fetcher::new(config.allow_private_networks);
        let upstreams = crate::http::upstreams::Upstreams::new(config.upstreams.clone());
        let in_flight = Arc::new(tokio::sync::Semaphore::new(config.max_in_flight));
        // Checked with the settings already; a failure here leaves passkeys off.
        let passkeys = config.webauthn_rp_id.as_deref().and_then(|rp_id| {
            latchkey_core::passkey::RelyingParty::new(
                rp_id,
                &config.webauthn_rp_name,
                &config.issuer,
            )
            .map_err(|e| tracing::warn!(error = %e, "passkeys are off"))
            .ok()
        });
        App {
            passkeys,
            password_slots: tokio::sync::Semaphore::new(config.password_hashing),
            sign_in_slots: Default::default(),
            admin_denied: Default::default(),
            grant_uses: Default::default(),
            client_uses: Default::default(),
            in_flight,
            fetcher,
            upstreams,
            brand,
            config,
            store,
            secrets,
            keys: RwLock::new(Arc::new(keys)),
            discovery_json,
            errors_html,
            errors_json,
            metrics,
            error_records,
            maintenance_stored: AtomicBool::new(false),
            store_reachable: AtomicBool::new(true),
            mail_wake: Arc::new(tokio::sync::Notify::new()),
            logout_wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Whether outgoing mail is on (`smtp.host` set): recovery and
    /// verification are offered only then.
    pub fn mail_on(&self) -> bool {
        self.config.mail.is_some()
    }

    /// Put a message in the outbox and wake this node's worker.
    pub async fn send_mail(
        &self,
        to: &str,
        message: crate::mail::messages::Message,
        ttl: i64,
    ) -> Result<(), latchkey_core::Occurrence> {
        crate::mail::enqueue(self.store.as_ref(), to, message, ttl).await?;
        self.mail_wake.notify_one();
        Ok(())
    }

    /// Whether this node answers in maintenance: the `maintenance` setting,
    /// or maintenance switched on through the admin API.
    pub fn in_maintenance(&self) -> bool {
        self.config.maintenance || self.maintenance_stored.load(Ordering::Relaxed)
    }

    /// Maintenance as stored in the database (the admin API's switch).
    pub fn stored_maintenance(&self) -> bool {
        self.maintenance_stored.load(Ordering::Relaxed)
    }

    pub fn set_stored_maintenance(&self, on: bool) {
        self.maintenance_stored.store(on, Ordering::Relaxed);
    }

    /// False while the database does not answer the change watcher.
    pub fn store_reachable(&self) -> bool {
        self.store_reachable.load(Ordering::Relaxed)
    }

    pub fn set_store_reachable(&self, reachable: bool) {
        self.store_reachable.store(reachable, Ordering::Relaxed);
    }

    pub fn render_ctx(&self) -> RenderCtx<'_> {
        RenderCtx {
            issuer: &self.config.issuer,
            extended_codes: self.config.extended_codes,
        }
    }

    /// Cookies are `Secure` when the issuer is https.
    pub fn secure_cookies(&self) -> bool {
        self.config.issuer.starts_with("https://")
    }

    pub fn keys(&self) -> Arc<KeySet> {
        match self.keys.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn set_keys(&self, keys: KeySet) {
        let mut guard = match self.keys.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Arc::new(keys);
    }
}
