//! Pushed authorization requests (RFC 9126): the /par endpoint, single-use
//! and expiring request URIs shared through the database, PAR required per
//! client and globally, and an unmodified `openidconnect` client using it.

use crate::authorize::{Browser, hidden, location, query_of};
use crate::oidc_client::http;
use crate::request_objects::{
    CB, ClientKey, assert_json, assert_page, assert_redirect, assert_redirected, register, sign_in,
};
use crate::support::{Db, Server};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    RedirectUrl, Scope, TokenResponse,
};
use reqwest::Method;
use serde_json::{Value, json};

const SECRET: &str = "app-secret-0123456789abcdef";

fn push(s: &Server, client: &str, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
    s.http
        .post(s.url("/par"))
        .basic_auth(client, Some(SECRET))
        .form(form)
}

const GOOD: &[(&str, &str)] = &[
    ("response_type", "code"),
    ("scope", "openid email"),
    ("redirect_uri", CB),
    ("state", "pushed"),
];

async fn pushed_uri(s: &Server, client: &str, form: &[(&str, &str)]) -> String {
    let r = push(s, client, form).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    let expires_in = body["expires_in"].as_i64().unwrap();
    assert!((1..600).contains(&expires_in), "{body}");
    let uri = body["request_uri"].as_str().unwrap().to_string();
    assert!(
        uri.starts_with("urn:ietf:params:oauth:request_uri:"),
        "{uri}"
    );
    uri
}

fn authorize(client: &str, request_uri: &str) -> String {
    format!(
        "/authorize?client_id={client}&request_uri={}",
        url::form_urlencoded::byte_serialize(request_uri.as_bytes()).collect::<String>()
    )
}

/// [`authorize`] naming a redirect URI that is not registered.
fn elsewhere(client: &str, request_uri: &str) -> String {
    format!(
        "{}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
        authorize(client, request_uri)
    )
}

