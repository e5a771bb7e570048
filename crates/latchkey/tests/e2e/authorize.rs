//! /authorize: validation order and channels (page vs redirect), the login
//! and consent pages, prompt handling, SSO and code issuance.

use crate::support::{Db, Server};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const CB: &str = "https://app.example/cb";

/// A browser: follows nothing by itself, keeps cookies.
pub(crate) struct Browser<'a> {
    s: &'a Server,
    pub(crate) cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    pub(crate) fn new(s: &'a Server) -> Self {
        Browser {
            s,
            cookies: BTreeMap::new(),
        }
    }

    pub(crate) fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            self.cookies.insert(k.to_string(), val.to_string());
        }
    }

    pub(crate) async fn get(&mut self, url: &str) -> reqwest::Response {
        let url = if url.starts_with('/') {
            self.s.url(url)
        } else {
            url.to_string()
        };
        let r = self
            .s
            .http
            .get(url)
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&r);
        r
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let r = self
            .s
            .http
            .post(self.s.url(path))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(&r);
        r
    }
}

pub(crate) fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location ({})", r.status()))
        .to_str()
        .unwrap()
        .to_string()
}

pub(crate) fn query_of(url: &str) -> BTreeMap<String, String> {
    let u = url::Url::parse(url).unwrap();
    u.query_pairs().into_owned().collect()
}

/// The hidden field `name` of the page's form.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Submit the login form of `html` with these credentials.
pub(crate) async fn submit_login(
    b: &mut Browser<'_>,
    html: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    b.post(
        "/login",
        &[
            ("i", &hidden(html, "i")),
            ("csrf", &hidden(html, "csrf")),
            ("username", username),
            ("password", password),
            ("action", "login"),
        ],
    )
    .await
}

pub(crate) async fn setup(s: &Server, extra: Value) -> String {
    let mut body = json!({"client_id": "app", "client_name": "Example App", "redirect_uris": [CB, "https://app.example/other"], "scope": "openid email profile"});
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
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": "correct horse battery", "claims": {"email": "alice@example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    "/authorize?client_id=app&response_type=code&scope=openid+email&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=st4te".into()
}

/// Assert an error redirect: cause, description, error_uri, state, iss.
pub(crate) fn assert_redirect(
    s: &Server,
    r: &reqwest::Response,
    code: &str,
    cause: &str,
) -> BTreeMap<String, String> {
    assert_eq!(r.status(), 303, "expected a redirect for {cause}");
    let loc = location(r);
    assert!(loc.starts_with(CB), "{cause}: {loc}");
    let q = query_of(&loc);
    assert_eq!(q.get("error").map(String::as_str), Some(code), "{loc}");
    assert_eq!(
        q["error_uri"],
        s.url(&format!("/errors/{code}#{cause}")),
        "{loc}"
    );
    assert!(!q["error_description"].is_empty());
    assert_eq!(q["iss"], s.base);
    let names: Vec<&str> = q.keys().map(String::as_str).collect();
    for n in &names {
        assert!(
            ["error", "error_description", "error_uri", "state", "iss"].contains(n),
            "unexpected {n}"
        );
    }
    q
}

async fn assert_page(r: reqwest::Response, cause: &str) -> String {
    assert_eq!(r.status(), 400, "expected an error page for {cause}");
    assert!(r.headers().get("location").is_none());
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("<code>{cause}</code>")),
        "{cause} not on page: {html}"
    );
    html
}

