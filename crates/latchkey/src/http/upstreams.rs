//! The configured upstream identity providers and their discovery
//! documents, fetched through the fence and cached. Shared state of the
//! app; the sign-in with them is `upstream.rs`.

use super::fetch::{FetchError, Fetcher};
use latchkey_core::Occurrence;
use latchkey_core::catalogue::{MISCONFIGURATION, UPSTREAM_UNAVAILABLE};
pub use latchkey_core::upstream::Metadata;
use latchkey_core::upstream::{self as core, UpstreamConfig};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A discovery document is reused this long.
const DISCOVERY_CACHE_FOR: Duration = Duration::from_secs(900);

/// Seconds a client is asked to wait when the upstream is unreachable.
const UNAVAILABLE_RETRY: u64 = 30;

/// The configured upstreams and their cached discovery documents.
pub struct Upstreams {
    pub list: Vec<UpstreamConfig>,
    discovery: Mutex<HashMap<String, (Instant, Arc<Metadata>)>>,
}

impl Upstreams {
    pub fn new(list: Vec<UpstreamConfig>) -> Upstreams {
        Upstreams {
            list,
            discovery: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, id: &str) -> Option<&UpstreamConfig> {
        self.list.iter().find(|u| u.id == id)
    }

    /// The upstream's discovery document, fetched through the fence and
    /// cached; a failure is not cached.
    pub async fn metadata(
        &self,
        fetcher: &Fetcher,
        up: &UpstreamConfig,
    ) -> Result<Arc<Metadata>, Occurrence> {
        let cached = self.discovery.lock().ok().and_then(|c| {
            c.get(&up.id)
                .filter(|(at, _)| at.elapsed() < DISCOVERY_CACHE_FOR)
                .map(|(_, m)| m.clone())
        });
        if let Some(meta) = cached {
            return Ok(meta);
        }
        let url = up.discovery_url();
        let doc = fetcher
            .get_json(&url, None)
            .await
            .map_err(|e| fetch_failure(up, "discovery document", &url, e))?;
        let meta = core::parse_metadata(&up.issuer, &doc)
            .map_err(|why| misconfigured(up, format!("discovery document at {url}: {why}")))?;
        let meta = Arc::new(meta);
        if let Ok(mut cache) = self.discovery.lock() {
            cache.insert(up.id.clone(), (Instant::now(), meta.clone()));
        }
        Ok(meta)
    }
}

/// The upstream's setup is wrong (our registration there, or its
/// documents): `server_error`, cause `misconfiguration`, the details
/// (never the secret) in the log.
pub fn misconfigured(up: &UpstreamConfig, why: impl std::fmt::Display) -> Occurrence {
    MISCONFIGURATION
        .with_detail(format!(
            "signing in with the upstream identity provider {} is misconfigured",
            up.id
        ))
        .debug(format!(
            "[[upstream]] id={} issuer={} client_id={}: {why}",
            up.id, up.issuer, up.client_id
        ))
}

/// A fetch that failed: unreachable (or overloaded) is temporary, a
/// refused URL or an unusable answer is a misconfiguration.
pub fn fetch_failure(up: &UpstreamConfig, what: &str, url: &str, err: FetchError) -> Occurrence {
    match err {
        FetchError::Unreachable(why) => UPSTREAM_UNAVAILABLE
            .with_detail(format!(
                "the upstream identity provider {} cannot be reached",
                up.id
            ))
            .retry_after(UNAVAILABLE_RETRY)
            .debug(format!("upstream {} {what} at {url}: {why}", up.id)),
        FetchError::Status(502..=504, _) => UPSTREAM_UNAVAILABLE
            .with_detail(format!(
                "the upstream identity provider {} is unavailable",
                up.id
            ))
            .retry_after(UNAVAILABLE_RETRY)
            .debug(format!("upstream {} {what} at {url}: {err}", up.id)),
        err => misconfigured(up, format!("{what} at {url}: {err}")),
    }
}
