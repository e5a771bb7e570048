//! DPoP (RFC 9449) over HTTP with raw requests: proofs signed here, every
//! refusal's cause at /token, /userinfo and /par, bound tokens, bound codes
//! and refresh tokens, nonces, introspection, discovery, registration, and
//! a replay sent to a second node. `interop.rs` drives real libraries.

use crate::authorize::{Browser, hidden, location, query_of};
use crate::support::{Db, Server, assert_json_error};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use latchkey_core::crypto::Secrets;
use latchkey_core::keys::{self, Alg, SigningKey};
use reqwest::{Method, Response};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

const CB: &str = "https://app.example/cb";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWjFEjXk";
const CHALLENGE: &str = "hRtavV4RCd3wxgN-4mJJZb475cNVQNsALhg-uWeqYO0";

/// A client's DPoP key pair (ES256, or RS256).
pub(crate) struct DpopKey {
    key: SigningKey,
    alg: &'static str,
    pub(crate) jwk: Value,
    pub(crate) jkt: String,
}

static JTI: AtomicU64 = AtomicU64::new(0);

fn b64(v: &[u8]) -> String {
    B64.encode(v)
}

impl DpopKey {
    pub(crate) fn new() -> DpopKey {
        DpopKey::of(Alg::Es256)
    }

    pub(crate) fn of(alg: Alg) -> DpopKey {
        let secrets = Secrets::new("test-only").unwrap();
        let record = keys::generate(alg, &secrets, 0).unwrap();
        let key = SigningKey::load(&record, &secrets).unwrap();
        let mut jwk = record.public_jwk.clone();
        for member in ["kid", "use", "alg"] {
            jwk.as_object_mut().unwrap().remove(member);
        }
        let jkt = keys::thumbprint(&jwk);
        DpopKey {
            key,
            alg: alg.as_str(),
            jwk,
            jkt,
        }
    }

    /// A JWS of exactly this header and these claims.
    pub(crate) fn sign(&self, header: &Value, claims: &Value) -> String {
        let message = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signature = self.key.sign(message.as_bytes()).unwrap();
        format!("{message}.{}", b64(&signature))
    }

    pub(crate) fn header(&self) -> Value {
        json!({"typ": "dpop+jwt", "alg": self.alg, "jwk": self.jwk})
    }

    /// Fresh claims for `htm` `htu`, with `extra` merged in.
    pub(crate) fn claims(htm: &str, htu: &str, extra: Value) -> Value {
        let n = JTI.fetch_add(1, Ordering::Relaxed);
        let mut c = json!({
            "jti": format!("jti-{}-{n}", std::process::id()),
            "htm": htm,
            "htu": htu,
            "iat": latchkey_core::now_unix(),
        });
        if let Value::Object(extra) = extra {
            c.as_object_mut().unwrap().extend(extra);
        }
        c
    }

    /// A fresh proof for `htm` `htu`.
    pub(crate) fn proof(&self, htm: &str, htu: &str, extra: Value) -> String {
        self.sign(&self.header(), &DpopKey::claims(htm, htu, extra))
    }

    /// A fresh proof for a resource request with `access_token`.
    pub(crate) fn resource_proof(&self, htm: &str, htu: &str, access_token: &str) -> String {
        self.proof(
            htm,
            htu,
            json!({"ath": latchkey_core::dpop::ath(access_token)}),
        )
    }
}

async fn create(s: &Server, body: Value) -> Value {
    let r = s
        .admin(Method::POST, "/clients")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{body}");
    r.json().await.unwrap()
}