async fn authorize_page_errors(db: Db) {
    let s = Server::start(db).await;
    setup(&s, json!({})).await;
    let mut b = Browser::new(&s);
    // G2/H1: missing and unknown client.
    assert_page(
        b.get("/authorize?response_type=code&scope=openid").await,
        "client_id_missing",
    )
    .await;
    assert_page(
        b.get("/authorize?client_id=nobody&response_type=code")
            .await,
        "client_id_unknown",
    )
    .await;
    // H2: the client has two URIs, none sent; an unregistered one; a malformed one.
    assert_page(
        b.get("/authorize?client_id=app&response_type=code&scope=openid")
            .await,
        "redirect_uri_missing",
    )
    .await;
    let html = assert_page(
        b.get("/authorize?client_id=app&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%2F").await,
        "redirect_uri_mismatch",
    )
    .await;
    assert!(html.contains("trailing slash"), "{html}");
    assert!(
        !html.contains("app.example/other"),
        "registered URIs must not be listed"
    );
    assert_page(
        b.get("/authorize?client_id=app&redirect_uri=not-a-uri")
            .await,
        "redirect_uri_malformed",
    )
    .await;
}

async fn authorize_redirect_errors(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_POLICY_MIN_PARAMETER_LENGTH", "4")]).await;
    let ok = setup(&s, json!({})).await;
    let mut b = Browser::new(&s);
    let cases = [
        (
            ok.replace("response_type=code", "response_type=token"),
            "unsupported_response_type",
            "unsupported_response_type",
        ),
        (
            ok.replace("&response_type=code", ""),
            "invalid_request",
            "response_type_missing",
        ),
        (
            format!("{ok}&response_mode=jwt.query"),
            "unsupported_response_mode",
            "unsupported_response_mode",
        ),
        (
            ok.replace("scope=openid+email", "scope=email"),
            "invalid_request",
            "scope_missing_openid",
        ),
        (
            ok.replace("scope=openid+email", "scope=openid+phone"),
            "invalid_scope",
            "scope_not_allowed",
        ),
        (
            ok.replace("scope=openid+email", "scope=openid+launch"),
            "invalid_scope",
            "unknown_scope",
        ),
        (
            format!("{ok}&state=again"),
            "invalid_request",
            "repeated_parameter",
        ),
        (
            format!("{ok}&nonce=abc"),
            "invalid_request",
            "insufficient_entropy",
        ),
        (
            format!("{ok}&code_challenge=abc&code_challenge_method=S256"),
            "invalid_request",
            "pkce_challenge_invalid",
        ),
        (
            format!("{ok}&prompt=none"),
            "login_required",
            "login_required",
        ),
    ];
    for (url, code, cause) in cases {
        let r = b.get(&url).await;
        let q = assert_redirect(&s, &r, code, cause);
        if cause != "repeated_parameter" {
            assert_eq!(q.get("state").map(String::as_str), Some("st4te"), "{cause}");
        }
    }
    // U8: state shorter than policy.min_parameter_length.
    let r = b.get(&ok.replace("state=st4te", "state=ab")).await;
    assert_redirect(&s, &r, "invalid_request", "invalid_state");
    // form_post and fragment deliver errors the same way.
    let r = b
        .get(&format!(
            "{}&response_mode=fragment",
            ok.replace("scope=openid+email", "scope=email")
        ))
        .await;
    assert!(location(&r).starts_with(&format!("{CB}#error=invalid_request")));
    let r = b
        .get(&format!(
            "{}&response_mode=form_post",
            ok.replace("scope=openid+email", "scope=email")
        ))
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("action=\"https://app.example/cb\"")
            && html.contains("name=\"error\" value=\"invalid_request\"")
    );
    // G1: a deactivated client gets unauthorized_client, saying so.
    s.admin(Method::PATCH, "/clients/app")
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    let r = b.get(&ok).await;
    let q = assert_redirect(&s, &r, "unauthorized_client", "client_deactivated");
    assert!(q["error_description"].contains("deactivated"), "{q:?}");
}

