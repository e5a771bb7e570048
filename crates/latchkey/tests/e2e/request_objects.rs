//! Request objects (RFC 9101): `request` by value and `request_uri` at a
//! URL the client registered, signed with a standard JOSE library
//! (`jsonwebtoken`), verified with the client's keys; every refusal on its
//! channel.

use crate::authorize::{Browser, location, query_of};
use crate::support::{Db, Server};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use latchkey_core::crypto::Secrets;
use latchkey_core::keys::{self, Alg};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(crate) const CB: &str = "https://app.example/cb";
pub(crate) const PASSWORD: &str = "correct horse battery";

/// A client key pair: the public JWK to register, the private key to sign.
pub(crate) struct ClientKey {
    pub(crate) jwk: Value,
    kid: String,
    key: EncodingKey,
}

impl ClientKey {
    pub(crate) fn new() -> ClientKey {
        let secrets = Secrets::new("test-only-client-key").unwrap();
        let record = keys::generate(Alg::Es256, &secrets, latchkey_core::now_unix()).unwrap();
        let pkcs8 = secrets
            .open(&record.private_sealed, record.kid.as_bytes())
            .unwrap();
        ClientKey {
            jwk: record.public_jwk,
            kid: record.kid,
            key: EncodingKey::from_ec_der(&pkcs8),
        }
    }

    /// A request object: ES256, `kid` set, typ per RFC 9101 §10.8.
    pub(crate) fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("oauth-authz-req+jwt".into());
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }
}

/// Register a client (merging `extra`) and the user alice.
pub(crate) async fn register(s: &Server, extra: Value) {
    let mut body = json!({"client_secret": "app-secret-0123456789abcdef", "client_name": "Example App",
        "redirect_uris": [CB], "scope": "openid email", "skip_consent": true});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = s
        .admin(Method::POST, "/clients")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": PASSWORD, "claims": {"email": "alice@example.com"}}))
        .send()
        .await
        .unwrap();
    assert!(r.status() == 201 || r.status() == 409);
}

/// Sign in as alice from an /authorize URL (the client skips consent);
/// returns the query of the redirect back to the client.
pub(crate) async fn sign_in(b: &mut Browser<'_>, url: &str) -> BTreeMap<String, String> {
    let r = b.get(url).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let login = location(&r);
    assert!(login.starts_with("/login?i="), "{login}");
    let html = b.get(&login).await.text().await.unwrap();
    let r = crate::authorize::submit_login(b, &html, "alice", PASSWORD).await;
    let back = location(&r);
    assert!(back.starts_with(CB), "{back}");
    query_of(&back)
}

/// An error page (no redirect): status, cause, and the link to its entry.
pub(crate) async fn assert_page(r: reqwest::Response, code: &str, cause: &str) {
    assert_eq!(r.status(), 400, "expected an error page for {cause}");
    assert!(r.headers().get("location").is_none(), "{cause}");
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("<code>{cause}</code>")),
        "{cause} not on page: {html}"
    );
    assert!(
        html.contains(&format!("/errors/{code}#{cause}")),
        "{cause}: no error_uri on page: {html}"
    );
}

/// An error redirect to the client: cause, description, error_uri, state, iss.
pub(crate) fn assert_redirect(
    s: &Server,
    r: &reqwest::Response,
    code: &str,
    cause: &str,
    state: &str,
) {
    assert_redirected(s, r, code, cause, Some(state));
}

/// [`assert_redirect`], where `None` means that no state comes back.
pub(crate) fn assert_redirected(
    s: &Server,
    r: &reqwest::Response,
    code: &str,
    cause: &str,
    state: Option<&str>,
) {
    assert_eq!(r.status(), 303, "expected a redirect for {cause}");
    let loc = location(r);
    assert!(loc.starts_with(CB), "{cause}: {loc}");
    let q = query_of(&loc);
    assert_eq!(q.get("error").map(String::as_str), Some(code), "{loc}");
    assert_eq!(q["error_uri"], s.url(&format!("/errors/{code}#{cause}")));
    assert!(!q["error_description"].is_empty());
    assert_eq!(q.get("state").map(String::as_str), state, "{loc}");
    assert_eq!(q["iss"], s.base);
}

/// A JSON error: status, error, cause, description, no-store.
pub(crate) async fn assert_json(r: reqwest::Response, status: u16, code: &str, cause: &str) {
    crate::support::assert_json_error(r, status, code, cause).await;
}

