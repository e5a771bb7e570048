//! Fetching what clients publish (`jwks_uri`, `request_uri`), delivering
//! Logout Tokens to their `backchannel_logout_uri`, and talking to
//! upstream identity providers (discovery, token, keys, UserInfo). A client
//! controls the URL,
//! so the request is fenced: https only (http when private networks are
//! allowed, for development), no redirects, a 5-second timeout (a Logout
//! Token's: `backchannel_logout.timeout`), a 64 KiB
//! cap, and no loopback, private or link-local address unless
//! `fetch.allow_private_networks` is on. The address is resolved once and
//! the connection pinned to it, so DNS cannot change the answer in between.

use latchkey_core::Occurrence;
use latchkey_core::catalogue::{
    CLIENT_JWKS_UNAVAILABLE, REQUEST_URI_ADDRESS_BLOCKED, REQUEST_URI_CONTENT_INVALID,
    REQUEST_URI_UNREACHABLE,
};
use latchkey_core::client_auth::JwksFetcher;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(5);
const MAX_BYTES: usize = 64 * 1024;
/// A fetched key set is reused this long.
const CACHE_FOR: Duration = Duration::from_secs(300);
/// A forced refetch of one URI happens at most this often.
const REFETCH_COOLDOWN: Duration = Duration::from_secs(10);

pub struct Fetcher {
    allow_private: bool,
    cache: Mutex<HashMap<String, (Instant, serde_json::Value)>>,
}

impl Fetcher {
    pub fn new(allow_private: bool) -> Fetcher {
        Fetcher {
            allow_private,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, uri: &str, max_age: Duration) -> Option<serde_json::Value> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(uri)
            .filter(|(at, _)| at.elapsed() < max_age)
            .map(|(_, v)| v.clone())
    }

    /// Resolve, fence and send one request; the status and the JSON body
    /// (`Null` when the body is empty or not JSON).
    async fn send(&self, request: Outbound<'_>) -> Result<(u16, serde_json::Value), FetchError> {
        let (status, body) = self.send_raw(request).await?;
        let value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        Ok((status, value))
    }

