//! The `claims` request parameter (OIDC Core §5.5): single claims asked
//! for by name reach the ID token and /userinfo without their scopes,
//! after the person allowed them on the consent page, and still after a
//! refresh; malformed parameters and an essential `acr` that cannot be
//! met go back to the client; at /par, in a request object and through
//! the `openidconnect` crate.

use crate::authorize::{Browser, hidden, location, query_of};
use crate::oidc_client::http;
use crate::request_objects::{
    CB, ClientKey, PASSWORD, assert_json, assert_redirect, register, sign_in,
};
use crate::support::{Db, Server};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, TokenResponse,
};
use reqwest::Method;
use serde_json::{Value, json};

const ASKED: &str = r#"{"id_token":{"email":{"essential":true}},"userinfo":{"name":null}}"#;
const RP_SECRET: &str = "rp-secret-0123456789abcdef";

fn enc(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

fn payload(jwt: &str) -> Value {
    use base64::Engine;
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

/// An unmodified `openidconnect` client sends `claims` as an extra
/// parameter with only the `openid` scope: the consent page lists the two
/// claims, the library verifies an ID token carrying `email`, and its
/// UserInfo call gets `name` and not `email`, also with the access token of
/// a refresh. A remembered consent whose scopes do not release them does
/// not cover them: the next request asks again.
async fn claims_parameter_through_the_openidconnect_crate(db: Db) {
    let s = Server::start(db).await;
    let cb = "http://127.0.0.1:9/cb";
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({
            "client_id": "rp", "client_secret": RP_SECRET, "client_name": "Relying Party",
            "redirect_uris": [cb], "grant_types": ["authorization_code", "refresh_token"],
            "scope": "openid email profile", "skip_consent": false
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    s.admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": PASSWORD,
                      "claims": {"email": "alice@example.com", "email_verified": true,
                                 "name": "Alice", "locale": "en"}}))
        .send()
        .await
        .unwrap();

    let d: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["claims_parameter_supported"], true);
    let supported = d["claims_supported"].as_array().unwrap();
    for c in ["sub", "acr", "email", "name", "phone_number", "address"] {
        assert!(supported.contains(&json!(c)), "{c}");
    }

    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(s.base.clone()).unwrap(), &http)
            .await
            .unwrap();
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("rp".into()),
        Some(ClientSecret::new(RP_SECRET.into())),
    )
    .set_redirect_uri(RedirectUrl::new(cb.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, _csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_extra_param("claims", ASKED)
        .set_pkce_challenge(challenge)
        .url();

    let mut b = Browser::new(&s);
    let login = location(&b.get(auth_url.as_str()).await);
    let html = b.get(&login).await.text().await.unwrap();
    let r = crate::authorize::submit_login(&mut b, &html, "alice", PASSWORD).await;
    let consent = location(&r);
    assert!(consent.starts_with("/consent?i="), "{consent}");
    let html = b.get(&consent).await.text().await.unwrap();
    for claim in ["email", "name"] {
        assert!(
            html.contains(&format!("See this detail of your account: {claim}")),
            "{claim} not listed: {html}"
        );
    }
    assert!(!html.contains("See your email address"), "{html}");
    let r = b
        .post(
            "/consent",
            &[
                ("i", &hidden(&html, "i")),
                ("csrf", &hidden(&html, "csrf")),
                ("action", "allow"),
            ],
        )
        .await;
    let q = query_of(&location(&r));
    let tokens = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    assert_eq!(
        tokens.scopes().map(|s| s.len()),
        Some(1),
        "only openid was granted"
    );
    let id_token = tokens.id_token().expect("an ID token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("the library verifies the ID token");
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("alice@example.com")
    );
    assert!(claims.name().is_none(), "name was asked at userinfo only");
    assert!(claims.email_verified().is_none(), "not asked for");

    let info: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo");
    let name = |info: &CoreUserInfoClaims| {
        info.name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string())
    };
    assert_eq!(name(&info).as_deref(), Some("Alice"));
    assert!(
        info.email().is_none(),
        "email was asked in the ID token only"
    );
    assert!(info.locale().is_none(), "the profile scope was not granted");

    // The claims request is a property of the grant: a refresh issues
    // tokens that release the same claims.
    let refreshed = client
        .exchange_refresh_token(tokens.refresh_token().expect("a refresh token"))
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    let info: CoreUserInfoClaims = client
        .user_info(refreshed.access_token().clone(), None)
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo after a refresh");
    assert_eq!(name(&info).as_deref(), Some("Alice"));
    let again = payload(&refreshed.id_token().expect("an ID token").to_string());
    assert_eq!(again["email"], "alice@example.com", "{again}");

    // The remembered consent is openid alone: asking for the claims again
    // shows the consent page again.
    let url = format!(
        "/authorize?client_id=rp&response_type=code&scope=openid&redirect_uri={}&state=st4te&claims={}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        enc(cb),
        enc(ASKED)
    );
    let r = b.get(&url).await;
    assert!(location(&r).starts_with("/consent?i="), "{}", location(&r));
}

