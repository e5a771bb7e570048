//! Dynamic client registration (RFC 7591) and management (RFC 7592): the
//! three modes, every error with its channel and cause, read, update and
//! delete with the registration access token, and registered clients that
//! then sign in (client_credentials, and the authorization-code flow of a
//! client registered through the `openidconnect` crate).

use crate::authorize::{Browser, hidden, location, query_of};
use crate::oidc_client::http;
use crate::support::{Database, Db, Server, run};
use openidconnect::core::{CoreClientRegistrationRequest, CoreProviderMetadata};
use openidconnect::registration::EmptyAdditionalClientMetadata;
use openidconnect::{AccessToken, IssuerUrl, RedirectUrl};
use reqwest::{Method, Response};
use serde_json::{Value, json};

const OPEN: &[(&str, &str)] = &[("LATCHKEY_REGISTRATION_MODE", "open")];
const INITIAL: &str = "initial-access-token-0123456789";
const TOKEN_MODE: &[(&str, &str)] = &[
    ("LATCHKEY_REGISTRATION_MODE", "token"),
    ("LATCHKEY_REGISTRATION_TOKEN", INITIAL),
];
/// Open, and client_credentials (with any OAuth scope these tests use)
/// allowed to registered clients.
const OPEN_WIDE: &[(&str, &str)] = &[
    ("LATCHKEY_REGISTRATION_MODE", "open"),
    (
        "LATCHKEY_REGISTRATION_ALLOWED_GRANT_TYPES",
        "authorization_code refresh_token client_credentials",
    ),
];
const CB: &str = "https://app.example/cb";

fn register(s: &Server, body: &Value) -> reqwest::RequestBuilder {
    s.http.post(s.url("/register")).json(body)
}

/// The registration client URI, with or without a bearer token.
fn manage(
    s: &Server,
    method: Method,
    client_id: &str,
    token: Option<&str>,
) -> reqwest::RequestBuilder {
    let r = s
        .http
        .request(method, s.url(&format!("/register/{client_id}")));
    match token {
        Some(t) => r.bearer_auth(t),
        None => r,
    }
}

async fn registered(s: &Server, body: Value) -> Value {
    let r = register(s, &body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["pragma"], "no-cache");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    r.json().await.unwrap()
}

/// The JSON channel: status, `error`, a description, `error_uri` naming
/// the cause, `error_id`, no-store.
async fn json_error(s: &Server, r: Response, status: u16, error: &str, cause: &str) -> Value {
    let (_, body) = crate::support::assert_json_error(r, status, error, cause).await;
    assert!(body["error_uri"].as_str().unwrap().starts_with(&s.base));
    body
}

/// A token failure: 401, a Bearer challenge with `invalid_token` and the
/// cause, and the same in the JSON body.
async fn challenged(s: &Server, r: Response, cause: &str) -> Value {
    assert_eq!(r.status(), 401, "for cause {cause}");
    let challenge = r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.starts_with("Bearer realm="), "{challenge}");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(challenge.contains(&format!("#{cause}\"")), "{challenge}");
    json_error(s, r, 401, "invalid_token", cause).await
}

/// A request without credentials (no Authorization header, or one of
/// another scheme): 401 and the bare challenge, with no error attribute
/// (RFC 6750 §3.1); the cause in the JSON body.
async fn unauthenticated(s: &Server, r: Response, cause: &str) -> Value {
    assert_eq!(r.status(), 401, "for cause {cause}");
    let challenge = r.headers()["www-authenticate"].to_str().unwrap();
    assert_eq!(challenge, format!("Bearer realm=\"{}\"", s.base));
    json_error(s, r, 401, "invalid_token", cause).await
}

