//! Request objects (RFC 9101, OIDC Core §6) and pushed request references
//! (RFC 9126): where the parameters of an authorization request come from
//! when they are not sent directly.
//!
//! A request object is a JWS signed by the client with its registered
//! `request_object_signing_alg` (an unsigned one only when the client
//! registered `none`), verified with the client's `jwks` or `jwks_uri`.
//! Only the parameters inside it count (RFC 9101 §6.3); the `client_id`
//! outside must match.

use crate::Occurrence;
use crate::catalogue::*;
use crate::client::ClientRecord;
use crate::client_auth::JwksFetcher;
use crate::client_auth::private_key_jwt::keys_for_kid;
use crate::grant::PushedTake;
use crate::request::AuthorizeRequest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// The prefix of every `request_uri` issued by the PAR endpoint (RFC 9126 §2.2).
pub const PAR_URN_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";
pub use crate::client::REQUEST_OBJECT_ALGS;
/// Tolerated clock difference, seconds.
pub const LEEWAY: i64 = 30;
/// OIDC Core §6.2: a remote request_uri is at most 512 ASCII characters.
pub const MAX_REQUEST_URI: usize = 512;

/// Claims about the JWT itself, not authorization parameters; a nested
/// `request` or `request_uri` is meaningless (RFC 9101 §4) and dropped.
const NOT_PARAMETERS: &[&str] = &[
    "iss",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "request",
    "request_uri",
];

/// What this server and moment look like to a request object.
#[derive(Clone, Copy)]
pub struct ObjectContext<'a> {
    pub issuer: &'a str,
    pub now: i64,
    /// Where `jwks_uri` keys come from; `None`: not fetched.
    pub jwks: Option<&'a dyn JwksFetcher>,
}

/// Where a `request_uri` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestUri<'a> {
    /// Issued by our PAR endpoint.
    Pushed(&'a str),
    /// A URL the client pre-registered in `request_uris`.
    Remote(&'a str),
}

/// Classify a `request_uri` sent with `client`'s request: a PAR reference,
/// or a remote URL the client registered (compared without fragment, which
/// OIDC Core §6.2 lets clients use as a content hash).
pub fn request_uri<'a>(uri: &'a str, client: &ClientRecord) -> Result<RequestUri<'a>, Occurrence> {
    if uri.starts_with(PAR_URN_PREFIX) {
        return Ok(RequestUri::Pushed(uri));
    }
    if uri.len() > MAX_REQUEST_URI {
        return Err(REQUEST_URI_MALFORMED.with_detail(format!(
            "a request_uri is at most {MAX_REQUEST_URI} characters"
        )));
    }
    match url::Url::parse(uri) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => {}
        _ => {
            return Err(REQUEST_URI_MALFORMED.with_detail(format!(
                "expected {PAR_URN_PREFIX}... from /par or an absolute https URL"
            )));
        }
    }
    let bare = |u: &str| u.split('#').next().unwrap_or(u).to_string();
    if client
        .metadata
        .request_uris
        .iter()
        .any(|r| bare(r) == bare(uri))
    {
        Ok(RequestUri::Remote(uri))
    } else {
        Err(REQUEST_URI_NOT_REGISTERED
            .with_detail("the URL is not in the client's registered request_uris"))
    }
}

/// The answer to using a pushed request (RFC 9126 §4): the request as
/// validated at /par.
pub fn pushed(take: PushedTake) -> Result<AuthorizeRequest, Occurrence> {
    match take {
        PushedTake::Fresh(p) => Ok(p.request),
        PushedTake::Used => Err(REQUEST_URI_USED.occur()),
        PushedTake::Expired => Err(REQUEST_URI_EXPIRED.occur()),
        PushedTake::OtherClient => Err(REQUEST_URI_CLIENT_MISMATCH.occur()),
        PushedTake::Unknown => Err(REQUEST_URI_UNKNOWN.occur()),
    }
}

/// Parameters resolved from an object or a pushed request, with the
/// `client_id` of the request put first (it is the only outside parameter
/// that counts).
pub fn with_client_id(client_id: &str, params: Vec<(String, String)>) -> Vec<(String, String)> {
    std::iter::once(("client_id".to_string(), client_id.to_string()))
        .chain(params.into_iter().filter(|(k, _)| k != "client_id"))
        .collect()
}

