//! Outgoing mail, forgotten password and email verification, against a
//! real SMTP server on 127.0.0.1 (aiosmtpd, `interop/python/smtp_sink.py`
//! from the interop venv, which writes each message it receives to a JSON
//! file the test reads).

use crate::authorize::{Browser, hidden, location, login_page, query_of, submit_login};
use crate::browser::{Driver, client_app, query};
use crate::support::{Db, Server};
use latchkey_core::totp;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CB: &str = "https://app.example/cb";
const START: &str = "/authorize?client_id=web&response_type=code&scope=openid+email&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s1";
const OLD: &str = "correct horse battery";
const NEW: &str = "a brand new passphrase";

/// The SMTP server of a test.
pub(crate) struct Smtp {
    child: Child,
    pub(crate) port: u16,
    dir: PathBuf,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Smtp {
    pub(crate) fn start() -> Smtp {
        Smtp::start_on(free_port())
    }

    /// On a given port (a server that was down comes up).
    pub(crate) fn start_on(port: u16) -> Smtp {
        use std::io::BufRead;
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let python = root.join("target/interop-venv/bin/python");
        assert!(
            python.exists(),
            "run scripts/interop-install first (it installs aiosmtpd for the mail tests)"
        );
        let dir = std::env::temp_dir().join(format!("latchkey-smtp-{}", uuid::Uuid::new_v4()));
        let mut child = Command::new(python)
            .arg(root.join("interop/python/smtp_sink.py"))
            .arg(port.to_string())
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
        Smtp { child, port, dir }
    }

    /// Every message received so far, oldest first.
    pub(crate) fn messages(&self) -> Vec<Value> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        names.retain(|p| p.extension().is_some_and(|e| e == "json"));
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    /// Wait for the `n`th message (1-based) to arrive.
    pub(crate) async fn wait_for(&self, n: usize, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let all = self.messages();
            if all.len() >= n {
                return all[n - 1].clone();
            }
            assert!(
                Instant::now() < deadline,
                "message {n} never arrived; got {all:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The environment that turns mail on, to the SMTP server on `port`.
pub(crate) fn mail_env(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("LATCHKEY_SMTP_HOST", "127.0.0.1".into()),
        ("LATCHKEY_SMTP_PORT", port.to_string()),
        ("LATCHKEY_SMTP_TLS", "none".into()),
        ("LATCHKEY_SMTP_FROM", "Latchkey <id@example.com>".into()),
    ]
}

async fn start(db: Db, port: u16, extra: &[(&str, &str)]) -> Server {
    let env = mail_env(port);
    let mut all: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend_from_slice(extra);
    Server::start_with(db, &all).await
}

/// A first-party client and alice (email verified); returns the secret.
async fn client_and_user(s: &Server, redirect_uri: &str) -> String {
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "web", "client_name": "Example Web App", "redirect_uris": [redirect_uri],
            "scope": "openid email", "grant_types": ["authorization_code", "refresh_token"], "skip_consent": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let secret = r.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": OLD,
            "claims": {"email": "alice@example.com", "email_verified": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    secret
}

/// Sign in as alice with `password` (reqwest): the refresh and access
/// tokens, and the browser with its session.
async fn sign_in_for_tokens<'a>(
    s: &'a Server,
    secret: &str,
    password: &str,
) -> (String, String, Browser<'a>) {
    let mut b = Browser::new(s);
    let html = login_page(&mut b, START).await;
    let r = submit_login(&mut b, &html, "alice", password).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let code = query_of(&location(&r))["code"].clone();
    let t: Value = s
        .http
        .post(s.url("/token"))
        .basic_auth("web", Some(secret))
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
    let access = t["access_token"].as_str().unwrap().to_string();
    (t["refresh_token"].as_str().unwrap().to_string(), access, b)
}

async fn userinfo(s: &Server, access: &str) -> u16 {
    s.http
        .get(s.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn refresh(s: &Server, secret: &str, token: &str) -> reqwest::Response {
    s.http
        .post(s.url("/token"))
        .basic_auth("web", Some(secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .send()
        .await
        .unwrap()
}

/// The link in a message's plain text that starts with `prefix`.
pub(crate) fn link_in(message: &Value, prefix: &str) -> String {
    let text = message["text"].as_str().unwrap();
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"));
    text[start..].split_whitespace().next().unwrap().to_string()
}

/// Ask for a recovery link for `name` (a fresh browser); the page.
pub(crate) async fn ask(s: &Server, name: &str) -> (u16, String) {
    let mut b = Browser::new(s);
    let html = b.get("/recover").await.text().await.unwrap();
    let r = b
        .post(
            "/recover",
            &[("csrf", &hidden(&html, "csrf")), ("i", ""), ("name", name)],
        )
        .await;
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Open a reset link and submit it with `fields`; the answer.
pub(crate) async fn reset(s: &Server, link: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let mut b = Browser::new(s);
    let r = b.get(link).await;
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    if status != 200 {
        return (status, html);
    }
    let (csrf, t, lang) = (
        hidden(&html, "csrf"),
        hidden(&html, "t"),
        hidden(&html, "lang"),
    );
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("t", t.as_str()),
        ("i", ""),
        ("lang", lang.as_str()),
    ];
    form.extend_from_slice(fields);
    let r = b.post("/recover/reset", &form).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

fn assert_cause(html: &str, cause: &str) {
    assert!(
        html.contains(&format!("#{cause}\"")),
        "{cause} expected in {html}"
    );
}

/// The audit trail's events of `kind`, newest first.
async fn audit(s: &Server, kind: &str) -> Vec<Value> {
    let r = s
        .admin(Method::GET, &format!("/audit?kind={kind}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["events"].as_array().unwrap().clone()
}

/// The whole audit trail as text, to look for what must not be in it.
async fn audit_text(s: &Server) -> String {
    let r = s
        .admin(Method::GET, "/audit?limit=200")
        .send()
        .await
        .unwrap();
    r.text().await.unwrap()
}

/// The `sub` of the only user named `username`.
async fn sub_of(s: &Server, username: &str) -> String {
    let users: Value = s
        .admin(Method::GET, "/users")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .unwrap()["sub"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The `href` of the element with this `id` in a page.
fn href_of(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let start = at + html[at..].find("href=\"").unwrap() + 6;
    html[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
}

/// The whole recovery in a real browser: "Forgot your password?" on the
/// login page, the mail, the link, a new password, and signing in with
/// it; the sessions and refresh tokens from before are dead.
#[tokio::test]
async fn a_real_browser_recovers_a_forgotten_password() {
    let smtp = Smtp::start();
    let s = start(Db::Sqlite, smtp.port, &[]).await;
    let cb = client_app().await;
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": "spa", "client_name": "Example Web App", "redirect_uris": [cb],
            "scope": "openid", "skip_consent": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let secret = client_and_user(&s, CB).await;
    let (refresh_token, access, mut old_browser) = sign_in_for_tokens(&s, &secret, OLD).await;
    assert_eq!(userinfo(&s, &access).await, 200);
    let rotated: Value = refresh(&s, &secret, &refresh_token)
        .await
        .json()
        .await
        .unwrap();
    let refresh_token = rotated["refresh_token"].as_str().unwrap().to_string();
    let sessions = "SELECT COUNT(*) FROM sessions";
    assert_eq!(s.sql_count(sessions).await, 1);

    let authorize = format!(
        "{}/authorize?client_id=spa&response_type=code&scope=openid&redirect_uri={}&state=rec",
        s.base,
        url::form_urlencoded::byte_serialize(cb.as_bytes()).collect::<String>()
    );
    let d = Driver::start().await;
    d.goto(&authorize).await;
    d.wait_for(&s.url("/login")).await;
    d.click("#forgot-password").await;
    d.wait_for(&s.url("/recover")).await;
    d.type_into("#name", "alice").await;
    d.check_page("recover-request").await;
    d.click("button[type=submit]").await;
    d.wait_for_text("If an account matches").await;
    let message = smtp.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(message["rcpt_tos"], json!(["alice@example.com"]));
    assert_eq!(message["content_type"], "multipart/alternative");
    let link = link_in(&message, &s.url("/recover/reset?t="));
    assert!(
        message["html"]
            .as_str()
            .unwrap()
            .contains("Choose a new password")
    );

    d.goto(&link).await;
    d.wait_for_text("Choose a new password").await;
    d.type_into("#password", NEW).await;
    d.type_into("#password2", NEW).await;
    d.check_page("recover-reset").await;
    d.click("button[type=submit]").await;
    d.wait_for_text("Your password was changed").await;
    d.check_page("recover-done").await;
    d.click("#sign-in").await;
    d.wait_for(&s.url("/login")).await;
    d.type_into("#username", "alice").await;
    d.type_into("#password", NEW).await;
    d.click("button[value=login]").await;
    let q = query(&d.wait_for(&cb).await);
    assert!(q["code"].len() >= 43, "{q:?}");
    assert_eq!(q["state"], "rec");

    // The notice went out; before the reset everything was signed out:
    // the old refresh token, the old browser's session.
    let notice = smtp.wait_for(2, Duration::from_secs(10)).await;
    assert!(
        notice["subject"]
            .as_str()
            .unwrap()
            .contains("password was changed")
    );
    assert_eq!(refresh(&s, &secret, &refresh_token).await.status(), 400);
    assert_eq!(userinfo(&s, &access).await, 401);
    let r = old_browser.get(&format!("{START}&prompt=none")).await;
    assert_eq!(query_of(&location(&r))["error"], "login_required");
    assert_eq!(s.sql_count("SELECT COUNT(*) FROM mail_outbox").await, 0);
}

/// Recovery's rules: the same answer for an unknown account, the old
/// password dead and the new one alive, a link used once, expired links,
/// unknown links, and requests throttled per account.
async fn recovery_rules(db: Db) {
    let smtp = Smtp::start();
    let s = start(db, smtp.port, &[]).await;
    let secret = client_and_user(&s, CB).await;
    // The login page offers it (mail is on).
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, START).await;
    assert!(html.contains("Forgot your password?"), "{html}");

    let (status, known) = ask(&s, "alice@example.com").await;
    assert_eq!(status, 200);
    let (status, unknown) = ask(&s, "nobody").await;
    assert_eq!(status, 200);
    assert_eq!(
        known.split("csrf").next(),
        unknown.split("csrf").next(),
        "the same answer, whether an account matches or not"
    );
    let message = smtp.wait_for(1, Duration::from_secs(10)).await;
    let link = link_in(&message, &s.url("/recover/reset?t="));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1, "nothing for an unknown account");
    // Only the trail knows which request matched an account.
    let sub = sub_of(&s, "alice").await;
    let requested = audit(&s, "recovery.requested").await;
    assert_eq!(requested.len(), 1, "{requested:?}");
    assert_eq!(requested[0]["actor"], "system");
    assert_eq!(requested[0]["target"], format!("user:{sub}"));
    assert_eq!(requested[0]["outcome"], "success");
    assert_eq!(requested[0]["detail"]["lang"], "en");
    assert!(
        message["subject"]
            .as_str()
            .unwrap()
            .starts_with("Reset your ")
    );

    // Mismatched passwords are refused on the page; the link still works.
    let (status, html) = reset(&s, &link, &[("password", NEW), ("password2", "other one!")]).await;
    assert_eq!(status, 400);
    assert_cause(&html, "new_password_invalid");
    let (status, html) = reset(&s, &link, &[("password", NEW), ("password2", NEW)]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Your password was changed"));
    let reset_events = audit(&s, "recovery.password_reset").await;
    assert_eq!(reset_events.len(), 1, "{reset_events:?}");
    assert_eq!(reset_events[0]["actor"], format!("user:{sub}"));
    assert_eq!(reset_events[0]["detail"]["second_factor"], false);
    let token = link.split("t=").nth(1).unwrap().split('&').next().unwrap();
    assert!(
        !audit_text(&s).await.contains(token),
        "no link in the trail"
    );
    // Single use.
    let (status, html) = reset(&s, &link, &[("password", NEW), ("password2", NEW)]).await;
    assert_eq!(status, 400);
    assert_cause(&html, "mail_link_used");
    // The old password is dead, the new one signs in.
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, START).await;
    assert_eq!(
        submit_login(&mut b, &html, "alice", OLD).await.status(),
        401
    );
    sign_in_for_tokens(&s, &secret, NEW).await;

    // An unknown link, and an expired one.
    let (status, html) = reset(&s, &s.url("/recover/reset?t=not-a-link"), &[]).await;
    assert_eq!(status, 400);
    assert_cause(&html, "mail_link_unknown");
    // A dead link from a German message says so in German, and asks
    // again in German; so does /recover for a browser that chose German.
    let (status, html) = reset(&s, &s.url("/recover/reset?t=not-a-link&lang=de"), &[]).await;
    assert_eq!(status, 400);
    assert!(
        html.contains("Dieser Link kann nicht verwendet werden"),
        "{html}"
    );
    assert!(
        html.contains("href=\"/recover?lang=de\">Neuen Link anfordern"),
        "{html}"
    );
    let mut b = Browser::new(&s);
    b.cookies.insert(
        "latchkey_lang".into(),
        format!("de.{}", latchkey_core::now_unix()),
    );
    let html = b.get("/recover").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"de\""), "{html}");
    assert!(html.contains("Link senden") && html.contains("name=\"lang\" value=\"de\""));
    ask(&s, "alice").await;
    let message = smtp.wait_for(3, Duration::from_secs(10)).await;
    let link = link_in(&message, &s.url("/recover/reset?t="));
    s.sql("UPDATE mail_links SET expires_at = 1 WHERE used_at IS NULL")
        .await;
    let (status, html) = reset(&s, &link, &[]).await;
    assert_eq!(status, 400);
    assert_cause(&html, "mail_link_expired");

    // Throttled per account: alice was asked for twice; a third message
    // goes out, a fourth (by another name) gets the same answer but no
    // message; and per typed name, the fourth "alice" is answered 429.
    assert_eq!(ask(&s, "ALICE").await.0, 200);
    smtp.wait_for(4, Duration::from_secs(10)).await;
    assert_eq!(ask(&s, "Alice@example.com").await.0, 200);
    assert_eq!(ask(&s, "alice").await.0, 200);
    let (status, html) = ask(&s, "alice").await;
    assert_eq!(status, 429);
    assert_cause(&html, "mail_throttled");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 4, "{:?}", smtp.messages());
    // The request over the account's limit is in the trail as refused.
    let requested = audit(&s, "recovery.requested").await;
    let outcomes: Vec<&str> = requested
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["failure", "failure", "success", "success", "success"]
    );
    assert_eq!(requested[0]["detail"]["cause"], "mail_throttled");
}

/// A recovery asked from a German sign-in (`ui_locales=de`), for a user
/// with an authenticator: the pages, the link's message and the notice are
/// German, the page the link opens too (in a browser that never chose a
/// language); the code is asked on the reset page, and the link stays
/// usable until it is right. The trail has the request and the reset.
async fn recovery_in_german_still_asks_for_the_second_factor(db: Db) {
    let smtp = Smtp::start();
    let s = start(db, smtp.port, &[]).await;
    client_and_user(&s, CB).await;
    let users: Value = s
        .admin(Method::GET, "/users")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sub = users.as_array().unwrap()[0]["sub"]
        .as_str()
        .unwrap()
        .to_string();
    let key = totp::generate_secret().unwrap();
    let r = s
        .admin(Method::PATCH, &format!("/users/{sub}"))
        .json(&json!({"totp_secret": totp::base32_encode(&key)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // From the German login page to the German /recover.
    let mut b = Browser::new(&s);
    let login = login_page(&mut b, &format!("{START}&ui_locales=de")).await;
    let forgot = href_of(&login, "forgot-password");
    assert!(login.contains(">Passwort vergessen?</a>"), "{login}");
    let page = b.get(&forgot).await.text().await.unwrap();
    assert!(page.contains("<html lang=\"de\""), "{page}");
    assert!(page.contains("Geben Sie Ihren Benutzernamen oder Ihre E-Mail-Adresse ein"));
    let r = b
        .post(
            "/recover",
            &[
                ("csrf", &hidden(&page, "csrf")),
                ("i", &hidden(&page, "i")),
                ("lang", &hidden(&page, "lang")),
                ("name", "alice"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let sent = r.text().await.unwrap();
    assert!(sent.contains("Prüfen Sie Ihr Postfach"), "{sent}");
    assert!(sent.contains("innerhalb von 15 Minuten"), "{sent}");
    // The message is German, subject, text and HTML.
    let message = smtp.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(message["subject"], "Passwort für Latchkey zurücksetzen");
    let text = message["text"].as_str().unwrap();
    assert!(
        text.contains("Jemand möchte das Passwort des Kontos alice bei Latchkey zurücksetzen.")
            && text.contains("innerhalb von 15 Minuten diesen Link")
            && text.contains("Der Link funktioniert nur einmal."),
        "{text}"
    );
    let html = message["html"].as_str().unwrap();
    assert!(html.contains("<html lang=\"de\">") && html.contains(">Neues Passwort wählen</a>"));
    assert!(
        !text.contains("password") && !html.contains("password"),
        "{message}"
    );
    let link = link_in(&message, &s.url("/recover/reset?t="));
    assert!(link.contains("&lang=de&i="), "{link}");
    // Opened elsewhere (no cookie, no Accept-Language): German.
    let page = Browser::new(&s).get(&link).await.text().await.unwrap();
    assert!(page.contains("id=\"code\""), "{page}");
    assert!(page.contains("<html lang=\"de\""), "{page}");
    assert!(page.contains("<h1>Neues Passwort wählen</h1>"), "{page}");
    assert!(
        page.contains("Ihr Konto hat einen zweiten Schritt."),
        "{page}"
    );
    assert!(!page.contains("password again"), "{page}");
    let pw = [("password", NEW), ("password2", NEW)];
    let (status, html) = reset(&s, &link, &pw).await;
    assert_eq!(status, 401);
    assert_cause(&html, "totp_code_invalid");
    // The refusal speaks the page's language too.
    assert!(
        html.contains("Dieser Code ist falsch oder abgelaufen."),
        "{html}"
    );
    let mut wrong = pw.to_vec();
    wrong.push(("code", "000000"));
    let code = totp::code_at_step(&key, totp::step_at(latchkey_core::now_unix()));
    if code != "000000" {
        let (status, html) = reset(&s, &link, &wrong).await;
        assert_eq!(status, 401);
        assert_cause(&html, "totp_code_invalid");
    }
    let mut right = pw.to_vec();
    right.push(("code", &code));
    let (status, html) = reset(&s, &link, &right).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Ihr Passwort wurde geändert"), "{html}");
    assert!(
        html.contains("melden Sie sich mit Ihrem neuen Passwort an"),
        "{html}"
    );
    let notice = smtp.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(
        notice["subject"],
        "Ihr Passwort für Latchkey wurde geändert"
    );
    assert!(
        notice["text"]
            .as_str()
            .unwrap()
            .contains("Wenn Sie das nicht waren"),
        "{notice}"
    );

    // The trail: the request (by nobody known), the wrong codes, the reset.
    let requested = audit(&s, "recovery.requested").await;
    assert_eq!(requested.len(), 1, "{requested:?}");
    assert_eq!(requested[0]["target"], format!("user:{sub}"));
    assert_eq!(requested[0]["detail"]["lang"], "de");
    let resets = audit(&s, "recovery.password_reset").await;
    let (done, refused) = resets.split_first().unwrap();
    assert_eq!(done["outcome"], "success");
    assert_eq!(done["actor"], format!("user:{sub}"));
    assert_eq!(done["detail"]["second_factor"], true);
    assert!(!refused.is_empty() && refused.len() <= 2, "{resets:?}");
    for e in refused {
        assert_eq!(e["outcome"], "failure");
        assert_eq!(e["detail"]["cause"], "totp_code_invalid");
    }
    let token = link.split("t=").nth(1).unwrap().split('&').next().unwrap();
    let trail = audit_text(&s).await;
    assert!(!trail.contains(token) && !trail.contains(&code), "{trail}");
}

/// The SMTP server is down: the request does not wait, the message stays
/// in the outbox and is delivered once the server is up.
async fn a_message_waits_for_the_smtp_server(db: Db) {
    let port = free_port();
    let s = start(db, port, &[]).await;
    client_and_user(&s, CB).await;
    let started = Instant::now();
    let (status, _) = ask(&s, "alice").await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let outbox = "SELECT COUNT(*) FROM mail_outbox";
    assert_eq!(s.sql_count(outbox).await, 1);
    // The first attempt fails at once; the retry comes seconds later.
    let deadline = Instant::now() + Duration::from_secs(10);
    while s
        .sql_count("SELECT COUNT(*) FROM mail_outbox WHERE attempts > 0")
        .await
        == 0
    {
        assert!(Instant::now() < deadline, "no attempt was made");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let smtp = Smtp::start_on(port);
    let message = smtp.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(message["rcpt_tos"], json!(["alice@example.com"]));
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.sql_count(outbox).await != 0 {
        assert!(
            Instant::now() < deadline,
            "the sent message stayed in the outbox"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The log names the retry, never the link.
    let link = link_in(&message, &s.url("/recover/reset?t="));
    let token = link.split("t=").nth(1).unwrap().split('&').next().unwrap();
    assert!(!s.logs().contains(token));
    assert!(s.logs().contains("will retry"), "{}", s.logs());
}

/// A user created with an unverified email gets a link that verifies it;
/// with `policy.require_verified_email` such a user cannot sign in until
/// then, and the login page sends the link again.
async fn verification_and_the_verified_email_policy(db: Db) {
    let smtp = Smtp::start();
    let s = start(
        db,
        smtp.port,
        &[("LATCHKEY_POLICY_REQUIRE_VERIFIED_EMAIL", "true")],
    )
    .await;
    let secret = {
        let r = s
            .admin(Method::POST, "/clients")
            .json(
                &json!({"client_id": "web", "redirect_uris": [CB], "scope": "openid email",
                "grant_types": ["authorization_code", "refresh_token"], "skip_consent": true}),
            )
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()["client_secret"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": OLD, "claims": {"email": "Alice@Example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let sub = r.json::<Value>().await.unwrap()["sub"]
        .as_str()
        .unwrap()
        .to_string();
    let first = smtp.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(first["rcpt_tos"], json!(["Alice@Example.com"]));
    // Created without a page or a locale claim: English.
    assert_eq!(first["subject"], "Confirm your email address for Latchkey");
    assert!(link_in(&first, &s.url("/verify-email?t=")).contains("&lang=en"));
    // A verified user gets nothing.
    s.admin(Method::POST, "/users")
        .json(&json!({"username": "bob", "password": OLD, "claims": {"email": "bob@example.com", "email_verified": true}}))
        .send()
        .await
        .unwrap();

    // Refused at the login step of a German sign-in, with the way out,
    // in German; the link sent again is German too.
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, &format!("{START}&ui_locales=de")).await;
    let r = submit_login(&mut b, &html, "alice", OLD).await;
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap();
    assert_cause(&page, "email_not_verified");
    assert!(
        page.contains("Bestätigen Sie zuerst Ihre E-Mail-Adresse"),
        "{page}"
    );
    assert!(page.contains("Link erneut senden"), "{page}");
    assert!(page.contains(">Zurück zur Anmeldung</a>"), "{page}");
    let r = b
        .post(
            "/verify-email/resend",
            &[
                ("i", &hidden(&page, "i")),
                ("csrf", &hidden(&page, "csrf")),
                ("name", "alice"),
                ("lang", &hidden(&page, "lang")),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let sent = r.text().await.unwrap();
    assert!(
        sent.contains("haben wir den Link erneut gesendet"),
        "{sent}"
    );
    let second = smtp.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(
        second["subject"],
        "Bestätigen Sie Ihre E-Mail-Adresse für Latchkey"
    );
    assert!(
        second["text"]
            .as_str()
            .unwrap()
            .contains("Diese Adresse wurde für das Konto alice bei Latchkey angegeben."),
        "{second}"
    );
    assert!(
        second["html"]
            .as_str()
            .unwrap()
            .contains(">Meine E-Mail-Adresse bestätigen</a>")
    );
    let link = link_in(&second, &s.url("/verify-email?t="));
    assert!(link.ends_with("&lang=de"), "{link}");
    assert_eq!(smtp.messages().len(), 2, "{:?}", smtp.messages());

    assert!(audit(&s, "email.verified").await.is_empty());
    // Following the link (as a mail scanner would, twice) changes nothing;
    // the button on its page confirms.
    for _ in 0..2 {
        let r = Browser::new(&s).get(&link).await;
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(
            html.contains(">Meine E-Mail-Adresse bestätigen</button>"),
            "{html}"
        );
    }
    assert!(audit(&s, "email.verified").await.is_empty());
    let mut b = Browser::new(&s);
    let html = b.get(&link).await.text().await.unwrap();
    let r = b
        .post(
            "/verify-email",
            &[("t", &hidden(&html, "t")), ("lang", &hidden(&html, "lang"))],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Ihre E-Mail-Adresse ist bestätigt"), "{html}");
    let verified = audit(&s, "email.verified").await;
    assert_eq!(verified.len(), 1, "{verified:?}");
    assert_eq!(verified[0]["actor"], format!("user:{sub}"));
    assert_eq!(verified[0]["target"], format!("user:{sub}"));
    let token = link.split("t=").nth(1).unwrap().split('&').next().unwrap();
    assert!(!audit_text(&s).await.contains(token));
    let u: Value = s
        .admin(Method::GET, &format!("/users/{sub}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(u["claims"]["email_verified"], true, "{u}");
    // Used once: its page and a second confirmation both say so.
    let r = Browser::new(&s).get(&link).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert_cause(&html, "mail_link_used");
    let token = link.split("t=").nth(1).unwrap().split('&').next().unwrap();
    let r = Browser::new(&s)
        .post("/verify-email", &[("t", token), ("lang", "de")])
        .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert_cause(&html, "mail_link_used");
    assert!(
        html.contains("Melden Sie sich an, um den Link erneut zu erhalten"),
        "{html}"
    );
    // Now alice signs in, by the verified email too.
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, START).await;
    let r = submit_login(&mut b, &html, "alice@example.com", OLD).await;
    assert_eq!(r.status(), 303);
    assert!(query_of(&location(&r)).contains_key("code"));
    let _ = secret;

    // The CLI queues the link too; the server's worker sends it.
    use std::io::Write;
    let env = mail_env(smtp.port);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut child = crate::support::command(&s.db, &env)
        .args([
            "user",
            "create",
            "--username",
            "carol",
            "--password-stdin",
            "--claims",
            r#"{"email":"carol@example.com","locale":"de-AT"}"#,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(OLD.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let third = smtp.wait_for(3, Duration::from_secs(10)).await;
    assert_eq!(third["rcpt_tos"], json!(["carol@example.com"]));
    // Her locale claim says German.
    assert_eq!(
        third["subject"],
        "Bestätigen Sie Ihre E-Mail-Adresse für Latchkey"
    );
}

/// An SMTP server that accepts connections and never answers: requests
/// still answer at once (they only queue), and the message waits.
#[tokio::test]
async fn a_request_never_waits_for_a_hung_smtp_server() {
    let hung = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = hung.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = hung.accept().await {
            held.push(conn);
        }
    });
    let s = start(Db::Sqlite, port, &[]).await;
    client_and_user(&s, CB).await;
    for name in ["alice", "alice@example.com", "nobody"] {
        let started = Instant::now();
        assert_eq!(ask(&s, name).await.0, 200);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{name}: {:?}",
            started.elapsed()
        );
    }
    assert_eq!(s.sql_count("SELECT COUNT(*) FROM mail_outbox").await, 2);
}

/// A recipient the SMTP server refuses for good: the message is given up
/// at once with a warning that names neither the link nor the body.
#[tokio::test]
async fn a_refused_recipient_is_given_up_with_a_warning() {
    let smtp = Smtp::start();
    let s = start(Db::Sqlite, smtp.port, &[]).await;
    client_and_user(&s, CB).await;
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "bounce", "password": OLD,
            "claims": {"email": "bounce@example.com", "email_verified": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(ask(&s, "bounce").await.0, 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !s.logs().contains("mail given up") {
        assert!(Instant::now() < deadline, "{}", s.logs());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(s.sql_count("SELECT COUNT(*) FROM mail_outbox").await, 0);
    let logs = s.logs();
    let line = logs.lines().find(|l| l.contains("mail given up")).unwrap();
    assert!(line.contains("WARN"), "{line}");
    assert!(!logs.contains("/recover/reset?t="), "{logs}");
    assert!(!logs.contains("Choose a new password"), "{logs}");
    // Nothing was delivered, and alice's mail still goes out.
    assert!(smtp.messages().is_empty());
    ask(&s, "alice").await;
    smtp.wait_for(1, Duration::from_secs(10)).await;
}

/// Two nodes on one PostgreSQL database, each with its worker: every
/// message queued on either is delivered exactly once.
#[tokio::test]
async fn two_nodes_deliver_each_message_once() {
    let smtp = Smtp::start();
    let a = start(Db::Postgres, smtp.port, &[]).await;
    let env = mail_env(smtp.port);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let b = a.join(&env).await;
    client_and_user(&a, CB).await;
    for (node, name) in [(&a, "alice"), (&b, "ALICE"), (&b, "alice@example.com")] {
        assert_eq!(ask(node, name).await.0, 200);
    }
    smtp.wait_for(3, Duration::from_secs(15)).await;
    // Both workers had time to look again: still three.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.messages().len(), 3, "{:?}", smtp.messages());
    assert_eq!(a.sql_count("SELECT COUNT(*) FROM mail_outbox").await, 0);
}

crate::both!(
    recovery_rules,
    recovery_in_german_still_asks_for_the_second_factor,
    a_message_waits_for_the_smtp_server,
    verification_and_the_verified_email_policy,
);

/// Without `smtp.host` nothing of mail is offered, and the routes answer
/// as if absent.
#[tokio::test]
async fn without_smtp_mail_features_are_absent() {
    let s = Server::start(Db::Sqlite).await;
    client_and_user(&s, CB).await;
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, START).await;
    assert!(!html.contains("Forgot your password?"), "{html}");
    for path in ["/recover", "/recover/reset?t=x", "/verify-email?t=x"] {
        let r = s.http.get(s.url(path)).send().await.unwrap();
        crate::support::assert_json_error(r, 404, "not_found", "mail_disabled").await;
    }
    let d: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!d.to_string().contains("recover") && !d.to_string().contains("smtp"));
}