fn enc(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

fn claims(s: &Server, extra: Value) -> Value {
    let now = latchkey_core::now_unix();
    let mut c = json!({"iss": "app", "aud": s.base, "client_id": "app", "response_type": "code",
        "scope": "openid email", "redirect_uri": CB, "state": "inside", "nonce": "nonce-0123456789",
        "iat": now, "exp": now + 60});
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

/// A signed request object is accepted end to end (code issued, token
/// exchanged, the nonce from the object in the ID token); parameters
/// outside it are ignored (RFC 9101 §6.3).
async fn signed_request_object_end_to_end(db: Db) {
    let s = Server::start(db).await;
    let key = ClientKey::new();
    register(
        &s,
        json!({"client_id": "app", "jwks": {"keys": [key.jwk]}, "request_object_signing_alg": "ES256"}),
    )
    .await;
    let jwt = key.sign(&claims(&s, json!({})));
    let url = format!(
        "/authorize?client_id=app&response_type=code&scope=openid&state=outside&redirect_uri={}&request={jwt}",
        enc("https://evil.example/cb")
    );
    let mut b = Browser::new(&s);
    let q = sign_in(&mut b, &url).await;
    assert_eq!(q["state"], "inside");
    assert_eq!(q["iss"], s.base);
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth("app", Some("app-secret-0123456789abcdef"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", q["code"].as_str()),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let id_token = t["id_token"].as_str().unwrap();
    let payload = id_token.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["nonce"], "nonce-0123456789");
    assert_eq!(t["scope"], "openid email");
    // Discovery says so.
    let d: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["request_parameter_supported"], true);
    assert_eq!(d["request_uri_parameter_supported"], true);
    assert_eq!(d["require_request_uri_registration"], true);
    assert!(
        d["request_object_signing_alg_values_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("ES256"))
    );
}

/// Every refusal of a request object or request_uri, on both channels
/// (U15-U17). An object that is not verified says nothing: the error goes
/// to the outer redirect_uri when it is registered for the outer client_id
/// (or to the only registered one when none is named), with the outer
/// state. A signed object whose claims fail says where: its own
/// redirect_uri and state. With no registered URI to use, the page.
async fn request_object_errors(db: Db) {
    let s = Server::start(db).await;
    let key = ClientKey::new();
    register(
        &s,
        json!({"client_id": "app", "jwks": {"keys": [key.jwk]}, "request_object_signing_alg": "ES256",
               "request_uris": ["https://app.example/request.jwt"]}),
    )
    .await;
    let other = ClientKey::new();
    let now = latchkey_core::now_unix();
    let start = "/authorize?client_id=app&response_type=code&scope=openid";
    // The outer query names a registered redirect URI, none (the client
    // has one), or one that is not registered.
    let named = format!("{start}&state=outside&redirect_uri={}", enc(CB));
    let unregistered = format!(
        "{start}&state=outside&redirect_uri={}",
        enc("https://evil.example/cb")
    );
    let none = format!(
        "eyJhbGciOiJub25lIn0.{}.",
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            claims(&s, json!({})).to_string()
        )
    );
    let mut b = Browser::new(&s);
    // Not verified: the outer redirect URI.
    let unverified: Vec<(String, &str, &str)> = vec![
        (
            format!(
                "request={}",
                enc(&other.sign(&claims(&s, json!({"state": "forged"}))))
            ),
            "invalid_request_object",
            "request_object_signature_invalid",
        ),
        (
            "request=not-a-jwt".into(),
            "invalid_request_object",
            "request_object_unparseable",
        ),
        // A JWE (RSA-OAEP, A256GCM): five parts.
        (
            "request=eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a2V5.aXY.Y2lwaGVy.dGFn".into(),
            "invalid_request_object",
            "request_object_encrypted",
        ),
        (
            format!("request={}", enc(&none)),
            "invalid_request_object",
            "request_object_alg_not_allowed",
        ),
        (
            format!(
                "request=x&request_uri={}",
                enc("urn:ietf:params:oauth:request_uri:nothing-pushed")
            ),
            "invalid_request",
            "request_and_request_uri",
        ),
        (
            "request_uri=not-a-uri".into(),
            "invalid_request_uri",
            "request_uri_malformed",
        ),
        (
            format!(
                "request_uri={}",
                enc("urn:ietf:params:oauth:request_uri:nothing-pushed")
            ),
            "invalid_request_uri",
            "request_uri_unknown",
        ),
        (
            format!("request_uri={}", enc("https://app.example/other.jwt")),
            "request_uri_not_supported",
            "request_uri_not_registered",
        ),
    ];
    for (query, code, cause) in unverified {
        let r = b.get(&format!("{named}&{query}")).await;
        assert_redirect(&s, &r, code, cause, "outside");
        let r = b.get(&format!("{start}&{query}")).await;
        assert_redirected(&s, &r, code, cause, None);
        let r = b.get(&format!("{unregistered}&{query}")).await;
        assert_page(r, code, cause).await;
    }
    // Signed by the client, claims refused: the object's redirect URI and
    // state, whatever the outer query names; when the object's URI is not
    // registered, the outer one (still with the object's state), else the
    // page.
    let verified = [
        (json!({"iss": "someone"}), "request_object_issuer_mismatch"),
        (
            json!({"aud": "https://op.example"}),
            "request_object_audience_mismatch",
        ),
        (
            json!({"client_id": "someone"}),
            "request_object_client_id_mismatch",
        ),
        (json!({"exp": now - 600}), "request_object_expired"),
        (json!({"nbf": now + 600}), "request_object_not_yet_valid"),
    ];
    for (extra, cause) in verified {
        let jwt = key.sign(&claims(&s, extra.clone()));
        let r = b.get(&format!("{unregistered}&request={jwt}")).await;
        assert_redirect(&s, &r, "invalid_request_object", cause, "inside");
        let mut elsewhere = extra;
        elsewhere["redirect_uri"] = json!("https://evil.example/cb");
        let jwt = key.sign(&claims(&s, elsewhere));
        let r = b.get(&format!("{named}&request={jwt}")).await;
        assert_redirect(&s, &r, "invalid_request_object", cause, "inside");
        let r = b.get(&format!("{unregistered}&request={jwt}")).await;
        assert_page(r, "invalid_request_object", cause).await;
    }
    // Keys at a jwks_uri this server will not fetch (loopback, fence closed):
    // the signature cannot be verified.
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "far", "redirect_uris": [CB], "request_object_signing_alg": "ES256",
                      "jwks_uri": "http://127.0.0.1:9/jwks.json"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let far = key.sign(&claims(&s, json!({"iss": "far", "client_id": "far"})));
    let far_start = "/authorize?client_id=far&response_type=code&scope=openid";
    let r = b.get(&format!("{far_start}&request={far}")).await;
    assert_redirected(
        &s,
        &r,
        "invalid_request_object",
        "request_object_keys_unavailable",
        None,
    );
    let r = b
        .get(&format!(
            "{far_start}&redirect_uri={}&request={far}",
            enc("https://evil.example/cb")
        ))
        .await;
    assert_page(
        r,
        "invalid_request_object",
        "request_object_keys_unavailable",
    )
    .await;
    // A verified object with a registered redirect URI: later errors go
    // back to the client, with the state from the object.
    let jwt = key.sign(&claims(&s, json!({"scope": "openid phone"})));
    let r = b.get(&format!("{start}&request={jwt}")).await;
    assert_redirect(&s, &r, "invalid_scope", "scope_not_allowed", "inside");
    // Unsigned objects work for a client that registered none.
    s.admin(Method::PATCH, "/clients/app")
        .json(&json!({"request_object_signing_alg": "none"}))
        .send()
        .await
        .unwrap();
    let unsigned = format!(
        "eyJhbGciOiJub25lIn0.{}.",
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            claims(&s, json!({})).to_string()
        )
    );
    let r = b.get(&format!("{start}&request={unsigned}")).await;
    assert!(location(&r).starts_with("/login?i="), "{}", location(&r));
    // ... and then a signed one is refused.
    let signed = key.sign(&claims(&s, json!({})));
    let r = b.get(&format!("{named}&request={signed}")).await;
    assert_redirect(
        &s,
        &r,
        "invalid_request_object",
        "request_object_alg_not_allowed",
        "outside",
    );
    let r = b.get(&format!("{unregistered}&request={signed}")).await;
    assert_page(
        r,
        "invalid_request_object",
        "request_object_alg_not_allowed",
    )
    .await;
}

/// request_objects.enabled = false: `request` and a remote `request_uri`
/// are refused with request_not_supported and request_uri_not_supported,
/// redirected since the client and redirect URI outside are verified.
async fn request_objects_disabled(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_REQUEST_OBJECTS_ENABLED", "false")]).await;
    let key = ClientKey::new();
    register(
        &s,
        json!({"client_id": "app", "jwks": {"keys": [key.jwk]}, "request_uris": ["https://app.example/r.jwt"]}),
    )
    .await;
    let start = format!(
        "/authorize?client_id=app&response_type=code&scope=openid&state=outside&redirect_uri={}",
        enc(CB)
    );
    let mut b = Browser::new(&s);
    let r = b
        .get(&format!(
            "{start}&request={}",
            key.sign(&claims(&s, json!({})))
        ))
        .await;
    assert_redirect(
        &s,
        &r,
        "request_not_supported",
        "request_not_supported",
        "outside",
    );
    let r = b
        .get(&format!(
            "{start}&request_uri={}",
            enc("https://app.example/r.jwt")
        ))
        .await;
    assert_redirect(
        &s,
        &r,
        "request_uri_not_supported",
        "request_uri_not_supported",
        "outside",
    );
    // Any request_uri that is not a request this server holds from /par
    // is refused the same way (pushed requests stay usable: PAR is its own
    // feature).
    let r = b
        .get(&format!(
            "{start}&request_uri={}",
            enc("urn:ietf:params:oauth:request_uri:never-pushed")
        ))
        .await;
    assert_redirect(
        &s,
        &r,
        "request_uri_not_supported",
        "request_uri_not_supported",
        "outside",
    );
    // At /par too, as JSON.
    let r = s
        .http
        .post(s.url("/par"))
        .basic_auth("app", Some("app-secret-0123456789abcdef"))
        .form(&[("request", key.sign(&claims(&s, json!({}))).as_str())])
        .send()
        .await
        .unwrap();
    assert_json(r, 400, "request_not_supported", "request_not_supported").await;
    let d: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["request_parameter_supported"], false);
    assert_eq!(d["request_uri_parameter_supported"], false);
}

