//! The console, `/admin`: administrators sign in through Latchkey itself,
//! as a public client of this server (`latchkey-console`, authorization
//! code with PKCE S256, `state` and `nonce`), and the pages are served
//! here, server-rendered like the login and account pages.
//!
//! - `GET /admin` without a console session starts a sign-in: the state,
//!   the nonce and the PKCE verifier go into a sealed cookie (10 minutes,
//!   `Path=/admin`), the browser goes to `/authorize` asking for
//!   `openid admin:read admin` and the resource `{issuer}/admin`; the grant
//!   keeps only the admin scopes the person's role allows.
//! - `GET /admin/callback` checks the state, redeems the code in-process
//!   through the code that serves `/token` (no HTTP call to itself), checks
//!   the ID token (audience, nonce, subject), then keeps the access token,
//!   sealed, in the console session cookie (`HttpOnly`, `SameSite=Strict`,
//!   `Path=/admin`, `Secure` on https), which lasts as long as the token.
//! - Every console page checks that token again with the admin API's own
//!   check ([`super::admin::rights`]): expiry, revocation, and the person's
//!   roles now, so a removed role takes effect at once. An expired token
//!   starts a new sign-in, silent while the Latchkey session lives.
//! - `POST /admin/sign-out` ends the console session and offers `/logout`.

use super::respond::Failure;
use crate::app::App;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use latchkey_core::Occurrence;
use latchkey_core::catalogue::{
    CONSOLE_EXCHANGE_FAILED, CONSOLE_FORM_INVALID, CONSOLE_NOT_ADMINISTRATOR, CONSOLE_READ_ONLY,
    CONSOLE_SIGN_IN_REFUSED, CONSOLE_STATE_MISMATCH,
};
use latchkey_core::crypto::{b64url, b64url_decode, random_token, s256_challenge};
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::user::CONSOLE_CLIENT_ID;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::collections::HashMap;
use std::sync::Arc;
use subtle::ConstantTimeEq;

pub mod audit;
pub mod clients;
pub mod errors;
pub mod keys;
pub mod users;

/// How long a sign-in may take, from `/admin` to the callback.
const SIGN_IN_TTL: i64 = 600;
/// What each sealed cookie is bound to (so neither passes for the other).
const SIGN_IN_CONTEXT: &[u8] = b"console-sign-in";
const SESSION_CONTEXT: &[u8] = b"console-session";

/// The console's routes: home, the sign-in callback and sign-out. The
/// section pages merge their routers here.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/callback", get(callback))
        .route("/admin/sign-out", post(sign_out))
        .merge(users::routes())
        .merge(audit::routes())
        .merge(clients::routes())
        .merge(keys::routes())
        .merge(errors::routes())
}

/// The administrator a console page is shown to.
#[derive(Debug, Clone)]
pub struct Admin {
    pub sub: String,
    pub username: String,
    /// Whether the person may change things (the admin role and scope);
    /// an auditor may only look.
    pub can_write: bool,
    /// The roles held now.
    pub roles: Vec<String>,
    csrf: String,
}

impl Admin {
    /// The hidden input every console POST form carries.
    pub fn csrf_field(&self) -> String {
        format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            esc(&self.csrf)
        )
    }

    /// Check a submitted form: its CSRF token, and for a change (`write`)
    /// that the person may make changes.
    // The refusal is the page to send, built once on the unhappy path;
    // handlers return it as it is.
    #[allow(clippy::result_large_err)]
    pub fn check(&self, form: &HashMap<String, String>, write: bool) -> Result<(), Response> {
        let sent = form.get("csrf").map(String::as_str).unwrap_or_default();
        let same: bool = sent.as_bytes().ct_eq(self.csrf.as_bytes()).into();
        if !same {
            return Err(Failure::page(
                CONSOLE_FORM_INVALID.with_detail("the form's csrf token is not this session's"),
            )
            .into_response());
        }
        if write {
            self.require_write()?;
        }
        Ok(())
    }

    /// Refuse a change (or the page of one) to a role that only reads:
    /// `console_read_only`.
    #[allow(clippy::result_large_err)]
    pub fn require_write(&self) -> Result<(), Response> {
        if self.can_write {
            return Ok(());
        }
        Err(Failure::page(CONSOLE_READ_ONLY.with_detail(format!(
            "{} holds the roles {:?}",
            self.username, self.roles
        )))
        .into_response())
    }

    /// The role as shown: admin, else auditor.
    pub fn role(&self) -> &'static str {
        if self.roles.iter().any(|r| r == "admin") {
            "admin"
        } else {
            "auditor"
        }
    }
}