    /// Resolve, fence and send one request; the status and the body. The
    /// address is checked before the scheme, so a private address is
    /// reported as such whatever the scheme.
    async fn send_raw(&self, request: Outbound<'_>) -> Result<(u16, Vec<u8>), FetchError> {
        let refused = FetchError::Refused;
        let url = url::Url::parse(request.uri).map_err(|e| refused(format!("not a URL: {e}")))?;
        let host = url
            .host_str()
            .ok_or_else(|| refused("no host".into()))?
            .to_string();
        let port = url
            .port_or_known_default()
            .ok_or_else(|| refused("no port".into()))?;
        let addrs: Vec<SocketAddr> = tokio::time::timeout(
            request.timeout,
            tokio::net::lookup_host((host.as_str(), port)),
        )
        .await
        .map_err(|_| FetchError::Unreachable("the host name did not resolve in time".to_string()))?
        .map_err(|e| FetchError::Unreachable(format!("the host name does not resolve: {e}")))?
        .collect();
        let addr = addrs
            .iter()
            .find(|a| self.allow_private || is_public(a.ip()))
            .copied()
            .ok_or_else(|| {
                refused("it resolves only to private, loopback or link-local addresses".to_string())
            })?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_private => {}
            other => return Err(refused(format!("scheme {other} is not fetched; use https"))),
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(request.timeout)
            .resolve(&host, addr)
            .build()
            .map_err(|e| FetchError::Unreachable(e.to_string()))?;
        let mut builder = match request.form {
            Some(form) => client.post(url).form(form),
            None => client.get(url),
        };
        builder = builder.header(reqwest::header::ACCEPT, request.accept);
        if let Some(auth) = request.authorization {
            builder = builder.header(reqwest::header::AUTHORIZATION, auth);
        }
        let mut response = builder
            .send()
            .await
            .map_err(|e| FetchError::Unreachable(format!("request failed: {e}")))?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| FetchError::Unreachable(format!("reading failed: {e}")))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_BYTES {
                return Err(FetchError::Invalid(format!(
                    "the answer is larger than {MAX_BYTES} bytes"
                )));
            }
        }
        Ok((status, body))
    }

    /// A request object at a client's registered `request_uri` (RFC 9101
    /// §5.2.3): fetched each time, never cached (it may change per request).
    pub async fn request_object(&self, uri: &str) -> Result<String, Occurrence> {
        let outbound = Outbound {
            uri,
            form: None,
            authorization: None,
            accept: "application/oauth-authz-req+jwt, application/jwt",
            timeout: TIMEOUT,
        };
        let (status, body) = self.send_raw(outbound).await.map_err(|e| match e {
            FetchError::Refused(why) => REQUEST_URI_ADDRESS_BLOCKED.with_detail(why),
            FetchError::Invalid(why) => REQUEST_URI_CONTENT_INVALID.with_detail(why),
            other => REQUEST_URI_UNREACHABLE.with_detail(other.to_string()),
        })?;
        if !(200..300).contains(&status) {
            return Err(REQUEST_URI_UNREACHABLE.with_detail(format!("it answered HTTP {status}")));
        }
        let text = String::from_utf8(body)
            .map_err(|_| REQUEST_URI_CONTENT_INVALID.with_detail("the answer is not text"))?;
        let jwt = text.trim();
        let looks_like_jws = jwt.split('.').count() == 3
            && jwt
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !looks_like_jws {
            return Err(REQUEST_URI_CONTENT_INVALID
                .with_detail("the answer is not a compact JWS (a request object)"));
        }
        Ok(jwt.to_string())
    }

    /// GET a JSON document; anything but a 2xx JSON answer is an error.
    pub async fn get_json(
        &self,
        uri: &str,
        authorization: Option<&str>,
    ) -> Result<serde_json::Value, FetchError> {
        let (status, value) = self
            .send(Outbound {
                uri,
                form: None,
                authorization,
                accept: "application/json",
                timeout: TIMEOUT,
            })
            .await?;
        if !(200..300).contains(&status) {
            return Err(FetchError::Status(status, value));
        }
        if !value.is_object() {
            return Err(FetchError::Invalid(
                "the answer is not a JSON object".into(),
            ));
        }
        Ok(value)
    }

    /// A client's `sector_identifier_uri` (OIDC Registration §5): a JSON
    /// array of strings, fetched each time a client naming it is written.
    pub async fn sector_uris(&self, uri: &str) -> Result<Vec<String>, FetchError> {
        let (status, value) = self
            .send(Outbound {
                uri,
                form: None,
                authorization: None,
                accept: "application/json",
                timeout: TIMEOUT,
            })
            .await?;
        if !(200..300).contains(&status) {
            return Err(FetchError::Status(status, value));
        }
        serde_json::from_value(value)
            .map_err(|_| FetchError::Invalid("the answer is not a JSON array of URIs".into()))
    }

    /// POST a form (a token request); the status and JSON body, whatever
    /// the status.
    pub async fn post_form(
        &self,
        uri: &str,
        form: &[(&str, &str)],
        authorization: Option<&str>,
    ) -> Result<(u16, serde_json::Value), FetchError> {
        self.send(Outbound {
            uri,
            form: Some(form),
            authorization,
            accept: "application/json",
            timeout: TIMEOUT,
        })
        .await
    }

    /// POST a Logout Token to a client's `backchannel_logout_uri`
    /// (Back-Channel Logout §2.5): form-encoded `logout_token`, within
    /// `timeout`, never following a redirect. The status answered.
    pub async fn post_logout_token(
        &self,
        uri: &str,
        token: &str,
        timeout: Duration,
    ) -> Result<u16, FetchError> {
        let form = [("logout_token", token)];
        let (status, _) = self
            .send_raw(Outbound {
                uri,
                form: Some(&form),
                authorization: None,
                accept: "application/json",
                timeout,
            })
            .await?;
        Ok(status)
    }

    /// A JSON Web Key Set, cached for [`CACHE_FOR`]; `fresh` asks for one
    /// at most [`REFETCH_COOLDOWN`] old (a `kid` we do not know yet).
    pub async fn jwks(&self, uri: &str, fresh: bool) -> Result<serde_json::Value, FetchError> {
        let max_age = if fresh { REFETCH_COOLDOWN } else { CACHE_FOR };
        if let Some(v) = self.cached(uri, max_age) {
            return Ok(v);
        }
        let value = self.get_json(uri, None).await?;
        if !value.get("keys").is_some_and(serde_json::Value::is_array) {
            return Err(FetchError::Invalid(
                "the answer is not a JSON Web Key Set".into(),
            ));
        }
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(uri.to_string(), (Instant::now(), value.clone()));
        }
        Ok(value)
    }
}

/// One outgoing request.
struct Outbound<'a> {
    uri: &'a str,
    form: Option<&'a [(&'a str, &'a str)]>,
    authorization: Option<&'a str>,
    accept: &'a str,
    timeout: Duration,
}

/// Why a fetch failed: the far end could not be reached (try later), the
/// fence refused the URL (a setting is wrong), it answered an error
/// status, or its answer was unusable.
#[derive(Debug)]
pub enum FetchError {
    Unreachable(String),
    Refused(String),
    Status(u16, serde_json::Value),
    Invalid(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Unreachable(why) | FetchError::Refused(why) | FetchError::Invalid(why) => {
                f.write_str(why)
            }
            FetchError::Status(status, _) => write!(f, "it answered HTTP {status}"),
        }
    }
}

/// Addresses a client may point us at without `fetch.allow_private_networks`.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

#[async_trait::async_trait]
impl JwksFetcher for Fetcher {
    async fn fetch(&self, uri: &str, fresh: bool) -> Result<serde_json::Value, Occurrence> {
        self.jwks(uri, fresh).await.map_err(|why| {
            CLIENT_JWKS_UNAVAILABLE
                .with_detail(format!("the client's jwks_uri could not be used: {why}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(
                !is_public(ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))),
                "{ip}"
            );
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(
                is_public(ip.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]))),
                "{ip}"
            );
        }
    }
}
