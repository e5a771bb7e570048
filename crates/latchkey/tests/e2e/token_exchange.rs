//! Token exchange (RFC 8693) at /token: a service trades the user's
//! access token or ID token, with its own token as actor, for a token for
//! another audience; the policy in its metadata bounds whose tokens,
//! which audiences and which scopes; every refusal has its own cause.
//! oauth4webapi exchanges through its generic grant in `interop`.

use crate::authorize::{Browser, location, login_page, query_of, submit_login};
use crate::support::{Db, Server, assert_json_error};
use reqwest::Method;
use serde_json::{Value, json};

const CB: &str = "https://app.example/cb";
const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";
const ID: &str = "urn:ietf:params:oauth:token-type:id_token";
const INVENTORY: &str = "https://inventory.example";

async fn client(s: &Server, body: Value) {
    let r = s
        .admin(Method::POST, "/clients")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

/// Alice's tokens for `web` through the login page: (access, id, refresh).
async fn alice_tokens(s: &Server) -> (String, String, String) {
    let mut b = Browser::new(s);
    let html = login_page(
        &mut b,
        "/authorize?client_id=web&response_type=code&scope=openid+orders:read+orders:write&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s",
    )
    .await;
    let r = submit_login(&mut b, &html, "alice", "correct horse battery").await;
    let code = query_of(&location(&r))["code"].clone();
    let t: Value = s
        .http
        .post(s.url("/token"))
        .basic_auth("web", Some("web-secret-0123456789abcdef"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = |k: &str| t[k].as_str().unwrap_or_else(|| panic!("{t}")).to_string();
    (
        text("access_token"),
        text("id_token"),
        text("refresh_token"),
    )
}

/// A token request of `client_id` (client_secret_post).
async fn token(s: &Server, client_id: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let secret = format!("{client_id}-secret-0123456789abcdef");
    let mut all = vec![("client_id", client_id), ("client_secret", secret.as_str())];
    all.extend_from_slice(form);
    s.http
        .post(s.url("/token"))
        .form(&all)
        .send()
        .await
        .unwrap()
}

async fn introspect(s: &Server, token: &str) -> Value {
    s.http
        .post(s.url("/introspect"))
        .basic_auth("web", Some("web-secret-0123456789abcdef"))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn setup(db: Db) -> Server {
    let s = Server::start(db).await;
    client(
        &s,
        json!({"client_id": "web", "client_secret": "web-secret-0123456789abcdef",
        "redirect_uris": [CB], "scope": "openid orders:read orders:write", "skip_consent": true,
        "grant_types": ["authorization_code", "refresh_token"]}),
    )
    .await;
    client(
        &s,
        json!({"client_id": "orders-api", "client_secret": "orders-api-secret-0123456789abcdef",
        "token_endpoint_auth_method": "client_secret_post", "scope": "inventory:read",
        "grant_types": ["client_credentials", GRANT],
        "token_exchange": {"subject_clients": ["web"], "audiences": [INVENTORY],
                           "scopes": ["orders:read", "inventory:read"]}}),
    )
    .await;
    client(
        &s,
        json!({"client_id": "other", "client_secret": "other-secret-0123456789abcdef",
        "token_endpoint_auth_method": "client_secret_post", "grant_types": [GRANT]}),
    )
    .await;
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    s
}

async fn delegation_impersonation_and_policy(db: Db) {
    let s = setup(db).await;
    let (access, id_token, refresh) = alice_tokens(&s).await;
    let alice = introspect(&s, &access).await["sub"]
        .as_str()
        .unwrap()
        .to_string();
    let own: Value = token(&s, "orders-api", &[("grant_type", "client_credentials")])
        .await
        .json()
        .await
        .unwrap();
    let own = own["access_token"].as_str().unwrap().to_string();

    // Delegation: the service acts for alice at the inventory.
    let r = token(
        &s,
        "orders-api",
        &[
            ("grant_type", GRANT),
            ("subject_token", &access),
            ("subject_token_type", ACCESS),
            ("actor_token", &own),
            ("actor_token_type", ACCESS),
            ("audience", INVENTORY),
            ("scope", "orders:read"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["issued_token_type"], ACCESS, "{t}");
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["scope"], "orders:read");
    assert!(t.get("refresh_token").is_none() && t.get("id_token").is_none());
    let delegated = t["access_token"].as_str().unwrap().to_string();
    let i = introspect(&s, &delegated).await;
    assert_eq!(i["active"], true, "{i}");
    assert_eq!(i["sub"], alice);
    assert_eq!(i["aud"], INVENTORY);
    assert_eq!(i["client_id"], "orders-api");
    assert_eq!(i["act"], json!({"sub": "orders-api"}));
    // A token for the inventory is not one for /userinfo.
    let r = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(&delegated)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Exchanged again with the service as actor: the earlier actor nests.
    let t: Value = token(
        &s,
        "orders-api",
        &[
            ("grant_type", GRANT),
            ("subject_token", &delegated),
            ("subject_token_type", ACCESS),
            ("actor_token", &own),
            ("actor_token_type", ACCESS),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    let chained = introspect(&s, t["access_token"].as_str().unwrap()).await;
    assert_eq!(
        chained["act"],
        json!({"sub": "orders-api", "act": {"sub": "orders-api"}}),
        "{chained}"
    );
    assert_eq!(chained["aud"], s.base, "no target: this server");

    // Impersonation from the ID token: no act, the policy's scopes.
    let t: Value = token(
        &s,
        "orders-api",
        &[
            ("grant_type", GRANT),
            ("subject_token", &id_token),
            ("subject_token_type", ID),
            ("resource", INVENTORY),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(t["scope"], "orders:read inventory:read", "{t}");
    let i = introspect(&s, t["access_token"].as_str().unwrap()).await;
    assert_eq!((&i["sub"], &i["aud"]), (&json!(alice), &json!(INVENTORY)));
    assert!(i.get("act").is_none(), "{i}");

    // Each refusal, with its cause.
    let (access_static, own_static) = (access.as_str(), own.as_str());
    #[allow(clippy::type_complexity)]
    let cases: Vec<(&str, Vec<(&str, &str)>, u16, &str, &str)> = vec![
        (
            "orders-api",
            vec![("grant_type", GRANT), ("subject_token_type", ACCESS)],
            400,
            "invalid_request",
            "exchange_parameters_incomplete",
        ),
        (
            "orders-api",
            vec![("grant_type", GRANT), ("subject_token", access_static)],
            400,
            "invalid_request",
            "exchange_parameters_incomplete",
        ),
        (
            "orders-api",
            with(base(access_static), &[("actor_token", own_static)]),
            400,
            "invalid_request",
            "exchange_parameters_incomplete",
        ),
        (
            "orders-api",
            vec![
                ("grant_type", GRANT),
                ("subject_token", access_static),
                (
                    "subject_token_type",
                    "urn:ietf:params:oauth:token-type:saml2",
                ),
            ],
            400,
            "invalid_request",
            "exchange_token_type_unsupported",
        ),
        (
            "orders-api",
            with(
                base(access_static),
                &[(
                    "requested_token_type",
                    "urn:ietf:params:oauth:token-type:refresh_token",
                )],
            ),
            400,
            "invalid_request",
            "exchange_token_type_unsupported",
        ),
        (
            "orders-api",
            base("not.a.token"),
            400,
            "invalid_request",
            "exchange_subject_invalid",
        ),
        (
            "orders-api",
            vec![
                ("grant_type", GRANT),
                ("subject_token", access_static),
                ("subject_token_type", ID),
            ],
            400,
            "invalid_request",
            "exchange_subject_invalid",
        ),
        (
            "orders-api",
            with(
                base(access_static),
                &[("actor_token", access_static), ("actor_token_type", ACCESS)],
            ),
            400,
            "invalid_request",
            "exchange_actor_invalid",
        ),
        (
            "orders-api",
            with(
                base(access_static),
                &[("audience", "https://elsewhere.example")],
            ),
            400,
            "invalid_target",
            "exchange_target_not_allowed",
        ),
        (
            "orders-api",
            with(
                base(access_static),
                &[
                    ("audience", INVENTORY),
                    ("resource", "https://elsewhere.example"),
                ],
            ),
            400,
            "invalid_target",
            "exchange_target_not_allowed",
        ),
        (
            "orders-api",
            with(base(access_static), &[("scope", "orders:write")]),
            400,
            "invalid_scope",
            "exchange_scope_not_allowed",
        ),
        (
            "other",
            base(access_static),
            400,
            "unauthorized_client",
            "exchange_subject_client_not_allowed",
        ),
    ];
    for (who, form, status, code, cause) in cases {
        let r = token(&s, who, &form).await;
        assert_json_error(r, status, code, cause).await;
    }
    // A client not registered for the grant.
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth("web", Some("web-secret-0123456789abcdef"))
        .form(&base(access_static))
        .send()
        .await
        .unwrap();
    assert_json_error(r, 400, "unauthorized_client", "grant_type_not_allowed").await;

    // Revoking alice's grant ends what was exchanged from it, and its
    // access token can be exchanged no more.
    let r = s
        .http
        .post(s.url("/revoke"))
        .basic_auth("web", Some("web-secret-0123456789abcdef"))
        .form(&[("token", refresh.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(introspect(&s, &delegated).await["active"], false);
    let r = token(&s, "orders-api", &base(access_static)).await;
    let (_, body) = assert_json_error(r, 400, "invalid_request", "exchange_subject_invalid").await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("revoked"),
        "{body}"
    );
}

crate::both!(delegation_impersonation_and_policy);

/// The form of an exchange of `subject`, an access token.
fn base(subject: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("grant_type", GRANT),
        ("subject_token", subject),
        ("subject_token_type", ACCESS),
    ]
}

fn with<'a>(
    mut form: Vec<(&'static str, &'a str)>,
    extra: &[(&'static str, &'a str)],
) -> Vec<(&'static str, &'a str)> {
    form.extend_from_slice(extra);
    form
}

/// The policy is checked when the client is registered.
#[tokio::test]
async fn the_policy_is_checked_at_registration() {
    let s = Server::start(Db::Sqlite).await;
    for (body, field) in [
        (
            json!({"grant_types": ["client_credentials"], "token_exchange": {"audiences": [INVENTORY]}}),
            "token_exchange",
        ),
        (
            json!({"grant_types": [GRANT], "token_exchange": {"audiences": ["https://a.example/#x"]}}),
            "token_exchange.audiences[0]",
        ),
        (
            json!({"grant_types": [GRANT], "token_exchange": {"scopes": ["two words"]}}),
            "token_exchange.scopes[0]",
        ),
    ] {
        let r = s
            .admin(Method::POST, "/clients")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let b: Value = r.json().await.unwrap();
        assert!(b["errorSummary"].as_str().unwrap().contains(field), "{b}");
    }
}

/// A pairwise client that exchanges a token gets the user under its own
/// `sub`, and /userinfo still finds the user behind it.
#[tokio::test]
async fn a_pairwise_client_gets_its_own_subject() {
    let s = setup(Db::Sqlite).await;
    client(
        &s,
        json!({"client_id": "pw", "client_secret": "pw-secret-0123456789abcdef",
        "token_endpoint_auth_method": "client_secret_post", "subject_type": "pairwise",
        "redirect_uris": ["https://pw.example/cb"], "grant_types": [GRANT],
        "token_exchange": {"subject_clients": ["web"]}}),
    )
    .await;
    let (access, _, _) = alice_tokens(&s).await;
    let local = introspect(&s, &access).await["sub"]
        .as_str()
        .unwrap()
        .to_string();
    let t: Value = token(
        &s,
        "pw",
        &[
            ("grant_type", GRANT),
            ("subject_token", &access),
            ("subject_token_type", ACCESS),
            ("scope", "openid"),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    let exchanged = t["access_token"].as_str().unwrap_or_else(|| panic!("{t}"));
    let info: Value = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(exchanged)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pairwise = info["sub"].as_str().unwrap_or_else(|| panic!("{info}"));
    assert_ne!(pairwise, local);
    assert_eq!(introspect(&s, exchanged).await["sub"], pairwise);
}