fn unparseable(detail: &str) -> Occurrence {
    REQUEST_OBJECT_UNPARSEABLE.with_detail(detail.to_string())
}

fn json_part(part: &str, what: &str) -> Result<Map<String, Value>, Occurrence> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| unparseable(&format!("the {what} is not base64url")))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(unparseable(&format!("the {what} is not a JSON object"))),
    }
}

/// Verify a request object sent by `client` and return its authorization
/// parameters (values as text; JSON values such as `claims` as JSON text).
pub async fn verify(
    token: &str,
    client: &ClientRecord,
    ctx: &ObjectContext<'_>,
) -> Result<Vec<(String, String)>, Occurrence> {
    let object = open(token, client, ctx).await?;
    object.check(client, ctx)?;
    Ok(object.parameters())
}

/// A request object whose signature verified with the client's keys (or an
/// unsigned one from a client that registered `none`): its content is the
/// client's own, though its claims may still fail [`Opened::check`].
#[derive(Debug, Clone)]
pub struct Opened {
    claims: Map<String, Value>,
    signed: bool,
}

impl Opened {
    /// The authorization parameters it carries.
    pub fn parameters(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (k, v) in &self.claims {
            if NOT_PARAMETERS.contains(&k.as_str()) {
                continue;
            }
            match v {
                Value::Null => {}
                Value::String(s) => out.push((k.clone(), s.clone())),
                // A repeatable parameter (RFC 8707 §2: `resource`) given
                // as an array of strings is each of them.
                Value::Array(items)
                    if super::params::REPEATABLE.contains(&k.as_str())
                        && items.iter().all(Value::is_string) =>
                {
                    out.extend(
                        items
                            .iter()
                            .filter_map(Value::as_str)
                            .map(|s| (k.clone(), s.to_string())),
                    );
                }
                other => out.push((k.clone(), other.to_string())),
            }
        }
        out
    }

    /// RFC 9101 §4: the claims about the object itself.
    pub fn check(&self, client: &ClientRecord, ctx: &ObjectContext<'_>) -> Result<(), Occurrence> {
        check_claims(&self.claims, self.signed, client, ctx)
    }
}

/// Parse a request object sent by `client` and verify its signature; the
/// claims are not checked yet.
pub async fn open(
    token: &str,
    client: &ClientRecord,
    ctx: &ObjectContext<'_>,
) -> Result<Opened, Occurrence> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [header, payload, signature] = parts[..] else {
        // A JWE: five parts, its header naming a content encryption.
        if let [jwe_header, _, _, _, _] = parts[..]
            && json_part(jwe_header, "JWE header").is_ok_and(|h| h.get("enc").is_some())
        {
            return Err(REQUEST_OBJECT_ENCRYPTED
                .with_detail("a JWE was sent; send the signed JWS as it is"));
        }
        return Err(unparseable(
            "expected a compact JWS: three base64url parts separated by dots",
        ));
    };
    let header = json_part(header, "JWS header")?;
    let claims = json_part(payload, "payload")?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let registered = client.metadata.request_object_signing_alg.as_deref();
    let allowed = match registered {
        Some(pinned) => pinned == alg,
        None => REQUEST_OBJECT_ALGS.contains(&alg),
    };
    if !allowed {
        return Err(REQUEST_OBJECT_ALG_NOT_ALLOWED.with_detail(match registered {
            Some(p) => format!("alg {alg:?}; the client registered {p}"),
            None => format!(
                "alg {alg:?}; use one of {}, or register request_object_signing_alg none for unsigned objects",
                REQUEST_OBJECT_ALGS.join(", ")
            ),
        }));
    }
    let signed = alg != "none";
    if signed {
        let kid = header.get("kid").and_then(Value::as_str);
        check_signature(token, alg, kid, client, ctx).await?;
    } else if !signature.is_empty() {
        return Err(unparseable(
            "an unsigned (alg none) object has an empty signature part",
        ));
    }
    Ok(Opened { claims, signed })
}