/// The PAR endpoint and the life of a request_uri: client authentication,
/// validation as at /authorize (JSON errors), single use, expiry, the
/// client binding, and PAR required for one client.
async fn pushed_requests(db: Db) {
    let s = Server::start(db).await;
    register(
        &s,
        json!({"client_id": "app", "require_pushed_authorization_requests": true}),
    )
    .await;
    register(&s, json!({"client_id": "other"})).await;

    // A client that must push: a direct request is refused, redirected.
    let direct = format!(
        "/authorize?client_id=app&response_type=code&scope=openid&state=direct&redirect_uri={}",
        url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>()
    );
    let mut b = Browser::new(&s);
    let r = b.get(&direct).await;
    assert_redirect(&s, &r, "invalid_request", "par_required", "direct");

    // Errors at /par are JSON.
    let r = s.http.post(s.url("/par")).form(GOOD).send().await.unwrap();
    assert_json(r, 401, "invalid_client", "client_auth_missing").await;
    let r = s
        .http
        .post(s.url("/par"))
        .basic_auth("app", Some("wrong"))
        .form(GOOD)
        .send()
        .await
        .unwrap();
    assert_json(r, 401, "invalid_client", "client_secret_mismatch").await;
    let mut with_uri = GOOD.to_vec();
    with_uri.push(("request_uri", "urn:ietf:params:oauth:request_uri:x"));
    let r = push(&s, "app", &with_uri).send().await.unwrap();
    assert_json(r, 400, "invalid_request", "request_uri_in_par").await;
    let r = push(
        &s,
        "app",
        &[
            ("response_type", "code"),
            ("scope", "openid phone"),
            ("redirect_uri", CB),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_json(r, 400, "invalid_scope", "scope_not_allowed").await;
    let r = push(
        &s,
        "app",
        &[
            ("response_type", "code"),
            ("scope", "openid"),
            ("redirect_uri", "https://evil.example/cb"),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_json(r, 400, "invalid_request", "redirect_uri_mismatch").await;

    // Pushed: the request_uri works once, for the client that pushed it.
    // A refused one goes to the redirect URI the outer query names (or the
    // only one registered) for the outer client_id, else to the page.
    let uri = pushed_uri(&s, "app", GOOD).await;
    let r = b.get(&authorize("other", &uri)).await;
    assert_redirected(
        &s,
        &r,
        "invalid_request_uri",
        "request_uri_client_mismatch",
        None,
    );
    let r = b.get(&elsewhere("other", &uri)).await;
    assert_page(r, "invalid_request_uri", "request_uri_client_mismatch").await;
    let q = sign_in(&mut b, &authorize("app", &uri)).await;
    assert_eq!(q["state"], "pushed");
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth("app", Some(SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", q["code"].as_str()),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = b.get(&authorize("app", &uri)).await;
    assert_redirected(&s, &r, "invalid_request_uri", "request_uri_used", None);
    let r = b
        .get(&format!(
            "{}&state=outer&redirect_uri={}",
            authorize("app", &uri),
            url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>()
        ))
        .await;
    assert_redirect(&s, &r, "invalid_request_uri", "request_uri_used", "outer");
    let r = b.get(&elsewhere("app", &uri)).await;
    assert_page(r, "invalid_request_uri", "request_uri_used").await;

    // Expired.
    let uri = pushed_uri(&s, "app", GOOD).await;
    s.sql("UPDATE pushed_requests SET expires_at = 0").await;
    let r = b.get(&authorize("app", &uri)).await;
    assert_redirected(&s, &r, "invalid_request_uri", "request_uri_expired", None);
    let r = b.get(&elsewhere("app", &uri)).await;
    assert_page(r, "invalid_request_uri", "request_uri_expired").await;
    // Only its hash is stored.
    assert!(!s.logs().contains(&uri));

    // A pushed request carrying a signed request object.
    let key = ClientKey::new();
    s.admin(Method::PATCH, "/clients/app")
        .json(&json!({"jwks": {"keys": [key.jwk]}, "request_object_signing_alg": "ES256"}))
        .send()
        .await
        .unwrap();
    let now = latchkey_core::now_unix();
    let object = key.sign(
        &json!({"iss": "app", "aud": s.base, "client_id": "app", "response_type": "code",
        "scope": "openid email", "redirect_uri": CB, "state": "from-object", "exp": now + 60}),
    );
    let uri = pushed_uri(&s, "app", &[("request", object.as_str())]).await;
    let r = b.get(&authorize("app", &uri)).await;
    let q = query_of(&location(&r));
    assert_eq!(q["state"], "from-object");
    assert!(q.contains_key("code"), "{q:?}");
    let bad =
        key.sign(&json!({"iss": "app", "aud": "https://op.example", "response_type": "code"}));
    let r = push(&s, "app", &[("request", bad.as_str())])
        .send()
        .await
        .unwrap();
    assert_json(
        r,
        400,
        "invalid_request_object",
        "request_object_audience_mismatch",
    )
    .await;
}

/// A pushed request is used as validated at /par: a change to the
/// client's registration afterwards does not undo it, a deactivation
/// does. One pushed by an earlier version (the raw parameters) is answered
/// as expired.
async fn a_pushed_request_is_used_as_validated(db: Db) {
    let s = Server::start(db).await;
    register(&s, json!({"client_id": "app"})).await;
    let mut b = Browser::new(&s);

    let legacy = pushed_uri(&s, "app", GOOD).await;
    s.sql(
        r#"UPDATE pushed_requests SET params = '[["response_type","code"],["scope","openid email"],["redirect_uri","https://app.example/cb"],["state","pushed"]]'"#,
    )
    .await;
    let r = b.get(&authorize("app", &legacy)).await;
    assert_redirected(&s, &r, "invalid_request_uri", "request_uri_expired", None);

    // The redirect URI is no longer registered when the request is used:
    // validated when pushed, it stands.
    let uri = pushed_uri(&s, "app", GOOD).await;
    let later = pushed_uri(&s, "app", GOOD).await;
    let r = s
        .admin(Method::PATCH, "/clients/app")
        .json(&json!({"redirect_uris": ["https://app.example/elsewhere"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let q = sign_in(&mut b, &authorize("app", &uri)).await;
    assert_eq!(q["state"], "pushed");
    assert!(q.contains_key("code"), "{q:?}");

    // A client deactivated since the push is refused, to the pushed
    // redirect URI.
    s.admin(Method::PATCH, "/clients/app")
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    let r = b.get(&authorize("app", &later)).await;
    assert_redirect(
        &s,
        &r,
        "unauthorized_client",
        "client_deactivated",
        "pushed",
    );
}

/// par.required: every client must push, and discovery says so.
async fn par_required_everywhere(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_PAR_REQUIRED", "true")]).await;
    register(&s, json!({"client_id": "app"})).await;
    let d: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["require_pushed_authorization_requests"], true);
    assert_eq!(d["pushed_authorization_request_endpoint"], s.url("/par"));
    let mut b = Browser::new(&s);
    let r = b
        .get(&format!(
            "/authorize?client_id=app&response_type=code&scope=openid&state=s1&redirect_uri={}",
            url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>()
        ))
        .await;
    assert_redirect(&s, &r, "invalid_request", "par_required", "s1");
    let uri = pushed_uri(&s, "app", GOOD).await;
    let q = sign_in(&mut b, &authorize("app", &uri)).await;
    assert!(q.contains_key("code"));
}

/// The `openidconnect` crate has no PAR call: the parameters it generates
/// are pushed by hand, then the crate builds the authorization URL (with
/// request_uri added), exchanges the code and verifies the ID token.
async fn openidconnect_crate_with_par(db: Db) {
    let s = Server::start(db).await;
    register(
        &s,
        json!({"client_id": "rp", "require_pushed_authorization_requests": true, "skip_consent": false}),
    )
    .await;
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(s.base.clone()).unwrap(), &http)
            .await
            .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("rp".into()),
        Some(ClientSecret::new(SECRET.into())),
    )
    .set_redirect_uri(RedirectUrl::new(CB.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let state = CsrfToken::new_random();
    let nonce = Nonce::new_random();
    let (plain_url, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            {
                let state = state.clone();
                move || state
            },
            {
                let nonce = nonce.clone();
                move || nonce
            },
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge.clone())
        .url();
    // Push exactly what the library would have sent.
    let pairs: Vec<(String, String)> = plain_url
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != "client_id")
        .collect();
    let r = s
        .http
        .post(s.url("/par"))
        .basic_auth("rp", Some(SECRET))
        .form(&pairs)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let pushed: Value = r.json().await.unwrap();
    let request_uri = pushed["request_uri"].as_str().unwrap().to_string();
    let (auth_url, csrf, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            {
                let state = state.clone();
                move || state
            },
            {
                let nonce = nonce.clone();
                move || nonce
            },
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .add_extra_param("request_uri", request_uri)
        .url();

    let mut b = Browser::new(&s);
    let r = b.get(auth_url.as_str()).await;
    let login = location(&r);
    assert!(login.starts_with("/login?i="), "{login}");
    let html = b.get(&login).await.text().await.unwrap();
    let r =
        crate::authorize::submit_login(&mut b, &html, "alice", crate::request_objects::PASSWORD)
            .await;
    let consent = location(&r);
    let html = b.get(&consent).await.text().await.unwrap();
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
    assert_eq!(&q["state"], csrf.secret());
    let tokens = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let id_token = tokens.id_token().expect("an ID token");
    id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("a valid ID token with the pushed nonce");
}

crate::both!(
    pushed_requests,
    a_pushed_request_is_used_as_validated,
    par_required_everywhere,
    openidconnect_crate_with_par
);
