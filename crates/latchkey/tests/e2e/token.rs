//! The token side over HTTP: /token (client_credentials and every error
//! row), client authentication, /introspect, /revoke, /userinfo challenges.

use crate::support::{Db, SECRET, Server, assert_json_error};
use latchkey_core::crypto::Secrets;
use latchkey_core::keys::{self, Alg, SigningKey};
use reqwest::{Method, Response};
use serde_json::{Value, json};

async fn register(s: &Server, body: Value) -> Value {
    let r = s
        .admin(Method::POST, "/clients")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

/// A client_credentials client; returns its secret.
async fn service(s: &Server, id: &str, method: &str) -> String {
    let c = register(
        s,
        json!({"client_id": id, "grant_types": ["client_credentials"], "scope": "api:read api:write",
               "token_endpoint_auth_method": method}),
    )
    .await;
    c["client_secret"].as_str().unwrap().to_string()
}

fn token_post(s: &Server) -> reqwest::RequestBuilder {
    s.http.post(s.url("/token"))
}

/// Assert the JSON error channel: status, `error`, the cause in `error_uri`.
async fn expect_error(
    r: Response,
    status: u16,
    error: &str,
    cause: &str,
) -> reqwest::header::HeaderMap {
    crate::support::assert_json_error(r, status, error, cause)
        .await
        .0
}

async fn client_credentials_and_the_resource_endpoints(db: Db) {
    let s = Server::start(db).await;
    let basic_secret = service(&s, "svc-basic", "client_secret_basic").await;
    let post_secret = service(&s, "svc-post", "client_secret_post").await;

    // Discovery advertises what is implemented.
    let d: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["token_endpoint"], s.url("/token"));
    assert_eq!(d["introspection_endpoint"], s.url("/introspect"));
    assert_eq!(d["revocation_endpoint"], s.url("/revoke"));
    assert_eq!(d["userinfo_endpoint"], s.url("/userinfo"));
    assert!(
        d["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("client_credentials"))
    );
    assert!(
        d["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("private_key_jwt"))
    );
    assert_eq!(d["subject_types_supported"], json!(["public", "pairwise"]));

    // client_secret_basic.
    let r = token_post(&s)
        .basic_auth("svc-basic", Some(&basic_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["pragma"], "no-cache");
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 900);
    assert_eq!(t["scope"], "api:read api:write");
    assert!(t.get("refresh_token").is_none() && t.get("id_token").is_none());
    let access = t["access_token"].as_str().unwrap().to_string();

    // client_secret_post, with a narrower scope.
    let t: Value = token_post(&s)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "svc-post"),
            ("client_secret", &post_secret),
            ("scope", "api:read"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t["scope"], "api:read");

    // Introspection: active, then inactive after revocation.
    let intro = |token: String| {
        let s = &s;
        let secret = basic_secret.clone();
        async move {
            let r = s
                .http
                .post(s.url("/introspect"))
                .basic_auth("svc-basic", Some(secret))
                .form(&[("token", token.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    let v = intro(access.clone()).await;
    assert_eq!(v["active"], true);
    assert_eq!(v["client_id"], "svc-basic");
    assert_eq!(v["sub"], "svc-basic");
    assert_eq!(v["iss"], s.base);
    assert_eq!(v["scope"], "api:read api:write");
    assert_eq!(intro("garbage".into()).await, json!({"active": false}));
    // Unauthenticated introspection is refused.
    let r = s
        .http
        .post(s.url("/introspect"))
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "invalid_client", "client_auth_missing").await;

    // Revocation: unknown token → 200; another client's token → refused;
    // the owner's → 200 and the token is inactive.
    let revoke = |id: &'static str, secret: String, token: String| {
        let s = &s;
        async move {
            s.http
                .post(s.url("/revoke"))
                .basic_auth(id, Some(secret))
                .form(&[("token", token.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    let r = s
        .http
        .post(s.url("/revoke"))
        .form(&[
            ("token", "unknown-token"),
            ("client_id", "svc-post"),
            ("client_secret", post_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .http
        .post(s.url("/revoke"))
        .form(&[
            ("token", access.as_str()),
            ("client_id", "svc-post"),
            ("client_secret", post_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    expect_error(
        r,
        400,
        "unauthorized_client",
        "revoke_token_client_mismatch",
    )
    .await;
    assert_eq!(
        revoke("svc-basic", basic_secret.clone(), access.clone())
            .await
            .status(),
        200
    );
    assert_eq!(intro(access.clone()).await, json!({"active": false}));

    // /userinfo challenges. No credentials, or credentials of another
    // scheme: the bare challenge (RFC 6750 §3.1), the cause in the body.
    let r = s.http.get(s.url("/userinfo")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(challenge, format!("Bearer realm=\"{}\"", s.base));
    assert_json_error(r, 401, "invalid_token", "token_missing").await;
    let r = s
        .http
        .get(s.url("/userinfo"))
        .basic_auth("svc-basic", Some(&basic_secret))
        .send()
        .await
        .unwrap();
    let challenge = r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(challenge, format!("Bearer realm=\"{}\"", s.base));
    let (_, body) = assert_json_error(r, 401, "invalid_token", "token_missing").await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("does not use the Bearer scheme"),
        "{body}"
    );
    // The Bearer scheme without a token is a malformed header.
    let r = s
        .http
        .get(s.url("/userinfo"))
        .header("authorization", "Bearer ")
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_request\"")
    );
    assert_json_error(r, 400, "invalid_request", "authorization_header_malformed").await;
    let r = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(challenge.contains("#token_malformed"), "{challenge}");
    // The revoked token is inactive.
    let r = s
        .http
        .post(s.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("#token_inactive")
    );
    // A fresh client_credentials token has no openid: 403 with the scope needed.
    let t: Value = token_post(&s)
        .basic_auth("svc-basic", Some(&basic_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fresh = t["access_token"].as_str().unwrap();
    let r = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let challenge = r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(challenge.contains("scope=\"openid\""), "{challenge}");
    // Token in the header and the body.
    let r = s
        .http
        .post(s.url("/userinfo"))
        .bearer_auth(fresh)
        .form(&[("access_token", fresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("#token_in_two_places")
    );
}

async fn every_token_error_row(db: Db) {
    let s = Server::start(db).await;
    let secret = service(&s, "svc", "client_secret_basic").await;
    let post_secret = service(&s, "svc-post", "client_secret_post").await;
    let web = register(
        &s,
        json!({"client_id": "web", "redirect_uris": ["https://app.example/cb"]}),
    )
    .await;
    let web_secret = web["client_secret"].as_str().unwrap().to_string();
    let cc = |form: Vec<(&'static str, &'static str)>| {
        let s = &s;
        let secret = secret.clone();
        async move {
            token_post(s)
                .basic_auth("svc", Some(secret))
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };

    // G10: missing grant_type; repeated parameter; wrong media type.
    expect_error(
        cc(vec![]).await,
        400,
        "invalid_request",
        "grant_type_missing",
    )
    .await;
    expect_error(
        cc(vec![
            ("grant_type", "client_credentials"),
            ("grant_type", "client_credentials"),
        ])
        .await,
        400,
        "invalid_request",
        "repeated_parameter",
    )
    .await;
    let r = token_post(&s)
        .basic_auth("svc", Some(&secret))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request", "unsupported_content_type").await;
    // G14, U6, H9: unknown grant. U19: registered with IANA, not enabled.
    expect_error(
        cc(vec![("grant_type", "magic")]).await,
        400,
        "unsupported_grant_type",
        "unsupported_grant_type",
    )
    .await;
    expect_error(
        cc(vec![("grant_type", "password")]).await,
        400,
        "unsupported_grant_type",
        "unknown_request",
    )
    .await;
    // G13: grant not registered for the client.
    let r = token_post(&s)
        .basic_auth("web", Some(&web_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "unauthorized_client", "grant_type_not_allowed").await;
    // G11, U23: bad secret, unknown client; WWW-Authenticate names Basic.
    let r = token_post(&s)
        .basic_auth("svc", Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let h = expect_error(r, 401, "invalid_client", "client_secret_mismatch").await;
    assert!(
        h["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic realm=")
    );
    let r = token_post(&s)
        .basic_auth("nobody", Some("x"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let h = expect_error(r, 401, "invalid_client", "unknown_client").await;
    assert!(
        h["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic realm=")
    );
    // H6: a method other than the registered one.
    let r = token_post(&s)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "svc"),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "invalid_client", "client_auth_method_not_allowed").await;
    // H5: credentials in the header and the body.
    let r = token_post(&s)
        .basic_auth("svc-post", Some(&post_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "svc-post"),
            ("client_secret", post_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request", "multiple_client_auth_methods").await;
    // T5: GET → 405 with Allow: POST.
    let r = s.http.get(s.url("/token")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST,OPTIONS");
    // G1: a deactivated client.
    let r = s
        .admin(Method::PATCH, "/clients/svc")
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = cc(vec![("grant_type", "client_credentials")]).await;
    let h = expect_error(r, 400, "unauthorized_client", "client_deactivated").await;
    assert!(h.get("www-authenticate").is_none());
}

/// RFC 6749 §2.3.1: the Basic password is the form-urlencoded secret,
/// decoded whole. A secret with `&`, `+`, `%` and `:` (given through the
/// admin API) works when encoded, and also as it is, the way libraries
/// that skip the encoding send it; anything after a `&` counts. Choosing
/// such a secret is warned about (admin API and command line).
async fn basic_secret_is_decoded_whole(db: Db) {
    let s = Server::start(db).await;
    let given = "s&e+c%r:e t=1";
    let c = register(
        &s,
        json!({"client_id": "odd", "grant_types": ["client_credentials"], "scope": "api:read",
               "client_secret": given}),
    )
    .await;
    assert_eq!(c["client_secret"], given);
    let warnings = c["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{c}");
    assert_eq!(warnings[0]["field"], "client_secret");
    let summary = warnings[0]["summary"].as_str().unwrap();
    assert!(summary.contains("form-encod"), "{summary}");
    assert!(!summary.contains(given), "{summary}");
    let generated = service(&s, "svc", "client_secret_basic").await;
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let every_char = |v: &str| v.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    let token = |id: &'static str, password: String| {
        token_post(&s)
            .basic_auth(id, Some(password))
            .form(&[("grant_type", "client_credentials")])
            .send()
    };
    for password in [enc(given), every_char(given), given.to_string()] {
        let r = token("odd", password).await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    let r = token("svc", every_char(&generated)).await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // Differs only after the `&`; the right secret with more after a `&`.
    let refused = [
        ("odd", enc("s&e+c%r:e t=2")),
        ("odd", "s&other".to_string()),
        ("svc", format!("{generated}&anything")),
    ];
    for (id, password) in refused {
        let r = token(id, password).await.unwrap();
        expect_error(r, 401, "invalid_client", "client_secret_mismatch").await;
    }

    // A generated secret, or one of letters, digits and `-._*`, draws no
    // warning; a new chosen secret does, on update too.
    assert!(
        register(
            &s,
            json!({"client_id": "plain", "grant_types": ["client_credentials"],
                             "client_secret": "Plain-secret_0.1*"})
        )
        .await
        .get("warnings")
        .is_none()
    );
    let r = s
        .admin(Method::PATCH, "/clients/plain")
        .json(&json!({"client_secret": "100%"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["warnings"][0]["field"],
        "client_secret"
    );
    let (code, out, err) = s.run(&[
        "client",
        "create",
        "--client-id",
        "cli",
        "--grant-type",
        "client_credentials",
        "--secret",
        "a+b",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("latchkey: warning: client_secret: "), "{err}");
    let printed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(printed["client_secret"], "a+b");
    assert!(printed.get("warnings").is_none(), "{out}");
}

async fn private_key_jwt_replay_is_jti_known(db: Db) {
    let s = Server::start(db).await;
    let secrets = Secrets::new("test-only").unwrap();
    let now = latchkey_core::now_unix();
    let record = keys::generate(Alg::Es256, &secrets, now).unwrap();
    let key = SigningKey::load(&record, &secrets).unwrap();
    register(
        &s,
        json!({"client_id": "pk", "grant_types": ["client_credentials"], "scope": "api:read",
        "token_endpoint_auth_method": "private_key_jwt", "jwks": {"keys": [record.public_jwk]}}),
    )
    .await;
    let assertion = key
        .sign_jwt("JWT", &json!({"iss": "pk", "sub": "pk", "aud": s.url("/token"), "exp": now + 60, "jti": "once"}))
        .unwrap();
    let form = [
        ("grant_type", "client_credentials"),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion.as_str()),
    ];
    let r = token_post(&s).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["scope"], "api:read");
    let r = token_post(&s).form(&form).send().await.unwrap();
    expect_error(r, 401, "invalid_client", "jti_known").await;
    // Nothing secret reaches the log.
    assert!(!s.logs().contains(&assertion));
    let _ = SECRET;
}

/// RFC 7523 §3, RFC 9126 §2: an assertion's `aud` may be the issuer, the
/// token endpoint, or the URL of the endpoint receiving it (/par,
/// /introspect, /revoke); another endpoint's URL is refused.
async fn private_key_jwt_audience_may_be_the_receiving_endpoint(db: Db) {
    let s = Server::start(db).await;
    let secrets = Secrets::new("test-only").unwrap();
    let now = latchkey_core::now_unix();
    let record = keys::generate(Alg::Es256, &secrets, now).unwrap();
    let key = SigningKey::load(&record, &secrets).unwrap();
    register(
        &s,
        json!({"client_id": "pk", "redirect_uris": ["https://app.example/cb"], "scope": "openid",
        "token_endpoint_auth_method": "private_key_jwt", "jwks": {"keys": [record.public_jwk]}}),
    )
    .await;
    let mut n = 0;
    let mut send = |path: &'static str, aud: String| {
        n += 1;
        let claims =
            json!({"iss": "pk", "sub": "pk", "aud": aud, "exp": now + 60, "jti": format!("a{n}")});
        let assertion = key.sign_jwt("JWT", &claims).unwrap();
        let mut form = vec![
            (
                "client_assertion_type".to_string(),
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string(),
            ),
            ("client_assertion".to_string(), assertion),
        ];
        if path == "/par" {
            for (k, v) in [
                ("response_type", "code"),
                ("redirect_uri", "https://app.example/cb"),
                ("scope", "openid"),
                (
                    "code_challenge",
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGcSFY8n2w",
                ),
                ("code_challenge_method", "S256"),
            ] {
                form.push((k.to_string(), v.to_string()));
            }
        } else {
            form.push(("token".to_string(), "not-a-token".to_string()));
        }
        s.http.post(s.url(path)).form(&form).send()
    };
    let r = send("/par", s.url("/par")).await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    for path in ["/introspect", "/revoke"] {
        let r = send(path, s.url(path)).await.unwrap();
        assert_eq!(r.status(), 200, "{path}: {}", r.text().await.unwrap());
    }
    let r = send("/par", s.base.clone()).await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    // Another endpoint's URL does not name the one receiving it.
    let r = send("/introspect", s.url("/revoke")).await.unwrap();
    let (_, body) = assert_json_error(
        r,
        401,
        "invalid_client",
        "client_assertion_audience_mismatch",
    )
    .await;
    let described = body["error_description"].as_str().unwrap();
    assert!(described.contains(&s.url("/introspect")), "{described}");
}

/// RFC 7523 §3: an assertion is refused before its nbf (or iat), and when
/// it would stay valid (and its jti kept) for longer than an hour.
async fn private_key_jwt_time_bounds(db: Db) {
    let s = Server::start(db).await;
    let secrets = Secrets::new("test-only").unwrap();
    let now = latchkey_core::now_unix();
    let record = keys::generate(Alg::Es256, &secrets, now).unwrap();
    let key = SigningKey::load(&record, &secrets).unwrap();
    register(
        &s,
        json!({"client_id": "pk", "grant_types": ["client_credentials"], "scope": "api:read",
        "token_endpoint_auth_method": "private_key_jwt", "jwks": {"keys": [record.public_jwk]}}),
    )
    .await;
    let mut n = 0;
    let mut send = |times: Value| {
        n += 1;
        let mut claims =
            json!({"iss": "pk", "sub": "pk", "aud": s.url("/token"), "jti": format!("j{n}")});
        for (k, v) in times.as_object().unwrap() {
            claims[k] = v.clone();
        }
        let assertion = key.sign_jwt("JWT", &claims).unwrap();
        token_post(&s)
            .form(&[
                ("grant_type", "client_credentials"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", assertion.as_str()),
            ])
            .send()
    };
    let refused = [
        (
            json!({"nbf": now + 120, "exp": now + 180}),
            "client_assertion_not_yet_valid",
            "nbf",
        ),
        (
            json!({"iat": now + 3600, "exp": now + 3660}),
            "client_assertion_not_yet_valid",
            "iat",
        ),
        (
            json!({"exp": now + 3700}),
            "client_assertion_lifetime_too_long",
            "exp",
        ),
        (
            json!({"iat": now, "exp": now + 86400}),
            "client_assertion_lifetime_too_long",
            "iat",
        ),
        (
            json!({"iat": now - 3600, "exp": now + 60}),
            "client_assertion_lifetime_too_long",
            "iat",
        ),
    ];
    for (times, cause, named) in refused {
        let r = send(times.clone()).await.unwrap();
        let (_, body) = crate::support::assert_json_error(r, 401, "invalid_client", cause).await;
        let description = body["error_description"].as_str().unwrap();
        assert!(description.contains(named), "{times}: {description}");
    }
    // Within the bounds (and the clock leeway): accepted.
    let accepted = [
        json!({"exp": now + 60}),
        json!({"iat": now, "exp": now + 3600}),
        json!({"nbf": now + 10, "iat": now + 10, "exp": now + 3610}),
        json!({"exp": now + 3620}),
    ];
    for times in accepted {
        let r = send(times.clone()).await.unwrap();
        assert_eq!(r.status(), 200, "{times}: {}", r.text().await.unwrap());
    }
}

/// private_key_jwt with keys at a jwks_uri: fetched (with the network
/// fence opened for loopback by the setting), and refused when the fence
/// is closed, as it is by default.
async fn private_key_jwt_with_a_jwks_uri(db: Db) {
    let secrets = Secrets::new("test-only").unwrap();
    let now = latchkey_core::now_unix();
    let record = keys::generate(Alg::Es256, &secrets, now).unwrap();
    let key = SigningKey::load(&record, &secrets).unwrap();
    let jwks = json!({"keys": [record.public_jwk]});
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_uri = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(move || async move { axum::Json(jwks) }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });

    let s = Server::start_with(db, &[("LATCHKEY_FETCH_ALLOW_PRIVATE_NETWORKS", "true")]).await;
    let client = json!({"client_id": "pk", "grant_types": ["client_credentials"], "scope": "api:read",
        "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": jwks_uri});
    register(&s, client.clone()).await;
    let assertion = |jti: &str| {
        key.sign_jwt(
            "JWT",
            &json!({"iss": "pk", "sub": "pk", "aud": s.url("/token"), "exp": now + 60, "jti": jti}),
        )
        .unwrap()
    };
    let form = |a: &str| {
        vec![
            ("grant_type".to_string(), "client_credentials".to_string()),
            (
                "client_assertion_type".into(),
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
            ),
            ("client_assertion".into(), a.to_string()),
        ]
    };
    let r = token_post(&s)
        .form(&form(&assertion("a1")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    // The default: loopback is off limits.
    let closed = Server::start(db).await;
    register(&closed, client).await;
    let a = key
        .sign_jwt("JWT", &json!({"iss": "pk", "sub": "pk", "aud": closed.url("/token"), "exp": now + 60, "jti": "a2"}))
        .unwrap();
    let r = token_post(&closed).form(&form(&a)).send().await.unwrap();
    expect_error(r, 401, "invalid_client", "client_jwks_unavailable").await;
}

/// RFC 6749 §5.2 at every client-authenticated endpoint: a 401 names the
/// Basic scheme only when the client used the Authorization header, and then
/// the challenge carries the same error and description as the body. A
/// challenge sent to a client that authenticated in the body makes libraries
/// (openid-client, oauth4webapi) report the challenge and drop the body.
#[tokio::test]
async fn invalid_client_challenges_only_the_authorization_header() {
    let s = Server::start(Db::Sqlite).await;
    let basic = register(
        &s,
        json!({"client_id": "basic-app", "redirect_uris": ["https://app.example/cb"],
               "grant_types": ["authorization_code", "client_credentials"],
               "token_endpoint_auth_method": "client_secret_basic"}),
    )
    .await;
    let basic_secret = basic["client_secret"].as_str().unwrap().to_string();
    let post_secret = service(&s, "post-app", "client_secret_post").await;
    let endpoints: [(&str, &[(&str, &str)]); 4] = [
        ("/token", &[("grant_type", "client_credentials")]),
        (
            "/par",
            &[
                ("response_type", "code"),
                ("scope", "openid"),
                ("redirect_uri", "https://app.example/cb"),
            ],
        ),
        ("/introspect", &[("token", "x")]),
        ("/revoke", &[("token", "x")]),
    ];
    for (path, form) in endpoints {
        let post = |id: &'static str, secret: &str| {
            let mut form: Vec<(&str, &str)> = form.to_vec();
            form.extend([("client_id", id), ("client_secret", secret)]);
            s.http.post(s.url(path)).form(&form)
        };
        // In the body: no challenge, whatever the cause.
        for (r, cause) in [
            (
                post("basic-app", &basic_secret),
                "client_auth_method_not_allowed",
            ),
            (post("post-app", "wrong"), "client_secret_mismatch"),
            (post("nobody", "wrong"), "unknown_client"),
        ] {
            let r = r.send().await.unwrap();
            let h = expect_error(r, 401, "invalid_client", cause).await;
            assert!(h.get("www-authenticate").is_none(), "{path} {cause}");
        }
        // In the Authorization header: a Basic challenge with the error.
        for (id, secret, cause) in [
            ("basic-app", "wrong", "client_secret_mismatch"),
            (
                "post-app",
                post_secret.as_str(),
                "client_auth_method_not_allowed",
            ),
            ("nobody", "wrong", "unknown_client"),
        ] {
            let r = s
                .http
                .post(s.url(path))
                .basic_auth(id, Some(secret))
                .form(form)
                .send()
                .await
                .unwrap();
            let (h, body) =
                crate::support::assert_json_error(r, 401, "invalid_client", cause).await;
            let challenge = h["www-authenticate"].to_str().unwrap();
            let want = format!(
                "Basic realm=\"{}\", error=\"invalid_client\", error_description=\"{}\", error_uri=\"{}\"",
                s.base,
                body["error_description"].as_str().unwrap(),
                body["error_uri"].as_str().unwrap()
            );
            assert_eq!(challenge, want, "{path} {cause}");
        }
    }
}

/// A client id with a NUL character names no client, on either database
/// (PostgreSQL refuses NUL in text: this was a server error there).
async fn client_id_with_nul_is_unknown(db: Db) {
    let s = Server::start(db).await;
    let r = token_post(&s)
        .basic_auth("a\u{0}b", Some("x"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "invalid_client", "unknown_client").await;
    let r = token_post(&s)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "a\u{0}b"),
            ("client_secret", "x"),
        ])
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "invalid_client", "unknown_client").await;
}

crate::both!(
    client_id_with_nul_is_unknown,
    private_key_jwt_time_bounds,
    basic_secret_is_decoded_whole,
    private_key_jwt_with_a_jwks_uri,
    client_credentials_and_the_resource_endpoints,
    every_token_error_row,
    private_key_jwt_replay_is_jti_known,
    private_key_jwt_audience_may_be_the_receiving_endpoint,
);
