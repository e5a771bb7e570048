//! The token side against a real store (SQLite in memory): client
//! authentication per method, code redemption, refresh rotation,
//! userinfo, introspection and revocation. Assertions are on cause ids.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use latchkey_core::Occurrence;
use latchkey_core::authorize::RawParams;
use latchkey_core::client::{ClientMetadata, ClientRecord};
use latchkey_core::client_auth::{self, AuthContext, Credentials, JWT_BEARER_ASSERTION};
use latchkey_core::crypto::{Secrets, b64url};
use latchkey_core::grant::CodeRecord;
use latchkey_core::keys::{self, Alg, KeySet, SigningKey};
use latchkey_core::secret::Secret;
use latchkey_core::store::Store;
use latchkey_core::token::{self, TokenContext, TokenResponse};
use latchkey_core::user::UserRecord;
use serde_json::{Value, json};
use std::sync::Arc;

const ISSUER: &str = "https://id.example";
const NOW: i64 = 1_700_000_000;

struct Env {
    store: Arc<dyn Store>,
    secrets: Secrets,
    keys: KeySet,
    grace: i64,
}

impl Env {
    async fn new() -> Env {
        let store = latchkey_store::open("sqlite::memory:").await.unwrap();
        let secrets = Secrets::new("unit-test-secret-0123456789abcdef").unwrap();
        let records = vec![
            keys::generate(Alg::Es256, &secrets, NOW).unwrap(),
            keys::generate(Alg::Rs256, &secrets, NOW).unwrap(),
        ];
        let keys = KeySet::from_records(&records, &secrets, NOW).unwrap();
        Env {
            store,
            secrets,
            keys,
            grace: 0,
        }
    }

    fn ctx(&self, now: i64) -> TokenContext<'_> {
        TokenContext {
            issuer: ISSUER,
            keys: &self.keys,
            secrets: &self.secrets,
            access_token_alg: Alg::Es256,
            access_token_ttl: 900,
            refresh_token_ttl: 86_400,
            refresh_grace: self.grace,
            now,
            dpop_jkt: None,
        }
    }

    async fn client(&self, id: &str, f: impl FnOnce(&mut ClientMetadata)) -> ClientRecord {
        let mut metadata = ClientMetadata {
            redirect_uris: vec!["https://app.example/cb".into()],
            grant_types: vec![
                "authorization_code".into(),
                "refresh_token".into(),
                "client_credentials".into(),
            ],
            scope: Some("openid profile email api:read".into()),
            ..Default::default()
        };
        f(&mut metadata);
        let record = ClientRecord {
            client_id: id.into(),
            secret_hash: Some(self.secrets.hash("s3cret")),
            previous_secret: None,
            active: true,
            metadata,
            created_at: NOW,
            updated_at: NOW,
        };
        self.store.create_client(&record).await.unwrap();
        record
    }

    async fn auth(&self, creds: Credentials) -> Result<ClientRecord, Occurrence> {
        let ctx = AuthContext {
            issuer: ISSUER,
            token_endpoint: &format!("{ISSUER}/token"),
            endpoint: &format!("{ISSUER}/token"),
            secrets: &self.secrets,
            now: NOW,
            jwks: None,
            fapi2: false,
        };
        client_auth::authenticate(self.store.as_ref(), &ctx, &creds).await
    }

    /// Insert a code as /authorize would; returns the code.
    async fn code(&self, client: &str, f: impl FnOnce(&mut CodeRecord)) -> (String, String) {
        let code = latchkey_core::crypto::random_token().unwrap();
        let grant_id = uuid::Uuid::new_v4().to_string();
        let mut record = CodeRecord {
            code_hash: self.secrets.hash(&code),
            grant_id: grant_id.clone(),
            client_id: client.into(),
            redirect_uri: Some("https://app.example/cb".into()),
            sub: "user-1".into(),
            scope: "openid profile email".into(),
            nonce: Some("n-0S6_WzA2Mj".into()),
            code_challenge: None,
            code_challenge_method: None,
            auth_time: NOW - 10,
            acr: Some("Cl".into()),
            amr: vec!["pwd".into()],
            sid: Some("sid-1".into()),
            claims: None,
            resources: Vec::new(),
            created_at: NOW,
            expires_at: NOW + 60,
            dpop_jkt: None,
        };
        f(&mut record);
        self.store.insert_code(&record).await.unwrap();
        (code, grant_id)
    }

    async fn exchange(
        &self,
        client: &ClientRecord,
        form: &[(&str, &str)],
        now: i64,
    ) -> Result<TokenResponse, Occurrence> {
        let params = RawParams::from_pairs(
            form.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        token::exchange(self.store.as_ref(), &self.ctx(now), client, &params).await
    }
}

