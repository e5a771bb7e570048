//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0): a real
//! HTTP receiver on 127.0.0.1 plays each client's `backchannel_logout_uri`
//! and gets the Logout Token when the session ends through RP-initiated
//! logout, the account page, a password reset or the admin API; the test
//! verifies the token against `/jwks` and checks every claim. Retries, a
//! receiver that is down, registration rules and discovery too.

use crate::authorize::{Browser, hidden, location, login_page, query_of, submit_login};
use crate::mail::{Smtp, ask, link_in, mail_env, reset};
use crate::support::{Db, Server};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CB: &str = "https://app.example/cb";
const PASSWORD: &str = "correct horse battery";
const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// One POST the receiver got.
#[derive(Debug, Clone)]
struct Received {
    content_type: String,
    /// The form's fields, in order.
    form: Vec<(String, String)>,
    /// The status it answered.
    answered: u16,
    /// The query of the URI it was sent to.
    query: Option<String>,
}

impl Received {
    fn token(&self) -> &str {
        assert_eq!(self.form.len(), 1, "only logout_token: {:?}", self.form);
        assert_eq!(self.form[0].0, "logout_token");
        &self.form[0].1
    }
}

#[derive(Default)]
struct Receiving {
    got: Vec<Received>,
    /// Statuses to answer, in turn; 200 once they are used up.
    script: Vec<u16>,
}

/// A client's back-channel logout endpoint on 127.0.0.1.
struct Receiver {
    uri: String,
    state: Arc<Mutex<Receiving>>,
}

