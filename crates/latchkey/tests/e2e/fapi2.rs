//! The FAPI 2.0 Security Profile (docs/fapi2.md): the whole flow a
//! conformant client makes (PAR with private_key_jwt, PKCE, DPoP), under
//! `profile = fapi2` and for one client whose metadata asks for it, and
//! each rule's refusal with its own cause, at registration and on the
//! requests of clients registered before the profile was turned on.

use crate::authorize::Browser;
use crate::dpop::DpopKey;
use crate::request_objects::{CB, PASSWORD, assert_json, assert_redirect, sign_in};
use crate::support::{Db, Server};
use latchkey_core::crypto::Secrets;
use latchkey_core::keys::{self, Alg, SigningKey};
use reqwest::{Method, Response};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

const PROFILE: &[(&str, &str)] = &[("LATCHKEY_PROFILE", "fapi2")];
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWjFEjXk";
const CHALLENGE: &str = "hRtavV4RCd3wxgN-4mJJZb475cNVQNsALhg-uWeqYO0";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

static JTI: AtomicU64 = AtomicU64::new(0);

/// A client's signing keys: ES256 (allowed) and RS256 (not, under the
/// profile), both registered.
struct Keys {
    es: SigningKey,
    rs: SigningKey,
    jwks: Value,
}

impl Keys {
    fn new() -> Keys {
        let secrets = Secrets::new("test-only").unwrap();
        let now = latchkey_core::now_unix();
        let es = keys::generate(Alg::Es256, &secrets, now).unwrap();
        let rs = keys::generate(Alg::Rs256, &secrets, now).unwrap();
        Keys {
            jwks: json!({"keys": [es.public_jwk, rs.public_jwk]}),
            es: SigningKey::load(&es, &secrets).unwrap(),
            rs: SigningKey::load(&rs, &secrets).unwrap(),
        }
    }

    fn claims(client: &str, aud: Value) -> Value {
        let now = latchkey_core::now_unix();
        let n = JTI.fetch_add(1, Ordering::Relaxed);
        json!({"iss": client, "sub": client, "aud": aud, "iat": now, "exp": now + 60,
               "jti": format!("fapi2-{}-{n}", std::process::id())})
    }

    /// An ES256 client assertion with the issuer as `aud`.
    fn assertion(&self, s: &Server, client: &str) -> String {
        self.assertion_for(client, json!(s.base))
    }

    fn assertion_for(&self, client: &str, aud: Value) -> String {
        self.es.sign_jwt("JWT", &Keys::claims(client, aud)).unwrap()
    }
}

/// A form for a client-authenticated endpoint with `assertion`.
fn authenticated<'a>(assertion: &'a str, form: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut out = vec![
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", assertion),
    ];
    out.extend_from_slice(form);
    out
}

/// The pushed parameters of a conformant request.
fn pushed(state: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("response_type", "code"),
        ("scope", "openid email"),
        ("redirect_uri", CB),
        ("state", state),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

async fn post(s: &Server, path: &str, form: &[(&str, &str)], proof: Option<String>) -> Response {
    let mut req = s.http.post(s.url(path)).form(form);
    if let Some(p) = proof {
        req = req.header("dpop", p);
    }
    req.send().await.unwrap()
}

/// Create a client through the admin API (`extra` merged into a
/// conformant private_key_jwt client), and the user alice.
async fn create(s: &Server, id: &str, keys: &Keys, extra: Value) -> Value {
    let mut body = json!({"client_id": id, "redirect_uris": [CB], "scope": "openid email",
        "skip_consent": true, "token_endpoint_auth_method": "private_key_jwt",
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "jwks": keys.jwks});
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
    let created: Value = r.json().await.unwrap();
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": PASSWORD,
                      "claims": {"email": "alice@example.com"}}))
        .send()
        .await
        .unwrap();
    assert!(r.status() == 201 || r.status() == 409);
    created
}