fn cause<T: std::fmt::Debug>(r: Result<T, Occurrence>) -> &'static str {
    match r {
        Err(occ) => occ.cause.id,
        Ok(v) => panic!("expected a failure, got {v:?}"),
    }
}

fn post(id: &str, secret: &str) -> Credentials {
    Credentials {
        client_id: Some(id.into()),
        client_secret: Some(secret.into()),
        ..Default::default()
    }
}

fn assertion(key: &SigningKey, claims: Value) -> Credentials {
    Credentials {
        client_assertion_type: Some(JWT_BEARER_ASSERTION.into()),
        client_assertion: Some(key.sign_jwt("JWT", &claims).unwrap().into()),
        ..Default::default()
    }
}

fn hs256(secret: &str, claims: &Value) -> String {
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn claims(client: &str, jti: &str) -> Value {
    json!({"iss": client, "sub": client, "aud": format!("{ISSUER}/token"), "exp": NOW + 60, "jti": jti})
}

// ---------------------------------------------------------------------------
// Client authentication

#[tokio::test]
async fn secret_methods_and_their_failures() {
    let env = Env::new().await;
    env.client("basic-app", |_| {}).await;
    env.client("post-app", |m| {
        m.token_endpoint_auth_method = "client_secret_post".into()
    })
    .await;
    let basic = |id: &str, s: &str| Credentials {
        authorization: Some(
            format!(
                "Basic {}",
                base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    format!("{id}:{s}")
                )
            )
            .into(),
        ),
        ..Default::default()
    };
    assert_eq!(
        env.auth(basic("basic-app", "s3cret"))
            .await
            .unwrap()
            .client_id,
        "basic-app"
    );
    assert_eq!(
        env.auth(post("post-app", "s3cret"))
            .await
            .unwrap()
            .client_id,
        "post-app"
    );
    let table = [
        (basic("basic-app", "wrong"), "client_secret_mismatch"),
        (post("post-app", "wrong"), "client_secret_mismatch"),
        (basic("nobody", "s3cret"), "unknown_client"),
        (
            post("basic-app", "s3cret"),
            "client_auth_method_not_allowed",
        ),
        (
            basic("post-app", "s3cret"),
            "client_auth_method_not_allowed",
        ),
        (
            Credentials {
                client_id: Some("basic-app".into()),
                ..Default::default()
            },
            "client_auth_method_not_allowed",
        ),
    ];
    for (creds, want) in table {
        let scheme = creds.authorization.is_some();
        let occ = env.auth(creds).await.unwrap_err();
        assert_eq!(occ.cause.id, want);
        if scheme {
            assert_eq!(occ.auth_scheme, Some("Basic"));
        }
    }
}

#[tokio::test]
async fn deactivated_client_is_unauthorized_after_authenticating() {
    let env = Env::new().await;
    let mut c = env
        .client("off", |m| {
            m.token_endpoint_auth_method = "client_secret_post".into()
        })
        .await;
    c.active = false;
    env.store.update_client(&c).await.unwrap();
    assert_eq!(
        cause(env.auth(post("off", "s3cret")).await),
        "client_deactivated"
    );
    assert_eq!(
        cause(env.auth(post("off", "bad")).await),
        "client_secret_mismatch"
    );
}