/// A confidential client_credentials client `svc`; returns its secret.
async fn service(s: &Server, id: &str, extra: Value) -> String {
    let mut body =
        json!({"client_id": id, "grant_types": ["client_credentials"], "scope": "api:read"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    create(s, body).await["client_secret"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A public client `app` with refresh tokens, and the user alice.
async fn app_and_user(s: &Server) {
    create(
        s,
        json!({"client_id": "app", "redirect_uris": [CB], "token_endpoint_auth_method": "none",
               "skip_consent": true, "grant_types": ["authorization_code", "refresh_token"],
               "scope": "openid email"}),
    )
    .await;
    let r = s
        .admin(Method::POST, "/users")
        .json(
            &json!({"username": "alice", "password": "correct horse battery",
                      "claims": {"email": "alice@example.com"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

/// A code for `app`, signed in as alice; `extra` is added to /authorize.
async fn code(s: &Server, extra: &str) -> String {
    let mut b = Browser::new(s);
    let start = format!(
        "/authorize?client_id=app&response_type=code&scope=openid+email&state=st&redirect_uri={}&code_challenge={CHALLENGE}&code_challenge_method=S256{extra}",
        url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>()
    );
    let r = b.get(&start).await;
    let login = location(&r);
    let html = b.get(&login).await.text().await.unwrap();
    let r = b
        .post(
            "/login",
            &[
                ("i", &hidden(&html, "i")),
                ("csrf", &hidden(&html, "csrf")),
                ("username", "alice"),
                ("password", "correct horse battery"),
                ("action", "login"),
            ],
        )
        .await;
    query_of(&location(&r))["code"].clone()
}

async fn redeem(s: &Server, code: &str, proof: Option<String>) -> Response {
    let mut req = s.http.post(s.url("/token")).form(&[
        ("grant_type", "authorization_code"),
        ("client_id", "app"),
        ("code", code),
        ("redirect_uri", CB),
        ("code_verifier", VERIFIER),
    ]);
    if let Some(p) = proof {
        req = req.header("dpop", p);
    }
    req.send().await.unwrap()
}

async fn refresh(s: &Server, token: &str, proof: Option<String>) -> Response {
    let mut req = s.http.post(s.url("/token")).form(&[
        ("grant_type", "refresh_token"),
        ("client_id", "app"),
        ("refresh_token", token),
    ]);
    if let Some(p) = proof {
        req = req.header("dpop", p);
    }
    req.send().await.unwrap()
}

async fn client_credentials(s: &Server, id: &str, secret: &str, proofs: &[String]) -> Response {
    let mut req = s
        .http
        .post(s.url("/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")]);
    for p in proofs {
        req = req.header("dpop", p);
    }
    req.send().await.unwrap()
}

async fn userinfo(s: &Server, authorization: &str, proof: Option<String>) -> Response {
    let mut req = s
        .http
        .get(s.url("/userinfo"))
        .header("authorization", authorization);
    if let Some(p) = proof {
        req = req.header("dpop", p);
    }
    req.send().await.unwrap()
}

/// The claims of a JWT, unverified.
fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64.decode(payload).unwrap()).unwrap()
}

/// The challenges of a resource's refusal.
fn challenges(r: &Response) -> Vec<String> {
    r.headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// A refusal at /userinfo: status, the cause, and a DPoP challenge with
/// the error and the accepted algorithms.
async fn refused_at_resource(r: Response, status: u16, error: &str, cause: &str) -> Response {
    assert_eq!(r.status(), status, "{cause}");
    let dpop = challenges(&r)
        .into_iter()
        .find(|c| c.starts_with("DPoP "))
        .unwrap_or_else(|| panic!("{cause}: no DPoP challenge"));
    assert!(dpop.contains(&format!("error=\"{error}\"")), "{dpop}");
    assert!(dpop.contains("algs=\"ES256 RS256 PS256 EdDSA\""), "{dpop}");
    assert!(dpop.contains(&format!("#{cause}\"")), "{cause}: {dpop}");
    r
}

async fn introspect(s: &Server, id: &str, secret: &str, token: &str) -> Value {
    s.http
        .post(s.url("/introspect"))
        .basic_auth(id, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn the_code_flow_binds_every_token_to_the_key(db: Db) {
    let s = Server::start(db).await;
    app_and_user(&s).await;
    let rs_secret = service(&s, "rs", json!({})).await;
    let key = DpopKey::new();
    let other = DpopKey::new();
    let token_url = s.url("/token");
    let userinfo_url = s.url("/userinfo");

    // Discovery names the proof algorithms.
    let d: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        d["dpop_signing_alg_values_supported"],
        json!(["ES256", "RS256", "PS256", "EdDSA"])
    );

    // The code exchange with a proof: DPoP tokens bound to the key.
    let c = code(&s, "").await;
    let r = redeem(&s, &c, Some(key.proof("POST", &token_url, json!({})))).await;
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["token_type"], "DPoP", "{t}");
    let access = t["access_token"].as_str().unwrap().to_string();
    assert_eq!(claims_of(&access)["cnf"], json!({"jkt": key.jkt}));
    let refresh_token = t["refresh_token"].as_str().unwrap().to_string();

    // Introspection tells a resource server the key (RFC 9449 §6.2).
    let i = introspect(&s, "rs", &rs_secret, &access).await;
    assert_eq!(i["active"], true);
    assert_eq!(i["token_type"], "DPoP");
    assert_eq!(i["cnf"], json!({"jkt": key.jkt}));
    let i = introspect(&s, "rs", &rs_secret, &refresh_token).await;
    assert_eq!(
        i["cnf"],
        json!({"jkt": key.jkt}),
        "a public client's refresh token is bound"
    );

    // /userinfo with the DPoP scheme and a proof with ath.
    let dpop_auth = format!("DPoP {access}");
    let good = key.resource_proof("GET", &userinfo_url, &access);
    let r = userinfo(&s, &dpop_auth, Some(good.clone())).await;
    assert_eq!(r.status(), 200);
    let u: Value = r.json().await.unwrap();
    assert_eq!(u["email"], "alice@example.com");
    // POST works too, with its own htm.
    let r = s
        .http
        .post(s.url("/userinfo"))
        .header("authorization", &dpop_auth)
        .header("dpop", key.resource_proof("POST", &userinfo_url, &access))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // The refusals a resource gives, each with its cause.
    let r = userinfo(&s, &dpop_auth, Some(good)).await;
    refused_at_resource(r, 401, "invalid_dpop_proof", "dpop_proof_replayed").await;
    let r = userinfo(&s, &format!("Bearer {access}"), None).await;
    refused_at_resource(r, 401, "invalid_token", "dpop_bound_token_as_bearer").await;
    let r = s
        .http
        .post(s.url("/userinfo"))
        .form(&[("access_token", access.as_str())])
        .send()
        .await
        .unwrap();
    refused_at_resource(r, 401, "invalid_token", "dpop_bound_token_as_bearer").await;
    let r = userinfo(&s, &dpop_auth, None).await;
    refused_at_resource(r, 401, "invalid_dpop_proof", "dpop_proof_missing").await;
    let r = userinfo(
        &s,
        &dpop_auth,
        Some(other.resource_proof("GET", &userinfo_url, &access)),
    )
    .await;
    refused_at_resource(r, 401, "invalid_dpop_proof", "dpop_key_mismatch").await;
    let r = userinfo(
        &s,
        &dpop_auth,
        Some(key.proof("GET", &userinfo_url, json!({}))),
    )
    .await;
    refused_at_resource(r, 401, "invalid_dpop_proof", "dpop_proof_ath_mismatch").await;
    let r = userinfo(
        &s,
        &dpop_auth,
        Some(key.resource_proof("GET", &token_url, &access)),
    )
    .await;
    refused_at_resource(r, 401, "invalid_dpop_proof", "dpop_proof_url_mismatch").await;
    let r = userinfo(
        &s,
        &dpop_auth,
        Some(key.resource_proof("POST", &userinfo_url, &access)),
    )
    .await;
    let r = refused_at_resource(r, 401, "invalid_dpop_proof", "dpop_proof_method_mismatch").await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_dpop_proof");
    // No credentials: a Bearer and a DPoP challenge, neither with an error.
    let r = s.http.get(s.url("/userinfo")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let c = challenges(&r);
    assert_eq!(c.len(), 2, "{c:?}");
    assert!(c[0].starts_with("Bearer realm="), "{c:?}");
    assert_eq!(c[1], "DPoP algs=\"ES256 RS256 PS256 EdDSA\"");
    // A bearer token keeps its Bearer challenge.
    let r = userinfo(&s, "Bearer not-a-token", None).await;
    assert_eq!(r.status(), 401);
    assert!(challenges(&r)[0].starts_with("Bearer realm="));

    // The refresh token is bound: a proof of the same key is needed.
    let r = refresh(&s, &refresh_token, None).await;
    assert_json_error(r, 400, "invalid_dpop_proof", "dpop_proof_missing").await;
    let r = refresh(
        &s,
        &refresh_token,
        Some(other.proof("POST", &token_url, json!({}))),
    )
    .await;
    assert_json_error(r, 400, "invalid_grant", "dpop_grant_key_mismatch").await;
    let r = refresh(
        &s,
        &refresh_token,
        Some(key.proof("POST", &token_url, json!({}))),
    )
    .await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["token_type"], "DPoP");
    assert_eq!(
        claims_of(t["access_token"].as_str().unwrap())["cnf"]["jkt"],
        key.jkt
    );
    let successor = t["refresh_token"].as_str().unwrap();
    let i = introspect(&s, "rs", &rs_secret, successor).await;
    assert_eq!(
        i["cnf"],
        json!({"jkt": key.jkt}),
        "the successor keeps the binding"
    );

    // Without DPoP nothing changes: Bearer tokens, unbound refresh tokens.
    let c = code(&s, "").await;
    let t: Value = redeem(&s, &c, None).await.json().await.unwrap();
    assert_eq!(t["token_type"], "Bearer");
    let bearer = t["access_token"].as_str().unwrap();
    assert!(claims_of(bearer).get("cnf").is_none());
    assert_eq!(
        userinfo(&s, &format!("Bearer {bearer}"), None)
            .await
            .status(),
        200
    );
    let i = introspect(&s, "rs", &rs_secret, bearer).await;
    assert_eq!(i["token_type"], "Bearer");
    assert!(i.get("cnf").is_none());
}

async fn dpop_jkt_binds_the_code(db: Db) {
    let s = Server::start(db).await;
    app_and_user(&s).await;
    let key = DpopKey::new();
    let other = DpopKey::new();
    let token_url = s.url("/token");
    let bound = format!("&dpop_jkt={}", key.jkt);

    // The code of a request with dpop_jkt needs a proof of that key.
    let c = code(&s, &bound).await;
    let r = redeem(&s, &c, None).await;
    assert_json_error(r, 400, "invalid_dpop_proof", "dpop_proof_missing").await;
    let c = code(&s, &bound).await;
    let r = redeem(&s, &c, Some(other.proof("POST", &token_url, json!({})))).await;
    assert_json_error(r, 400, "invalid_grant", "dpop_grant_key_mismatch").await;
    let c = code(&s, &bound).await;
    let r = redeem(&s, &c, Some(key.proof("POST", &token_url, json!({})))).await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["token_type"], "DPoP");

    // A dpop_jkt that is no thumbprint goes back to the client.
    let mut b = Browser::new(&s);
    let r = b
        .get(&format!(
            "/authorize?client_id=app&response_type=code&scope=openid&state=st&redirect_uri={}&code_challenge={CHALLENGE}&code_challenge_method=S256&dpop_jkt=short",
            url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>()
        ))
        .await;
    let q = query_of(&location(&r));
    assert_eq!(q["error"], "invalid_request");
    assert!(q["error_uri"].ends_with("#dpop_jkt_malformed"), "{q:?}");

    // /par: dpop_jkt is pushed like any parameter; a proof binds the same
    // way, and both must agree.
    let par = |proof: Option<String>, jkt: Option<&str>| {
        let s = &s;
        let mut form = vec![
            ("client_id", "app".to_string()),
            ("response_type", "code".to_string()),
            ("scope", "openid".to_string()),
            ("redirect_uri", CB.to_string()),
            ("code_challenge", CHALLENGE.to_string()),
            ("code_challenge_method", "S256".to_string()),
        ];
        if let Some(jkt) = jkt {
            form.push(("dpop_jkt", jkt.to_string()));
        }
        async move {
            let mut req = s.http.post(s.url("/par")).form(&form);
            if let Some(p) = proof {
                req = req.header("dpop", p);
            }
            req.send().await.unwrap()
        }
    };
    let par_url = s.url("/par");
    let r = par(
        Some(key.proof("POST", &par_url, json!({}))),
        Some(&other.jkt),
    )
    .await;
    assert_json_error(r, 400, "invalid_dpop_proof", "dpop_jkt_mismatch").await;
    let r = par(Some(key.proof("POST", &token_url, json!({}))), None).await;
    assert_json_error(r, 400, "invalid_dpop_proof", "dpop_proof_url_mismatch").await;
    let r = par(Some(key.proof("POST", &par_url, json!({}))), None).await;
    assert_eq!(r.status(), 201);
    let request_uri = r.json::<Value>().await.unwrap()["request_uri"]
        .as_str()
        .unwrap()
        .to_string();
    let c = {
        let mut b = Browser::new(&s);
        let r = b
            .get(&format!(
                "/authorize?client_id=app&request_uri={}",
                url::form_urlencoded::byte_serialize(request_uri.as_bytes()).collect::<String>()
            ))
            .await;
        let login = location(&r);
        let html = b.get(&login).await.text().await.unwrap();
        let r = b
            .post(
                "/login",
                &[
                    ("i", &hidden(&html, "i")),
                    ("csrf", &hidden(&html, "csrf")),
                    ("username", "alice"),
                    ("password", "correct horse battery"),
                    ("action", "login"),
                ],
            )
            .await;
        query_of(&location(&r))["code"].clone()
    };
    let r = redeem(&s, &c, Some(other.proof("POST", &token_url, json!({})))).await;
    assert_json_error(r, 400, "invalid_grant", "dpop_grant_key_mismatch").await;
}

async fn every_proof_refusal_at_the_token_endpoint(db: Db) {
    let s = Server::start(db).await;
    let secret = service(&s, "svc", json!({})).await;
    let key = DpopKey::new();
    let url = s.url("/token");
    let cc = |proofs: Vec<String>| {
        let s = &s;
        let secret = secret.clone();
        async move { client_credentials(s, "svc", &secret, &proofs).await }
    };

    // A valid proof: a DPoP token bound to the key, for RSA keys too.
    let r = cc(vec![key.proof("POST", &url, json!({}))]).await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["token_type"], "DPoP");
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(claims_of(access)["cnf"]["jkt"], key.jkt);
    let i = introspect(&s, "svc", &secret, access).await;
    assert_eq!(i["token_type"], "DPoP");
    assert_eq!(i["cnf"]["jkt"], key.jkt);
    let rsa = DpopKey::of(Alg::Rs256);
    let r = cc(vec![rsa.proof("POST", &url, json!({}))]).await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(
        claims_of(t["access_token"].as_str().unwrap())["cnf"]["jkt"],
        rsa.jkt
    );

    let refusal = |proofs: Vec<String>, cause: &'static str| {
        let cc = &cc;
        async move {
            let r = cc(proofs).await;
            assert_json_error(r, 400, "invalid_dpop_proof", cause).await;
        }
    };
    let fresh = || DpopKey::claims("POST", &url, json!({}));
    refusal(
        vec![
            key.proof("POST", &url, json!({})),
            key.proof("POST", &url, json!({})),
        ],
        "dpop_proof_malformed",
    )
    .await;
    refusal(vec!["not-a-jwt".into()], "dpop_proof_malformed").await;
    let mut h = key.header();
    h["typ"] = json!("JWT");
    refusal(vec![key.sign(&h, &fresh())], "dpop_proof_wrong_type").await;
    let mut h = key.header();
    h["alg"] = json!("HS256");
    refusal(vec![key.sign(&h, &fresh())], "dpop_proof_alg_unsupported").await;
    let mut h = key.header();
    h["jwk"]["d"] = json!("c2VjcmV0");
    refusal(vec![key.sign(&h, &fresh())], "dpop_proof_private_key").await;
    let other = DpopKey::new();
    refusal(
        vec![other.sign(&key.header(), &fresh())],
        "dpop_proof_signature_invalid",
    )
    .await;
    refusal(
        vec![key.proof("GET", &url, json!({}))],
        "dpop_proof_method_mismatch",
    )
    .await;
    refusal(
        vec![key.proof("POST", &s.url("/userinfo"), json!({}))],
        "dpop_proof_url_mismatch",
    )
    .await;
    let old = latchkey_core::now_unix() - 120;
    refusal(
        vec![key.proof("POST", &url, json!({"iat": old}))],
        "dpop_proof_iat_outside_window",
    )
    .await;
    let once = key.proof("POST", &url, json!({}));
    assert_eq!(cc(vec![once.clone()]).await.status(), 200);
    refusal(vec![once.clone()], "dpop_proof_replayed").await;
    assert!(!s.logs().contains(&once), "proofs are not logged");

    // A client registered with dpop_bound_access_tokens needs a proof.
    let bound = service(&s, "bound", json!({"dpop_bound_access_tokens": true})).await;
    let got: Value = s
        .admin(Method::GET, "/clients/bound")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["dpop_bound_access_tokens"], true, "{got}");
    let r = client_credentials(&s, "bound", &bound, &[]).await;
    assert_json_error(r, 400, "invalid_dpop_proof", "dpop_proof_missing").await;
    let r = client_credentials(&s, "bound", &bound, &[key.proof("POST", &url, json!({}))]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["token_type"], "DPoP");
}

async fn nonces_when_the_server_requires_them(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_DPOP_REQUIRE_NONCE", "true")]).await;
    let secret = service(&s, "svc", json!({})).await;
    let key = DpopKey::new();
    let url = s.url("/token");

    // Without a nonce: use_dpop_nonce, and the nonce to use.
    let r = client_credentials(&s, "svc", &secret, &[key.proof("POST", &url, json!({}))]).await;
    let (headers, _) = assert_json_error(r, 400, "use_dpop_nonce", "dpop_nonce_required").await;
    let nonce = headers["dpop-nonce"].to_str().unwrap().to_string();
    // The retry with it succeeds; the nonce is current, so none is sent.
    let r = client_credentials(
        &s,
        "svc",
        &secret,
        &[key.proof("POST", &url, json!({"nonce": nonce}))],
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = client_credentials(
        &s,
        "svc",
        &secret,
        &[key.proof("POST", &url, json!({"nonce": "made-up"}))],
    )
    .await;
    let (headers, _) = assert_json_error(r, 400, "use_dpop_nonce", "dpop_nonce_stale").await;
    assert_eq!(headers["dpop-nonce"], nonce.as_str());
    // Requests without DPoP are not concerned.
    let r = client_credentials(&s, "svc", &secret, &[]).await;
    assert_eq!(r.status(), 200);

    // A resource answers 401 with a DPoP challenge and the nonce.
    let r = userinfo(
        &s,
        "DPoP x.y.z",
        Some(key.resource_proof("GET", &s.url("/userinfo"), "x.y.z")),
    )
    .await;
    let r = refused_at_resource(r, 401, "use_dpop_nonce", "dpop_nonce_required").await;
    assert_eq!(r.headers()["dpop-nonce"], nonce.as_str());
    // The browser may read it (the header is exposed to CORS callers).

    // Another node with the same secret accepts the nonce, without
    // sharing anything but the database.
    let b = s.join(&[("LATCHKEY_DPOP_REQUIRE_NONCE", "true")]).await;
    let r = client_credentials(
        &b,
        "svc",
        &secret,
        &[key.proof("POST", &url, json!({"nonce": nonce}))],
    )
    .await;
    assert_eq!(r.status(), 200);
}

/// The device grant binds its tokens like every grant: the access token,
/// and the refresh token of the (public) device client.
async fn the_device_grant_binds_its_tokens(db: Db) {
    use crate::device::{approve, code as device_code, start, tv, user};
    let s = Server::start(db).await;
    const DEVICE: &str = "urn:ietf:params:oauth:grant-type:device_code";
    tv(&s, "tv", &[DEVICE, "refresh_token"], "openid").await;
    let sub = user(&s, "alice").await;
    let answer = start(&s, "tv", "openid").await;
    approve(&s, &answer, &sub).await;
    let key = DpopKey::new();
    let url = s.url("/token");
    let r = s
        .http
        .post(&url)
        .header("dpop", key.proof("POST", &url, json!({})))
        .form(&[
            ("grant_type", DEVICE),
            ("client_id", "tv"),
            ("device_code", device_code(&answer)),
        ])
        .send()
        .await
        .unwrap();
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["token_type"], "DPoP", "{t}");
    assert_eq!(
        claims_of(t["access_token"].as_str().unwrap())["cnf"]["jkt"],
        key.jkt
    );
    let refresh_token = t["refresh_token"].as_str().unwrap();
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", "tv"),
        ("refresh_token", refresh_token),
    ];
    let r = s.http.post(&url).form(&form).send().await.unwrap();
    assert_json_error(r, 400, "invalid_dpop_proof", "dpop_proof_missing").await;
    let r = s
        .http
        .post(&url)
        .header("dpop", key.proof("POST", &url, json!({})))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Token exchange (RFC 8693) on a proof: the new token is bound to the
/// proof's key, and a DPoP-bound actor token is traded only with a proof
/// of its own key.
async fn token_exchange_binds_and_needs_the_key(db: Db) {
    const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
    const ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";
    let s = crate::token_exchange::setup(db).await;
    let (alice, _, _) = crate::token_exchange::alice_tokens(&s).await;
    let key = DpopKey::new();
    let url = s.url("/token");
    let secret = "orders-api-secret-0123456789abcdef";
    let t: Value = s
        .http
        .post(&url)
        .header("dpop", key.proof("POST", &url, json!({})))
        .form(&[
            ("client_id", "orders-api"),
            ("client_secret", secret),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let own = t["access_token"].as_str().unwrap().to_string();
    let exchange = |proof: Option<String>| {
        let s = &s;
        let (alice, own) = (alice.clone(), own.clone());
        async move {
            let mut req = s.http.post(s.url("/token")).form(&[
                ("client_id", "orders-api"),
                ("client_secret", secret),
                ("grant_type", GRANT),
                ("subject_token", alice.as_str()),
                ("subject_token_type", ACCESS),
                ("actor_token", own.as_str()),
                ("actor_token_type", ACCESS),
            ]);
            if let Some(p) = proof {
                req = req.header("dpop", p);
            }
            req.send().await.unwrap()
        }
    };
    let r = exchange(None).await;
    let (_, body) = assert_json_error(r, 400, "invalid_request", "exchange_actor_invalid").await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("DPoP-bound"),
        "{body}"
    );
    let other = DpopKey::new();
    let r = exchange(Some(other.proof("POST", &url, json!({})))).await;
    assert_json_error(r, 400, "invalid_request", "exchange_actor_invalid").await;
    let r = exchange(Some(key.proof("POST", &url, json!({})))).await;
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["token_type"], "DPoP", "{t}");
    assert_eq!(
        claims_of(t["access_token"].as_str().unwrap())["cnf"]["jkt"],
        key.jkt
    );
}

/// A proof accepted by one node is refused by another node sharing the
/// database (RFC 9449 §11.1: jti seen once, across all nodes).
#[tokio::test]
async fn a_replayed_proof_is_refused_by_another_node() {
    let a = Server::start(Db::Postgres).await;
    let b = a.join(&[]).await;
    let secret = service(&a, "svc", json!({})).await;
    let key = DpopKey::new();
    let proof = key.proof("POST", &a.url("/token"), json!({}));
    let r = client_credentials(&a, "svc", &secret, std::slice::from_ref(&proof)).await;
    assert_eq!(r.status(), 200);
    let r = client_credentials(&b, "svc", &secret, &[proof]).await;
    assert_json_error(r, 400, "invalid_dpop_proof", "dpop_proof_replayed").await;
}

/// Dynamic registration takes and returns dpop_bound_access_tokens.
#[tokio::test]
async fn registration_keeps_dpop_bound_access_tokens() {
    let s = Server::start_with(Db::Sqlite, &[("LATCHKEY_REGISTRATION_MODE", "open")]).await;
    let r = s
        .http
        .post(s.url("/register"))
        .json(
            &json!({"redirect_uris": [CB], "token_endpoint_auth_method": "none",
                      "dpop_bound_access_tokens": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["dpop_bound_access_tokens"], true, "{c}");
}

crate::both!(
    the_code_flow_binds_every_token_to_the_key,
    dpop_jkt_binds_the_code,
    every_proof_refusal_at_the_token_endpoint,
    nonces_when_the_server_requires_them,
    the_device_grant_binds_its_tokens,
    token_exchange_binds_and_needs_the_key,
);