/// Sign in through the forms; returns the code redirect.
pub(crate) async fn sign_in(b: &mut Browser<'_>, start: &str) -> String {
    let r = b.get(start).await;
    assert_eq!(r.status(), 303);
    let login = location(&r);
    assert!(login.starts_with("/login?i="), "{login}");
    let r = b.get(&login).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains("Example App") && html.contains("<label for=\"password\">"));
    let (i, csrf) = (hidden(&html, "i"), hidden(&html, "csrf"));
    // A wrong password: same message as an unknown user, 401, form again.
    let r = b
        .post(
            "/login",
            &[
                ("i", &i),
                ("csrf", &csrf),
                ("username", "alice"),
                ("password", "wrong password"),
                ("action", "login"),
            ],
        )
        .await;
    assert_eq!(r.status(), 401);
    let wrong_password = r.text().await.unwrap();
    let r = b
        .post(
            "/login",
            &[
                ("i", &i),
                ("csrf", &csrf),
                ("username", "mallory"),
                ("password", "wrong password"),
                ("action", "login"),
            ],
        )
        .await;
    let unknown_user = r.text().await.unwrap();
    assert!(wrong_password.contains("The username or password is incorrect."));
    assert!(unknown_user.contains("The username or password is incorrect."));
    let r = b
        .post(
            "/login",
            &[
                ("i", &i),
                ("csrf", &csrf),
                ("username", "alice"),
                ("password", "correct horse battery"),
                ("action", "login"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let set = b.cookies.get("latchkey_session").cloned();
    assert!(set.is_some(), "session cookie");
    location(&r)
}

async fn login_consent_and_sso(db: Db) {
    let s = Server::start(db).await;
    let start = setup(&s, json!({})).await;
    let mut b = Browser::new(&s);
    let next = sign_in(&mut b, &start).await;
    assert!(next.starts_with("/consent?i="), "{next}");
    let r = b.get(&next).await;
    let html = r.text().await.unwrap();
    assert!(html.contains("Example App") && html.contains("See your email address"));
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
    assert_eq!(r.status(), 303);
    let q = query_of(&location(&r));
    assert!(q["code"].len() >= 43);
    assert_eq!(q["state"], "st4te");
    assert_eq!(q["iss"], s.base);
    // SSO: the next request goes straight through (consent remembered).
    let r = b.get(&start).await;
    let q = query_of(&location(&r));
    assert!(q.contains_key("code"), "{q:?}");
    // prompt=none works silently now; prompt=consent asks again.
    let r = b.get(&format!("{start}&prompt=none")).await;
    assert!(query_of(&location(&r)).contains_key("code"));
    let r = b.get(&format!("{start}&prompt=consent")).await;
    assert!(location(&r).starts_with("/consent?i="));
    // prompt=none for scopes not yet granted → consent_required (U13).
    let r = b
        .get(&format!(
            "{}&prompt=none",
            start.replace("openid+email", "openid+profile")
        ))
        .await;
    assert_redirect(&s, &r, "consent_required", "consent_required");
    // prompt=login asks for a new sign-in.
    let r = b.get(&format!("{start}&prompt=login")).await;
    assert!(location(&r).starts_with("/login?i="));
}

/// With prompt=none, a login_hint that does not name the signed-in user
/// answers account_selection_required whether or not the account it names
/// exists: the answer must not reveal which usernames exist. A hint naming
/// the signed-in user still gets a code.
async fn login_hint_does_not_reveal_other_accounts(db: Db) {
    let s = Server::start(db).await;
    let start = setup(&s, json!({"skip_consent": true})).await;
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "bob", "password": "another horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let mut b = Browser::new(&s);
    let next = sign_in(&mut b, &start).await;
    assert!(query_of(&next).contains_key("code"), "{next}");
    let silent = |hint: &str| format!("{start}&prompt=none&login_hint={hint}");
    let existing = b.get(&silent("bob")).await;
    let existing = assert_redirect(
        &s,
        &existing,
        "account_selection_required",
        "account_selection_required",
    );
    let unknown = b.get(&silent("nobody-by-this-name")).await;
    let unknown = assert_redirect(
        &s,
        &unknown,
        "account_selection_required",
        "account_selection_required",
    );
    assert_eq!(existing, unknown);
    // The signed-in user's own username, in any case (as it signs in):
    // silently through.
    for own in ["alice", "ALICE"] {
        let r = b.get(&silent(own)).await;
        assert!(query_of(&location(&r)).contains_key("code"), "{own}");
    }
}

async fn cancel_deny_and_lost_sessions(db: Db) {
    let s = Server::start(db).await;
    let start = setup(&s, json!({})).await;
    // Cancel on the login page → access_denied (O4, U25).
    let mut b = Browser::new(&s);
    let login = location(&b.get(&start).await);
    let html = b.get(&login).await.text().await.unwrap();
    let r = b
        .post(
            "/login",
            &[
                ("i", &hidden(&html, "i")),
                ("csrf", &hidden(&html, "csrf")),
                ("action", "cancel"),
            ],
        )
        .await;
    assert_redirect(&s, &r, "access_denied", "user_canceled");
    // Deny on the consent page → access_denied.
    let mut b = Browser::new(&s);
    let consent = sign_in(&mut b, &start).await;
    let html = b.get(&consent).await.text().await.unwrap();
    let r = b
        .post(
            "/consent",
            &[
                ("i", &hidden(&html, "i")),
                ("csrf", &hidden(&html, "csrf")),
                ("action", "deny"),
            ],
        )
        .await;
    assert_redirect(&s, &r, "access_denied", "consent_denied");
    // The browser lost its cookies mid-flow → access_denied, session_lost (G8).
    let mut b = Browser::new(&s);
    let login = location(&b.get(&start).await);
    let html = b.get(&login).await.text().await.unwrap();
    b.cookies.clear();
    let r = b
        .post(
            "/login",
            &[
                ("i", &hidden(&html, "i")),
                ("csrf", &hidden(&html, "csrf")),
                ("username", "alice"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_redirect(&s, &r, "access_denied", "session_lost");
    // An unknown interaction: nothing to redirect to, so a page.
    let r = b.get("/login?i=nope").await;
    assert_page(r, "session_lost").await;
    // A bad CSRF token.
    let mut b = Browser::new(&s);
    let login = location(&b.get(&start).await);
    let html = b.get(&login).await.text().await.unwrap();
    let r = b
        .post(
            "/login",
            &[
                ("i", &hidden(&html, "i")),
                ("csrf", "forged"),
                ("username", "alice"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_redirect(&s, &r, "invalid_request", "csrf_token_invalid");
}

async fn first_party_clients_skip_consent(db: Db) {
    let s = Server::start(db).await;
    let start = setup(&s, json!({"skip_consent": true})).await;
    let mut b = Browser::new(&s);
    let next = sign_in(&mut b, &start).await;
    assert!(
        next.starts_with(CB) && query_of(&next).contains_key("code"),
        "{next}"
    );
}

/// Repeated failures for an account or an address are throttled: 429 with
/// a retry time, even for the right password, until the window ends.
async fn repeated_failures_are_throttled(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_LIMITS_LOGIN_FAILURES", "2")]).await;
    let start = setup(&s, json!({})).await;
    let mut b = Browser::new(&s);
    let login = location(&b.get(&start).await);
    let html = b.get(&login).await.text().await.unwrap();
    let (i, csrf) = (hidden(&html, "i"), hidden(&html, "csrf"));
    for _ in 0..2 {
        let r = b
            .post(
                "/login",
                &[
                    ("i", &i),
                    ("csrf", &csrf),
                    ("username", "alice"),
                    ("password", "wrong password"),
                ],
            )
            .await;
        assert_eq!(r.status(), 401);
    }
    let r = b
        .post(
            "/login",
            &[
                ("i", &i),
                ("csrf", &csrf),
                ("username", "Alice"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(r.status(), 429);
    let retry: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 900, "{retry}");
    let html = r.text().await.unwrap();
    assert!(html.contains("Too many failed attempts"), "{html}");
}

/// A successful sign-in clears the account's failures (the address's stay:
/// they count attempts across accounts). The rows are keyed by hashes.
async fn a_sign_in_clears_earlier_failures(db: Db) {
    let s = Server::start(db).await;
    let start = setup(&s, json!({})).await;
    let failures = |kind: &'static str| {
        let s = &s;
        async move {
            let sql = format!(
                "SELECT COUNT(*) FROM login_failures WHERE key LIKE '{kind}:%' AND failures > 0"
            );
            s.sql_count(&sql).await
        }
    };
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, &start).await;
    let r = submit_login(&mut b, &html, "alice", "wrong password").await;
    assert_eq!(r.status(), 401);
    assert_eq!(failures("account").await, 1);
    assert_eq!(failures("address").await, 1);
    let r = submit_login(&mut b, &html, "alice", "correct horse battery").await;
    assert_eq!(r.status(), 303);
    // Signed in: on to the consent page, not an error.
    assert!(location(&r).starts_with("/consent?"), "{}", location(&r));
    assert_eq!(failures("account").await, 0);
    assert_eq!(failures("address").await, 1);
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, &start).await;
    let r = submit_login(&mut b, &html, "alice", "correct horse battery").await;
    assert_eq!(r.status(), 303);
    assert_eq!(failures("account").await, 0);
}

/// Start the authorization `start` and open the login page it leads to.
pub(crate) async fn login_page(b: &mut Browser<'_>, start: &str) -> String {
    let login = location(&b.get(start).await);
    b.get(&login).await.text().await.unwrap()
}

/// Resident memory of a process: (current, peak) in KiB.
fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// A burst of sign-ins does not multiply memory: Argon2id holds 19 MiB per
/// verification, and `limits.password_hashing` bounds how many run at
/// once. Eight at once with a bound of one peak near one verification's
/// memory, not eight. Every attempt still gets its answer.
async fn concurrent_sign_ins_share_a_bounded_memory(db: Db) {
    let s = Server::start_with(
        db,
        &[
            ("LATCHKEY_LIMITS_PASSWORD_HASHING", "1"),
            ("LATCHKEY_LIMITS_LOGIN_FAILURES", "100"),
        ],
    )
    .await;
    let start = setup(&s, json!({})).await;
    let mut pages = Vec::new();
    for _ in 0..8 {
        let mut b = Browser::new(&s);
        let html = login_page(&mut b, &start).await;
        pages.push((b.cookies.clone(), html));
    }
    // One verification first, so its memory counts in the baseline.
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, &start).await;
    assert_eq!(
        submit_login(&mut b, &html, "bob", "wrong").await.status(),
        401
    );
    let (before, _) = rss_kib(s.pid());
    let attempts: Vec<_> = pages
        .into_iter()
        .enumerate()
        .map(|(n, (cookies, html))| {
            let (http, url) = (s.http.clone(), s.url("/login"));
            let cookie = cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            tokio::spawn(async move {
                let form = [
                    ("i", hidden(&html, "i")),
                    ("csrf", hidden(&html, "csrf")),
                    ("username", format!("nobody-{n}")),
                    ("password", "wrong".to_string()),
                    ("action", "login".to_string()),
                ];
                let r = http.post(url).header("cookie", cookie).form(&form);
                r.send().await.unwrap().status()
            })
        })
        .collect();
    for attempt in attempts {
        assert_eq!(attempt.await.unwrap(), 401);
    }
    let (_, peak) = rss_kib(s.pid());
    let grown_mib = peak.saturating_sub(before) / 1024;
    // Unbounded, eight verifications would add about 8 x 19 MiB.
    assert!(
        grown_mib < 57,
        "peak grew by {grown_mib} MiB during 8 sign-ins"
    );
}

/// RP-initiated logout: a bare link asks the user first; confirming ends
/// the session and returns to a registered post_logout_redirect_uri with
/// state; an unregistered one or a forged hint gets an error page.
async fn rp_initiated_logout(db: Db) {
    let s = Server::start(db).await;
    let start = setup(
        &s,
        json!({"post_logout_redirect_uris": ["https://app.example/bye"], "skip_consent": true}),
    )
    .await;
    let mut b = Browser::new(&s);
    let next = sign_in(&mut b, &start).await;
    assert!(query_of(&next).contains_key("code"));
    let r = b.get("/logout?client_id=app&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye&state=s1").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Sign out?") && html.contains("Example App"),
        "{html}"
    );
    // Still signed in until confirmed.
    assert!(query_of(&location(&b.get(&start).await)).contains_key("code"));
    let r = b
        .post(
            "/logout",
            &[
                ("csrf", &hidden(&html, "csrf")),
                ("client_id", "app"),
                ("post_logout_redirect_uri", "https://app.example/bye"),
                ("state", "s1"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "https://app.example/bye?state=s1");
    assert!(
        b.cookies
            .get("latchkey_session")
            .is_some_and(String::is_empty)
    );
    // Signed out: the next request needs a sign-in again.
    assert!(location(&b.get(&start).await).starts_with("/login?i="));
    // Errors go to a page, never to an unregistered address.
    let r = b
        .get("/logout?client_id=app&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F")
        .await;
    assert_page(r, "post_logout_redirect_uri_mismatch").await;
    let r = b.get("/logout?id_token_hint=not.a.token").await;
    assert_page(r, "id_token_hint_invalid").await;
    // Discovery names the endpoint.
    let doc: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["end_session_endpoint"], s.url("/logout"));
}

/// Raw control characters and spaces in a redirect URI never reach a
/// Location header. A presented redirect_uri holding them is refused on the
/// page (the URL parser would drop a CR or LF and so hide it); a client
/// stored with such a URI before registration refused them gets a page,
/// not a 500, at /authorize and at /logout.
async fn unsendable_redirect_uris_get_a_page(db: Db) {
    let s = Server::start(db).await;
    let ok = setup(&s, json!({})).await;
    let mut b = Browser::new(&s);
    let cb = "https%3A%2F%2Fapp.example%2Fcb";
    for bad in ["%0D%0AX-Injected%3A+1", "%0A", "%09", "+", "%00"] {
        let r = b.get(&ok.replace(cb, &format!("{cb}{bad}"))).await;
        let html = assert_page(r, "redirect_uri_malformed").await;
        assert!(html.contains("U+00"), "{bad}: {html}");
    }
    // A legacy record, written before registration refused such URIs.
    s.sql(
        r#"INSERT INTO clients (client_id, secret_hash, active, metadata, created_at, updated_at)
           VALUES ('legacy', NULL, TRUE, '{"redirect_uris": ["https://app.example/cb\r\nX-Injected: 1"],
             "post_logout_redirect_uris": ["https://app.example/bye\r\nX-Injected: 1"],
             "token_endpoint_auth_method": "none", "skip_consent": true}', 0, 0)"#,
    )
    .await;
    let legacy = "/authorize?client_id=legacy&response_type=code&scope=openid&state=st4te";
    for url in [
        format!("{legacy}&prompt=none"),
        legacy.to_string(),
        format!("{legacy}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%0D%0AX-Injected%3A+1"),
    ] {
        let r = b.get(&url).await;
        let cause = if url.contains("redirect_uri=") {
            "redirect_uri_malformed"
        } else {
            "registered_redirect_uri_unusable"
        };
        let html = assert_page(r, cause).await;
        // Only the language switcher's link names the address, encoded.
        assert!(!html.contains("X-Injected:"), "{html}");
    }
    let r = b
        .get("/logout?client_id=legacy&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye%0D%0AX-Injected%3A+1")
        .await;
    assert_page(r, "registered_redirect_uri_unusable").await;
    // Nothing above was an internal failure.
    assert!(!s.logs().contains("internal_error"), "{}", s.logs());
}

/// An access token is signed with the same keys as an ID token but is no
/// ID token: as id_token_hint it is refused (at /logout on the page, so the
/// session is not ended without the user's confirmation; at /authorize as
/// an error to the client), while the ID token of the same sign-in works.
async fn an_access_token_is_not_an_id_token_hint(db: Db) {
    let s = Server::start(db).await;
    let secret = "app-secret-0123456789abcdef-0123456789";
    let start = setup(
        &s,
        json!({"client_secret": secret, "skip_consent": true,
               "post_logout_redirect_uris": ["https://app.example/bye"]}),
    )
    .await;
    let mut b = Browser::new(&s);
    let next = sign_in(&mut b, &start).await;
    let tokens: Value = s
        .http
        .post(s.url("/token"))
        .basic_auth("app", Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", query_of(&next)["code"].as_str()),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let id_token = tokens["id_token"].as_str().unwrap();

    let r = b
        .get(&format!("{start}&prompt=none&id_token_hint={access}"))
        .await;
    let q = assert_redirect(&s, &r, "invalid_request", "id_token_hint_invalid");
    assert!(q["error_description"].contains("access token"), "{q:?}");

    let logout = |hint: &str| {
        format!(
            "/logout?id_token_hint={hint}&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye&state=s1"
        )
    };
    // A bare link with the access token used to sign out without asking.
    let r = b.get(&format!("/logout?id_token_hint={access}")).await;
    let html = assert_page(r, "id_token_hint_invalid").await;
    assert!(html.contains("access token"), "{html}");
    let html = assert_page(b.get(&logout(access)).await, "id_token_hint_invalid").await;
    assert!(html.contains("access token"), "{html}");
    // Still signed in.
    assert!(query_of(&location(&b.get(&start).await)).contains_key("code"));
    // The ID token signs out at once, back to the client.
    let r = b.get(&logout(id_token)).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "https://app.example/bye?state=s1");
    assert!(location(&b.get(&start).await).starts_with("/login?i="));
}

/// The pages carry the configured product name and logo.
async fn pages_are_branded(db: Db) {
    let s = Server::start_with(
        db,
        &[
            ("LATCHKEY_UI_NAME", "Acme ID"),
            ("LATCHKEY_UI_LOGO_URI", "https://acme.example/logo.svg"),
        ],
    )
    .await;
    let start = setup(&s, json!({})).await;
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, &start).await;
    assert!(
        html.contains("<span>Acme ID</span>")
            && html.contains("src=\"https://acme.example/logo.svg\""),
        "{html}"
    );
    let html = b
        .get("/authorize?client_id=nobody")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Acme ID"));
}

/// An internal failure after the redirect URI is verified is redirected to
/// the client as server_error with an error_id (G6), and the server keeps
/// serving. The failure is real: the codes table is dropped under it.
async fn internal_failure_is_redirected_as_server_error(db: Db) {
    let s = Server::start(db).await;
    let start = setup(&s, json!({"skip_consent": true})).await;
    let mut b = Browser::new(&s);
    sign_in(&mut b, &start).await;
    s.sql("DROP TABLE authorization_codes").await;
    let r = b.get(&start).await;
    let q = assert_redirect(&s, &r, "server_error", "internal_error");
    assert_eq!(q["state"], "st4te");
    // The log line carries the internal detail; the client does not.
    assert!(!q["error_description"].contains("authorization_codes"));
    assert!(s.logs().contains("authorization_codes"));
    // The log line names the client.
    assert!(s.logs().contains("client_id=\"app\""), "{}", s.logs());
    // Still serving.
    let r = s.http.get(s.url("/health/live")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

crate::both!(
    a_sign_in_clears_earlier_failures,
    an_access_token_is_not_an_id_token_hint,
    login_hint_does_not_reveal_other_accounts,
    unsendable_redirect_uris_get_a_page,
    concurrent_sign_ins_share_a_bounded_memory,
    internal_failure_is_redirected_as_server_error,
    pages_are_branded,
    rp_initiated_logout,
    repeated_failures_are_throttled,
    authorize_page_errors,
    authorize_redirect_errors,
    login_consent_and_sso,
    cancel_deny_and_lost_sessions,
    first_party_clients_skip_consent
);