#[tokio::test]
async fn private_key_jwt_verifies_claims_and_refuses_replay() {
    let env = Env::new().await;
    let record = keys::generate(Alg::Es256, &env.secrets, NOW).unwrap();
    let key = SigningKey::load(&record, &env.secrets).unwrap();
    env.client("pk", |m| {
        m.token_endpoint_auth_method = "private_key_jwt".into();
        m.jwks = Some(json!({"keys": [record.public_jwk.clone()]}));
    })
    .await;
    let ok = env.auth(assertion(&key, claims("pk", "j1"))).await;
    assert_eq!(ok.unwrap().client_id, "pk");
    assert_eq!(
        cause(env.auth(assertion(&key, claims("pk", "j1"))).await),
        "jti_known"
    );
    // The issuer is an accepted audience too.
    let mut c = claims("pk", "j2");
    c["aud"] = json!(ISSUER);
    assert!(env.auth(assertion(&key, c)).await.is_ok());

    let other = SigningKey::load(
        &keys::generate(Alg::Es256, &env.secrets, NOW).unwrap(),
        &env.secrets,
    )
    .unwrap();
    let mut rows: Vec<(Value, &str)> = Vec::new();
    let mut c = claims("pk", "j3");
    c["aud"] = json!("https://elsewhere.example");
    rows.push((c, "client_assertion_audience_mismatch"));
    let mut c = claims("pk", "j4");
    c["exp"] = json!(NOW - 3600);
    rows.push((c, "client_assertion_expired"));
    let mut c = claims("pk", "j5");
    c.as_object_mut().unwrap().remove("exp");
    rows.push((c, "client_assertion_expired"));
    let mut c = claims("pk", "j6");
    c["iss"] = json!("someone-else");
    rows.push((c, "client_assertion_issuer_mismatch"));
    let mut c = claims("pk", "x");
    c.as_object_mut().unwrap().remove("jti");
    rows.push((c, "client_assertion_invalid"));
    for (c, want) in rows {
        assert_eq!(cause(env.auth(assertion(&key, c)).await), want);
    }
    // Signed with a key the client never registered (its kid is unknown).
    assert_eq!(
        cause(env.auth(assertion(&other, claims("pk", "j7"))).await),
        "client_assertion_signature_invalid"
    );
}

#[tokio::test]
async fn private_key_jwt_alg_is_pinned_and_jwks_uri_is_refused() {
    let env = Env::new().await;
    let record = keys::generate(Alg::Es256, &env.secrets, NOW).unwrap();
    let key = SigningKey::load(&record, &env.secrets).unwrap();
    env.client("pinned", |m| {
        m.token_endpoint_auth_method = "private_key_jwt".into();
        m.token_endpoint_auth_signing_alg = Some("RS256".into());
        m.jwks = Some(json!({"keys": [record.public_jwk.clone()]}));
    })
    .await;
    assert_eq!(
        cause(env.auth(assertion(&key, claims("pinned", "a"))).await),
        "client_assertion_alg_not_allowed"
    );
    env.client("remote", |m| {
        m.token_endpoint_auth_method = "private_key_jwt".into();
        m.jwks_uri = Some("https://app.example/jwks".into());
    })
    .await;
    assert_eq!(
        cause(env.auth(assertion(&key, claims("remote", "a"))).await),
        "client_jwks_unavailable"
    );
}

#[tokio::test]
async fn client_secret_jwt_uses_the_sealed_secret() {
    let env = Env::new().await;
    env.client("hs", |m| {
        m.token_endpoint_auth_method = "client_secret_jwt".into()
    })
    .await;
    let sealed = env.secrets.seal(b"s3cret", b"hs").unwrap();
    env.store
        .set_client_secret_sealed("hs", Some(&sealed))
        .await
        .unwrap();
    let creds = |secret: &str, jti: &str| Credentials {
        client_assertion_type: Some(JWT_BEARER_ASSERTION.into()),
        client_assertion: Some(hs256(secret, &claims("hs", jti)).into()),
        ..Default::default()
    };
    assert!(env.auth(creds("s3cret", "1")).await.is_ok());
    assert_eq!(cause(env.auth(creds("s3cret", "1")).await), "jti_known");
    assert_eq!(
        cause(env.auth(creds("wrong", "2")).await),
        "client_assertion_signature_invalid"
    );
}

// ---------------------------------------------------------------------------
// Grants

fn verify_jwt(env: &Env, token: &str) -> Value {
    let header = jsonwebtoken::decode_header(token).unwrap();
    let (_, key) = env.keys.verifier(header.kid.as_deref().unwrap()).unwrap();
    let mut v = jsonwebtoken::Validation::new(header.alg);
    v.validate_exp = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(token, key, &v)
        .unwrap()
        .claims
}