/// The whole conformant flow for `client`: PAR (private_key_jwt, PKCE,
/// redirect_uri, a DPoP proof binding the code), /authorize with only the
/// request_uri, sign-in, then /token with the assertion, the verifier and
/// a proof. Returns the token response.
async fn conformant_flow(s: &Server, client: &str, keys: &Keys) -> Value {
    let dpop = DpopKey::new();
    flow_with(s, client, keys, &|htu| dpop.proof("POST", htu, json!({}))).await
}

/// [`conformant_flow`] with the DPoP proofs `proof` makes for a URL.
async fn flow_with(s: &Server, client: &str, keys: &Keys, proof: &dyn Fn(&str) -> String) -> Value {
    let assertion = keys.assertion(s, client);
    let r = post(
        s,
        "/par",
        &authenticated(&assertion, &pushed("fapi")),
        Some(proof(&s.url("/par"))),
    )
    .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let body: Value = r.json().await.unwrap();
    assert!(body["expires_in"].as_i64().unwrap() < 600, "{body}");
    let request_uri = body["request_uri"].as_str().unwrap().to_string();
    let mut b = Browser::new(s);
    let back = sign_in(
        &mut b,
        &format!(
            "/authorize?client_id={client}&request_uri={}",
            url::form_urlencoded::byte_serialize(request_uri.as_bytes()).collect::<String>()
        ),
    )
    .await;
    // §5.3.2.2: iss in the authorization response (RFC 9207).
    assert_eq!(back["iss"], s.base);
    assert_eq!(back["state"], "fapi");
    let code = back["code"].clone();
    let assertion = keys.assertion(s, client);
    let r = post(
        s,
        "/token",
        &authenticated(
            &assertion,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CB),
                ("code_verifier", VERIFIER),
            ],
        ),
        Some(proof(&s.url("/token"))),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let tokens: Value = r.json().await.unwrap();
    assert_eq!(tokens["token_type"], "DPoP", "{tokens}");
    for jwt in ["access_token", "id_token"] {
        let header = jwt_header(tokens[jwt].as_str().unwrap());
        assert_eq!(header["alg"], "ES256", "{jwt}: {header}");
    }
    tokens
}

fn jwt_header(jwt: &str) -> Value {
    use base64::Engine;
    let head = jwt.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(head)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The profile for every client: discovery offers only what it allows,
/// a client created without naming its algorithms gets ES256, and the
/// conformant flow works end to end with codes of at most 60 seconds
/// (the setting asks for 600).
async fn global_profile_happy_path(db: Db) {
    let s = Server::start_with(db, &[PROFILE[0], ("LATCHKEY_TOKENS_CODE_TTL", "600")]).await;
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
        d["token_endpoint_auth_methods_supported"],
        json!(["private_key_jwt"])
    );
    assert_eq!(
        d["token_endpoint_auth_signing_alg_values_supported"],
        json!(["ES256", "PS256"])
    );
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(d["require_pushed_authorization_requests"], true);
    assert_eq!(
        d["dpop_signing_alg_values_supported"],
        json!(["ES256", "PS256"])
    );
    assert_eq!(d["id_token_signing_alg_values_supported"], json!(["ES256"]));
    assert_eq!(
        d["request_object_signing_alg_values_supported"],
        json!(["ES256", "PS256"])
    );
    assert_eq!(d["authorization_response_iss_parameter_supported"], true);

    let keys = Keys::new();
    let created = create(&s, "bank", &keys, json!({})).await;
    assert_eq!(
        created["id_token_signed_response_alg"], "ES256",
        "{created}"
    );
    assert_eq!(created["authorization_signed_response_alg"], "ES256");
    conformant_flow(&s, "bank", &keys).await;
    let lifetime = s
        .sql_count("SELECT MAX(expires_at - created_at) FROM authorization_codes")
        .await;
    assert_eq!(lifetime, 60, "§5.3.2.2: codes live at most 60 seconds");
}