impl Receiver {
    /// Answers the statuses of `script` in turn, then 200.
    async fn start(script: &[u16]) -> Receiver {
        let state = Arc::new(Mutex::new(Receiving {
            got: Vec::new(),
            script: script.to_vec(),
        }));
        let app = axum::Router::new()
            .route("/backchannel", axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver {
            uri: format!("http://127.0.0.1:{port}/backchannel"),
            state,
        }
    }

    fn got(&self) -> Vec<Received> {
        self.state.lock().unwrap().got.clone()
    }

    /// Wait until `n` POSTs arrived; all of them.
    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.got();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{n} Logout Tokens expected, got {got:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(
    State(state): State<Arc<Mutex<Receiving>>>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let mut state = state.lock().unwrap();
    let answered = if state.script.is_empty() {
        200
    } else {
        state.script.remove(0)
    };
    let form = url::form_urlencoded::parse(&body).into_owned().collect();
    state.got.push(Received {
        content_type: headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default(),
        form,
        answered,
        query,
    });
    StatusCode::from_u16(answered).unwrap()
}

/// A server that may deliver to 127.0.0.1, retrying after a second.
async fn server(db: Db, extra: &[(&str, &str)]) -> Server {
    let mut env = vec![
        ("LATCHKEY_FETCH_ALLOW_PRIVATE_NETWORKS", "true"),
        ("LATCHKEY_BACKCHANNEL_LOGOUT_RETRY_BASE", "1"),
    ];
    env.extend_from_slice(extra);
    Server::start_with(db, &env).await
}

/// A first-party client with these extra metadata; its secret.
async fn client(s: &Server, id: &str, extra: Value) -> String {
    let mut body = json!({"client_id": id, "client_name": id, "redirect_uris": [CB],
        "scope": "openid email", "grant_types": ["authorization_code", "refresh_token"],
        "skip_consent": true});
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
    created["client_secret"].as_str().unwrap().to_string()
}

/// alice, with a verified email; her `sub`.
async fn alice(s: &Server) -> String {
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": PASSWORD,
            "claims": {"email": "alice@example.com", "email_verified": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["sub"]
        .as_str()
        .unwrap()
        .to_string()
}

fn start(client_id: &str) -> String {
    format!(
        "/authorize?client_id={client_id}&response_type=code&scope=openid+email&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s1&nonce=n0nce-{client_id}"
    )
}

/// The tokens `client_id` gets through the browser `b` (signing in first
/// when it has no session yet).
async fn tokens(s: &Server, b: &mut Browser<'_>, client_id: &str, secret: &str) -> Value {
    let r = b.get(&start(client_id)).await;
    assert_eq!(r.status(), 303);
    let mut next = location(&r);
    if next.starts_with("/login") {
        let html = login_page(b, &start(client_id)).await;
        let r = submit_login(b, &html, "alice", PASSWORD).await;
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        next = location(&r);
    }
    let code = query_of(&next)["code"].clone();
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// The claims of a JWT, unverified (to read our own ID tokens).
fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = latchkey_core::crypto::b64url_decode(payload).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Verify a Logout Token as a client would (Back-Channel Logout §2.6):
/// `typ`, the signature against `/jwks`, `iss`, `aud`, `iat`, `exp`,
/// `jti`, the event, no `nonce`. Its claims.
async fn verify(s: &Server, token: &str, client_id: &str) -> Value {
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
    let jwks: jsonwebtoken::jwk::JwkSet = s
        .http
        .get(s.url("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = jwks.find(header.kid.as_deref().unwrap()).unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&[client_id]);
    validation.set_issuer(&[&s.base]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    validation.leeway = 0;
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .unwrap()
        .claims;
    let now = latchkey_core::now_unix();
    let iat = claims["iat"].as_i64().unwrap();
    assert!((now - 30..=now + 1).contains(&iat), "{claims}");
    assert_eq!(claims["exp"].as_i64().unwrap() - iat, 120, "{claims}");
    assert!(claims["jti"].as_str().unwrap().len() >= 16, "{claims}");
    assert_eq!(claims["events"], json!({ EVENT: {} }), "{claims}");
    assert!(claims.get("nonce").is_none(), "{claims}");
    claims
}

/// The Logout Token of `client_id` among those received.
async fn token_of(s: &Server, got: &[Received], client_id: &str) -> Value {
    for r in got {
        let claims = claims_of(r.token());
        if claims["aud"] == client_id {
            assert_eq!(r.content_type, "application/x-www-form-urlencoded");
            return verify(s, r.token(), client_id).await;
        }
    }
    panic!("no Logout Token for {client_id} in {got:?}")
}

fn bcl(receiver: &Receiver, client_id: &str) -> Value {
    json!({ "backchannel_logout_uri": format!("{}?client={client_id}", receiver.uri) })
}

/// RP-initiated logout: both clients that received tokens in the session
/// get a Logout Token naming the user and the session (the `sid` of their
/// ID tokens), signed like the ID tokens; a client without the URI gets
/// nothing; the logout does not wait for the deliveries.
async fn rp_initiated_logout_tells_every_client_of_the_session(db: Db) {
    let s = server(db, &[]).await;
    let rx = Receiver::start(&[]).await;
    let secret_a = client(&s, "a", bcl(&rx, "a")).await;
    let mut strict = bcl(&rx, "b");
    strict["backchannel_logout_session_required"] = json!(true);
    strict["id_token_signed_response_alg"] = json!("ES256");
    strict["subject_type"] = json!("pairwise");
    let secret_b = client(&s, "b", strict).await;
    let secret_c = client(&s, "quiet", json!({})).await;
    let sub = alice(&s).await;

    let mut b = Browser::new(&s);
    let a = tokens(&s, &mut b, "a", &secret_a).await;
    let from_b = tokens(&s, &mut b, "b", &secret_b).await;
    tokens(&s, &mut b, "quiet", &secret_c).await;
    let id_a = claims_of(a["id_token"].as_str().unwrap());
    let sid = id_a["sid"].as_str().unwrap().to_string();
    let id_b = claims_of(from_b["id_token"].as_str().unwrap());
    assert_eq!(id_b["sid"], sid);
    // b is pairwise: it knows alice by a sub of its own.
    assert_eq!(id_a["sub"], sub.as_str());
    assert_ne!(id_b["sub"], sub.as_str());
    assert!(rx.got().is_empty(), "nothing before the logout");

    let hint = a["id_token"].as_str().unwrap();
    let r = b.get(&format!("/logout?id_token_hint={hint}")).await;
    assert_eq!(r.status(), 200);
    let got = rx.wait_for(2, Duration::from_secs(10)).await;
    for (client_id, alg, known_as) in [("a", "RS256", &id_a), ("b", "ES256", &id_b)] {
        let claims = token_of(&s, &got, client_id).await;
        assert_eq!(claims["sub"], known_as["sub"]);
        assert_eq!(claims["sid"], sid.as_str());
        let r = got
            .iter()
            .find(|r| claims_of(r.token())["aud"] == client_id)
            .unwrap();
        let header = jsonwebtoken::decode_header(r.token()).unwrap();
        assert_eq!(format!("{:?}", header.alg), alg);
        // The registered URI as it is, query included.
        assert_eq!(
            r.query.as_deref(),
            Some(format!("client={client_id}").as_str())
        );
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.got().len(), 2, "one each, none for quiet: {got:?}");
    let logs = s.logs();
    assert!(logs.contains("back-channel logout delivered"), "{logs}");
    assert!(!logs.contains(got[0].token()), "no token in the log");
    // The session is gone: its cookie no longer signs in.
    let r = b.get(&start("a")).await;
    assert!(location(&r).starts_with("/login"));
}

/// A receiver answering 500 twice, then 200, gets the token on the third
/// attempt (each attempt a fresh token); ending a session on the account
/// page delivers too.
async fn account_page_delivers_and_failures_are_retried(db: Db) {
    let s = server(db, &[]).await;
    let rx = Receiver::start(&[500, 500]).await;
    let secret = client(&s, "a", bcl(&rx, "a")).await;
    let sub = alice(&s).await;
    let mut b = Browser::new(&s);
    let t = tokens(&s, &mut b, "a", &secret).await;
    let sid = claims_of(t["id_token"].as_str().unwrap())["sid"]
        .as_str()
        .unwrap()
        .to_string();

    let html = b.get("/account").await.text().await.unwrap();
    assert!(html.contains(&format!("data-sid=\"{sid}\"")), "{html}");
    let r = b
        .post(
            "/account",
            &[
                ("csrf", &hidden(&html, "csrf")),
                ("action", "end_session"),
                ("sid", &sid),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let got = rx.wait_for(3, Duration::from_secs(15)).await;
    let answered: Vec<u16> = got.iter().map(|r| r.answered).collect();
    assert_eq!(answered, [500, 500, 200]);
    let mut jtis = Vec::new();
    for r in &got {
        let claims = verify(&s, r.token(), "a").await;
        assert_eq!(claims["sub"], sub.as_str());
        assert_eq!(claims["sid"], sid.as_str());
        jtis.push(claims["jti"].as_str().unwrap().to_string());
    }
    jtis.dedup();
    assert_eq!(jtis.len(), 3, "each attempt signs its own token");
    let logs = s.logs();
    assert!(logs.contains("will retry"), "{logs}");
    assert!(logs.contains("back-channel logout delivered"), "{logs}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rx.got().len(), 3, "nothing after the 2xx");
}

/// A receiver that never answers does not slow the logout; the delivery
/// is given up after `backchannel_logout.attempts`, each within
/// `backchannel_logout.timeout`, with the operator's cause in the log.
async fn a_receiver_that_is_down_does_not_slow_the_logout(db: Db) {
    let s = server(
        db,
        &[
            ("LATCHKEY_BACKCHANNEL_LOGOUT_TIMEOUT", "3"),
            ("LATCHKEY_BACKCHANNEL_LOGOUT_ATTEMPTS", "2"),
        ],
    )
    .await;
    // Accepts connections and never answers.
    let hung = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = hung.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((conn, _)) = hung.accept().await {
            open.push(conn);
        }
    });
    let uri = format!("http://127.0.0.1:{port}/backchannel");
    let secret = client(&s, "a", json!({ "backchannel_logout_uri": uri })).await;
    alice(&s).await;
    let mut b = Browser::new(&s);
    let t = tokens(&s, &mut b, "a", &secret).await;
    let hint = t["id_token"].as_str().unwrap();
    let began = Instant::now();
    let r = b.get(&format!("/logout?id_token_hint={hint}")).await;
    assert_eq!(r.status(), 200);
    assert!(
        began.elapsed() < Duration::from_millis(1500),
        "the logout waited: {:?}",
        began.elapsed()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !s.logs().contains("backchannel_logout_failed") {
        assert!(Instant::now() < deadline, "never given up: {}", s.logs());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let logs = s.logs();
    let line = logs
        .lines()
        .find(|l| l.contains("backchannel_logout_failed"))
        .unwrap();
    assert!(line.contains("after 2 attempts"), "{line}");
    assert!(
        line.contains("client_id=a") || line.contains("\"a\""),
        "{line}"
    );
    // Dropped once given up (right after the log line).
    while s
        .sql_count("SELECT COUNT(*) FROM backchannel_logouts")
        .await
        > 0
    {
        assert!(Instant::now() < deadline, "never dropped");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    held.abort();
}

/// A password reset ends every session: the client is told (with `sid`,
/// the session it received tokens in).
async fn a_password_reset_delivers(db: Db) {
    let smtp = Smtp::start();
    let mail = mail_env(smtp.port);
    let mut env: Vec<(&str, &str)> = mail.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.push(("LATCHKEY_FETCH_ALLOW_PRIVATE_NETWORKS", "true"));
    let s = Server::start_with(db, &env).await;
    let rx = Receiver::start(&[]).await;
    let secret = client(&s, "a", bcl(&rx, "a")).await;
    let sub = alice(&s).await;
    let mut b = Browser::new(&s);
    let t = tokens(&s, &mut b, "a", &secret).await;
    let sid = claims_of(t["id_token"].as_str().unwrap())["sid"].clone();

    let (status, _) = ask(&s, "alice@example.com").await;
    assert_eq!(status, 200);
    let message = smtp.wait_for(1, Duration::from_secs(10)).await;
    let link = link_in(&message, &s.url("/recover/reset?t="));
    assert!(rx.got().is_empty());
    let (status, html) = reset(
        &s,
        &link,
        &[
            ("password", "a brand new passphrase"),
            ("password2", "a brand new passphrase"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    let got = rx.wait_for(1, Duration::from_secs(10)).await;
    let claims = token_of(&s, &got, "a").await;
    assert_eq!(claims["sub"], sub.as_str());
    // The client did not ask for sid: every session of the user ended, so
    // the token names the user alone (§2.4: all of their sessions).
    assert!(claims.get("sid").is_none(), "{claims}");
    let _ = sid;
}

/// Deleting a user through the admin API tells the clients: one that needs
/// `sid` gets the session, one that does not gets the user alone.
async fn deleting_a_user_delivers(db: Db) {
    let s = server(db, &[]).await;
    let rx = Receiver::start(&[]).await;
    let secret_a = client(&s, "a", bcl(&rx, "a")).await;
    let mut strict = bcl(&rx, "b");
    strict["backchannel_logout_session_required"] = json!(true);
    let secret_b = client(&s, "b", strict).await;
    let sub = alice(&s).await;
    let mut b = Browser::new(&s);
    tokens(&s, &mut b, "a", &secret_a).await;
    let t = tokens(&s, &mut b, "b", &secret_b).await;
    let sid = claims_of(t["id_token"].as_str().unwrap())["sid"].clone();
    let r = s
        .admin(Method::DELETE, &format!("/users/{sub}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let got = rx.wait_for(2, Duration::from_secs(10)).await;
    let a = token_of(&s, &got, "a").await;
    assert_eq!(a["sub"], sub.as_str());
    assert!(a.get("sid").is_none(), "{a}");
    let strict = token_of(&s, &got, "b").await;
    assert_eq!(strict["sub"], sub.as_str());
    assert_eq!(strict["sid"], sid);
}

/// The admin API signs a user out of every browser: their sessions end,
/// the clients are told, and their tokens without offline_access end too. The read-only token may
/// not; an unknown user is 404.
async fn the_admin_api_ends_a_users_sessions(db: Db) {
    let s = server(db, &[]).await;
    let rx = Receiver::start(&[]).await;
    let secret = client(&s, "a", bcl(&rx, "a")).await;
    let sub = alice(&s).await;
    let mut b = Browser::new(&s);
    let t = tokens(&s, &mut b, "a", &secret).await;
    let path = format!("/users/{sub}/sessions");
    let r = s
        .http
        .delete(s.url(&format!("/admin/v1{path}")))
        .bearer_auth(crate::support::READONLY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = s
        .admin(Method::DELETE, "/users/nobody/sessions")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(rx.got().is_empty());
    let r = s.admin(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({"sub": sub, "sessions_ended": 1}));
    let got = rx.wait_for(1, Duration::from_secs(10)).await;
    let claims = token_of(&s, &got, "a").await;
    assert_eq!(claims["sub"], sub.as_str());
    // The browser is signed out; the tokens, asked for without
    // offline_access, ended with the session.
    assert!(location(&b.get(&start("a")).await).starts_with("/login"));
    let r = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = s
        .admin(Method::GET, "/audit?kind=admin.sessions_ended")
        .send()
        .await
        .unwrap();
    let events: Value = r.json().await.unwrap();
    assert_eq!(events["events"][0]["target"], format!("user:{sub}"));
}

/// The metadata's rules, through the admin API and registration, and
/// discovery.
async fn registration_rules_and_discovery(db: Db) {
    let s = server(db, &[("LATCHKEY_REGISTRATION_MODE", "open")]).await;
    let doc: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["backchannel_logout_supported"], true);
    assert_eq!(doc["backchannel_logout_session_supported"], true);
    for (uri, says) in [
        ("https://app.example/bcl#frag", "fragment"),
        ("http://app.example/bcl", "https"),
        ("bcl", "absolute"),
    ] {
        let body =
            json!({"client_name": "x", "redirect_uris": [CB], "backchannel_logout_uri": uri});
        let r = s
            .admin(Method::POST, "/clients")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{uri}");
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["errorCode"], "invalid_client_metadata", "{err}");
        let text = err.to_string();
        assert!(
            text.contains("backchannel_logout_uri") && text.contains(says),
            "{text}"
        );
        let r = s
            .http
            .post(s.url("/register"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{uri}");
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"], "invalid_client_metadata", "{err}");
        assert!(
            err["error_description"]
                .as_str()
                .unwrap()
                .contains("backchannel_logout_uri"),
            "{err}"
        );
    }
    let r = s
        .http
        .post(s.url("/register"))
        .json(&json!({"client_name": "x", "redirect_uris": [CB],
            "backchannel_logout_uri": "https://app.example/bcl",
            "backchannel_logout_session_required": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let registered: Value = r.json().await.unwrap();
    assert_eq!(
        registered["backchannel_logout_uri"],
        "https://app.example/bcl"
    );
    assert_eq!(registered["backchannel_logout_session_required"], true);
}

crate::both!(
    rp_initiated_logout_tells_every_client_of_the_session,
    account_page_delivers_and_failures_are_retried,
    a_receiver_that_is_down_does_not_slow_the_logout,
    a_password_reset_delivers,
    deleting_a_user_delivers,
    the_admin_api_ends_a_users_sessions,
    registration_rules_and_discovery,
);