async fn check_signature(
    token: &str,
    alg: &str,
    kid: Option<&str>,
    client: &ClientRecord,
    ctx: &ObjectContext<'_>,
) -> Result<(), Occurrence> {
    let algorithm: jsonwebtoken::Algorithm = alg
        .parse()
        .map_err(|_| REQUEST_OBJECT_ALG_NOT_ALLOWED.with_detail(format!("alg {alg:?}")))?;
    let unreadable =
        || REQUEST_OBJECT_KEYS_UNAVAILABLE.with_detail("the client's key set could not be read");
    let fetch = |fresh: bool| async move {
        match (&client.metadata.jwks_uri, ctx.jwks) {
            (Some(uri), Some(fetcher)) => fetcher.fetch(uri, fresh).await.map_err(|o| {
                REQUEST_OBJECT_KEYS_UNAVAILABLE.with_detail(o.detail.clone().unwrap_or_default())
            }),
            _ => Err(REQUEST_OBJECT_KEYS_UNAVAILABLE
                .with_detail("the client registered no jwks or jwks_uri")),
        }
    };
    let keys = match &client.metadata.jwks {
        Some(jwks) => keys_for_kid(jwks, kid).ok_or_else(unreadable)?,
        None => {
            let keys = keys_for_kid(&fetch(false).await?, kid).ok_or_else(unreadable)?;
            if keys.is_empty() {
                // The client may have rotated its keys: fetch once more.
                keys_for_kid(&fetch(true).await?, kid).ok_or_else(unreadable)?
            } else {
                keys
            }
        }
    };
    if keys.is_empty() {
        return Err(REQUEST_OBJECT_SIGNATURE_INVALID.with_detail(match kid {
            Some(_) => "no registered key has the kid of the request object",
            None => "the client has no usable registered key",
        }));
    }
    // Claims are checked by hand afterwards, against `ctx.now`.
    let mut validation = jsonwebtoken::Validation::new(algorithm);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let verified = keys
        .iter()
        .any(|key| jsonwebtoken::decode::<Value>(token, key, &validation).is_ok());
    if verified {
        Ok(())
    } else {
        Err(REQUEST_OBJECT_SIGNATURE_INVALID.occur())
    }
}