/// Metadata that breaks a rule is refused when written, each rule with its
/// cause: by the admin API under the global profile, and by dynamic
/// registration for a client asking for the profile alone.
async fn metadata_rules(db: Db) {
    let s = Server::start_with(db, &[PROFILE[0], ("LATCHKEY_REGISTRATION_MODE", "open")]).await;
    let keys = Keys::new();
    let cases = [
        (
            json!({"token_endpoint_auth_method": "none"}),
            "fapi2_metadata_public_client",
            "token_endpoint_auth_method",
        ),
        (
            json!({"token_endpoint_auth_method": "client_secret_basic"}),
            "fapi2_metadata_auth_method",
            "token_endpoint_auth_method",
        ),
        (
            json!({"token_endpoint_auth_signing_alg": "RS256"}),
            "fapi2_metadata_alg",
            "token_endpoint_auth_signing_alg",
        ),
        (
            json!({"id_token_signed_response_alg": "RS256"}),
            "fapi2_metadata_alg",
            "id_token_signed_response_alg",
        ),
        (
            json!({"request_object_signing_alg": "none"}),
            "fapi2_metadata_alg",
            "request_object_signing_alg",
        ),
        (
            json!({"redirect_uris": ["http://127.0.0.1:9000/cb"]}),
            "fapi2_metadata_redirect_uri",
            "redirect_uris[0]",
        ),
        (
            json!({"profile": "fapi1"}),
            "invalid_client_metadata",
            "profile",
        ),
    ];
    for (extra, cause, field) in &cases {
        let mut body = json!({"redirect_uris": [CB], "token_endpoint_auth_method": "private_key_jwt",
            "jwks": keys.jwks});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = s
            .admin(Method::POST, "/clients")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["errorCode"], *cause, "{body}: {e}");
        let causes = e["errorCauses"].as_array().unwrap();
        assert!(causes.iter().any(|c| c["field"] == *field), "{e}");
    }
    // A native app may keep its loopback http redirect URI.
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"redirect_uris": ["http://127.0.0.1:9000/cb"], "application_type": "native",
            "token_endpoint_auth_method": "private_key_jwt", "jwks": keys.jwks}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Dynamic registration: the JSON channel, with the RFC 7591 codes.
    let r = s
        .http
        .post(s.url("/register"))
        .json(&json!({"redirect_uris": [CB]}))
        .send()
        .await
        .unwrap();
    let (_, body) =
        assert_json_error_of(r, "invalid_client_metadata", "fapi2_metadata_auth_method").await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("5.3.2.1"),
        "{body}"
    );
    let r = s
        .http
        .post(s.url("/register"))
        .json(
            &json!({"redirect_uris": [CB], "token_endpoint_auth_method": "private_key_jwt",
            "jwks": keys.jwks}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let registered: Value = r.json().await.unwrap();
    assert_eq!(registered["id_token_signed_response_alg"], "ES256");
}

async fn assert_json_error_of(
    r: Response,
    code: &str,
    cause: &str,
) -> (reqwest::header::HeaderMap, Value) {
    crate::support::assert_json_error(r, 400, code, cause).await
}

/// Clients registered before `profile = fapi2` was set are held to it on
/// each request: every rule at /authorize, /par and /token, with its cause.
async fn request_rules_for_clients_from_before(db: Db) {
    // Written while the profile was off.
    let s = Server::start(db).await;
    let keys = Keys::new();
    create(
        &s,
        "bank",
        &keys,
        json!({"id_token_signed_response_alg": "ES256"}),
    )
    .await;
    create(&s, "rsa-bank", &keys, json!({})).await; // ID tokens RS256
    let legacy = create(
        &s,
        "legacy",
        &keys,
        json!({"token_endpoint_auth_method": "client_secret_basic", "jwks": null}),
    )
    .await;
    let legacy_secret = legacy["client_secret"].as_str().unwrap().to_string();
    create(
        &s,
        "spa",
        &keys,
        json!({"token_endpoint_auth_method": "none", "jwks": null,
               "grant_types": ["authorization_code"]}),
    )
    .await;
    let s = Server::start_on(s.stop(), PROFILE).await;

    // §5.3.2.2: nothing but a pushed request at /authorize, redirected.
    let direct = format!(
        "/authorize?client_id=bank&response_type=code&scope=openid&state=direct&redirect_uri={}&code_challenge={CHALLENGE}&code_challenge_method=S256",
        url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>()
    );
    let r = Browser::new(&s).get(&direct).await;
    assert_redirect(&s, &r, "invalid_request", "fapi2_par_required", "direct");
    let r = Browser::new(&s)
        .get("/authorize?client_id=bank&request_uri=https%3A%2F%2Fapp.example%2Fr.jwt")
        .await;
    assert_eq!(r.status(), 303, "a request_uri of the client's own");
    assert!(crate::authorize::location(&r).contains("fapi2_par_required"));

    // §5.3.2.1: confidential clients with private_key_jwt only.
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth("legacy", Some(&legacy_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_json(r, 401, "invalid_client", "fapi2_client_auth_method").await;
    let mut spa = pushed("spa");
    spa.push(("client_id", "spa"));
    let r = post(&s, "/par", &spa, None).await;
    assert_json(r, 401, "invalid_client", "fapi2_public_client").await;

    // A registration that breaks §5.4.1 (ID tokens RS256).
    let a = keys.assertion(&s, "rsa-bank");
    let r = post(&s, "/par", &authenticated(&a, &pushed("x")), None).await;
    let (_, body) = crate::support::assert_json_error(
        r,
        400,
        "unauthorized_client",
        "fapi2_client_not_conformant",
    )
    .await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("id_token_signed_response_alg"),
        "{body}"
    );

    // The operator can still switch such a client off, and fixes it with
    // the field the refusal named.
    let r = s
        .admin(Method::PATCH, "/clients/legacy")
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = s
        .admin(Method::PATCH, "/clients/rsa-bank")
        .json(&json!({"client_name": "Still RS256"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a change is held to the profile");
    let r = s
        .admin(Method::PATCH, "/clients/rsa-bank")
        .json(&json!({"id_token_signed_response_alg": "ES256"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let a = keys.assertion(&s, "rsa-bank");
    let r = post(&s, "/par", &authenticated(&a, &pushed("x")), None).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());

    // §5.3.2.1 (8): the assertion's aud is the issuer, as a string.
    for aud in [
        json!(s.url("/par")),
        json!([s.base]),
        json!(s.url("/token")),
    ] {
        let a = keys.assertion_for("bank", aud.clone());
        let r = post(&s, "/par", &authenticated(&a, &pushed("x")), None).await;
        assert_json(r, 401, "invalid_client", "fapi2_client_assertion_audience").await;
    }
    // §5.4.1: an RS256 assertion, though signed by a registered key.
    let a = keys
        .rs
        .sign_jwt("JWT", &Keys::claims("bank", json!(s.base)))
        .unwrap();
    let r = post(&s, "/par", &authenticated(&a, &pushed("x")), None).await;
    assert_json(r, 401, "invalid_client", "fapi2_client_assertion_alg").await;

    // §5.3.2.2: PKCE with S256, and redirect_uri, in the pushed request.
    let without = |name: &str| -> Vec<(&'static str, &'static str)> {
        pushed("x")
            .into_iter()
            .filter(|(k, _)| *k != name)
            .collect()
    };
    for (form, cause) in [
        (without("code_challenge"), "fapi2_pkce_required"),
        (without("code_challenge_method"), "fapi2_pkce_required"),
        (without("redirect_uri"), "fapi2_redirect_uri_required"),
    ] {
        let a = keys.assertion(&s, "bank");
        let r = post(&s, "/par", &authenticated(&a, &form), None).await;
        assert_json(r, 400, "invalid_request", cause).await;
    }
    let a = keys.assertion(&s, "bank");
    let mut plain = without("code_challenge_method");
    plain.push(("code_challenge_method", "plain"));
    let r = post(&s, "/par", &authenticated(&a, &plain), None).await;
    assert_json(r, 400, "invalid_request", "fapi2_pkce_required").await;
    // §5.4.1: an unsigned request object.
    let a = keys.assertion(&s, "bank");
    let object = format!(
        "eyJhbGciOiJub25lIn0.{}.",
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            json!({"client_id": "bank", "response_type": "code"}).to_string()
        )
    );
    let r = post(
        &s,
        "/par",
        &authenticated(&a, &[("request", &object)]),
        None,
    )
    .await;
    assert_json(r, 400, "invalid_request_object", "fapi2_request_object_alg").await;
    // §5.4.1 for DPoP proofs at /par.
    let a = keys.assertion(&s, "bank");
    let rsa = DpopKey::of(Alg::Rs256);
    let r = post(
        &s,
        "/par",
        &authenticated(&a, &pushed("x")),
        Some(rsa.proof("POST", &s.url("/par"), json!({}))),
    )
    .await;
    assert_json(r, 400, "invalid_dpop_proof", "fapi2_dpop_alg").await;

    // §5.3.2.1 (4): DPoP at /token, with an allowed algorithm.
    let a = keys.assertion(&s, "bank");
    let r = post(
        &s,
        "/token",
        &authenticated(&a, &[("grant_type", "client_credentials")]),
        None,
    )
    .await;
    assert_json(r, 400, "invalid_dpop_proof", "fapi2_dpop_required").await;
    let a = keys.assertion(&s, "bank");
    let r = post(
        &s,
        "/token",
        &authenticated(&a, &[("grant_type", "client_credentials")]),
        Some(rsa.proof("POST", &s.url("/token"), json!({}))),
    )
    .await;
    assert_json(r, 400, "invalid_dpop_proof", "fapi2_dpop_alg").await;
    // And the conformant client still gets through, end to end.
    conformant_flow(&s, "bank", &keys).await;
    // PS256, the profile's other algorithm, with an RSA key.
    let (jwk, pss) = ps256_key();
    create(
        &s,
        "pss-bank",
        &keys,
        json!({"jwks": {"keys": [jwk]}, "id_token_signed_response_alg": "ES256"}),
    )
    .await;
    // ... signing the assertion, and a DPoP proof of another RSA key.
    let rsa_dpop = RsaDpop::new();
    let proof = |alg, htm: &str, htu: &str, extra| rsa_dpop.proof(alg, htm, htu, extra);
    let a = pss.sign(&Keys::claims("pss-bank", json!(s.base)));
    let r = post(
        &s,
        "/token",
        &authenticated(&a, &[("grant_type", "client_credentials")]),
        Some(proof(
            jsonwebtoken::Algorithm::PS256,
            "POST",
            &s.url("/token"),
            json!({}),
        )),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["token_type"], "DPoP");
    // The same key signing RS256 at /userinfo is refused for its alg.
    let access = t["access_token"].as_str().unwrap();
    let r = s
        .http
        .get(s.url("/userinfo"))
        .header("authorization", format!("DPoP {access}"))
        .header(
            "dpop",
            proof(
                jsonwebtoken::Algorithm::RS256,
                "GET",
                &s.url("/userinfo"),
                json!({"ath": latchkey_core::dpop::ath(access)}),
            ),
        )
        .send()
        .await
        .unwrap();
    let challenge = r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(r.status(), 401, "{challenge}");
    assert!(
        challenge.contains("#fapi2_dpop_alg\"") && challenge.ends_with("algs=\"ES256 PS256\""),
        "{challenge}"
    );
    assert!(challenge.contains("invalid_dpop_proof"), "{challenge}");
}

/// A DPoP key pair of RSA, signing proofs with PS256 or RS256.
struct RsaDpop {
    jwk: Value,
    key: jsonwebtoken::EncodingKey,
}

impl RsaDpop {
    fn new() -> RsaDpop {
        let (mut jwk, signer) = ps256_key();
        for member in ["kid", "use"] {
            jwk.as_object_mut().unwrap().remove(member);
        }
        RsaDpop { jwk, key: signer.1 }
    }

    fn proof(&self, alg: jsonwebtoken::Algorithm, htm: &str, htu: &str, extra: Value) -> String {
        let mut header = jsonwebtoken::Header::new(alg);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(serde_json::from_value(self.jwk.clone()).unwrap());
        jsonwebtoken::encode(&header, &DpopKey::claims(htm, htu, extra), &self.key).unwrap()
    }
}

/// An RSA public JWK (no `alg`) and a PS256 signer of claims with it, with
/// its key.
fn ps256_key() -> (Value, PssSigner) {
    let secrets = Secrets::new("test-only").unwrap();
    let record = keys::generate(Alg::Rs256, &secrets, latchkey_core::now_unix()).unwrap();
    let der = secrets
        .open(&record.private_sealed, record.kid.as_bytes())
        .unwrap();
    // PKCS#8 (30 82 .. 02 01 00 30 0d <rsaEncryption> 04 82 ..) holds the
    // PKCS#1 key the signer takes in its OCTET STRING.
    assert_eq!(&der[4..9], &[0x02, 0x01, 0x00, 0x30, 0x0d]);
    assert_eq!(&der[22..24], &[0x04, 0x82]);
    let key = jsonwebtoken::EncodingKey::from_rsa_der(&der[26..]);
    let mut jwk = record.public_jwk.clone();
    jwk.as_object_mut().unwrap().remove("alg");
    (jwk, PssSigner(record.kid.clone(), key))
}

struct PssSigner(String, jsonwebtoken::EncodingKey);

impl PssSigner {
    fn sign(&self, claims: &Value) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::PS256);
        header.kid = Some(self.0.clone());
        jsonwebtoken::encode(&header, claims, &self.1).unwrap()
    }
}

/// Without the setting, a client asking for the profile in its metadata is
/// held to it alone; its neighbours are not. Its codes live 60 seconds
/// while the setting gives others 600.
async fn per_client_profile(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_TOKENS_CODE_TTL", "600")]).await;
    let keys = Keys::new();
    // The metadata rules hold for it when it is written.
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "weak", "redirect_uris": [CB], "profile": "fapi2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["errorCode"], "fapi2_metadata_auth_method", "{e}");
    let (code, _, err) = s.run(&[
        "client",
        "create",
        "--client-id",
        "cli-weak",
        "--redirect-uri",
        CB,
        "--profile",
        "fapi2",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("fapi2_metadata_auth_method"), "{err}");
    let created = create(&s, "bank", &keys, json!({"profile": "fapi2"})).await;
    assert_eq!(created["profile"], "fapi2");
    assert_eq!(created["id_token_signed_response_alg"], "ES256");
    create(&s, "plain", &keys, json!({})).await;
    // Discovery is the server's: not narrowed for one client.
    let d: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["require_pushed_authorization_requests"], false);

    let direct = |client: &str| {
        format!(
            "/authorize?client_id={client}&response_type=code&scope=openid&state=direct&redirect_uri={}",
            url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>()
        )
    };
    let r = Browser::new(&s).get(&direct("bank")).await;
    assert_redirect(&s, &r, "invalid_request", "fapi2_par_required", "direct");
    let r = Browser::new(&s).get(&direct("plain")).await;
    assert!(
        crate::authorize::location(&r).starts_with("/login"),
        "the neighbour is not under the profile"
    );
    let a = keys.assertion(&s, "bank");
    let r = post(
        &s,
        "/token",
        &authenticated(&a, &[("grant_type", "client_credentials")]),
        None,
    )
    .await;
    assert_json(r, 400, "invalid_dpop_proof", "fapi2_dpop_required").await;
    let a = keys.assertion_for("plain", json!(s.url("/token")));
    let r = post(
        &s,
        "/token",
        &authenticated(&a, &[("grant_type", "client_credentials")]),
        None,
    )
    .await;
    assert_eq!(
        r.status(),
        200,
        "the neighbour: no DPoP, aud the token endpoint"
    );

    conformant_flow(&s, "bank", &keys).await;
    // A user's token bound to an RSA key with PS256: RS256 proofs of the
    // same key are refused at /userinfo for this client (§5.4.1).
    let rsa = RsaDpop::new();
    let ps256 = jsonwebtoken::Algorithm::PS256;
    let tokens = flow_with(&s, "bank", &keys, &|htu| {
        rsa.proof(ps256, "POST", htu, json!({}))
    })
    .await;
    let access = tokens["access_token"].as_str().unwrap();
    let userinfo = |alg| {
        s.http
            .get(s.url("/userinfo"))
            .header("authorization", format!("DPoP {access}"))
            .header(
                "dpop",
                rsa.proof(
                    alg,
                    "GET",
                    &s.url("/userinfo"),
                    json!({"ath": latchkey_core::dpop::ath(access)}),
                ),
            )
            .send()
    };
    let r = userinfo(ps256).await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = userinfo(jsonwebtoken::Algorithm::RS256).await.unwrap();
    let challenge = r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(r.status(), 401, "{challenge}");
    assert!(challenge.contains("#fapi2_dpop_alg\""), "{challenge}");
    let lifetime = s
        .sql_count(
            "SELECT MAX(expires_at - created_at) FROM authorization_codes WHERE client_id = 'bank'",
        )
        .await;
    assert_eq!(lifetime, 60);
}

/// The setting's values: `fapi2` or nothing, and it needs ES256 access
/// tokens; a bad value stops start-up with exit code 2.
async fn setting_values(db: Db) {
    let d = crate::support::Database::new(db).await;
    for (env, says) in [
        (vec![("LATCHKEY_PROFILE", "fapi1")], "profile"),
        (
            vec![
                ("LATCHKEY_PROFILE", "fapi2"),
                ("LATCHKEY_TOKENS_ACCESS_TOKEN_ALG", "RS256"),
            ],
            "tokens.access_token_alg",
        ),
    ] {
        let (code, _, err) = crate::support::run(&d, &["migrate"], &env);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(says), "{err}");
    }
}

/// The conformant flow through a real library: oauth4webapi pushes the
/// request with private_key_jwt (its `aud` is the issuer), PKCE and a DPoP
/// proof, checks `iss` in the response, and redeems the code with a proof;
/// two of the profile's refusals reach the developer through its errors.
#[tokio::test]
async fn oauth4webapi_fapi2() {
    use latchkey_core::catalogue::{FAPI2_DPOP_REQUIRED, FAPI2_PKCE_REQUIRED};
    let s = Server::start_with(Db::Sqlite, PROFILE).await;
    let mut public = crate::interop::private_jwk();
    public.as_object_mut().unwrap().remove("d");
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": "fapi-app", "redirect_uris": [CB], "scope": "openid email",
            "skip_consent": true, "token_endpoint_auth_method": "private_key_jwt",
            "grant_types": ["authorization_code", "client_credentials"],
            "jwks": {"keys": [public]}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": PASSWORD,
                      "claims": {"email": "alice@example.com", "email_verified": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let env = json!({
        "issuer": s.base, "redirect_uri": CB,
        "user": {"username": "alice", "password": PASSWORD},
        "clients": {"fapi": {"client_id": "fapi-app"}},
        "private_jwk": crate::interop::private_jwk(),
    });
    let report = crate::interop::node_report("fapi2.mjs", &env, || s.logs()).await;
    let step = |name: &str| {
        let step = report["steps"][name].clone();
        assert_eq!(step["ok"], true, "{name}: {step:#}\n{}", s.logs());
        step
    };
    let d = step("discovery");
    assert_eq!(d["require_pushed_authorization_requests"], true);
    assert_eq!(
        d["token_endpoint_auth_methods_supported"],
        json!(["private_key_jwt"])
    );
    let flow = step("par_code_flow");
    assert_eq!(flow["iss"], s.base);
    assert_eq!(flow["token_type"], "dpop");
    assert!(flow["sub"].is_string(), "{flow}");
    assert_eq!(
        jwt_header(flow["access_token"].as_str().unwrap())["alg"],
        "ES256"
    );
    for (name, cause) in [
        ("par_without_pkce", &FAPI2_PKCE_REQUIRED),
        ("token_without_dpop", &FAPI2_DPOP_REQUIRED),
    ] {
        let raised = &report["steps"][name]["raised"];
        assert_eq!(raised["type"], "ResponseBodyError", "{name}: {raised}");
        assert_eq!(raised["error"], cause.code.as_str(), "{name}: {raised}");
        assert!(
            raised["error_description"]
                .as_str()
                .unwrap_or_default()
                .starts_with(cause.summary),
            "{name}: {raised}"
        );
        assert!(
            raised["error_uri"]
                .as_str()
                .is_some_and(|u| u.ends_with(&format!("#{}", cause.id))),
            "{name}: {raised}"
        );
    }
}

/// A client that registered itself under the profile keeps it through
/// RFC 7592: an update leaving `profile` out keeps it, one naming
/// another value is refused, and an administrator can still take it out.
async fn registered_client_keeps_the_profile(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_REGISTRATION_MODE", "open")]).await;
    let keys = Keys::new();
    let body = json!({"redirect_uris": [CB], "token_endpoint_auth_method": "private_key_jwt",
        "jwks": keys.jwks, "profile": "fapi2"});
    let r = s
        .http
        .post(s.url("/register"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let reg: Value = r.json().await.unwrap();
    let id = reg["client_id"].as_str().unwrap().to_owned();
    let rat = reg["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let put = |body: Value| {
        s.http
            .put(s.url(&format!("/register/{id}")))
            .bearer_auth(&rat)
            .json(&body)
    };
    let mut update = body.clone();
    let map = update.as_object_mut().unwrap();
    map.remove("profile");
    map.insert("client_id".into(), json!(id));
    let r = put(update.clone()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let kept: Value = r.json().await.unwrap();
    assert_eq!(kept["profile"], "fapi2", "{kept}");
    // null is the one other value metadata allows (an unknown profile is
    // refused as not offered, whoever sends it).
    let mut weaker = update.clone();
    weaker["profile"] = json!(null);
    let r = put(weaker).send().await.unwrap();
    let (_, e) = assert_json_error_of(r, "invalid_client_metadata", "fapi2_profile_kept").await;
    assert!(
        e["error_description"]
            .as_str()
            .unwrap()
            .contains("administrator"),
        "{e}"
    );
    // Still under the profile: a client_secret method is refused.
    let mut secret = update.clone();
    secret["token_endpoint_auth_method"] = json!("client_secret_basic");
    let r = put(secret).send().await.unwrap();
    assert_json_error_of(r, "invalid_client_metadata", "fapi2_metadata_auth_method").await;
    // The administrator can.
    let r = s
        .admin(Method::PATCH, &format!("/clients/{id}"))
        .json(&json!({"profile": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let shown: Value = r.json().await.unwrap();
    assert!(shown.get("profile").is_none_or(Value::is_null), "{shown}");
}

crate::both!(
    global_profile_happy_path,
    metadata_rules,
    request_rules_for_clients_from_before,
    per_client_profile,
    setting_values,
    registered_client_keeps_the_profile,
);