#[tokio::test]
async fn code_redeems_once_and_a_replay_revokes_the_grant() {
    let env = Env::new().await;
    let client = env.client("app", |_| {}).await;
    let (code, _) = env.code("app", |_| {}).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "https://app.example/cb"),
    ];
    let t = env.exchange(&client, &form, NOW).await.unwrap();
    assert_eq!(t.token_type, "Bearer");
    assert_eq!(t.scope, "openid profile email");
    let at = verify_jwt(&env, t.access_token.expose_str());
    assert_eq!(at["sub"], "user-1");
    assert_eq!(at["client_id"], "app");
    assert_eq!(
        jsonwebtoken::decode_header(t.access_token.expose_str())
            .unwrap()
            .typ
            .as_deref(),
        Some("at+jwt")
    );
    let id = verify_jwt(&env, t.id_token.as_ref().map(Secret::expose_str).unwrap());
    assert_eq!(
        jsonwebtoken::decode_header(t.id_token.as_ref().map(Secret::expose_str).unwrap())
            .unwrap()
            .alg,
        jsonwebtoken::Algorithm::RS256
    );
    assert_eq!(id["aud"], "app");
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id["sid"], "sid-1");
    assert_eq!(id["auth_time"], NOW - 10);
    assert_eq!(
        id["at_hash"],
        token::id_token::at_hash(t.access_token.expose_str())
    );
    let refresh = t.refresh_token.clone().unwrap().into_exposed();

    assert_eq!(
        cause(env.exchange(&client, &form, NOW + 1).await),
        "code_reused"
    );
    // The replay revoked what the first redemption issued.
    let r = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    assert_eq!(
        cause(env.exchange(&client, &r, NOW + 2).await),
        "refresh_token_revoked"
    );
    let info = token::userinfo::userinfo(
        env.store.as_ref(),
        &env.keys,
        &env.secrets,
        ISSUER,
        t.access_token.expose_str(),
        NOW + 2,
    )
    .await;
    assert_eq!(cause(info), "token_inactive");
}

#[tokio::test]
async fn code_failures() {
    let env = Env::new().await;
    let client = env.client("app", |_| {}).await;
    env.client("other", |_| {}).await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let pkce = |c: &mut CodeRecord| {
        c.code_challenge = Some(challenge.into());
        c.code_challenge_method = Some("S256".into());
    };
    // PKCE success (RFC 7636 Appendix B).
    let (code, _) = env.code("app", pkce).await;
    let ok = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "https://app.example/cb"),
        ("code_verifier", verifier),
    ];
    assert!(env.exchange(&client, &ok, NOW).await.is_ok());

    struct Row {
        name: &'static str,
        edit: fn(&mut CodeRecord),
        redirect: Option<&'static str>,
        verifier: Option<&'static str>,
        now: i64,
        want: &'static str,
    }
    fn none(_: &mut CodeRecord) {}
    fn with_pkce(c: &mut CodeRecord) {
        c.code_challenge = Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into());
        c.code_challenge_method = Some("S256".into());
    }
    fn of_other(c: &mut CodeRecord) {
        c.client_id = "other".into();
    }
    let rows = [
        Row {
            name: "redirect differs",
            edit: none,
            redirect: Some("https://app.example/other"),
            verifier: None,
            now: NOW,
            want: "code_redirect_uri_mismatch",
        },
        Row {
            name: "redirect missing",
            edit: none,
            redirect: None,
            verifier: None,
            now: NOW,
            want: "code_redirect_uri_mismatch",
        },
        Row {
            name: "expired",
            edit: none,
            redirect: Some("https://app.example/cb"),
            verifier: None,
            now: NOW + 61,
            want: "code_expired",
        },
        Row {
            name: "pkce mismatch",
            edit: with_pkce,
            redirect: Some("https://app.example/cb"),
            verifier: Some("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            now: NOW,
            want: "pkce_verifier_mismatch",
        },
        Row {
            name: "pkce missing",
            edit: with_pkce,
            redirect: Some("https://app.example/cb"),
            verifier: None,
            now: NOW,
            want: "pkce_verifier_missing",
        },
        Row {
            name: "pkce malformed",
            edit: with_pkce,
            redirect: Some("https://app.example/cb"),
            verifier: Some("short"),
            now: NOW,
            want: "pkce_verifier_malformed",
        },
        Row {
            name: "verifier without challenge",
            edit: none,
            redirect: Some("https://app.example/cb"),
            verifier: Some(verifier),
            now: NOW,
            want: "pkce_verifier_unexpected",
        },
        Row {
            name: "another client's code",
            edit: of_other,
            redirect: Some("https://app.example/cb"),
            verifier: None,
            now: NOW,
            want: "code_client_mismatch",
        },
    ];
    for row in rows {
        let (code, _) = env.code("app", row.edit).await;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ];
        if let Some(r) = row.redirect {
            form.push(("redirect_uri", r));
        }
        if let Some(v) = row.verifier {
            form.push(("code_verifier", v));
        }
        assert_eq!(
            cause(env.exchange(&client, &form, row.now).await),
            row.want,
            "{}",
            row.name
        );
    }
    let unknown = [("grant_type", "authorization_code"), ("code", "nope")];
    assert_eq!(
        cause(env.exchange(&client, &unknown, NOW).await),
        "code_unknown"
    );
}

