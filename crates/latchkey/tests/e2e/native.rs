//! Native apps (RFC 8252, `application_type: native`): a loopback redirect
//! URI matches on any port, a private-use scheme is accepted, `localhost`
//! is accepted with a warning, and PKCE is always required. Web clients
//! keep exact matching.

use crate::authorize::{Browser, hidden, location, login_page, query_of, submit_login};
use crate::oidc_client::http;
use crate::support::{Db, Server};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, RedirectUrl,
    Scope, TokenResponse,
};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const PASSWORD: &str = "correct horse battery";
const PKCE: &str =
    "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn create_client(s: &Server, body: Value) -> Value {
    let r = s
        .admin(Method::POST, "/clients")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{body}");
    r.json().await.unwrap()
}

async fn create_alice(s: &Server) {
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": PASSWORD,
                      "claims": {"email": "alice@example.com", "email_verified": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

/// The app's side of a loopback redirect: it accepts the one request the
/// browser makes to the port it listens on, answers it, and returns the
/// request target (path and query).
async fn receive_redirect(listener: TcpListener) -> String {
    let (mut socket, _) = listener.accept().await.unwrap();
    let mut request = Vec::new();
    let mut chunk = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the browser closed before sending its request");
        request.extend_from_slice(&chunk[..n]);
    }
    let body = "Signed in. You may close this window.";
    let answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(answer.as_bytes()).await.unwrap();
    let head = String::from_utf8_lossy(&request).into_owned();
    let line = head.lines().next().unwrap().to_string();
    let mut parts = line.split(' ');
    assert_eq!(parts.next(), Some("GET"), "{line}");
    parts.next().unwrap().to_string()
}

/// The error page shown instead of a redirect.
async fn assert_page(r: reqwest::Response, cause: &str) -> String {
    assert_eq!(r.status(), 400, "expected an error page for {cause}");
    assert!(r.headers().get("location").is_none());
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("<code>{cause}</code>")),
        "{cause} not on page: {html}"
    );
    html
}

/// What a CLI or desktop app does: it registers `http://127.0.0.1/callback`
/// once, then for each sign-in listens on a port the system picks, sends
/// that port in redirect_uri, receives the code there and redeems it with
/// its PKCE verifier. The code is bound to the URI with its port.
async fn native_app_signs_in_on_a_random_loopback_port(db: Db) {
    let s = Server::start(db).await;
    let created = create_client(
        &s,
        json!({"client_id": "cli", "client_name": "Desktop App", "application_type": "native",
               "token_endpoint_auth_method": "none",
               "redirect_uris": ["http://127.0.0.1/callback"], "scope": "openid email"}),
    )
    .await;
    assert!(created.get("client_secret").is_none());
    assert!(created.get("warnings").is_none(), "{created}");
    create_alice(&s).await;

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let app = tokio::spawn(receive_redirect(listener));

    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(s.base.clone()).unwrap(), &http)
            .await
            .unwrap();
    let client = CoreClient::from_provider_metadata(metadata, ClientId::new("cli".into()), None)
        .set_redirect_uri(RedirectUrl::new(redirect.clone()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();

    let mut b = Browser::new(&s);
    let html = login_page(&mut b, auth_url.as_str()).await;
    let r = submit_login(&mut b, &html, "alice", PASSWORD).await;
    let html = b.get(&location(&r)).await.text().await.unwrap();
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
    let back = location(&r);
    assert!(back.starts_with(&format!("{redirect}?")), "{back}");
    // The browser follows the redirect to the app's port.
    let r = b.get(&back).await;
    assert_eq!(r.status(), 200);
    let received = app.await.unwrap();
    let q = query_of(&format!("http://127.0.0.1:{port}{received}"));
    assert_eq!(&q["state"], csrf.secret());

    let tokens = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("the code is redeemed with the redirect URI it was sent to");
    let claims = tokens
        .id_token()
        .expect("an ID token")
        .claims(&client.id_token_verifier(), &nonce)
        .expect("a valid ID token");
    assert_eq!(claims.audiences()[0].as_str(), "cli");

    // Another sign-in, on another port: the code is bound to that port, so
    // the registered URI without it does not redeem the code.
    let other = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_port = other.local_addr().unwrap().port();
    drop(other);
    let again = format!(
        "/authorize?client_id=cli&response_type=code&scope=openid&state=s2{PKCE}&redirect_uri={}",
        enc(&format!("http://127.0.0.1:{other_port}/callback"))
    );
    let back = location(&b.get(&again).await);
    assert!(
        back.starts_with(&format!("http://127.0.0.1:{other_port}/callback?")),
        "{back}"
    );
    let code = query_of(&back)["code"].clone();
    let r = s
        .http
        .post(s.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "cli"),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1/callback"),
            (
                "code_verifier",
                "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant", "{e}");
    assert!(
        e["error_uri"]
            .as_str()
            .unwrap()
            .ends_with("#code_redirect_uri_mismatch"),
        "{e}"
    );
}

crate::both!(native_app_signs_in_on_a_random_loopback_port);

/// A web client registered with a loopback URI gets it exactly: another
/// port is a mismatch, shown on the page, never redirected to.
#[tokio::test]
async fn web_clients_get_no_port_leniency() {
    let s = Server::start(Db::Sqlite).await;
    create_client(
        &s,
        json!({"client_id": "web", "redirect_uris": ["http://127.0.0.1/callback"],
               "scope": "openid"}),
    )
    .await;
    let mut b = Browser::new(&s);
    let html = assert_page(
        b.get(&format!(
            "/authorize?client_id=web&response_type=code&scope=openid{PKCE}&redirect_uri={}",
            enc("http://127.0.0.1:53127/callback")
        ))
        .await,
        "redirect_uri_mismatch",
    )
    .await;
    assert!(html.contains("port differs"), "{html}");
    // The registered URI itself works.
    let r = b
        .get(&format!(
            "/authorize?client_id=web&response_type=code&scope=openid{PKCE}&redirect_uri={}",
            enc("http://127.0.0.1/callback")
        ))
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());

    // A native app's loopback URI is free in its port only.
    create_client(
        &s,
        json!({"client_id": "cli", "application_type": "native",
               "token_endpoint_auth_method": "none",
               "redirect_uris": ["http://127.0.0.1/callback"], "scope": "openid"}),
    )
    .await;
    for (uri, kind) in [
        ("http://127.0.0.1:53127/other", "path differs"),
        ("http://localhost:53127/callback", "host differs"),
        ("http://[::1]:53127/callback", "host differs"),
    ] {
        let html = assert_page(
            b.get(&format!(
                "/authorize?client_id=cli&response_type=code&scope=openid{PKCE}&redirect_uri={}",
                enc(uri)
            ))
            .await,
            "redirect_uri_mismatch",
        )
        .await;
        assert!(html.contains(kind), "{uri}: {html}");
    }
}

