//! `latchkey serve`: open the store, load keys, bind, serve, drain on
//! SIGTERM. Schema and keys are created on first start.

use crate::app::App;
use crate::config::Config;
use crate::manage;
use latchkey_core::crypto::Secrets;
use latchkey_core::error::ErrorRecord;
use latchkey_core::store::Store;
use std::sync::Arc;
use std::time::Duration;

/// How often a node looks for client and key changes made elsewhere.
const WATCH_EVERY: Duration = Duration::from_millis(250);
/// A poll without an answer this soon counts as the database being down.
const WATCH_TIMEOUT: Duration = Duration::from_secs(1);
/// How often a node reloads keys anyway (retired keys leave the JWKS when
/// their publication window ends).
const KEY_REFRESH: Duration = Duration::from_secs(30);
/// How often expired rows are removed, and how many per table per pass.
const PURGE_EVERY: Duration = Duration::from_secs(600);
const PURGE_LIMIT: i64 = 1000;
/// How often the metrics recorder folds recorded latencies into its
/// summaries. Without it every request's sample is kept until /metrics is
/// scraped: memory grows with traffic on a node nobody scrapes.
const METRICS_UPKEEP: Duration = Duration::from_secs(5);
/// Error occurrences are kept this long for `GET /admin/v1/errors/{id}`.
const ERROR_RETENTION_SECS: i64 = 14 * 24 * 3600;

/// A start-up failure after configuration was accepted (exit code 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

/// Open the store and the keys: everything `serve` and the management
/// commands share.
pub async fn open(config: &Config) -> Result<(Arc<dyn Store>, Secrets), StartError> {
    let store = latchkey_store::open(&config.database_url)
        .await
        .map_err(|e| {
            StartError(format!(
                "cannot open the database {}: {e}",
                crate::config::redact_url(&config.database_url)
            ))
        })?;
    let secrets = Secrets::new(&config.secret).map_err(|e| StartError(e.to_string()))?;
    Ok((store, secrets))
}

pub async fn build_app(config: Config) -> Result<Arc<App>, StartError> {
    let (store, secrets) = open(&config).await?;
    let keys = manage::keys::load(store.as_ref(), &secrets).await.map_err(|occ| {
        StartError(format!(
            "cannot load signing keys: {} (if the database was created with another secret, set the same LATCHKEY_SECRET)",
            occ.debug.as_deref().unwrap_or(occ.cause.summary)
        ))
    })?;
    crate::builtin::ensure(store.as_ref(), &config.issuer)
        .await
        .map_err(|occ| {
            StartError(format!(
                "cannot register the console's client and the admin resource: {}",
                occ.debug.as_deref().unwrap_or(occ.cause.summary)
            ))
        })?;
    let metrics = crate::telemetry::install();
    let (tx, rx) = tokio::sync::mpsc::channel::<ErrorRecord>(1024);
    let discovery = crate::http::discovery::document(&config);
    let app = Arc::new(App::new(
        config,
        &discovery,
        store.clone(),
        secrets,
        keys,
        metrics,
        Some(tx),
    ));
    // A node starting during maintenance honours it from its first request.
    if let Err(e) = crate::maintenance::load(&app).await {
        return Err(StartError(format!(
            "cannot read the maintenance switch: {e}"
        )));
    }
    tokio::spawn(write_error_records(store.clone(), rx));
    tokio::spawn(watch_changes(app.clone()));
    if let Some(mail) = app.config.mail.clone() {
        tokio::spawn(crate::mail::worker(
            store.clone(),
            mail,
            app.mail_wake.clone(),
        ));
    }
    tokio::spawn(crate::backchannel::worker(app.clone()));
    tokio::spawn(purge(store, app.config.audit_retention_days));
    if let Some(handle) = app.metrics.clone() {
        tokio::spawn(metrics_upkeep(handle));
    }
    Ok(app)
}