async fn first_refresh(env: &Env, client: &ClientRecord) -> TokenResponse {
    let (code, _) = env.code(&client.client_id, |_| {}).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "https://app.example/cb"),
    ];
    env.exchange(client, &form, NOW).await.unwrap()
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let env = Env::new().await;
    let client = env.client("app", |_| {}).await;
    let other = env.client("other", |_| {}).await;
    let t0 = first_refresh(&env, &client).await;
    let r0 = t0.refresh_token.unwrap().into_exposed();
    let form = |r: &str, scope: Option<&str>| {
        let mut f = vec![
            ("grant_type".to_string(), "refresh_token".to_string()),
            ("refresh_token".to_string(), r.to_string()),
        ];
        if let Some(s) = scope {
            f.push(("scope".to_string(), s.to_string()));
        }
        f
    };
    let run = |f: Vec<(String, String)>, c: &ClientRecord, now: i64| {
        let params = RawParams::from_pairs(f);
        let c = c.clone();
        let env = &env;
        async move { token::exchange(env.store.as_ref(), &env.ctx(now), &c, &params).await }
    };
    assert_eq!(
        cause(run(form(&r0, None), &other, NOW + 5).await),
        "refresh_token_client_mismatch"
    );
    assert_eq!(
        cause(run(form(&r0, Some("openid phone")), &client, NOW + 5).await),
        "scope_broader_than_granted"
    );
    let t1 = run(form(&r0, Some("openid email")), &client, NOW + 10)
        .await
        .unwrap();
    assert_eq!(t1.scope, "openid email");
    assert!(t1.id_token.is_some());
    let r1 = t1.refresh_token.unwrap().into_exposed();
    assert_ne!(r1, r0);
    // The grant's scope is kept: the next refresh may ask for all of it.
    let t2 = run(form(&r1, None), &client, NOW + 20).await.unwrap();
    assert_eq!(t2.scope, "openid profile email");
    let r2 = t2.refresh_token.unwrap().into_exposed();
    // Reusing the rotated r0 (grace 0) revokes the family, r2 included.
    assert_eq!(
        cause(run(form(&r0, None), &client, NOW + 30).await),
        "refresh_token_reused"
    );
    assert_eq!(
        cause(run(form(&r2, None), &client, NOW + 31).await),
        "refresh_token_revoked"
    );
    let intro = token::introspection::introspect(
        env.store.as_ref(),
        &env.ctx(NOW + 31),
        t2.access_token.expose_str(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(intro, json!({"active": false}));
}

/// A client's own `refresh_token_ttl` (browser apps) shortens its refresh
/// tokens' life, the rotated ones' too; the server's setting still caps it.
#[tokio::test]
async fn a_clients_refresh_token_ttl_shortens_its_refresh_tokens() {
    let env = Env::new().await;
    let spa = env
        .client("spa", |m| m.refresh_token_ttl = Some(3600))
        .await;
    let r0 = first_refresh(&env, &spa)
        .await
        .refresh_token
        .unwrap()
        .into_exposed();
    let f = |r: &str| {
        vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", r.to_string()),
        ]
    };
    let run = |r: String, now: i64| {
        let form = f(&r);
        let env = &env;
        let spa = spa.clone();
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            env.exchange(&spa, &pairs, now).await
        }
    };
    let r1 = run(r0, NOW + 3599)
        .await
        .unwrap()
        .refresh_token
        .unwrap()
        .into_exposed();
    // Rotated at NOW + 3599: the successor lives 3600 s from then.
    let r2 = run(r1.clone(), NOW + 3599 + 3599)
        .await
        .unwrap()
        .refresh_token
        .unwrap()
        .into_exposed();
    assert_eq!(
        cause(run(r2, NOW + 3599 + 3599 + 3601).await),
        "refresh_token_expired"
    );
    // Longer than the server's 86400 s (set before the server lowered
    // it, say): the server's lifetime wins.
    let long = env
        .client("long", |m| m.refresh_token_ttl = Some(10 * 86_400))
        .await;
    let r = first_refresh(&env, &long)
        .await
        .refresh_token
        .unwrap()
        .into_exposed();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", r.as_str()),
    ];
    assert_eq!(
        cause(env.exchange(&long, &form, NOW + 86_401).await),
        "refresh_token_expired"
    );
}