/// Private-use schemes in reverse-domain form are for native apps only, on
/// the admin API and dynamic registration alike; the answer goes to the
/// scheme. A native app without PKCE is refused whatever its client
/// authentication, and the refusal goes back to the app.
#[tokio::test]
async fn private_use_schemes_are_for_native_apps_and_pkce_is_required() {
    let s = Server::start_with(Db::Sqlite, &[("LATCHKEY_REGISTRATION_MODE", "open")]).await;
    let scheme = "com.example.app:/callback";
    for (body, accepted) in [
        (
            json!({"application_type": "native", "redirect_uris": [scheme]}),
            true,
        ),
        (json!({"redirect_uris": [scheme]}), false),
        (
            json!({"application_type": "web", "redirect_uris": [scheme]}),
            false,
        ),
        (
            json!({"application_type": "native", "redirect_uris": ["myapp:/callback"]}),
            false,
        ),
        (
            json!({"application_type": "native", "redirect_uris": ["com..app:/callback"]}),
            false,
        ),
    ] {
        let mut body = body;
        body["token_endpoint_auth_method"] = json!("none");
        let admin = s
            .admin(Method::POST, "/clients")
            .json(&body)
            .send()
            .await
            .unwrap();
        let register = s
            .http
            .post(s.url("/register"))
            .json(&body)
            .send()
            .await
            .unwrap();
        if accepted {
            assert_eq!(admin.status(), 201, "{body}");
            assert_eq!(register.status(), 201, "{body}");
            continue;
        }
        assert_eq!(admin.status(), 400, "{body}");
        let e: Value = admin.json().await.unwrap();
        assert_eq!(e["errorCode"], "invalid_redirect_uri", "{e}");
        assert_eq!(e["errorCauses"][0]["field"], "redirect_uris[0]", "{e}");
        assert_eq!(register.status(), 400, "{body}");
        let e: Value = register.json().await.unwrap();
        assert_eq!(e["error"], "invalid_redirect_uri", "{e}");
    }

    create_alice(&s).await;
    for (id, method) in [("public", "none"), ("confidential", "client_secret_basic")] {
        create_client(
            &s,
            json!({"client_id": id, "application_type": "native",
                   "token_endpoint_auth_method": method, "skip_consent": true,
                   "redirect_uris": [scheme], "scope": "openid"}),
        )
        .await;
        let mut b = Browser::new(&s);
        let start = format!(
            "/authorize?client_id={id}&response_type=code&scope=openid&state=st&redirect_uri={}",
            enc(scheme)
        );
        let back = location(&b.get(&start).await);
        assert!(back.starts_with("com.example.app:/callback?"), "{back}");
        let q = query_of(&back);
        assert_eq!(q["error"], "invalid_request", "{id}: {back}");
        assert!(q["error_uri"].ends_with("#pkce_required"), "{id}: {back}");
        assert!(q["error_description"].contains("native apps"), "{back}");
        assert_eq!(q["state"], "st");

        // With PKCE, the code is sent to the private-use scheme.
        let login = location(&b.get(&format!("{start}{PKCE}")).await);
        let html = b.get(&login).await.text().await.unwrap();
        let r = b
            .post(
                "/login",
                &[
                    ("i", &hidden(&html, "i")),
                    ("csrf", &hidden(&html, "csrf")),
                    ("username", "alice"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        let back = location(&r);
        assert!(back.starts_with("com.example.app:/callback?"), "{back}");
        assert!(query_of(&back).contains_key("code"), "{back}");
    }
}

/// `localhost` is accepted for a native app (RFC 8252 §8.3 discourages it)
/// with a warning: `warnings` in the JSON answer of the admin API (create
/// and update) and of dynamic registration, a line on stderr from the
/// command line.
#[tokio::test]
async fn localhost_is_accepted_for_native_apps_with_a_warning() {
    let s = Server::start_with(Db::Sqlite, &[("LATCHKEY_REGISTRATION_MODE", "open")]).await;
    let body = json!({"client_id": "cli", "application_type": "native",
                      "token_endpoint_auth_method": "none",
                      "redirect_uris": ["http://127.0.0.1/callback", "http://localhost/callback"]});
    let check = |answer: &Value| {
        let warnings = answer["warnings"].as_array().expect("warnings");
        assert_eq!(warnings.len(), 1, "{answer}");
        assert_eq!(warnings[0]["field"], "redirect_uris[1]");
        let summary = warnings[0]["summary"].as_str().unwrap();
        assert!(summary.contains("localhost"), "{summary}");
        assert!(summary.contains("127.0.0.1"), "{summary}");
    };
    check(&create_client(&s, body.clone()).await);
    let r = s
        .admin(Method::PATCH, "/clients/cli")
        .json(&json!({"client_name": "Desktop App"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    check(&r.json().await.unwrap());
    // Reading the client back gives the client only.
    let r = s.admin(Method::GET, "/clients/cli").send().await.unwrap();
    assert!(r.json::<Value>().await.unwrap().get("warnings").is_none());

    let r = s
        .http
        .post(s.url("/register"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let registered: Value = r.json().await.unwrap();
    check(&registered);
    // An update that echoes the answer back is accepted, and warned again.
    let mut echoed = registered.clone();
    for field in [
        "registration_access_token",
        "registration_client_uri",
        "client_id_issued_at",
    ] {
        echoed.as_object_mut().unwrap().remove(field);
    }
    let r = s
        .http
        .put(registered["registration_client_uri"].as_str().unwrap())
        .bearer_auth(registered["registration_access_token"].as_str().unwrap())
        .json(&echoed)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    check(&r.json().await.unwrap());

    // A web client may use localhost for development, without a warning.
    let web = create_client(
        &s,
        json!({"client_id": "web", "redirect_uris": ["http://localhost/callback"]}),
    )
    .await;
    assert!(web.get("warnings").is_none(), "{web}");

    let (code, out, err) = s.run(&[
        "client",
        "create",
        "--client-id",
        "cli2",
        "--application-type",
        "native",
        "--auth-method",
        "none",
        "--redirect-uri",
        "http://localhost/callback",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "latchkey: warning: redirect_uris[0]: http://localhost/callback uses localhost"
        ),
        "{err}"
    );
    let printed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(printed["application_type"], "native");
    assert!(printed.get("warnings").is_none(), "{out}");

    // The localhost URI matches on any port, like the loopback literals.
    let r = s
        .http
        .get(s.url(&format!(
            "/authorize?client_id=cli2&response_type=code&scope=openid&state=st&redirect_uri={}",
            enc("http://localhost:61234/callback")
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let back = location(&r);
    assert!(
        back.starts_with("http://localhost:61234/callback?"),
        "{back}"
    );
    assert!(back.contains("pkce_required"), "{back}");
}