/// The console's sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Home,
    Clients,
    Users,
    Keys,
    Errors,
    Audit,
}

impl Nav {
    pub const ALL: [Nav; 6] = [
        Nav::Home,
        Nav::Clients,
        Nav::Users,
        Nav::Keys,
        Nav::Errors,
        Nav::Audit,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Nav::Home => "/admin",
            Nav::Clients => "/admin/clients",
            Nav::Users => "/admin/users",
            Nav::Keys => "/admin/keys",
            Nav::Errors => "/admin/errors",
            Nav::Audit => "/admin/audit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Nav::Home => "Home",
            Nav::Clients => "Clients",
            Nav::Users => "Users",
            Nav::Keys => "Signing keys",
            Nav::Errors => "Errors",
            Nav::Audit => "Audit trail",
        }
    }
}

/// The sign-in in progress, sealed in its cookie.
#[derive(Serialize, Deserialize)]
struct SignIn {
    state: String,
    nonce: String,
    verifier: String,
    /// The console page to return to.
    back: String,
    exp: i64,
}

/// The console session, sealed in its cookie: the access token for the
/// admin API and the CSRF token of its forms.
#[derive(Serialize, Deserialize)]
struct Session {
    at: String,
    csrf: String,
    exp: i64,
}

fn sign_in_cookie(app: &App) -> &'static str {
    match app.secure_cookies() {
        true => "__Secure-latchkey_console_sign_in",
        false => "latchkey_console_sign_in",
    }
}