#[tokio::test]
async fn refresh_grace_window_returns_the_same_successor() {
    let mut env = Env::new().await;
    env.grace = 30;
    let client = env.client("app", |_| {}).await;
    let r0 = first_refresh(&env, &client)
        .await
        .refresh_token
        .unwrap()
        .into_exposed();
    let f = [
        ("grant_type", "refresh_token"),
        ("refresh_token", r0.as_str()),
    ];
    let a = env.exchange(&client, &f, NOW + 10).await.unwrap();
    let b = env.exchange(&client, &f, NOW + 20).await.unwrap();
    assert_eq!(a.refresh_token, b.refresh_token);
    assert_eq!(
        cause(env.exchange(&client, &f, NOW + 41).await),
        "refresh_token_reused"
    );
}

#[tokio::test]
async fn client_credentials_scope_and_no_user_tokens() {
    let env = Env::new().await;
    let client = env.client("svc", |_| {}).await;
    let t = env
        .exchange(&client, &[("grant_type", "client_credentials")], NOW)
        .await
        .unwrap();
    assert_eq!(t.scope, "profile email api:read");
    assert!(t.refresh_token.is_none() && t.id_token.is_none());
    assert_eq!(verify_jwt(&env, t.access_token.expose_str())["sub"], "svc");
    let narrowed = env
        .exchange(
            &client,
            &[("grant_type", "client_credentials"), ("scope", "api:read")],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(narrowed.scope, "api:read");
    for (scope, want) in [
        ("api:write", "scope_not_allowed"),
        ("openid", "scope_not_allowed"),
    ] {
        let r = env
            .exchange(
                &client,
                &[("grant_type", "client_credentials"), ("scope", scope)],
                NOW,
            )
            .await;
        assert_eq!(cause(r), want);
    }
    // Not registered for the grant; unknown and not-enabled grants.
    let code_only = env
        .client("web", |m| m.grant_types = vec!["authorization_code".into()])
        .await;
    let table = [
        (&code_only, "client_credentials", "grant_type_not_allowed"),
        (&client, "password", "unknown_request"),
        (
            &client,
            "urn:ietf:params:oauth:grant-type:device_code",
            "grant_type_not_allowed",
        ),
        (
            &client,
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "unknown_request",
        ),
        (&client, "magic", "unsupported_grant_type"),
    ];
    for (c, g, want) in table {
        assert_eq!(
            cause(env.exchange(c, &[("grant_type", g)], NOW).await),
            want,
            "{g}"
        );
    }
    assert_eq!(
        cause(env.exchange(&client, &[], NOW).await),
        "grant_type_missing"
    );
}

/// A device grant as /device_authorization keeps it; returns the device
/// code and the user code hash.
async fn device_grant(env: &Env, client: &str, scope: &str) -> (String, String) {
    use latchkey_core::device::{DeviceGrant, DeviceState, new_user_code, user_code_hash};
    let device_code = latchkey_core::crypto::random_token().unwrap();
    let user_code = user_code_hash(&env.secrets, &new_user_code().unwrap()).unwrap();
    env.store
        .insert_device_grant(&DeviceGrant {
            device_code_hash: env.secrets.hash(&device_code),
            user_code_hash: user_code.clone(),
            client_id: client.into(),
            scope: scope.into(),
            created_at: NOW,
            expires_at: NOW + 600,
            interval: 5,
            last_polled_at: None,
            state: DeviceState::Pending,
            resources: Vec::new(),
        })
        .await
        .unwrap();
    (device_code, user_code)
}

/// A poll of /token with a device code.
fn poll(device_code: &str) -> [(&str, &str); 2] {
    [
        ("grant_type", latchkey_core::device::GRANT_TYPE),
        ("device_code", device_code),
    ]
}

#[tokio::test]
async fn device_code_polls_until_approved_then_issues_once() {
    use latchkey_core::device::DeviceApproval;
    let env = Env::new().await;
    let device = latchkey_core::device::GRANT_TYPE;
    let tv = env
        .client("tv", |m| {
            m.redirect_uris.clear();
            m.response_types.clear();
            m.grant_types = vec![device.into(), "refresh_token".into()];
        })
        .await;
    let other = env
        .client("other", |m| m.grant_types = vec![device.into()])
        .await;
    let (code, user) = device_grant(&env, "tv", "openid profile").await;
    assert_eq!(
        cause(env.exchange(&tv, &[("grant_type", device)], NOW).await),
        "missing_parameter"
    );
    assert_eq!(
        cause(env.exchange(&tv, &poll("nope"), NOW).await),
        "device_code_unknown"
    );
    assert_eq!(
        cause(env.exchange(&other, &poll(&code), NOW).await),
        "device_code_client_mismatch"
    );
    assert_eq!(
        cause(env.exchange(&tv, &poll(&code), NOW).await),
        "authorization_pending"
    );
    assert_eq!(
        cause(env.exchange(&tv, &poll(&code), NOW + 1).await),
        "slow_down"
    );
    let approval = DeviceApproval {
        sub: "user-1".into(),
        auth_time: NOW + 20,
        acr: Some("Cl".into()),
        amr: vec!["pwd".into()],
        sid: Some("sid-9".into()),
    };
    assert!(
        env.store
            .decide_device_grant(&user, Some(&approval), NOW + 25)
            .await
            .unwrap()
    );
    let t = env.exchange(&tv, &poll(&code), NOW + 30).await.unwrap();
    assert_eq!(t.scope, "openid profile");
    assert_eq!(t.sub.as_deref(), Some("user-1"));
    let at = verify_jwt(&env, t.access_token.expose_str());
    assert_eq!(
        (at["sub"].as_str(), at["client_id"].as_str()),
        (Some("user-1"), Some("tv"))
    );
    let id = verify_jwt(&env, t.id_token.as_ref().map(Secret::expose_str).unwrap());
    assert_eq!(id["aud"], "tv");
    assert_eq!(id["sid"], "sid-9");
    assert_eq!(id["auth_time"], NOW + 20);
    assert!(id.get("nonce").is_none(), "{id}");
    assert_eq!(
        id["at_hash"],
        token::id_token::at_hash(t.access_token.expose_str())
    );
    // The refresh token belongs to the grant the access token names.
    let refresh = t.refresh_token.clone().unwrap();
    let kept = env
        .store
        .get_refresh_token(&env.secrets.hash(refresh.expose_str()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(Some(kept.grant_id.as_str()), at["grant_id"].as_str());
    assert_eq!(
        (kept.sub.as_str(), kept.scope.as_str()),
        ("user-1", "openid profile")
    );
    let r = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.expose_str()),
    ];
    assert!(env.exchange(&tv, &r, NOW + 40).await.is_ok());
    // Once only.
    assert_eq!(
        cause(env.exchange(&tv, &poll(&code), NOW + 60).await),
        "device_code_reused"
    );

    // Denied; expired; a client without the refresh_token grant gets no
    // refresh token, and no ID token without openid.
    let (code, user) = device_grant(&env, "other", "profile openid").await;
    assert!(
        env.store
            .decide_device_grant(&user, None, NOW)
            .await
            .unwrap()
    );
    assert_eq!(
        cause(env.exchange(&other, &poll(&code), NOW).await),
        "device_access_denied"
    );
    let (code, _) = device_grant(&env, "other", "openid").await;
    assert_eq!(
        cause(env.exchange(&other, &poll(&code), NOW + 600).await),
        "expired_token"
    );
    let (code, user) = device_grant(&env, "other", "profile").await;
    assert!(
        env.store
            .decide_device_grant(&user, Some(&approval), NOW)
            .await
            .unwrap()
    );
    let t = env.exchange(&other, &poll(&code), NOW).await.unwrap();
    assert!(t.refresh_token.is_none() && t.id_token.is_none(), "{t:?}");
}

// ---------------------------------------------------------------------------
// Userinfo, introspection, revocation

#[tokio::test]
async fn userinfo_releases_claims_per_scope() {
    let env = Env::new().await;
    let client = env.client("app", |_| {}).await;
    let mut claims = serde_json::Map::new();
    for (k, v) in [
        ("email", json!("alice@example.com")),
        ("email_verified", json!(true)),
        ("name", json!("Alice")),
        ("phone_number", json!("+1 555")),
    ] {
        claims.insert(k.into(), v);
    }
    env.store
        .create_user(&UserRecord {
            sub: "user-1".into(),
            username: "alice".into(),
            password_hash: None,
            claims,
            created_at: NOW,
            updated_at: NOW,
        })
        .await
        .unwrap();
    let t = first_refresh(&env, &client).await;
    let info = token::userinfo::userinfo(
        env.store.as_ref(),
        &env.keys,
        &env.secrets,
        ISSUER,
        t.access_token.expose_str(),
        NOW + 1,
    )
    .await
    .unwrap();
    assert_eq!(
        Value::Object(info),
        json!({"sub": "user-1", "email": "alice@example.com", "email_verified": true, "name": "Alice"})
    );
    let cc = env
        .exchange(&client, &[("grant_type", "client_credentials")], NOW)
        .await
        .unwrap();
    let r = token::userinfo::userinfo(
        env.store.as_ref(),
        &env.keys,
        &env.secrets,
        ISSUER,
        cc.access_token.expose_str(),
        NOW + 1,
    )
    .await;
    assert_eq!(cause(r), "scope_not_granted");
    let expired = token::userinfo::userinfo(
        env.store.as_ref(),
        &env.keys,
        &env.secrets,
        ISSUER,
        t.access_token.expose_str(),
        NOW + 901,
    )
    .await;
    assert_eq!(cause(expired), "token_inactive");
    for (bad, want) in [
        ("not-a-jwt", "token_malformed"),
        (
            t.id_token.as_ref().map(Secret::expose_str).unwrap(),
            "token_wrong_type",
        ),
    ] {
        let r = token::userinfo::userinfo(
            env.store.as_ref(),
            &env.keys,
            &env.secrets,
            ISSUER,
            bad,
            NOW + 1,
        )
        .await;
        assert_eq!(cause(r), want);
    }
    // Tampered payload: signature fails.
    let mut parts: Vec<String> = t
        .access_token
        .expose_str()
        .split('.')
        .map(str::to_string)
        .collect();
    parts[1] = b64url(br#"{"sub":"mallory"}"#);
    let r = token::userinfo::userinfo(
        env.store.as_ref(),
        &env.keys,
        &env.secrets,
        ISSUER,
        &parts.join("."),
        NOW + 1,
    )
    .await;
    assert_eq!(cause(r), "token_signature_invalid");
    // A deactivated client's tokens stop working.
    let mut off = client.clone();
    off.active = false;
    env.store.update_client(&off).await.unwrap();
    let r = token::userinfo::userinfo(
        env.store.as_ref(),
        &env.keys,
        &env.secrets,
        ISSUER,
        t.access_token.expose_str(),
        NOW + 1,
    )
    .await;
    assert_eq!(cause(r), "token_client_deactivated");
}

#[tokio::test]
async fn introspection_and_revocation() {
    let env = Env::new().await;
    let client = env.client("app", |_| {}).await;
    let other = env.client("other", |_| {}).await;
    let t = first_refresh(&env, &client).await;
    let ctx = env.ctx(NOW + 1);
    let store = env.store.as_ref();
    let a = token::introspection::introspect(store, &ctx, t.access_token.expose_str(), None)
        .await
        .unwrap();
    assert_eq!(a["active"], true);
    assert_eq!(a["client_id"], "app");
    assert_eq!(a["sub"], "user-1");
    assert_eq!(a["iss"], ISSUER);
    let refresh = t.refresh_token.clone().unwrap().into_exposed();
    let r = token::introspection::introspect(store, &ctx, &refresh, Some("refresh_token"))
        .await
        .unwrap();
    assert_eq!(r["active"], true);
    assert_eq!(r["scope"], "openid profile email");
    for junk in ["unknown", "a.b.c"] {
        let v = token::introspection::introspect(store, &ctx, junk, None)
            .await
            .unwrap();
        assert_eq!(v, json!({"active": false}));
    }
    // Unknown tokens revoke fine; another client's token is refused.
    token::revocation::revoke(store, &ctx, &client, "unknown", None)
        .await
        .unwrap();
    assert_eq!(
        cause(
            token::revocation::revoke(store, &ctx, &other, t.access_token.expose_str(), None).await
        ),
        "revoke_token_client_mismatch"
    );
    // Revoking the access token denylists it.
    token::revocation::revoke(store, &ctx, &client, t.access_token.expose_str(), None)
        .await
        .unwrap();
    let a = token::introspection::introspect(store, &ctx, t.access_token.expose_str(), None)
        .await
        .unwrap();
    assert_eq!(a, json!({"active": false}));
    // Revoking the refresh token revokes the family and its access tokens.
    let t2 = first_refresh(&env, &client).await;
    token::revocation::revoke(
        store,
        &ctx,
        &client,
        t2.refresh_token.as_ref().map(Secret::expose_str).unwrap(),
        Some("refresh_token"),
    )
    .await
    .unwrap();
    for tok in [
        t2.access_token.expose_str(),
        t2.refresh_token.as_ref().map(Secret::expose_str).unwrap(),
    ] {
        let v = token::introspection::introspect(store, &ctx, tok, None)
            .await
            .unwrap();
        assert_eq!(v, json!({"active": false}));
    }
}
