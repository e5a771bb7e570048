//! CORS for browser apps at the HTTP level: preflights, the headers of the
//! actual requests at /token, /userinfo, /revoke, /introspect and /par,
//! refusals logged with `cors_origin_not_allowed`, and the origins set
//! through the admin API, the CLI and registration. A real browser drives
//! a real library in `spa.rs`.

use crate::authorize::{Browser, hidden, location, query_of};
use crate::support::{Db, Server};
use reqwest::{Method, Response};
use serde_json::{Value, json};
use std::time::Duration;

const APP: &str = "https://app.example";
const EVIL: &str = "https://evil.example";
const CB: &str = "https://app.example/cb";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWjFEjXk";
const CHALLENGE: &str = "hRtavV4RCd3wxgN-4mJJZb475cNVQNsALhg-uWeqYO0";

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

/// A code for the public client `spa`, through the login page.
async fn code(s: &Server) -> String {
    let mut b = Browser::new(s);
    let start = format!(
        "/authorize?client_id=spa&response_type=code&scope=openid+email&state=st&redirect_uri={}&code_challenge={CHALLENGE}&code_challenge_method=S256",
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

fn acao(r: &Response) -> Option<String> {
    r.headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_string())
}

fn varies_on_origin(r: &Response) -> bool {
    r.headers()
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap().contains("Origin"))
}

async fn preflight(s: &Server, path: &str, origin: &str) -> Response {
    s.http
        .request(Method::OPTIONS, s.url(path))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, dpop")
        .send()
        .await
        .unwrap()
}

/// `cors_origin_not_allowed` log lines naming `origin`.
fn refusals(s: &Server, origin: &str) -> usize {
    s.logs()
        .lines()
        .filter(|l| l.contains("cause=\"cors_origin_not_allowed\"") && l.contains(origin))
        .count()
}