pub async fn serve(config: Config) -> Result<(), StartError> {
    if let Some(file) = &config.secret_file {
        tracing::warn!(
            file = %file.display(),
            "secret (LATCHKEY_SECRET) is not set: using a generated one; set it in production, the same on every node"
        );
    }
    let listen = config.listen;
    let issuer = config.issuer.clone();
    let app = build_app(config).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| StartError(format!("cannot listen on {listen}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| StartError(e.to_string()))?;
    tracing::info!(address = %local, issuer = %issuer, "latchkey is listening");
    if app.passkeys.is_none() {
        tracing::info!(
            "passkeys are off: the issuer's host is an IP address, which browsers refuse for passkeys; use a host name in the issuer (localhost for development)"
        );
    }
    let router = crate::http::router(app.clone());
    // Requests hyper refuses itself are answered through the catalogue too.
    let listener =
        crate::http::refused::Listener::new(listener, crate::http::refused::answers(app));
    // Answers go out at once: no Nagle delay behind a previous segment.
    let listener = axum::serve::ListenerExt::tap_io(listener, |io| {
        let _ = io.tcp().set_nodelay(true);
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| StartError(format!("server error: {e}")))?;
    tracing::info!("stopped");
    Ok(())
}

/// SIGTERM or Ctrl-C: stop accepting, finish what is in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: draining requests in flight");
}

async fn write_error_records(
    store: Arc<dyn Store>,
    mut rx: tokio::sync::mpsc::Receiver<ErrorRecord>,
) {
    while let Some(record) = rx.recv().await {
        if let Err(e) = store.record_error(&record).await {
            tracing::warn!(error_id = %record.error_id, error = %e, "could not keep error record");
        }
    }
}

/// Follow changes made by other nodes and processes: the store bumps a
/// version per topic with every client, key or settings write, and this
/// loop polls those versions (one small query), forgetting cached clients,
/// reloading keys or reading the maintenance switch when one moves. Polling
/// needs no extra connection and survives a database restart without
/// missing a change: the versions are durable. A poll that fails as
/// unreachable, or gets no answer within a second, marks the database
/// unreachable until one succeeds (see `respond::finish`, which also marks
/// it when a request meets the outage first).
async fn watch_changes(app: Arc<App>) {
    let mut seen: Option<Vec<(String, i64)>> = None;
    let mut keys_loaded = tokio::time::Instant::now();
    let mut failing = false;
    let mut tick = tokio::time::interval(WATCH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // Bounded: the pool would wait its whole acquire timeout for a
        // database that went away, and this poll is how the node notices.
        let polled = tokio::time::timeout(WATCH_TIMEOUT, app.store.change_versions()).await;
        let versions = match polled {
            Ok(Ok(v)) => {
                if failing {
                    tracing::info!("change watcher: database reachable again");
                    failing = false;
                }
                // Also after a request found it unavailable (`respond::finish`).
                app.set_store_reachable(true);
                v
            }
            Ok(Err(latchkey_core::store::StoreError::Other(e))) => {
                tracing::warn!(error = %e, "change watcher: cannot read change versions");
                continue;
            }
            failed => {
                if !failing {
                    let e = match failed {
                        Ok(Err(e)) => e.to_string(),
                        _ => format!("no answer within {WATCH_TIMEOUT:?}"),
                    };
                    tracing::warn!(error = %e, "change watcher: database unreachable");
                    failing = true;
                    app.set_store_reachable(false);
                }
                continue;
            }
        };
        let moved = |topic: &str| match &seen {
            None => false,
            Some(old) => {
                old.iter().find(|(t, _)| t == topic) != versions.iter().find(|(t, _)| t == topic)
            }
        };
        if moved("clients") {
            app.store.forget_clients();
        }
        if moved("revocations") {
            app.store.forget_revocations();
        }
        if moved("settings")
            && let Err(e) = crate::maintenance::load(&app).await
        {
            // Seen again on the next tick: the version is only recorded
            // once the settings were read.
            tracing::warn!(error = %e, "change watcher: cannot read settings");
            continue;
        }
        if moved("keys") || keys_loaded.elapsed() >= KEY_REFRESH {
            reload_keys(&app).await;
            keys_loaded = tokio::time::Instant::now();
        }
        seen = Some(versions);
    }
}

async fn reload_keys(app: &App) {
    let records = match app.store.list_keys().await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "key reload failed");
            return;
        }
    };
    match latchkey_core::keys::KeySet::from_records(
        &records,
        &app.secrets,
        latchkey_core::now_unix(),
    ) {
        Ok(set) if !set.active.is_empty() => app.set_keys(set),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "key reload: keys cannot be opened"),
    }
}

async fn metrics_upkeep(handle: metrics_exporter_prometheus::PrometheusHandle) {
    let mut tick = tokio::time::interval(METRICS_UPKEEP);
    loop {
        tick.tick().await;
        handle.run_upkeep();
    }
}

async fn purge(store: Arc<dyn Store>, audit_retention_days: i64) {
    let mut tick = tokio::time::interval(PURGE_EVERY);
    loop {
        tick.tick().await;
        let now = latchkey_core::now_unix();
        if let Err(e) = store.purge_sessions(now, PURGE_LIMIT).await {
            tracing::warn!(error = %e, "session purge failed");
        }
        if let Err(e) = store.purge_upstream(now, PURGE_LIMIT).await {
            tracing::warn!(error = %e, "upstream purge failed");
        }
        if let Err(e) = store.purge_device_grants(now, PURGE_LIMIT).await {
            tracing::warn!(error = %e, "device grant purge failed");
        }
        crate::audit::purge(store.as_ref(), audit_retention_days, now, PURGE_LIMIT).await;
        if let Err(e) = store.purge_ceremonies(now, PURGE_LIMIT).await {
            tracing::warn!(error = %e, "passkey ceremony purge failed");
        }
        if let Err(e) = store.purge_mail(now, PURGE_LIMIT).await {
            tracing::warn!(error = %e, "mail purge failed");
        }
        if let Err(e) = store.purge_logouts(now, PURGE_LIMIT).await {
            tracing::warn!(error = %e, "back-channel logout purge failed");
        }
        // Authentication already ignores a previous secret past its
        // deadline; this forgets its hash and sealed form.
        if let Err(e) = store.purge_expired_previous_secrets(now).await {
            tracing::warn!(error = %e, "rotated client secret purge failed");
        }
        match store
            .purge_expired(now, ERROR_RETENTION_SECS, PURGE_LIMIT)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "purged expired rows"),
            Err(e) => tracing::warn!(error = %e, "purge failed"),
        }
    }
}