/// Malformed `claims` go back to the client as `invalid_request` with their
/// own cause; an essential `acr` nobody can meet is `access_denied`; at
/// /par the same refusals are JSON.
async fn malformed_claims_are_refused(db: Db) {
    let s = Server::start(db).await;
    register(&s, json!({"client_id": "app"})).await;
    let mut b = Browser::new(&s);
    let url = |claims: &str| {
        format!(
            "/authorize?client_id=app&response_type=code&scope=openid&redirect_uri={}&state=st4te&claims={}",
            enc(CB),
            enc(claims)
        )
    };
    for (claims, code, cause) in [
        ("email", "invalid_request", "claims_malformed"),
        ("[\"email\"]", "invalid_request", "claims_malformed"),
        (
            r#"{"id_token":["email"]}"#,
            "invalid_request",
            "claims_member_invalid",
        ),
        (
            r#"{"userinfo":{"name":{"essential":"yes"}}}"#,
            "invalid_request",
            "claims_member_invalid",
        ),
        (
            r#"{"id_token":{"acr":{"essential":true,"values":["urn:example:gold"]}}}"#,
            "access_denied",
            "essential_acr_unavailable",
        ),
    ] {
        let r = b.get(&url(claims)).await;
        assert_redirect(&s, &r, code, cause, "st4te");
        if cause == "claims_member_invalid" {
            let q = query_of(&location(&r));
            assert!(
                q["error_description"].contains("claims."),
                "the description names the member: {q:?}"
            );
        }
    }
    // Unknown claims are ignored (OIDC Core §5.5).
    let q = sign_in(&mut b, &url(r#"{"userinfo":{"https://x.example/c":null}}"#)).await;
    assert!(q.contains_key("code"), "{q:?}");

    let r = s
        .http
        .post(s.url("/par"))
        .basic_auth("app", Some("app-secret-0123456789abcdef"))
        .form(&[
            ("response_type", "code"),
            ("scope", "openid"),
            ("redirect_uri", CB),
            ("claims", "{\"userinfo\":3}"),
        ])
        .send()
        .await
        .unwrap();
    assert_json(r, 400, "invalid_request", "claims_member_invalid").await;
}

/// `claims` as a JSON object inside a signed request object, and an
/// essential `acr` that is a vector of trust: the second factor is asked
/// like for `vtr` (here the user has none, so the sign-in goes to
/// enrolment instead of issuing a code).
async fn claims_in_a_request_object_and_an_essential_acr(db: Db) {
    let s = Server::start(db).await;
    let key = ClientKey::new();
    register(
        &s,
        json!({"client_id": "app", "jwks": {"keys": [key.jwk]}, "request_object_signing_alg": "ES256"}),
    )
    .await;
    let now = latchkey_core::now_unix();
    let object = |claims: Value| {
        key.sign(
            &json!({"iss": "app", "aud": s.base, "client_id": "app", "response_type": "code",
            "scope": "openid", "redirect_uri": CB, "state": "inside", "iat": now, "exp": now + 60,
            "claims": claims}),
        )
    };
    let jwt = object(json!({"id_token": {"email": null}}));
    let mut b = Browser::new(&s);
    let q = sign_in(&mut b, &format!("/authorize?client_id=app&request={jwt}")).await;
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
    assert_eq!(t["scope"], "openid");
    let id = payload(t["id_token"].as_str().unwrap());
    assert_eq!(id["email"], "alice@example.com", "{id}");

    // An essential acr naming a vector with the second factor: not met by
    // the password alone.
    let jwt = object(json!({"id_token": {"acr": {"essential": true, "values": ["Cl.Cm"]}}}));
    let mut b = Browser::new(&s);
    let r = b
        .get(&format!("/authorize?client_id=app&request={jwt}"))
        .await;
    let login = location(&r);
    let html = b.get(&login).await.text().await.unwrap();
    let r = crate::authorize::submit_login(&mut b, &html, "alice", PASSWORD).await;
    let next = location(&r);
    assert!(next.starts_with("/mfa?i="), "{next}");
}

crate::both!(
    claims_parameter_through_the_openidconnect_crate,
    malformed_claims_are_refused,
    claims_in_a_request_object_and_an_essential_acr
);