async fn discovery(s: &Server) -> Value {
    s.http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The metadata of a client information response, as an update sends it
/// back: without the fields the server sets (RFC 7592 §2.2).
fn as_update(info: &Value) -> Value {
    let mut body = info.clone();
    let map = body.as_object_mut().unwrap();
    for field in [
        "registration_access_token",
        "registration_client_uri",
        "client_secret_expires_at",
        "client_id_issued_at",
        "client_secret",
    ] {
        map.remove(field);
    }
    body
}

async fn client_credentials(s: &Server, client_id: &str, secret: &str) -> Response {
    s.http
        .post(s.url("/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn registration_off_is_not_enabled_and_not_advertised() {
    let s = Server::start(Db::Sqlite).await;
    assert!(discovery(&s).await.get("registration_endpoint").is_none());
    let r = register(&s, &json!({"redirect_uris": [CB]}))
        .send()
        .await
        .unwrap();
    json_error(&s, r, 404, "not_found", "registration_disabled").await;
    let r = manage(&s, Method::GET, "anything", Some("some-token"))
        .send()
        .await
        .unwrap();
    json_error(&s, r, 404, "not_found", "registration_disabled").await;
}

#[tokio::test]
async fn token_mode_needs_its_token_at_start_up_and_on_every_registration() {
    // Start-up refuses token mode without a usable token: exit 2, naming the key.
    let db = Database::new(Db::Sqlite).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    for token in [None, Some("short")] {
        let mut env = vec![
            ("LATCHKEY_REGISTRATION_MODE", "token"),
            ("LATCHKEY_LISTEN", listen.as_str()),
        ];
        if let Some(t) = token {
            env.push(("LATCHKEY_REGISTRATION_TOKEN", t));
        }
        let (code, _, err) = run(&db, &["serve"], &env);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("registration.token") && err.contains("LATCHKEY_REGISTRATION_TOKEN"),
            "{err}"
        );
    }
    let (code, _, err) = run(
        &db,
        &["serve"],
        &[
            ("LATCHKEY_REGISTRATION_MODE", "sometimes"),
            ("LATCHKEY_LISTEN", listen.as_str()),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("registration.mode"), "{err}");

    let s = Server::start_on(db, TOKEN_MODE).await;
    assert_eq!(
        discovery(&s).await["registration_endpoint"],
        s.url("/register")
    );
    let body = json!({"redirect_uris": [CB]});
    let r = register(&s, &body).send().await.unwrap();
    unauthenticated(&s, r, "registration_token_missing").await;
    let r = register(&s, &body)
        .basic_auth("someone", Some(INITIAL))
        .send()
        .await
        .unwrap();
    unauthenticated(&s, r, "registration_token_missing").await;
    let r = register(&s, &body)
        .bearer_auth("not-the-initial-access-token")
        .send()
        .await
        .unwrap();
    challenged(&s, r, "registration_token_invalid").await;
    let r = register(&s, &body)
        .bearer_auth(INITIAL)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

/// The allowed sets are checked before the port is bound: an unknown grant
/// type, a malformed scope or an empty set stop start-up with exit 2,
/// naming the key.
#[tokio::test]
async fn allowed_sets_are_checked_at_start_up() {
    let db = Database::new(Db::Sqlite).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    for (env, value, key, named) in [
        (
            "LATCHKEY_REGISTRATION_ALLOWED_GRANT_TYPES",
            "authorization_code password",
            "registration.allowed_grant_types",
            "password",
        ),
        (
            "LATCHKEY_REGISTRATION_ALLOWED_GRANT_TYPES",
            " , ",
            "registration.allowed_grant_types",
            "at least one",
        ),
        (
            "LATCHKEY_REGISTRATION_ALLOWED_SCOPES",
            "openid \"quoted\"",
            "registration.allowed_scopes",
            "quoted",
        ),
    ] {
        let (code, _, err) = run(
            &db,
            &["serve"],
            &[
                ("LATCHKEY_REGISTRATION_MODE", "open"),
                ("LATCHKEY_LISTEN", listen.as_str()),
                (env, value),
            ],
        );
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(key) && err.contains(env) && err.contains(named),
            "{err}"
        );
    }
}

/// Every refusal of the metadata, on the JSON channel with its RFC 7591
/// code; unknown metadata is ignored.
#[tokio::test]
async fn metadata_errors_use_the_rfc_7591_codes() {
    let s = Server::start_with(Db::Sqlite, OPEN).await;
    assert_eq!(
        discovery(&s).await["registration_endpoint"],
        s.url("/register")
    );
    for (body, error, cause, mentions) in [
        (
            json!({"redirect_uris": ["http://app.example/cb"]}),
            "invalid_redirect_uri",
            "invalid_redirect_uri",
            "http://app.example/cb",
        ),
        (
            json!({"redirect_uris": ["https://app.example/cb#top"]}),
            "invalid_redirect_uri",
            "invalid_redirect_uri",
            "fragment",
        ),
        (
            json!({"redirect_uris": ["com.example.app:/cb"]}),
            "invalid_redirect_uri",
            "invalid_redirect_uri",
            "com.example.app",
        ),
        (
            json!({}),
            "invalid_redirect_uri",
            "invalid_redirect_uri",
            "redirect_uris",
        ),
        (
            json!({"redirect_uris": [CB], "grant_types": ["authorization_code", "password"]}),
            "invalid_client_metadata",
            "invalid_client_metadata",
            "password",
        ),
        (
            json!({"redirect_uris": [CB], "token_endpoint_auth_method": "tls_client_auth"}),
            "invalid_client_metadata",
            "invalid_client_metadata",
            "token_endpoint_auth_method",
        ),
        (
            json!({"redirect_uris": [CB], "response_types": ["code", "token"]}),
            "invalid_client_metadata",
            "invalid_client_metadata",
            "response_types",
        ),
        (
            json!({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"}),
            "invalid_client_metadata",
            "invalid_client_metadata",
            "client_credentials",
        ),
        (
            json!({"redirect_uris": CB}),
            "invalid_client_metadata",
            "invalid_client_metadata",
            "redirect_uris",
        ),
        (
            json!({"redirect_uris": [CB], "skip_consent": true}),
            "invalid_client_metadata",
            "invalid_client_metadata",
            "skip_consent",
        ),
        (
            json!({"redirect_uris": [CB], "token_exchange": {"subject_clients": ["web"]}}),
            "invalid_client_metadata",
            "invalid_client_metadata",
            "token_exchange",
        ),
        (
            json!(["not", "an", "object"]),
            "invalid_client_metadata",
            "invalid_client_metadata",
            "object",
        ),
        (
            json!({"redirect_uris": [CB], "software_statement": "not-a-jws"}),
            "invalid_software_statement",
            "invalid_software_statement",
            "JWS",
        ),
        (
            json!({"redirect_uris": [CB], "software_statement": signed_statement()}),
            "unapproved_software_statement",
            "software_statement_unapproved",
            "trusts no",
        ),
    ] {
        let r = register(&s, &body).send().await.unwrap();
        let e = json_error(&s, r, 400, error, cause).await;
        let description = e["error_description"].as_str().unwrap();
        assert!(description.contains(mentions), "{body}: {description}");
    }

    // The body must be JSON, sent as JSON.
    let r = s
        .http
        .post(s.url("/register"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("redirect_uris=https://app.example/cb")
        .send()
        .await
        .unwrap();
    json_error(&s, r, 400, "invalid_request", "unsupported_content_type").await;
    let r = s
        .http
        .post(s.url("/register"))
        .header("content-type", "application/json")
        .body("{\"redirect_uris\": [")
        .send()
        .await
        .unwrap();
    json_error(&s, r, 400, "invalid_request", "malformed_body").await;
    let r = s.http.get(s.url("/register")).send().await.unwrap();
    json_error(&s, r, 405, "invalid_request", "method_not_allowed").await;

    // Native apps: private-use schemes and loopback http; unknown fields
    // and server-chosen fields are ignored.
    let native = registered(
        &s,
        json!({"application_type": "native", "token_endpoint_auth_method": "none",
               "redirect_uris": ["com.example.app:/cb", "http://127.0.0.1/cb"],
               "client_id": "chosen", "client_secret": "chosen-secret-0123456789",
               "frobnicate": {"x": 1}}),
    )
    .await;
    assert_ne!(native["client_id"], "chosen");
    assert!(native.get("client_secret").is_none());
    assert!(native.get("client_secret_expires_at").is_none());
    assert!(native.get("frobnicate").is_none());
    assert!(native.get("skip_consent").is_none());
    assert_eq!(native["application_type"], "native");
}

/// A redirect URI is checked as the exact string that would be stored and
/// sent: raw CR, LF, TAB, NUL or a space (which the URL parser drops or
/// encodes while checking) and a spelling other than the URI's normal form
/// are refused by dynamic registration, the admin API (create and update)
/// and the command line alike, for redirect_uris and
/// post_logout_redirect_uris.
#[tokio::test]
async fn redirect_uris_are_checked_as_the_exact_string_on_every_channel() {
    let s = Server::start_with(Db::Sqlite, OPEN).await;
    let bad = [
        ("https://app.example/cb\r\nSet-Cookie: x=1", "U+000D"),
        ("https://app.example/cb\n", "U+000A"),
        ("https://app.example/cb\t", "U+0009"),
        ("https://app.example/c b", "U+0020"),
        (" https://app.example/cb", "U+0020"),
        ("https://app.example/cb\0", "U+0000"),
        ("https://app.example/café", "U+00E9"),
        ("https://APP.example/cb", "https://app.example/cb"),
        ("https://app.example:443/cb", "https://app.example/cb"),
        ("https://app.example", "https://app.example/"),
    ];
    for (uri, mentions) in bad {
        for field in ["redirect_uris", "post_logout_redirect_uris"] {
            let mut body = json!({"redirect_uris": [CB]});
            body[field] = json!([uri]);
            let r = register(&s, &body).send().await.unwrap();
            let e = json_error(&s, r, 400, "invalid_redirect_uri", "invalid_redirect_uri").await;
            let description = e["error_description"].as_str().unwrap();
            assert!(description.contains(mentions), "{uri:?}: {description}");
            assert!(
                description.contains(&format!("{field}[0]")),
                "{description}"
            );
            assert!(
                !description.contains(['\r', '\n', '\t', '\0']),
                "{description:?}"
            );

            let r = s
                .admin(Method::POST, "/clients")
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 400, "{uri:?}");
            let e: Value = r.json().await.unwrap();
            // The admin API refuses NUL anywhere in a body before reading
            // it (nothing it keeps may hold one), naming the field.
            let expected = match uri.contains('\0') {
                true => "malformed_body",
                false => "invalid_redirect_uri",
            };
            assert_eq!(e["errorCode"], expected, "{e}");
            assert!(
                e["errorSummary"].as_str().unwrap().contains(mentions),
                "{e}"
            );
        }
        let r = s
            .admin(Method::PATCH, "/clients/kept")
            .json(&json!({"redirect_uris": [uri]}))
            .send()
            .await
            .unwrap();
        // The client does not exist yet on the first round.
        assert!(r.status() == 400 || r.status() == 404, "{uri:?}");
        // A process argument cannot hold NUL.
        if !uri.contains('\0') {
            let (code, _, err) = s.run(&["client", "create", "--redirect-uri", uri]);
            assert_eq!(code, 1, "{uri:?}: {err}");
            assert!(
                err.contains("invalid_redirect_uri") && err.contains(mentions),
                "{err}"
            );
        }
    }
    // An existing client cannot be updated to such a URI either.
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "kept", "redirect_uris": [CB]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = s
        .admin(Method::PATCH, "/clients/kept")
        .json(&json!({"redirect_uris": ["https://app.example/cb\r\nX: 1"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "invalid_redirect_uri"
    );
    let (code, _, err) = s.run(&[
        "client",
        "update",
        "kept",
        "--redirect-uri",
        "https://app.example/cb\t",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("invalid_redirect_uri"), "{err}");
    // URIs in their normal form still register, with a query and a
    // percent-encoded space.
    registered(
        &s,
        json!({"redirect_uris": ["https://app.example/cb?x=1", "https://app.example/c%20b"]}),
    )
    .await;
}

/// A compact JWS with a signing alg: well formed, from no trusted issuer.
fn signed_statement() -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{}",
        b64.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        b64.encode(br#"{"iss":"https://vendor.example","software_id":"app"}"#),
        b64.encode(b"signature")
    )
}

async fn register_read_update_delete(db: Db) {
    let s = Server::start_with(db, OPEN_WIDE).await;
    let info = registered(
        &s,
        json!({"client_name": "Registered App", "redirect_uris": [CB],
               "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
               "scope": "openid email", "contacts": ["dev@app.example"]}),
    )
    .await;
    let id = info["client_id"].as_str().unwrap().to_string();
    let secret = info["client_secret"].as_str().unwrap().to_string();
    let rat = info["registration_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 22);
    assert!(secret.len() >= 43 && rat.len() >= 43);
    assert_eq!(
        info["registration_client_uri"],
        s.url(&format!("/register/{id}"))
    );
    assert_eq!(info["client_secret_expires_at"], 0);
    assert!(info["client_id_issued_at"].as_i64().unwrap() > 1_700_000_000);
    assert_eq!(info["client_name"], "Registered App");
    assert_eq!(info["redirect_uris"], json!([CB]));
    assert_eq!(info["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(info["response_types"], json!(["code"]));
    assert_eq!(info["contacts"], json!(["dev@app.example"]));
    // The secret works, and the operator sees the client (never the secret).
    let r = client_credentials(&s, &id, &secret).await;
    assert_eq!(r.status(), 200);
    let admin: Value = s
        .admin(Method::GET, &format!("/clients/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(admin["skip_consent"], false);
    assert!(admin.get("client_secret").is_none());
    assert!(admin.get("registration_access_token").is_none());

    // Read (RFC 7592 §2.1): the same metadata, the token, no secret.
    let r = manage(&s, Method::GET, &id, Some(&rat))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let read: Value = r.json().await.unwrap();
    let mut expected = info.clone();
    expected.as_object_mut().unwrap().remove("client_secret");
    assert_eq!(read, expected);

    // No token, a wrong one, another client's, and an unknown client all
    // get 401 with a challenge (bare without a token); the unknown client
    // looks like a wrong token.
    let other = registered(&s, json!({"redirect_uris": [CB]})).await;
    let other_id = other["client_id"].as_str().unwrap();
    let r = manage(&s, Method::GET, &id, None).send().await.unwrap();
    unauthenticated(&s, r, "registration_access_token_missing").await;
    let r = manage(&s, Method::GET, &id, Some("wrong-token"))
        .send()
        .await
        .unwrap();
    challenged(&s, r, "registration_access_token_invalid").await;
    let r = manage(&s, Method::GET, other_id, Some(&rat))
        .send()
        .await
        .unwrap();
    challenged(&s, r, "registration_access_token_invalid").await;
    let r = manage(&s, Method::GET, "no-such-client", Some(&rat))
        .send()
        .await
        .unwrap();
    challenged(&s, r, "registration_access_token_invalid").await;
    // A client the operator created has no registration access token.
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "operator-app", "redirect_uris": [CB]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = manage(&s, Method::GET, "operator-app", Some(&rat))
        .send()
        .await
        .unwrap();
    challenged(&s, r, "registration_access_token_invalid").await;

    // Update (RFC 7592 §2.2): a full replacement; the secret is kept.
    let mut update = as_update(&read);
    update["client_name"] = json!("Renamed App");
    update["redirect_uris"] = json!([CB, "https://app.example/other"]);
    update.as_object_mut().unwrap().remove("contacts");
    let r = manage(&s, Method::PUT, &id, Some(&rat))
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["client_name"], "Renamed App");
    assert_eq!(updated["redirect_uris"].as_array().unwrap().len(), 2);
    assert!(
        updated.get("contacts").is_none(),
        "omitted fields are removed"
    );
    assert!(updated.get("client_secret").is_none());
    assert_eq!(updated["client_id_issued_at"], info["client_id_issued_at"]);
    assert_eq!(updated["registration_access_token"], rat);
    assert_eq!(client_credentials(&s, &id, &secret).await.status(), 200);
    // Echoing the current secret is allowed.
    let mut with_secret = update.clone();
    with_secret["client_secret"] = json!(secret);
    let r = manage(&s, Method::PUT, &id, Some(&rat))
        .json(&with_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Updates that are refused, each naming what is wrong.
    let refused = |change: &dyn Fn(&mut Value)| {
        let mut body = update.clone();
        change(&mut body);
        body
    };
    for (body, error, cause) in [
        (
            refused(&|b| b["client_id"] = json!(other_id)),
            "invalid_client_metadata",
            "invalid_client_metadata",
        ),
        (
            refused(&|b| {
                b.as_object_mut().unwrap().remove("client_id");
            }),
            "invalid_client_metadata",
            "invalid_client_metadata",
        ),
        (
            refused(&|b| b["registration_access_token"] = json!(rat)),
            "invalid_client_metadata",
            "invalid_client_metadata",
        ),
        (
            refused(&|b| b["client_secret"] = json!("a-secret-of-my-choosing-0123456789")),
            "invalid_client_metadata",
            "invalid_client_metadata",
        ),
        (
            refused(&|b| b["skip_consent"] = json!(true)),
            "invalid_client_metadata",
            "invalid_client_metadata",
        ),
        (
            refused(&|b| b["redirect_uris"] = json!(["http://app.example/cb"])),
            "invalid_redirect_uri",
            "invalid_redirect_uri",
        ),
        (
            refused(&|b| b["software_statement"] = json!("x")),
            "invalid_software_statement",
            "invalid_software_statement",
        ),
    ] {
        let r = manage(&s, Method::PUT, &id, Some(&rat))
            .json(&body)
            .send()
            .await
            .unwrap();
        json_error(&s, r, 400, error, cause).await;
    }
    let r = manage(&s, Method::PUT, &id, Some("wrong-token"))
        .json(&update)
        .send()
        .await
        .unwrap();
    challenged(&s, r, "registration_access_token_invalid").await;

    // Becoming a public client drops the secret; coming back issues one.
    let mut public = update.clone();
    public["token_endpoint_auth_method"] = json!("none");
    public["grant_types"] = json!(["authorization_code"]);
    let r = manage(&s, Method::PUT, &id, Some(&rat))
        .json(&public)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let now_public: Value = r.json().await.unwrap();
    assert!(now_public.get("client_secret_expires_at").is_none());
    assert_eq!(client_credentials(&s, &id, &secret).await.status(), 401);
    let mut back = update.clone();
    back["token_endpoint_auth_method"] = json!("client_secret_post");
    let r = manage(&s, Method::PUT, &id, Some(&rat))
        .json(&back)
        .send()
        .await
        .unwrap();
    let confidential: Value = r.json().await.unwrap();
    let new_secret = confidential["client_secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    assert_eq!(confidential["client_secret_expires_at"], 0);
    let r = s
        .http
        .post(s.url("/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", new_secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Delete (RFC 7592 §2.3): 204, then the client and its token are gone.
    let r = manage(&s, Method::DELETE, &id, None).send().await.unwrap();
    unauthenticated(&s, r, "registration_access_token_missing").await;
    let r = manage(&s, Method::DELETE, &id, Some(&rat))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = manage(&s, Method::GET, &id, Some(&rat))
        .send()
        .await
        .unwrap();
    let e = challenged(&s, r, "registration_client_unknown").await;
    assert!(e["error_description"].as_str().unwrap().contains(&id));
    let r = manage(&s, Method::DELETE, &id, Some(&rat))
        .send()
        .await
        .unwrap();
    challenged(&s, r, "registration_client_unknown").await;
    let r = s
        .http
        .post(s.url("/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", new_secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = s
        .admin(Method::GET, &format!("/clients/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// The probe's attack: open registration asking for an operator's scopes
/// and client_credentials got a client, and at once tokens with those
/// scopes. Registration (and its update) is held to
/// `registration.allowed_scopes` and `registration.allowed_grant_types`;
/// refusals name what is refused. The operator's own clients are not.
async fn registration_is_held_to_the_allowed_scopes_and_grants(db: Db) {
    let s = Server::start_with(db, OPEN).await;
    // The probe's request, exactly.
    let r = register(
        &s,
        &json!({"grant_types": ["client_credentials"], "scope": "admin payments:write"}),
    )
    .send()
    .await
    .unwrap();
    let e = json_error(
        &s,
        r,
        400,
        "invalid_client_metadata",
        "registration_grant_type_not_allowed",
    )
    .await;
    let description = e["error_description"].as_str().unwrap();
    for named in ["client_credentials", "admin", "payments:write"] {
        assert!(description.contains(named), "{description}");
    }
    // Each refusal on its own, naming what is refused (and only that).
    let r = register(
        &s,
        &json!({"redirect_uris": [CB], "scope": "openid email admin"}),
    )
    .send()
    .await
    .unwrap();
    let e = json_error(
        &s,
        r,
        400,
        "invalid_client_metadata",
        "registration_scope_not_allowed",
    )
    .await;
    let description = e["error_description"].as_str().unwrap();
    assert!(description.contains("admin"), "{description}");
    assert!(!description.contains("email,"), "{description}");
    let r = register(&s, &json!({"grant_types": ["client_credentials"]}))
        .send()
        .await
        .unwrap();
    let e = json_error(
        &s,
        r,
        400,
        "invalid_client_metadata",
        "registration_grant_type_not_allowed",
    )
    .await;
    assert!(
        e["error_description"]
            .as_str()
            .unwrap()
            .contains("client_credentials")
    );
    // The default still lets ordinary clients in.
    let info = registered(
        &s,
        json!({"redirect_uris": [CB], "grant_types": ["authorization_code", "refresh_token"],
               "scope": "openid email"}),
    )
    .await;
    registered(&s, json!({"redirect_uris": [CB]})).await;
    registered(&s, json!({"redirect_uris": [CB], "scope": "openid profile email address phone offline_access"})).await;

    // The update (RFC 7592) is held to the same sets.
    let id = info["client_id"].as_str().unwrap();
    let rat = info["registration_access_token"].as_str().unwrap();
    let update = as_update(&info);
    for (change, cause, named) in [
        (
            json!({"scope": "openid admin"}),
            "registration_scope_not_allowed",
            "admin",
        ),
        (
            json!({"grant_types": ["authorization_code", "client_credentials"]}),
            "registration_grant_type_not_allowed",
            "client_credentials",
        ),
    ] {
        let mut body = update.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = manage(&s, Method::PUT, id, Some(rat))
            .json(&body)
            .send()
            .await
            .unwrap();
        let e = json_error(&s, r, 400, "invalid_client_metadata", cause).await;
        let description = e["error_description"].as_str().unwrap();
        assert!(description.contains(named), "{description}");
    }
    let r = manage(&s, Method::PUT, id, Some(rat))
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // The operator is trusted: the admin API registers any scope and grant.
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": "billing", "grant_types": ["client_credentials"],
                      "scope": "admin payments:write"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    // Widened by the operator: allowed, and still only what was registered.
    let widened = Server::start_with(
        db,
        &[
            ("LATCHKEY_REGISTRATION_MODE", "open"),
            (
                "LATCHKEY_REGISTRATION_ALLOWED_SCOPES",
                "openid email api:read api:write",
            ),
            (
                "LATCHKEY_REGISTRATION_ALLOWED_GRANT_TYPES",
                "authorization_code, refresh_token, client_credentials",
            ),
        ],
    )
    .await;
    let service = registered(
        &widened,
        json!({"grant_types": ["client_credentials"], "scope": "api:read"}),
    )
    .await;
    let (sid, secret) = (
        service["client_id"].as_str().unwrap(),
        service["client_secret"].as_str().unwrap(),
    );
    let token = |scope: Option<&'static str>| {
        let mut form = vec![("grant_type", "client_credentials")];
        form.extend(scope.map(|v| ("scope", v)));
        widened
            .http
            .post(widened.url("/token"))
            .basic_auth(sid, Some(secret))
            .form(&form)
            .send()
    };
    let r = token(None).await.unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["scope"], "api:read");
    // Allowed by the server but not registered by this client, or neither.
    for scope in ["api:write", "admin", "api:read admin"] {
        let r = token(Some(scope)).await.unwrap();
        let e = json_error(&widened, r, 400, "invalid_scope", "scope_not_allowed").await;
        assert!(!e.to_string().contains("access_token"));
    }
    let r = register(
        &widened,
        &json!({"grant_types": ["client_credentials"], "scope": "api:read admin"}),
    )
    .send()
    .await
    .unwrap();
    json_error(
        &widened,
        r,
        400,
        "invalid_client_metadata",
        "registration_scope_not_allowed",
    )
    .await;
    // Without every OpenID scope allowed, a client names the scopes it
    // needs: no scope would mean all of them.
    let r = register(&widened, &json!({"redirect_uris": [CB]}))
        .send()
        .await
        .unwrap();
    let e = json_error(
        &widened,
        r,
        400,
        "invalid_client_metadata",
        "registration_scope_not_allowed",
    )
    .await;
    assert!(
        e["error_description"].as_str().unwrap().contains("scope"),
        "{e}"
    );
    registered(
        &widened,
        json!({"redirect_uris": [CB], "scope": "openid email"}),
    )
    .await;
}

/// A client registered through the `openidconnect` crate (with the initial
/// access token) signs a user in with the authorization-code flow; consent
/// is asked, since a registered client is never first-party.
async fn registered_clients_sign_in(db: Db) {
    let s = Server::start_with(
        db,
        &[
            TOKEN_MODE[0],
            TOKEN_MODE[1],
            (
                "LATCHKEY_REGISTRATION_ALLOWED_SCOPES",
                "openid profile email address phone offline_access api:read",
            ),
            (
                "LATCHKEY_REGISTRATION_ALLOWED_GRANT_TYPES",
                "authorization_code,client_credentials",
            ),
        ],
    )
    .await;
    let cb = "http://127.0.0.1:9/cb";
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(s.base.clone()).unwrap(), &http)
            .await
            .unwrap();
    let endpoint = metadata
        .registration_endpoint()
        .expect("discovery advertises registration")
        .clone();
    let request = CoreClientRegistrationRequest::new(
        vec![RedirectUrl::new(cb.into()).unwrap()],
        EmptyAdditionalClientMetadata {},
    );
    let refused = request.register_async(&endpoint, &http).await;
    assert!(refused.is_err(), "no initial access token");
    let response = request
        .set_initial_access_token(Some(AccessToken::new(INITIAL.into())))
        .register_async(&endpoint, &http)
        .await
        .expect("the client library registers");
    let client_id = response.client_id().to_string();
    let secret = response.client_secret().expect("a secret").secret().clone();
    assert!(response.registration_access_token().is_some());
    assert_eq!(
        response.registration_client_uri().unwrap().url().as_str(),
        s.url(&format!("/register/{client_id}"))
    );

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
    let mut b = Browser::new(&s);
    let start = format!(
        "/authorize?client_id={client_id}&response_type=code&scope=openid+email&redirect_uri={}&state=st4te",
        url::form_urlencoded::byte_serialize(cb.as_bytes()).collect::<String>()
    );
    let html = crate::authorize::login_page(&mut b, &start).await;
    let r = crate::authorize::submit_login(&mut b, &html, "alice", "correct horse battery").await;
    let consent = location(&r);
    assert!(consent.starts_with("/consent?i="), "{consent}");
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
    assert_eq!(q["state"], "st4te");
    assert_eq!(q["iss"], s.base);
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", q["code"].as_str()),
            ("redirect_uri", cb),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert!(t["id_token"].is_string() && t["access_token"].is_string());

    // A client_credentials client registered by hand gets a token.
    let r = register(
        &s,
        &json!({"grant_types": ["client_credentials"], "scope": "api:read",
                "token_endpoint_auth_method": "client_secret_post"}),
    )
    .bearer_auth(INITIAL)
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let service: Value = r.json().await.unwrap();
    assert!(
        service
            .get("redirect_uris")
            .unwrap()
            .as_array()
            .unwrap()
            .is_empty()
    );
    let r = s
        .http
        .post(s.url("/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", service["client_id"].as_str().unwrap()),
            ("client_secret", service["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["scope"], "api:read");
}

/// A registration is written in one statement: with every UPDATE of the
/// clients table refused by the database, a client_secret_jwt client still
/// registers whole (its sealed secret and its registration token with
/// it), and can be read back with its token. Written as an insert and then
/// updates, it would fail and leave a client without its token behind.
async fn a_registration_is_one_write(db: Db) {
    let s = Server::start_with(db, OPEN).await;
    match db {
        Db::Sqlite => {
            s.sql(
                "CREATE TRIGGER no_client_updates BEFORE UPDATE ON clients \
                 BEGIN SELECT RAISE(ABORT, 'client updates refused by the test'); END",
            )
            .await
        }
        Db::Postgres => {
            s.sql(
                "CREATE FUNCTION refuse_client_updates() RETURNS trigger AS $$ BEGIN \
                 RAISE EXCEPTION 'client updates refused by the test'; END $$ LANGUAGE plpgsql",
            )
            .await;
            s.sql(
                "CREATE TRIGGER no_client_updates BEFORE UPDATE ON clients \
                 FOR EACH ROW EXECUTE FUNCTION refuse_client_updates()",
            )
            .await
        }
    }
    let info = registered(
        &s,
        json!({"client_name": "Whole", "redirect_uris": [CB],
               "token_endpoint_auth_method": "client_secret_jwt"}),
    )
    .await;
    let id = info["client_id"].as_str().unwrap();
    let token = info["registration_access_token"].as_str().unwrap();
    let r = manage(&s, Method::GET, id, Some(token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let sealed = format!(
        "SELECT COUNT(*) FROM clients WHERE client_id = '{id}' AND secret_sealed IS NOT NULL"
    );
    assert_eq!(s.sql_count(&sealed).await, 1);
}

crate::both!(
    registration_is_held_to_the_allowed_scopes_and_grants,
    register_read_update_delete,
    registered_clients_sign_in,
    a_registration_is_one_write
);