/// A tiny HTTP server for request objects: `/ok.jwt` serves `jwt`,
/// `/junk` serves something else. Returns its base URL.
async fn serve_objects(jwt: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route(
            "/ok.jwt",
            axum::routing::get(move || async move {
                ([("content-type", "application/oauth-authz-req+jwt")], jwt)
            }),
        )
        .route(
            "/junk",
            axum::routing::get(|| async { "<html>not a request object</html>" }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// A remote request_uri the client registered: fetched when the operator
/// allows private networks (the test server is on loopback), refused as
/// address_blocked otherwise.
async fn remote_request_uri(db: Db) {
    let key = ClientKey::new();
    let open = Server::start_with(db, &[("LATCHKEY_FETCH_ALLOW_PRIVATE_NETWORKS", "true")]).await;
    let base = serve_objects(key.sign(&claims(&open, json!({})))).await;
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let gone = format!("http://127.0.0.1:{closed_port}/gone.jwt");
    let uris = json!([format!("{base}/ok.jwt"), format!("{base}/junk"), gone]);
    register(
        &open,
        json!({"client_id": "app", "jwks": {"keys": [key.jwk]}, "request_uris": uris}),
    )
    .await;
    let start = "/authorize?client_id=app&response_type=code&scope=openid";
    let mut b = Browser::new(&open);
    let q = sign_in(
        &mut b,
        &format!("{start}&request_uri={}", enc(&format!("{base}/ok.jwt"))),
    )
    .await;
    assert_eq!(q["state"], "inside");
    assert!(q.contains_key("code"));
    // Refused: to the outer redirect URI when it is registered, else the page.
    let named = format!("{start}&state=outside&redirect_uri={}", enc(CB));
    let unregistered = format!("{start}&redirect_uri={}", enc("https://evil.example/cb"));
    for (uri, cause) in [
        (format!("{base}/junk"), "request_uri_content_invalid"),
        (gone.clone(), "request_uri_unreachable"),
    ] {
        let r = b.get(&format!("{named}&request_uri={}", enc(&uri))).await;
        assert_redirect(&open, &r, "invalid_request_uri", cause, "outside");
        let r = b
            .get(&format!("{unregistered}&request_uri={}", enc(&uri)))
            .await;
        assert_page(r, "invalid_request_uri", cause).await;
    }

    // The default: loopback is off limits.
    let closed = Server::start(db).await;
    register(
        &closed,
        json!({"client_id": "app", "jwks": {"keys": [key.jwk]}, "request_uris": uris}),
    )
    .await;
    let mut b = Browser::new(&closed);
    let ok = enc(&format!("{base}/ok.jwt"));
    let r = b.get(&format!("{start}&request_uri={ok}")).await;
    assert_redirected(
        &closed,
        &r,
        "invalid_request_uri",
        "request_uri_address_blocked",
        None,
    );
    let r = b.get(&format!("{unregistered}&request_uri={ok}")).await;
    assert_page(r, "invalid_request_uri", "request_uri_address_blocked").await;
}

crate::both!(remote_request_uri);

mod sqlite_only {
    use super::*;

    #[tokio::test]
    async fn signed_request_object_end_to_end() {
        super::signed_request_object_end_to_end(Db::Sqlite).await
    }

    #[tokio::test]
    async fn request_object_errors() {
        super::request_object_errors(Db::Sqlite).await
    }

    #[tokio::test]
    async fn request_objects_disabled() {
        super::request_objects_disabled(Db::Sqlite).await
    }
}