#[tokio::test]
async fn browser_apps_call_the_token_endpoints_from_their_origins_only() {
    let s = Server::start(Db::Sqlite).await;
    create(
        &s,
        json!({"client_id": "spa", "client_name": "Browser App", "redirect_uris": [CB],
               "token_endpoint_auth_method": "none", "skip_consent": true,
               "grant_types": ["authorization_code", "refresh_token"], "scope": "openid email",
               "refresh_token_ttl": 3600}),
    )
    .await;
    let web = create(
        &s,
        json!({"client_id": "web", "redirect_uris": [CB], "grant_types": ["client_credentials"],
               "scope": "api:read"}),
    )
    .await;
    let web_secret = web["client_secret"].as_str().unwrap().to_string();
    s.admin(Method::POST, "/users")
        .json(
            &json!({"username": "alice", "password": "correct horse battery",
                      "claims": {"email": "alice@example.com"}}),
        )
        .send()
        .await
        .unwrap();

    // Preflight: 204 for an origin the public client's redirect URI gives.
    for path in ["/token", "/userinfo", "/revoke", "/introspect", "/par"] {
        let r = preflight(&s, path, APP).await;
        assert_eq!(r.status(), 204, "{path}");
        assert_eq!(acao(&r).as_deref(), Some(APP), "{path}");
        assert!(varies_on_origin(&r), "{path}");
        let h = r.headers();
        let methods = h["access-control-allow-methods"].to_str().unwrap();
        assert!(methods.contains("POST"), "{path}: {methods}");
        assert_eq!(path == "/userinfo", methods.contains("GET"), "{path}");
        assert_eq!(
            h["access-control-allow-headers"],
            "Authorization, Content-Type, DPoP"
        );
        assert_eq!(h["access-control-max-age"], "600");
        assert!(h.get("access-control-allow-credentials").is_none());
    }
    // Another origin: answered without CORS headers, and logged.
    let r = preflight(&s, "/token", EVIL).await;
    assert_eq!(r.status(), 204);
    assert_eq!(acao(&r), None);
    assert!(r.headers().get("access-control-allow-methods").is_none());
    // OPTIONS that is no preflight names the methods.
    let r = s
        .http
        .request(Method::OPTIONS, s.url("/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["allow"], "POST, OPTIONS");

    // The code redeemed from the app's origin: the answer is readable.
    let code = code(&s).await;
    let r = s
        .http
        .post(s.url("/token"))
        .header("origin", APP)
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "spa"),
            ("code", &code),
            ("redirect_uri", CB),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(acao(&r).as_deref(), Some(APP));
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert!(varies_on_origin(&r));
    assert_eq!(
        r.headers()["access-control-expose-headers"],
        "WWW-Authenticate, DPoP-Nonce"
    );
    let tokens: Value = r.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    // The client's own refresh_token_ttl.
    let lifetime = s
        .sql_count("SELECT MAX(expires_at - created_at) FROM refresh_tokens")
        .await;
    assert_eq!(lifetime, 3600);

    // /userinfo: the access token's client decides.
    let userinfo = |origin: &'static str| {
        s.http
            .get(s.url("/userinfo"))
            .bearer_auth(access)
            .header("origin", origin)
            .send()
    };
    let r = userinfo(APP).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(acao(&r).as_deref(), Some(APP));
    let before = refusals(&s, EVIL);
    let r = userinfo(EVIL).await.unwrap();
    assert_eq!(r.status(), 200, "answered as usual");
    assert_eq!(acao(&r), None);
    assert!(varies_on_origin(&r));
    // An error the app must read (here, a refresh token it no longer has).
    let r = s
        .http
        .post(s.url("/token"))
        .header("origin", APP)
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "spa"),
            ("refresh_token", "not-a-refresh-token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(acao(&r).as_deref(), Some(APP));
    // An error before any client is known: shown to an allowed origin only.
    for (origin, shown) in [(APP, true), (EVIL, false)] {
        let r = s
            .http
            .post(s.url("/token"))
            .header("origin", origin)
            .json(&json!({"grant_type": "refresh_token"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(acao(&r).is_some(), shown, "{origin}");
    }
    // Revocation from the app.
    let r = s
        .http
        .post(s.url("/revoke"))
        .header("origin", APP)
        .form(&[("client_id", "spa"), ("token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(acao(&r).as_deref(), Some(APP));

    // A confidential client is never answered with CORS, even from an
    // origin another client allows; the refusal names it.
    let r = s
        .http
        .post(s.url("/token"))
        .header("origin", APP)
        .basic_auth("web", Some(&web_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "answered as usual");
    assert_eq!(acao(&r), None);
    for path in ["/introspect", "/par"] {
        let r = s
            .http
            .post(s.url(path))
            .header("origin", APP)
            .basic_auth("web", Some(&web_secret))
            .form(&[("token", "x"), ("response_type", "code")])
            .send()
            .await
            .unwrap();
        assert_eq!(acao(&r), None, "{path}");
    }
    let logs = s.logs();
    assert!(
        logs.lines()
            .any(|l| l.contains("cause=\"cors_origin_not_allowed\"")
                && l.contains("client_id=\"web\"")
                && l.contains("endpoint=\"/token\"")),
        "{logs}"
    );
    assert!(refusals(&s, EVIL) > before, "{logs}");
    assert!(
        logs.contains("no active client allows the origin https://evil.example"),
        "{logs}"
    );

    // Origins set explicitly replace the default: through the admin API
    // (and a second node sees it through the change watcher)...
    let other = s.join(&[]).await;
    assert_eq!(
        acao(&preflight(&other, "/token", APP).await).as_deref(),
        Some(APP)
    );
    let r = s
        .admin(Method::PATCH, "/clients/spa")
        .json(&json!({"allowed_cors_origins": ["https://new.example"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(acao(&preflight(&s, "/token", APP).await), None);
    let mut seen = false;
    for _ in 0..80 {
        let r = preflight(&other, "/token", "https://new.example").await;
        if acao(&r).is_some() {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "the other node never saw the new origin");
    assert_eq!(acao(&preflight(&other, "/token", APP).await), None);
    // ...refused with the field named when malformed or confidential...
    for (body, field) in [
        (
            json!({"allowed_cors_origins": ["https://new.example/"]}),
            "allowed_cors_origins[0]",
        ),
        (json!({"refresh_token_ttl": 2_592_001}), "refresh_token_ttl"),
    ] {
        let r = s
            .admin(Method::PATCH, "/clients/spa")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let answer: Value = r.json().await.unwrap();
        assert_eq!(answer["errorCauses"][0]["field"], field, "{answer}");
    }
    let r = s
        .admin(Method::PATCH, "/clients/web")
        .json(&json!({"allowed_cors_origins": [APP]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // ...through the CLI...
    let (code, out, err) = s.run(&[
        "client",
        "create",
        "--client-id",
        "cli-spa",
        "--auth-method",
        "none",
        "--redirect-uri",
        "https://cli.example/cb",
        "--cors-origin",
        "https://one.example",
        "--cors-origin",
        "http://127.0.0.1:5173",
    ]);
    assert_eq!(code, 0, "{err}");
    let printed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        printed["allowed_cors_origins"],
        json!(["https://one.example", "http://127.0.0.1:5173"])
    );
    // ...and through dynamic registration.
    drop(other);
    let reg = Server::start_with(Db::Sqlite, &[("LATCHKEY_REGISTRATION_MODE", "open")]).await;
    let r = reg
        .http
        .post(reg.url("/register"))
        .json(&json!({"redirect_uris": ["https://reg.example/cb"], "token_endpoint_auth_method": "none",
                      "allowed_cors_origins": ["https://reg.example", "https://cdn.example"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let registered: Value = r.json().await.unwrap();
    assert_eq!(
        registered["allowed_cors_origins"],
        json!(["https://reg.example", "https://cdn.example"])
    );
    let r = preflight(&reg, "/token", "https://cdn.example").await;
    assert_eq!(acao(&r).as_deref(), Some("https://cdn.example"));
}
