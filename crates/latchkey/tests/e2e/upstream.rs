//! "Sign in with ...": a second Latchkey process is the upstream identity
//! provider. The browser is driven through both servers' forms: the
//! downstream login page's upstream button, the upstream's login page, the
//! callback, consent, and the code exchange at the downstream.

use crate::authorize::{hidden, location, query_of};
use crate::support::{Database, Db, Server};
use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const CB: &str = "https://app.example/cb";
const START: &str = "/authorize?client_id=app&response_type=code&scope=openid+email+profile&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=st4te";
const UP_SECRET: &str = "upstream-secret-0123456789abcdef";
const APP_SECRET: &str = "app-secret-0123456789abcdef";
const PASSWORD: &str = "correct horse battery";

/// A browser over several servers: cookies are kept per origin (scheme,
/// host and port), redirects are not followed.
struct Jar {
    http: reqwest::Client,
    cookies: BTreeMap<String, BTreeMap<String, String>>,
}

fn origin(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    format!(
        "{}://{}:{}",
        u.scheme(),
        u.host_str().unwrap(),
        u.port_or_known_default().unwrap()
    )
}

impl Jar {
    fn new() -> Jar {
        Jar {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn header(&self, url: &str) -> String {
        self.cookies
            .get(&origin(url))
            .map(|c| {
                c.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    }

    fn keep(&mut self, url: &str, r: &reqwest::Response) {
        for v in r.headers().get_all("set-cookie") {
            let pair = v.to_str().unwrap().split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            self.cookies
                .entry(origin(url))
                .or_default()
                .insert(k.to_string(), val.to_string());
        }
    }

    async fn get(&mut self, url: &str) -> reqwest::Response {
        let r = self
            .http
            .get(url)
            .header("cookie", self.header(url))
            .send()
            .await
            .unwrap();
        self.keep(url, &r);
        r
    }

    async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let r = self
            .http
            .post(url)
            .header("cookie", self.header(url))
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(url, &r);
        r
    }
}

/// An upstream Latchkey and a downstream one using it as `[[upstream]]`
/// "corp".
struct Pair {
    up: Server,
    down: Server,
}

async fn create(s: &Server, path: &str, body: Value) -> Value {
    let r = s
        .admin(Method::POST, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

/// Start the pair. `secret` is what the downstream is configured with at
/// the upstream (the upstream's client has `UP_SECRET`).
async fn pair(db: Db, link_by_email: bool, secret: &str, env: &[(&str, &str)]) -> Pair {
    let up = Server::start(db).await;
    // The redirect URI is set once the downstream's port is known.
    create(
        &up,
        "/clients",
        json!({"client_id": "downstream", "client_secret": UP_SECRET, "client_name": "Downstream",
               "redirect_uris": ["http://127.0.0.1:9/placeholder"], "scope": "openid email profile",
               "skip_consent": true}),
    )
    .await;
    create(
        &up,
        "/users",
        json!({"username": "bob", "password": PASSWORD,
               "claims": {"email": "bob@corp.example", "email_verified": true, "name": "Bob Builder"}}),
    )
    .await;
    let down = downstream(db, &up.base, secret, link_by_email, env).await;
    let r = up
        .admin(Method::PATCH, "/clients/downstream")
        .json(&json!({"redirect_uris": [down.url("/upstream/corp/callback")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    Pair { up, down }
}

/// A downstream whose configuration file names the upstream at `issuer`.
async fn downstream(
    db: Db,
    issuer: &str,
    secret: &str,
    link_by_email: bool,
    env: &[(&str, &str)],
) -> Server {
    let database = Database::new(db).await;
    std::fs::write(
        database.dir.join("latchkey.toml"),
        format!(
            "[fetch]\nallow_private_networks = true\n\n[[upstream]]\nid = \"corp\"\nname = \"Corp\"\n\
             issuer = \"{issuer}\"\nclient_id = \"downstream\"\nclient_secret = \"{secret}\"\n\
             link_by_email = {link_by_email}\n"
        ),
    )
    .unwrap();
    let down = Server::start_on(database, env).await;
    create(
        &down,
        "/clients",
        json!({"client_id": "app", "client_secret": APP_SECRET, "client_name": "Example App",
               "redirect_uris": [CB], "scope": "openid email profile"}),
    )
    .await;
    down
}

/// From the client's /authorize to the upstream: press "Sign in with Corp"
/// on the downstream login page. Returns the upstream authorization URL.
async fn to_upstream(down: &Server, b: &mut Jar) -> String {
    let r = b.get(&down.url(START)).await;
    assert_eq!(r.status(), 303);
    let login = down.url(&location(&r));
    let html = b.get(&login).await.text().await.unwrap();
    assert!(html.contains("Sign in with Corp"), "{html}");
    assert!(html.contains("action=\"/upstream/corp\""), "{html}");
    let (i, csrf) = (hidden(&html, "i"), hidden(&html, "csrf"));
    let r = b
        .post(&down.url("/upstream/corp"), &[("i", &i), ("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    location(&r)
}

/// At the upstream: its /authorize, its login page, then `action` (login
/// or cancel) as `username`. Returns where the upstream sends the browser.
async fn at_upstream(
    up: &Server,
    b: &mut Jar,
    authorize: &str,
    username: &str,
    action: &str,
) -> String {
    assert!(authorize.starts_with(&up.url("/authorize?")), "{authorize}");
    let q = query_of(authorize);
    assert_eq!(q["client_id"], "downstream");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["response_type"], "code");
    assert!(q["state"].len() >= 43 && q["nonce"].len() >= 43 && q.contains_key("code_challenge"));
    let r = b.get(authorize).await;
    assert_eq!(r.status(), 303);
    let html = b.get(&up.url(&location(&r))).await.text().await.unwrap();
    let (i, csrf) = (hidden(&html, "i"), hidden(&html, "csrf"));
    let r = b
        .post(
            &up.url("/login"),
            &[
                ("i", &i),
                ("csrf", &csrf),
                ("username", username),
                ("password", PASSWORD),
                ("action", action),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    location(&r)
}

/// The whole sign-in as `username`: returns the code redirect to the client.
async fn sign_in(p: &Pair, b: &mut Jar, username: &str) -> String {
    let authorize = to_upstream(&p.down, b).await;
    let callback = at_upstream(&p.up, b, &authorize, username, "login").await;
    assert!(
        callback.starts_with(&p.down.url("/upstream/corp/callback?")),
        "{callback}"
    );
    let r = b.get(&callback).await;
    assert_eq!(r.status(), 303);
    let next = location(&r);
    if !next.starts_with("/consent?i=") {
        return next;
    }
    // First time for this user and client: consent, as after a password.
    let html = b.get(&p.down.url(&next)).await.text().await.unwrap();
    let r = b
        .post(
            &p.down.url("/consent"),
            &[
                ("i", &hidden(&html, "i")),
                ("csrf", &hidden(&html, "csrf")),
                ("action", "allow"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    location(&r)
}

fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// Redeem the code at the downstream: (ID token claims, userinfo).
async fn redeem(down: &Server, code_redirect: &str) -> (Value, Value) {
    assert!(code_redirect.starts_with(CB), "{code_redirect}");
    let q = query_of(code_redirect);
    assert_eq!(q["state"], "st4te");
    assert_eq!(q["iss"], down.base);
    let r = down
        .http
        .post(down.url("/token"))
        .basic_auth("app", Some(APP_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let tokens: Value = r.json().await.unwrap();
    let id = claims_of(tokens["id_token"].as_str().unwrap());
    let info: Value = down
        .http
        .get(down.url("/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (id, info)
}

/// An error redirect to our client: code, cause, description, state, iss.
fn assert_redirect(down: &Server, to: &str, code: &str, cause: &str) {
    assert!(to.starts_with(CB), "{cause}: {to}");
    let q = query_of(to);
    assert_eq!(q.get("error").map(String::as_str), Some(code), "{to}");
    let parent = q["error_uri"].split("/errors/").nth(1).unwrap().to_string();
    assert!(
        q["error_uri"].starts_with(&down.url("/errors/")) && parent.ends_with(&format!("#{cause}")),
        "{to}"
    );
    assert!(!q["error_description"].is_empty());
    assert_eq!(q["state"], "st4te");
    assert_eq!(q["iss"], down.base);
}

async fn assert_page(r: reqwest::Response, status: u16, cause: &str) {
    assert_eq!(r.status(), status, "expected a page for {cause}");
    assert!(r.headers().get("location").is_none());
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("<code>{cause}</code>")), "{html}");
}

async fn users(s: &Server) -> Vec<Value> {
    let r = s.admin(Method::GET, "/users").send().await.unwrap();
    let body: Value = r.json().await.unwrap();
    body.as_array()
        .or_else(|| body["users"].as_array())
        .cloned()
        .unwrap_or_else(|| panic!("{body}"))
}

async fn first_login_creates_a_user_and_the_next_reuses_it(db: Db) {
    let p = pair(db, false, UP_SECRET, &[]).await;
    // A local user already holds the name the upstream suggests.
    create(
        &p.down,
        "/users",
        json!({"username": "bob@corp.example", "password": PASSWORD}),
    )
    .await;
    let upstream_bob: Value =
        p.up.admin(Method::GET, "/users/bob")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let upstream_sub = upstream_bob["sub"].as_str().unwrap().to_string();

    let mut b = Jar::new();
    let authorize = to_upstream(&p.down, &mut b).await;
    let callback = at_upstream(&p.up, &mut b, &authorize, "bob", "login").await;
    let r = b.get(&callback).await;
    assert_eq!(r.status(), 303);
    let consent = location(&r);
    assert!(consent.starts_with("/consent?i="), "{consent}");
    let html = b.get(&p.down.url(&consent)).await.text().await.unwrap();
    let r = b
        .post(
            &p.down.url("/consent"),
            &[
                ("i", &hidden(&html, "i")),
                ("csrf", &hidden(&html, "csrf")),
                ("action", "allow"),
            ],
        )
        .await;
    let (id, info) = redeem(&p.down, &location(&r)).await;
    assert_eq!(id["amr"], json!(["fed"]));
    assert_eq!(id["iss"], p.down.base);
    let sub = id["sub"].as_str().unwrap().to_string();
    assert_ne!(sub, upstream_sub, "a local sub, not the upstream's");
    assert_eq!(info["sub"], sub);
    assert_eq!(info["email"], "bob@corp.example");
    assert_eq!(info["email_verified"], true);
    assert_eq!(info["name"], "Bob Builder");
    let all = users(&p.down).await;
    assert_eq!(all.len(), 2);
    let created = all.iter().find(|u| u["sub"] == sub.as_str()).unwrap();
    // "bob@corp.example" was taken: the next candidate is used.
    assert_eq!(created["username"], format!("corp-{upstream_sub}"));
    // The sign-in is in the audit trail, with its upstream and address.
    let trail: Value = p
        .down
        .admin(
            Method::GET,
            &format!("/audit?actor=user:{sub}&kind=sign_in"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let event = &trail["events"][0];
    assert_eq!(event["detail"]["method"], "upstream", "{trail}");
    assert_eq!(event["detail"]["upstream"], "corp");
    assert_eq!(event["address"], "127.0.0.1");

    // The upstream's answer is used once: a replay is session_lost.
    assert_page(b.get(&callback).await, 400, "session_lost").await;

    // An answer meant for another browser (login CSRF) is refused: the
    // state is bound to the interaction, and that to the browser.
    let mut attacker = Jar::new();
    let authorize = to_upstream(&p.down, &mut attacker).await;
    let callback = at_upstream(&p.up, &mut attacker, &authorize, "bob", "login").await;
    let mut victim = Jar::new();
    let r = victim.get(&callback).await;
    assert_eq!(r.status(), 303);
    assert_redirect(&p.down, &location(&r), "access_denied", "session_lost");

    // A new browser, the same upstream account: the same local user, and
    // the consent is remembered.
    let mut b2 = Jar::new();
    let to = sign_in(&p, &mut b2, "bob").await;
    let (id2, _) = redeem(&p.down, &to).await;
    assert_eq!(id2["sub"], sub);
    assert_eq!(users(&p.down).await.len(), 2);

    // A callback without a known state, or a button for an unknown
    // upstream, is answered on a page.
    let mut b3 = Jar::new();
    assert_page(
        b3.get(&p.down.url("/upstream/corp/callback?code=x&state=forged"))
            .await,
        400,
        "session_lost",
    )
    .await;
    assert_page(
        b3.get(&p.down.url("/upstream/corp/callback?code=x")).await,
        400,
        "session_lost",
    )
    .await;
    let r = b3.get(&p.down.url(START)).await;
    let html = b3
        .get(&p.down.url(&location(&r)))
        .await
        .text()
        .await
        .unwrap();
    let r = b3
        .post(
            &p.down.url("/upstream/nope"),
            &[("i", &hidden(&html, "i")), ("csrf", &hidden(&html, "csrf"))],
        )
        .await;
    assert_page(r, 400, "upstream_not_found").await;
}

async fn link_by_email_joins_the_existing_user(db: Db) {
    let p = pair(db, true, UP_SECRET, &[]).await;
    let robert = create(
        &p.down,
        "/users",
        json!({"username": "robert", "password": PASSWORD,
               "claims": {"email": "Bob@Corp.example", "email_verified": true}}),
    )
    .await;
    let mut b = Jar::new();
    let to = sign_in(&p, &mut b, "bob").await;
    let (id, _) = redeem(&p.down, &to).await;
    assert_eq!(id["sub"], robert["sub"]);
    assert_eq!(id["amr"], json!(["fed"]));
    assert_eq!(users(&p.down).await.len(), 1);

    // An upstream email it does not vouch for is not linked to a local
    // user that has it.
    create(
        &p.up,
        "/users",
        json!({"username": "eve", "password": PASSWORD,
               "claims": {"email": "eve@corp.example", "email_verified": false}}),
    )
    .await;
    create(
        &p.down,
        "/users",
        json!({"username": "eve", "password": PASSWORD,
               "claims": {"email": "eve@corp.example", "email_verified": true}}),
    )
    .await;
    let mut b = Jar::new();
    let to = sign_in(&p, &mut b, "eve").await;
    assert_redirect(
        &p.down,
        &to,
        "access_denied",
        "upstream_account_not_linkable",
    );
    assert_eq!(users(&p.down).await.len(), 2);
}

async fn cancel_at_the_upstream_is_user_canceled_request(db: Db) {
    let p = pair(db, false, UP_SECRET, &[]).await;
    let mut b = Jar::new();
    let authorize = to_upstream(&p.down, &mut b).await;
    let back = at_upstream(&p.up, &mut b, &authorize, "bob", "cancel").await;
    assert_eq!(query_of(&back)["error"], "access_denied");
    let r = b.get(&back).await;
    assert_eq!(r.status(), 303);
    assert_redirect(
        &p.down,
        &location(&r),
        "access_denied",
        "user_canceled_request",
    );
    // A failed sign-in in the audit trail, by no one known.
    let r = p
        .down
        .admin(Method::GET, "/audit?kind=sign_in")
        .send()
        .await
        .unwrap();
    let trail: Value = r.json().await.unwrap();
    let failed = &trail["events"][0];
    assert_eq!(failed["actor"], "system", "{trail}");
    assert_eq!(failed["target"], "unknown", "{trail}");
    assert_eq!(failed["outcome"], "failure", "{trail}");
    assert_eq!(failed["detail"]["method"], "upstream", "{trail}");
    assert_eq!(
        failed["detail"]["cause"], "user_canceled_request",
        "{trail}"
    );
}

async fn upstream_down_is_temporarily_unavailable(db: Db) {
    let mut p = pair(db, false, UP_SECRET, &[]).await;
    let mut b = Jar::new();
    let authorize = to_upstream(&p.down, &mut b).await;
    let callback = at_upstream(&p.up, &mut b, &authorize, "bob", "login").await;
    // The upstream stops before its code is redeemed.
    p.up.kill();
    let r = b.get(&callback).await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert_redirect(
        &p.down,
        &to,
        "temporarily_unavailable",
        "upstream_unavailable",
    );
    assert!(p.down.logs().contains("upstream_unavailable"));
}

async fn a_wrong_client_secret_is_misconfiguration(db: Db) {
    let p = pair(db, false, "not-the-secret-at-the-upstream", &[]).await;
    let mut b = Jar::new();
    let to = sign_in(&p, &mut b, "bob").await;
    assert_redirect(&p.down, &to, "server_error", "misconfiguration");
    // The log says what the upstream answered, never the secret.
    let logs = p.down.logs();
    assert!(
        logs.contains("misconfiguration") && logs.contains("invalid_client"),
        "{logs}"
    );
    assert!(!logs.contains("not-the-secret-at-the-upstream"), "{logs}");
    assert_eq!(users(&p.down).await.len(), 0);
}

/// `policy.require_verified_email` holds for upstream sign-ins too: an
/// address the upstream does not vouch for gets the page that asks to
/// verify it first; one it vouches for signs in.
#[tokio::test]
async fn an_unverified_upstream_email_is_refused_under_the_policy() {
    let p = pair(
        Db::Sqlite,
        false,
        UP_SECRET,
        &[("LATCHKEY_POLICY_REQUIRE_VERIFIED_EMAIL", "true")],
    )
    .await;
    create(
        &p.up,
        "/users",
        json!({"username": "eve", "password": PASSWORD,
               "claims": {"email": "eve@corp.example", "email_verified": false}}),
    )
    .await;
    let mut b = Jar::new();
    let authorize = to_upstream(&p.down, &mut b).await;
    let callback = at_upstream(&p.up, &mut b, &authorize, "eve", "login").await;
    let r = b.get(&callback).await;
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("Confirm your email address first"), "{html}");
    assert!(html.contains("#email_not_verified\""), "{html}");

    let mut b = Jar::new();
    let to = sign_in(&p, &mut b, "bob").await;
    assert!(to.starts_with(CB), "{to}");
}

crate::both!(
    first_login_creates_a_user_and_the_next_reuses_it,
    link_by_email_joins_the_existing_user,
    cancel_at_the_upstream_is_user_canceled_request,
    upstream_down_is_temporarily_unavailable,
    a_wrong_client_secret_is_misconfiguration,
);

/// With `errors.extended_codes`, the client sees Okta's name for it.
#[tokio::test]
async fn cancel_with_extended_codes() {
    let p = pair(
        Db::Sqlite,
        false,
        UP_SECRET,
        &[("LATCHKEY_ERRORS_EXTENDED_CODES", "true")],
    )
    .await;
    let mut b = Jar::new();
    let authorize = to_upstream(&p.down, &mut b).await;
    let back = at_upstream(&p.up, &mut b, &authorize, "bob", "cancel").await;
    let r = b.get(&back).await;
    assert_redirect(
        &p.down,
        &location(&r),
        "user_canceled_request",
        "user_canceled_request",
    );
}

/// An upstream that never answered (a closed port): pressing its button
/// sends the client temporarily_unavailable at once.
#[tokio::test]
async fn an_unreachable_upstream_is_temporarily_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = downstream(
        Db::Sqlite,
        &format!("http://127.0.0.1:{port}"),
        UP_SECRET,
        false,
        &[],
    )
    .await;
    let mut b = Jar::new();
    let r = b.get(&down.url(START)).await;
    let html = b.get(&down.url(&location(&r))).await.text().await.unwrap();
    let r = b
        .post(
            &down.url("/upstream/corp"),
            &[("i", &hidden(&html, "i")), ("csrf", &hidden(&html, "csrf"))],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_redirect(
        &down,
        &location(&r),
        "temporarily_unavailable",
        "upstream_unavailable",
    );
}

/// A bad `[[upstream]]` entry stops start-up with exit 2, naming the key.
#[tokio::test]
async fn a_bad_upstream_entry_exits_2_naming_the_key() {
    let db = Database::new(Db::Sqlite).await;
    std::fs::write(
        db.dir.join("latchkey.toml"),
        "[[upstream]]\nid = \"corp\"\nname = \"Corp\"\nissuer = \"http://id.corp.example\"\n\
         client_id = \"x\"\nclient_secret = \"y\"\n",
    )
    .unwrap();
    let (code, _, err) =
        crate::support::run(&db, &["serve"], &[("LATCHKEY_LISTEN", "127.0.0.1:1")]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("upstream.issuer") && err.contains("https"),
        "{err}"
    );
}

/// A discovery document that is not there is the operator's to fix:
/// server_error, cause misconfiguration, with the detail in the log.
#[tokio::test]
async fn a_broken_discovery_is_misconfiguration() {
    let up = Server::start(Db::Sqlite).await;
    let down = downstream(Db::Sqlite, &up.url("/not-an-issuer"), UP_SECRET, false, &[]).await;
    let mut b = Jar::new();
    let r = b.get(&down.url(START)).await;
    let html = b.get(&down.url(&location(&r))).await.text().await.unwrap();
    let r = b
        .post(
            &down.url("/upstream/corp"),
            &[("i", &hidden(&html, "i")), ("csrf", &hidden(&html, "csrf"))],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_redirect(&down, &location(&r), "server_error", "misconfiguration");
    let logs = down.logs();
    assert!(
        logs.contains("/not-an-issuer/.well-known/openid-configuration") && logs.contains("404"),
        "{logs}"
    );
}

/// A locked account signs in through the upstream no more: the login page
/// says why (`user_locked`), and nothing is issued.
#[tokio::test]
async fn a_locked_user_is_refused_after_the_upstream() {
    let p = pair(Db::Sqlite, false, UP_SECRET, &[]).await;
    let mut b = Jar::new();
    let to = sign_in(&p, &mut b, "bob").await;
    assert!(to.starts_with(CB), "{to}");
    let sub = users(&p.down).await[0]["sub"].as_str().unwrap().to_string();
    let r = p
        .down
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"locked": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut b = Jar::new();
    let authorize = to_upstream(&p.down, &mut b).await;
    let callback = at_upstream(&p.up, &mut b, &authorize, "bob", "login").await;
    let r = b.get(&callback).await;
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("This account is locked."), "{html}");
    assert!(html.contains("#user_locked\""), "{html}");
}