fn session_cookie(app: &App) -> &'static str {
    match app.secure_cookies() {
        true => "__Secure-latchkey_console",
        false => "latchkey_console",
    }
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` for a console cookie: `Path=/admin`, `HttpOnly`, `Secure`
/// on https. The session is `SameSite=Strict`; the sign-in cookie is `Lax`
/// (it must come back with the redirect from the login page).
fn set_cookie(app: &App, name: &str, value: &str, max_age: i64, strict: bool) -> HeaderValue {
    let same_site = if strict { "Strict" } else { "Lax" };
    let mut c =
        format!("{name}={value}; Path=/admin; HttpOnly; SameSite={same_site}; Max-Age={max_age}");
    if app.secure_cookies() {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("x=; Max-Age=0"))
}

fn seal<T: Serialize>(app: &App, value: &T, context: &[u8]) -> Result<String, Occurrence> {
    let json = serde_json::to_vec(value).map_err(|e| {
        latchkey_core::catalogue::INTERNAL_ERROR
            .occur()
            .debug(e.to_string())
    })?;
    Ok(b64url(&app.secrets.seal(&json, context)?))
}

fn open<T: DeserializeOwned>(app: &App, text: &str, context: &[u8]) -> Option<T> {
    let sealed = b64url_decode(text)?;
    let plain = app.secrets.open(&sealed, context).ok()?;
    serde_json::from_slice(&plain).ok()
}

fn equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// A console page to come back to: a path under `/admin`, else `/admin`.
fn local_back(uri: &Uri) -> String {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/admin");
    let ok = (path == "/admin" || path.starts_with("/admin/") || path.starts_with("/admin?"))
        && !path.starts_with("/admin/callback")
        && !path.contains("//")
        && !path.contains('\\');
    if ok {
        path.to_string()
    } else {
        "/admin".to_string()
    }
}

/// Start a sign-in: the sealed cookie and the redirect to `/authorize`.
fn start_sign_in(app: &App, back: String) -> Response {
    let made = (|| -> Result<Response, Occurrence> {
        let sign_in = SignIn {
            state: random_token()?,
            nonce: random_token()?,
            verifier: random_token()?,
            back,
            exp: latchkey_core::now_unix() + SIGN_IN_TTL,
        };
        let issuer = &app.config.issuer;
        let mut url = url::Url::parse(&format!("{issuer}/authorize")).map_err(|e| {
            latchkey_core::catalogue::INTERNAL_ERROR
                .occur()
                .debug(e.to_string())
        })?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", CONSOLE_CLIENT_ID)
            .append_pair(
                "redirect_uri",
                &crate::builtin::console_redirect_uri(issuer),
            )
            .append_pair("scope", &crate::builtin::console_scope())
            .append_pair("resource", &crate::builtin::admin_resource(issuer))
            .append_pair("state", &sign_in.state)
            .append_pair("nonce", &sign_in.nonce)
            .append_pair("code_challenge", &s256_challenge(&sign_in.verifier))
            .append_pair("code_challenge_method", "S256");
        let sealed = seal(app, &sign_in, SIGN_IN_CONTEXT)?;
        let mut res = super::respond::see_other(url.as_str());
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(app, sign_in_cookie(app), &sealed, SIGN_IN_TTL, false),
        );
        Ok(res)
    })();
    made.unwrap_or_else(|occ| Failure::page(occ).into_response())
}

/// The administrator signed in to the console, or the response to send
/// instead: a redirect to sign in (and back to `uri`) when there is no
/// console session or its token has expired; the refusal page when the
/// person holds no role (any more).
pub async fn gate(app: &App, headers: &HeaderMap, uri: &Uri) -> Result<Admin, Response> {
    let now = latchkey_core::now_unix();
    let session = cookie_value(headers, session_cookie(app))
        .and_then(|v| open::<Session>(app, &v, SESSION_CONTEXT))
        .filter(|s| s.exp > now);
    let Some(session) = session else {
        return Err(start_sign_in(app, local_back(uri)));
    };
    let rights = match super::admin::rights(app, &session.at).await {
        Ok(r) => r,
        Err(occ) if occ.cause.status == 401 => return Err(start_sign_in(app, local_back(uri))),
        Err(occ) => return Err(Failure::page(occ).into_response()),
    };
    if !rights.can_read() {
        return Err(Failure::page(CONSOLE_NOT_ADMINISTRATOR.with_detail(format!(
            "user {} holds the roles {:?}",
            rights.sub, rights.roles
        )))
        .into_response());
    }
    let username = app
        .store
        .get_user(&rights.sub)
        .await
        .map_err(|e| Failure::page(Occurrence::from(e)).into_response())?
        .map(|u| u.username)
        .unwrap_or_default();
    Ok(Admin {
        can_write: rights.can_write(),
        sub: rights.sub,
        username,
        roles: rights.roles,
        csrf: session.csrf,
    })
}

/// A console page: the frame of every page, the sections, who is signed
/// in with their role, and the sign-out button.
pub fn page(app: &App, admin: &Admin, nav: Nav, title: &str, body_html: &str) -> Response {
    let links: String = Nav::ALL
        .iter()
        .map(|n| {
            let current = if *n == nav {
                " aria-current=\"page\""
            } else {
                ""
            };
            format!(
                "<li><a href=\"{}\"{current}>{}</a></li>",
                n.path(),
                esc(n.label())
            )
        })
        .collect();
    let body = format!(
        "<div class=\"console\">\
<div class=\"console-who\"><p>Signed in as <strong>{user}</strong> <span class=\"role\">{role}</span></p>\
<form method=\"post\" action=\"/admin/sign-out\">{csrf}<button type=\"submit\">Sign out</button></form></div>\
<nav class=\"console-nav\" aria-label=\"Console sections\"><ul>{links}</ul></nav>\
<h1>{title}</h1>{body_html}</div>",
        user = esc(&admin.username),
        role = esc(admin.role()),
        csrf = admin.csrf_field(),
        title = esc(title),
    );
    super::pages::html_response(
        StatusCode::OK,
        super::pages::layout_english(&app.brand, title, &body),
    )
}

/// `GET /admin`: who is signed in, the role, and the sections.
async fn home(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    let admin = match gate(&app, &headers, &uri).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let can = match admin.can_write {
        true => "As an admin you may look at everything and change it.",
        false => "As an auditor you may look at everything; changes need the admin role.",
    };
    let sections: String = Nav::ALL
        .iter()
        .filter(|n| **n != Nav::Home)
        .map(|n| format!("<li><a href=\"{}\">{}</a></li>", n.path(), esc(n.label())))
        .collect();
    let body = format!(
        "<p>{can}</p><dl class=\"console-facts\"><dt>User</dt><dd>{user}</dd><dt>Subject</dt><dd><code>{sub}</code></dd>\
<dt>Role</dt><dd>{role}</dd><dt>Issuer</dt><dd><code>{issuer}</code></dd></dl>\
<h2>Sections</h2><ul class=\"console-sections\">{sections}</ul>",
        user = esc(&admin.username),
        sub = esc(&admin.sub),
        role = esc(admin.role()),
        issuer = esc(&app.config.issuer),
    );
    page(&app, &admin, Nav::Home, "Console", &body)
}

/// `GET /admin/callback`: the end of the console's sign-in.
async fn callback(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, Failure> {
    let sign_in = cookie_value(&headers, sign_in_cookie(&app))
        .and_then(|v| open::<SignIn>(&app, &v, SIGN_IN_CONTEXT));
    if let Some(error) = params.get("error") {
        let description = params
            .get("error_description")
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        return Err(Failure::page(
            CONSOLE_SIGN_IN_REFUSED
                .with_detail(format!("/authorize answered {error}{description}")),
        ));
    }
    let Some(sign_in) = sign_in.filter(|s| s.exp > latchkey_core::now_unix()) else {
        return Err(Failure::page(CONSOLE_STATE_MISMATCH.with_detail(
            "no console sign-in was started in this browser, or it took more than ten minutes",
        )));
    };
    let state = params.get("state").map(String::as_str).unwrap_or_default();
    if state.is_empty() || !equal(state, &sign_in.state) {
        return Err(Failure::page(CONSOLE_STATE_MISMATCH.with_detail(
            "the state returned is not the one this browser's sign-in was sent with",
        )));
    }
    let Some(code) = params.get("code").filter(|c| !c.is_empty()) else {
        return Err(Failure::page(
            CONSOLE_EXCHANGE_FAILED.with_detail("the callback carries no code"),
        ));
    };
    let (access_token, expires_in, sub) = redeem(&app, code, &sign_in).await?;
    let rights = super::admin::rights(&app, &access_token)
        .await
        .map_err(|occ| Failure::page(CONSOLE_EXCHANGE_FAILED.with_detail(describe(&occ))))?;
    if rights.sub != sub {
        return Err(Failure::page(CONSOLE_EXCHANGE_FAILED.with_detail(
            "the access token and the ID token name different users",
        )));
    }
    if !rights.can_read() {
        return Err(Failure::page(CONSOLE_NOT_ADMINISTRATOR.with_detail(
            format!("user {sub} holds the roles {:?}", rights.roles),
        )));
    }
    let session = Session {
        at: access_token,
        csrf: random_token().map_err(|e| Failure::page(Occurrence::from(e)))?,
        exp: latchkey_core::now_unix() + expires_in,
    };
    let sealed = seal(&app, &session, SESSION_CONTEXT).map_err(Failure::page)?;
    let mut res = super::respond::see_other(&sign_in.back);
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(&app, session_cookie(&app), &sealed, expires_in, true),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(&app, sign_in_cookie(&app), "", 0, false),
    );
    Ok(res)
}

/// A cause and its detail, for another cause's detail.
fn describe(occ: &Occurrence) -> String {
    match &occ.detail {
        Some(d) => format!("{}: {d}", occ.cause.id),
        None => occ.cause.id.to_string(),
    }
}

/// Redeem the code in-process, through the grant code `/token` runs, as
/// the console's public client; check the ID token's audience and nonce.
/// Returns the access token, its lifetime and the user's `sub`.
async fn redeem(app: &App, code: &str, sign_in: &SignIn) -> Result<(String, i64, String), Failure> {
    let failed = |detail: String| Failure::page(CONSOLE_EXCHANGE_FAILED.with_detail(detail));
    let client = app
        .store
        .get_client(CONSOLE_CLIENT_ID)
        .await
        .map_err(|e| Failure::page(Occurrence::from(e)))?
        .ok_or_else(|| failed(format!("the client {CONSOLE_CLIENT_ID} is missing")))?;
    let form: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair(
            "redirect_uri",
            &crate::builtin::console_redirect_uri(&app.config.issuer),
        )
        .append_pair("code_verifier", &sign_in.verifier)
        .append_pair("client_id", CONSOLE_CLIENT_ID)
        .finish();
    let params = latchkey_core::authorize::RawParams::parse(&form);
    let keys = app.keys();
    let ctx = super::token::context(app, &keys);
    let answer = latchkey_core::token::exchange(app.store.as_ref(), &ctx, &client, &params)
        .await
        .map_err(|occ| failed(describe(&occ)))?;
    let Some(id_token) = answer.id_token.as_ref() else {
        return Err(failed("the token response has no ID token".into()));
    };
    let claims =
        latchkey_core::token::id_token::verify_ours(&keys, &app.config.issuer, id_token.expose())
            .map_err(|why| failed(format!("the ID token is not valid: {why}")))?;
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
    };
    let aud_ok = match claims.get("aud") {
        Some(serde_json::Value::String(a)) => a == CONSOLE_CLIENT_ID,
        Some(serde_json::Value::Array(list)) => list.iter().any(|a| a == CONSOLE_CLIENT_ID),
        _ => false,
    };
    if !aud_ok {
        return Err(failed("the ID token is not for the console".into()));
    }
    if !equal(text("nonce"), &sign_in.nonce) {
        return Err(failed("the ID token's nonce is not this sign-in's".into()));
    }
    let sub = text("sub").to_string();
    if sub.is_empty() {
        return Err(failed("the ID token names no user".into()));
    }
    Ok((
        answer.access_token.expose().to_string(),
        answer.expires_in,
        sub,
    ))
}

/// `POST /admin/sign-out`: the console session ends (with the form's CSRF
/// token when there is a session); the page offers to end the Latchkey
/// session too.
async fn sign_out(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let session = cookie_value(&headers, session_cookie(&app))
        .and_then(|v| open::<Session>(&app, &v, SESSION_CONTEXT));
    if let Some(session) = session {
        let sent = form.get("csrf").map(String::as_str).unwrap_or_default();
        if !equal(sent, &session.csrf) {
            return Failure::page(
                CONSOLE_FORM_INVALID.with_detail("the sign-out form is not this session's"),
            )
            .into_response();
        }
    }
    let body = "<div class=\"console\"><h1>Signed out of the console</h1>\
<p>Your console session has ended. You are still signed in to Latchkey in this browser.</p>\
<p><a href=\"/logout\">Sign out of Latchkey too</a></p>\
<p><a href=\"/admin\">Sign in to the console again</a></p></div>";
    let mut res = super::pages::html_response(
        StatusCode::OK,
        super::pages::layout_english(&app.brand, "Signed out", body),
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&app, session_cookie(&app), "", 0, true),
    );
    res
}