/// RFC 9101 §4: `iss` is the client, `aud` this server (both required when
/// signed), `client_id` inside equals the one outside, and the time claims
/// hold.
fn check_claims(
    claims: &Map<String, Value>,
    signed: bool,
    client: &ClientRecord,
    ctx: &ObjectContext<'_>,
) -> Result<(), Occurrence> {
    match claims.get("iss") {
        None if !signed => {}
        Some(Value::String(iss)) if *iss == client.client_id => {}
        None => {
            return Err(REQUEST_OBJECT_ISSUER_MISMATCH
                .with_detail("a signed request object must carry iss"));
        }
        Some(_) => return Err(REQUEST_OBJECT_ISSUER_MISMATCH.occur()),
    }
    let names_us = |v: &Value| v.as_str() == Some(ctx.issuer);
    match claims.get("aud") {
        None if !signed => {}
        Some(Value::Array(list)) if list.iter().any(names_us) => {}
        Some(v) if names_us(v) => {}
        None => {
            return Err(REQUEST_OBJECT_AUDIENCE_MISMATCH.with_detail(format!(
                "a signed request object must carry aud {}",
                ctx.issuer
            )));
        }
        Some(_) => {
            return Err(
                REQUEST_OBJECT_AUDIENCE_MISMATCH.with_detail(format!("aud must be {}", ctx.issuer))
            );
        }
    }
    match claims.get("client_id") {
        None => {}
        Some(Value::String(id)) if *id == client.client_id => {}
        Some(_) => return Err(REQUEST_OBJECT_CLIENT_ID_MISMATCH.occur()),
    }
    let time = |name: &str| -> Result<Option<i64>, Occurrence> {
        match claims.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .or_else(|| v.as_f64().map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| unparseable(&format!("{name} must be a number of seconds"))),
        }
    };
    if let Some(exp) = time("exp")?
        && exp + LEEWAY < ctx.now
    {
        return Err(REQUEST_OBJECT_EXPIRED.occur());
    }
    for name in ["nbf", "iat"] {
        if let Some(t) = time(name)?
            && t - LEEWAY > ctx.now
        {
            return Err(
                REQUEST_OBJECT_NOT_YET_VALID.with_detail(format!("{name} is in the future"))
            );
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::client::ClientMetadata;

    fn client(alg: Option<&str>) -> ClientRecord {
        ClientRecord {
            client_id: "app".into(),
            secret_hash: None,
            previous_secret: None,
            active: true,
            metadata: ClientMetadata {
                redirect_uris: vec!["https://app.example/cb".into()],
                request_object_signing_alg: alg.map(str::to_string),
                request_uris: vec!["https://app.example/req#hash".into()],
                ..Default::default()
            },
            created_at: 0,
            updated_at: 0,
        }
    }

    fn unsigned(claims: Value) -> String {
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    /// The futures here never wait on I/O (no key fetching), so polling
    /// them to completion needs no runtime.
    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    const CTX: ObjectContext<'static> = ObjectContext {
        issuer: "https://op.example",
        now: 1000,
        jwks: None,
    };

    #[test]
    fn unsigned_objects_only_for_clients_that_registered_none() {
        let obj = unsigned(
            serde_json::json!({"scope": "openid", "max_age": 60, "claims": {"userinfo": {}}, "iss": "app"}),
        );
        let params = block_on(verify(&obj, &client(Some("none")), &CTX)).unwrap();
        assert!(params.contains(&("max_age".into(), "60".into())));
        assert!(params.contains(&("claims".into(), r#"{"userinfo":{}}"#.into())));
        assert!(!params.iter().any(|(k, _)| k == "iss"));
        for c in [client(None), client(Some("ES256"))] {
            let err = block_on(verify(&obj, &c, &CTX)).unwrap_err();
            assert!(err.is(&REQUEST_OBJECT_ALG_NOT_ALLOWED), "{err}");
        }
    }

    #[test]
    fn claims_are_checked() {
        let c = client(Some("none"));
        let cases = [
            (
                serde_json::json!({"iss": "other"}),
                &REQUEST_OBJECT_ISSUER_MISMATCH,
            ),
            (
                serde_json::json!({"aud": "https://x.example"}),
                &REQUEST_OBJECT_AUDIENCE_MISMATCH,
            ),
            (
                serde_json::json!({"client_id": "other"}),
                &REQUEST_OBJECT_CLIENT_ID_MISMATCH,
            ),
            (serde_json::json!({"exp": 900}), &REQUEST_OBJECT_EXPIRED),
            (
                serde_json::json!({"nbf": 1100}),
                &REQUEST_OBJECT_NOT_YET_VALID,
            ),
        ];
        for (claims, cause) in cases {
            let err = block_on(verify(&unsigned(claims), &c, &CTX)).unwrap_err();
            assert!(err.is(cause), "{err}");
        }
        for junk in ["x", "a.b.c", "e30.e30.e30.e30.e30"] {
            let err = block_on(verify(junk, &c, &CTX)).unwrap_err();
            assert!(err.is(&REQUEST_OBJECT_UNPARSEABLE), "{err}");
        }
        // {"alg":"RSA-OAEP","enc":"A256GCM"}: encrypted, said so.
        let jwe = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a2V5.aXY.Y2lwaGVy.dGFn";
        let err = block_on(verify(jwe, &c, &CTX)).unwrap_err();
        assert!(err.is(&REQUEST_OBJECT_ENCRYPTED), "{err}");
    }

    #[test]
    fn request_uris_are_pushed_or_registered() {
        let c = client(None);
        let par = format!("{PAR_URN_PREFIX}abc");
        assert_eq!(request_uri(&par, &c).unwrap(), RequestUri::Pushed(&par));
        assert_eq!(
            request_uri("https://app.example/req#other", &c).unwrap(),
            RequestUri::Remote("https://app.example/req#other")
        );
        assert!(
            request_uri("https://app.example/else", &c)
                .unwrap_err()
                .is(&REQUEST_URI_NOT_REGISTERED)
        );
        assert!(
            request_uri("not a uri", &c)
                .unwrap_err()
                .is(&REQUEST_URI_MALFORMED)
        );
    }
}
