//! A real browser (headless Chromium, driven over WebDriver by
//! chromedriver) signs in through the login and consent pages, and also
//! presses Cancel and Deny. Screenshots are kept in `test-artifacts/`.
//!
//! WebDriver is plain HTTP and JSON (W3C WebDriver), so the few commands
//! needed are sent with reqwest; no driver crate is required.

use crate::support::{Db, Server};
use reqwest::Method;
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) struct Driver {
    child: Child,
    base: String,
    http: reqwest::Client,
    session: String,
    profile: PathBuf,
}

impl Drop for Driver {
    /// chromedriver runs in a process group of its own, with the Chromium
    /// processes it starts: the whole group is killed, so a test that ends
    /// (or panics) leaves no browser behind.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    pub(crate) async fn start() -> Driver {
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver must be installed (Debian packages chromium and chromium-driver; scripts/test installs them)");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let profile =
            std::env::temp_dir().join(format!("latchkey-chromium-{}", uuid::Uuid::new_v4()));
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--window-size=1000,900", format!("--user-data-dir={}", profile.display())]
        }}}});
        let r: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        Driver {
            child,
            base,
            http,
            session,
            profile,
        }
    }

    pub(crate) async fn cmd(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        if v["value"].get("error").is_some() {
            panic!("webdriver {path}: {v}");
        }
        v["value"].clone()
    }

    pub(crate) async fn goto(&self, url: &str) {
        self.cmd(Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    pub(crate) async fn url(&self) -> String {
        self.cmd(Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    pub(crate) async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap()
            .to_string()
    }

    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.cmd(
            Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    pub(crate) async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.cmd(
            Method::POST,
            &format!("/element/{el}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Click `css`, which follows a link or submits a form, and wait until
    /// the next page has loaded: a text the old page also shows cannot
    /// pass for the new one.
    pub(crate) async fn click_to_next_page(&self, css: &str) {
        self.script("window.latchkeyOldPage = true;").await;
        self.click(css).await;
        for _ in 0..400 {
            let url = format!("{}/session/{}/execute/sync", self.base, self.session);
            let script = "return window.latchkeyOldPage === undefined && document.readyState === 'complete';";
            let answer = self
                .http
                .post(url)
                .json(&json!({"script": script, "args": []}))
                .send()
                .await;
            // While the page changes, WebDriver may answer with an error
            // (no execution context yet): that is "not yet".
            if let Ok(r) = answer
                && let Ok(v) = r.json::<Value>().await
                && v["value"] == Value::Bool(true)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "clicking {css} never led to a new page; at {}",
            self.url().await
        );
    }

    /// Run `script` (a function body) in the page; its return value.
    pub(crate) async fn script(&self, script: &str) -> Value {
        self.cmd(
            Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Run `script` (a function body whose last argument is the callback
    /// to call with the result) in the page, waiting for the callback.
    pub(crate) async fn script_async(&self, script: &str) -> Value {
        self.cmd(
            Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    pub(crate) async fn source(&self) -> String {
        self.cmd(Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Wait until the browser is at a URL starting with `prefix`.
    pub(crate) async fn wait_for(&self, prefix: &str) -> String {
        for _ in 0..200 {
            let u = self.url().await;
            if u.starts_with(prefix) {
                return u;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "browser never reached {prefix}; it is at {}",
            self.url().await
        );
    }

    /// Wait until the page shows `text` (a form posted, a page rendered).
    pub(crate) async fn wait_for_text(&self, text: &str) -> String {
        for _ in 0..200 {
            let page = self.source().await;
            if page.contains(text) {
                return page;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the page never showed {text:?}:\n{}", self.source().await);
    }

    /// The page passes axe-core's WCAG 2.x A and AA rules with no serious
    /// or critical violation, and looks right at a phone's 390 px and a
    /// desktop's 1280 px: screenshots `{name}-390.png`, `{name}-1280.png`.
    pub(crate) async fn check_page(&self, name: &str) {
        static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let axe = AXE.get_or_init(|| {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../interop/node/node_modules/axe-core/axe.min.js");
            std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (scripts/interop-install installs it)",
                    path.display()
                )
            })
        });
        self.script(&format!("{axe}\nreturn true;")).await;
        let found = self
            .script_async(
                "const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})
  .then(r => done(r.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.html)}))))
  .catch(e => done([{error: String(e)}]));",
            )
            .await;
        assert_eq!(found, json!([]), "{name}: accessibility violations");
        for width in [390, 1280] {
            self.cmd(
                Method::POST,
                "/window/rect",
                Some(json!({"width": width, "height": 900})),
            )
            .await;
            self.screenshot(&format!("{name}-{width}.png")).await;
        }
        self.cmd(
            Method::POST,
            "/window/rect",
            Some(json!({"width": 1000, "height": 900})),
        )
        .await;
    }

    pub(crate) async fn screenshot(&self, name: &str) {
        use base64::Engine;
        let b64 = self.cmd(Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), &png).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
    }
}

/// A stand-in for the client application: answers every request with 200.
pub(crate) async fn client_app() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|| async { "the client application" });
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://127.0.0.1:{}/cb", addr.port())
}

pub(crate) fn query(url: &str) -> std::collections::BTreeMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

#[tokio::test]
async fn a_real_browser_signs_in_consents_cancels_and_denies() {
    let s = Server::start(Db::Sqlite).await;
    let cb = client_app().await;
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "web", "client_name": "Example Web App", "redirect_uris": [cb], "scope": "openid email profile"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    s.admin(Method::POST, "/users")
        .json(&json!({"username": "alice@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    let authorize = |scope: &str, extra: &str| {
        format!(
            "{}/authorize?client_id=web&response_type=code&scope={scope}&redirect_uri={}&state=browser-state{extra}",
            s.base,
            url::form_urlencoded::byte_serialize(cb.as_bytes()).collect::<String>()
        )
    };
    let d = Driver::start().await;

    // Cancel on the login page.
    d.goto(&authorize("openid", "")).await;
    d.wait_for(&s.url("/login")).await;
    d.check_page("login").await;
    d.click("button[value=cancel]").await;
    let q = query(&d.wait_for(&cb).await);
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "browser-state");

    // Sign in (a wrong password first), then Allow.
    d.goto(&authorize("openid+email", "")).await;
    d.wait_for(&s.url("/login")).await;
    d.type_into("#username", "alice@example.com").await;
    d.type_into("#password", "not the password").await;
    d.click("button[value=login]").await;
    let page = d
        .wait_for_text("The username or password is incorrect.")
        .await;
    assert!(page.contains("role=\"alert\""));
    // The name stays; the password is what to retype, so it has focus.
    assert_eq!(
        d.script("return document.activeElement.id").await,
        "password"
    );
    // The field's border and the focus ring stand out from the white form
    // by at least 3:1 (WCAG 2.2, 1.4.11), as the browser draws them.
    let contrast = d.script(CONTRAST).await;
    for part in ["border", "outline"] {
        let ratio = contrast[part].as_f64().unwrap();
        assert!(ratio >= 3.0, "{part} contrast {ratio:.2}: {contrast}");
    }
    d.check_page("login-wrong-password").await;
    d.type_into("#password", "correct horse battery").await;
    d.click("button[value=login]").await;
    d.wait_for(&s.url("/consent")).await;
    assert!(d.source().await.contains("Example Web App"));
    d.check_page("consent").await;
    d.click("button[value=allow]").await;
    let q = query(&d.wait_for(&cb).await);
    assert!(q["code"].len() >= 43, "{q:?}");
    assert_eq!(q["iss"], s.base);

    // Signed in already: a new scope asks for consent, naming who is
    // signed in, with the way to another account; Deny.
    d.goto(&authorize("openid+profile", "")).await;
    d.wait_for(&s.url("/consent")).await;
    assert!(
        d.source()
            .await
            .contains("Signed in as <strong>alice@example.com</strong>")
    );
    d.click("button[value=deny]").await;
    let q = query(&d.wait_for(&cb).await);
    assert_eq!(q["error"], "access_denied");
    assert!(q["error_uri"].ends_with("#consent_denied"));

    // "Not you?" on the consent page leads to the sign-in of this flow.
    d.goto(&authorize("openid+profile", "")).await;
    d.wait_for(&s.url("/consent")).await;
    d.click("button[value=other]").await;
    d.wait_for(&s.url("/login")).await;
}

/// The contrast against white of the username field's border and of the
/// focus ring drawn when it has focus (WCAG relative luminance).
const CONTRAST: &str = r#"
const rgb = s => s.match(/[\d.]+/g).slice(0, 3).map(Number);
const lum = c => {
  const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const ratio = c => 1.05 / (lum(c) + 0.05);
const input = document.getElementById('username');
input.focus();
const style = getComputedStyle(input);
return { border: ratio(rgb(style.borderTopColor)), outline: ratio(rgb(style.outlineColor)) };
"#;

/// A real browser meets the second factor: after the password, the user
/// enrols an authenticator (the test reads the key off the page and
/// computes the code, as an app would), saves the recovery codes, and a
/// later sign-in asks for a code again. Screenshots of each page are kept.
#[tokio::test]
async fn a_real_browser_enrols_and_uses_a_second_factor() {
    use latchkey_core::totp;
    let s = Server::start(Db::Sqlite).await;
    let cb = client_app().await;
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": "web", "client_name": "Example Web App", "redirect_uris": [cb],
                      "scope": "openid", "skip_consent": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    s.admin(Method::POST, "/users")
        .json(&json!({"username": "alice@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    let authorize = format!(
        "{}/authorize?client_id=web&response_type=code&scope=openid&redirect_uri={}&state=mfa-state&vtr=%5B%22Cl.Cm%22%5D",
        s.base,
        url::form_urlencoded::byte_serialize(cb.as_bytes()).collect::<String>()
    );
    let now_code = |key: &[u8]| totp::code_at_step(key, totp::step_at(latchkey_core::now_unix()));
    let d = Driver::start().await;
    d.goto(&authorize).await;
    d.wait_for(&s.url("/login")).await;
    d.type_into("#username", "alice@example.com").await;
    d.type_into("#password", "correct horse battery").await;
    d.click("button[value=login]").await;
    d.wait_for(&s.url("/mfa")).await;
    let html = d.source().await;
    assert!(html.contains("<svg"), "a QR code: {html}");
    d.check_page("mfa-enrol").await;
    let start = html.find("id=\"totp-key\">").unwrap() + 14;
    let key = totp::base32_decode(html[start..].split('<').next().unwrap()).unwrap();
    d.type_into("#code", &now_code(&key)).await;
    d.click("button[value=enrol]").await;
    for _ in 0..200 {
        if d.source().await.contains("Save your recovery codes") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    d.check_page("mfa-recovery-codes").await;
    d.click("button[value=continue]").await;
    let q = query(&d.wait_for(&cb).await);
    assert!(q["code"].len() >= 43, "{q:?}");
    assert_eq!(q["state"], "mfa-state");

    // A new sign-in (prompt=login) asks for the password, then a code; the
    // step just used is not accepted twice, so wait for the next one.
    let used = totp::step_at(latchkey_core::now_unix());
    d.goto(&format!("{authorize}&prompt=login")).await;
    d.wait_for(&s.url("/login")).await;
    d.type_into("#username", "alice@example.com").await;
    d.type_into("#password", "correct horse battery").await;
    d.click("button[value=login]").await;
    d.wait_for(&s.url("/mfa")).await;
    assert!(d.source().await.contains("Enter your security code"));
    d.check_page("mfa-code").await;
    while totp::step_at(latchkey_core::now_unix()) <= used {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    d.type_into("#code", &now_code(&key)).await;
    d.click("button[value=verify]").await;
    let q = query(&d.wait_for(&cb).await);
    assert!(q["code"].len() >= 43, "{q:?}");
}
