//! The login and consent pages. Server-rendered, no JavaScript, one form
//! each. Every form carries a CSRF token derived from the browser-binding
//! cookie; the interaction must belong to this browser.

use super::authorize::{self, to_client};
use super::cookies::{self, Cookie};
use super::pages::{html_response, layout};
use super::respond::Failure;
use crate::app::App;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::Occurrence;
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{
    CLIENT_ID_UNKNOWN, CONSENT_DENIED, CSRF_TOKEN_INVALID, INVALID_CREDENTIALS, LOGIN_THROTTLED,
    SESSION_LOST, USER_CANCELED,
};
use latchkey_core::client::ClientRecord;
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::session::{InteractionRecord, SessionRecord};
use std::sync::Arc;

/// How long a browser session lasts (single sign-on across clients).
pub const SESSION_TTL: i64 = 12 * 3600;

#[derive(serde::Deserialize)]
pub struct Interaction {
    i: Option<String>,
}

/// The CSRF token for this browser.
pub(super) fn csrf(app: &App, browser: &str) -> String {
    app.secrets.hash(&format!("csrf:{browser}"))
}

/// The interaction and its client, checked against this browser. A flow
/// whose interaction or browser binding is gone ends with `session_lost`:
/// redirected to the client when we still know where it came from.
pub(super) async fn load(
    app: &App,
    headers: &HeaderMap,
    id: Option<&str>,
) -> Result<(InteractionRecord, ClientRecord, String), Failure> {
    let lost = |detail: &str| Failure::page(SESSION_LOST.with_detail(detail.to_string()));
    let id = id.ok_or_else(|| lost("the link does not name a sign-in in progress"))?;
    let interaction = app
        .store
        .get_interaction(id)
        .await
        .map_err(|e| Failure::page(Occurrence::from(e)))?
        .ok_or_else(|| lost("this sign-in is unknown or long finished"))?;
    let back = to_client(&interaction.request);
    let browser = cookies::browser(app, headers)
        .filter(|b| app.secrets.verify(b, &interaction.browser_hash))
        .ok_or_else(|| back(SESSION_LOST.with_detail("the browser that started this sign-in is not this one, or its cookies were cleared")))?;
    if interaction.expires_at <= latchkey_core::now_unix() {
        return Err(back(
            SESSION_LOST.with_detail("the sign-in took too long and expired"),
        ));
    }
    let client = app
        .store
        .get_client(&interaction.request.client_id)
        .await
        .map_err(|e| back(e.into()))?
        .ok_or_else(|| back(CLIENT_ID_UNKNOWN.occur()))?;
    Ok((interaction, client, browser))
}

pub(super) fn client_name(client: &ClientRecord) -> &str {
    client
        .metadata
        .client_name
        .as_deref()
        .unwrap_or(&client.client_id)
}

fn login_page(
    app: &App,
    interaction: &InteractionRecord,
    client: &ClientRecord,
    browser: &str,
    error: Option<&str>,
    username: &str,
) -> String {
    let alert = error
        .map(|e| {
            format!(
                "<p class=\"error\" role=\"alert\" id=\"login-error\">{}</p>",
                esc(e)
            )
        })
        .unwrap_or_default();
    let invalid = if error.is_some() {
        " aria-invalid=\"true\" aria-describedby=\"login-error\""
    } else {
        ""
    };
    let hint = if username.is_empty() {
        interaction.request.login_hint.as_deref().unwrap_or("")
    } else {
        username
    };
    let body = format!(
        "<h1>Sign in</h1><p class=\"muted\">to continue to <strong>{client}</strong></p>{alert}\
<form method=\"post\" action=\"/login\">\
<input type=\"hidden\" name=\"i\" value=\"{i}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<label for=\"username\">Username or email</label>\
<input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" required autofocus value=\"{hint}\"{invalid}>\
<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required{invalid}>\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"login\" class=\"primary\">Sign in</button>\
<button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>Cancel</button></div></form>{upstreams}",
        upstreams = super::upstream::buttons(app, &interaction.id, &csrf(app, browser)),
        client = esc(client_name(client)),
        i = esc(&interaction.id),
        csrf = esc(&csrf(app, browser)),
        hint = esc(hint),
    );
    layout(&app.brand, "Sign in", &body)
}

/// `GET /login?i=…`
pub async fn login_form(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<Interaction>,
) -> Result<Response, Failure> {
    let (interaction, client, browser) = load(&app, &headers, q.i.as_deref()).await?;
    Ok(html_response(
        StatusCode::OK,
        login_page(&app, &interaction, &client, &browser, None, ""),
    ))
}

pub(super) struct Form(RawParams);

impl Form {
    pub(super) fn parse(headers: &HeaderMap, body: &Bytes) -> Result<Form, Failure> {
        if !super::is_form(headers) {
            return Err(Failure::page(
                latchkey_core::catalogue::UNSUPPORTED_CONTENT_TYPE.occur(),
            ));
        }
        Ok(Form(RawParams::parse(&String::from_utf8_lossy(body))))
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0.single(name).ok().flatten()
    }
}

pub(super) fn check_csrf(
    app: &App,
    form: &Form,
    browser: &str,
    req: &latchkey_core::authorize::AuthorizeRequest,
) -> Result<(), Failure> {
    let expected = csrf(app, browser);
    let ok = form.get("csrf").is_some_and(|t| {
        use subtle::ConstantTimeEq;
        t.as_bytes().ct_eq(expected.as_bytes()).into()
    });
    if ok {
        Ok(())
    } else {
        Err(to_client(req)(CSRF_TOKEN_INVALID.occur()))
    }
}

/// A dummy Argon2id hash: unknown usernames cost as much as wrong passwords.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn password_ok(app: &App, password: String, hash: Option<String>) -> bool {
    // The semaphore is never closed; a failure to acquire would only mean
    // running without the bound.
    let _slot = app.password_slots.acquire().await.ok();
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| {
            DUMMY_HASH
                .get_or_init(|| {
                    latchkey_core::crypto::hash_password("not the password").unwrap_or_default()
                })
                .clone()
        });
        // Timed here, without the wait for a slot or a blocking thread: sign-in costs
        // are reported as the flow minus this (docs/performance.md).
        let start = std::time::Instant::now();
        let ok = latchkey_core::crypto::verify_password(&password, &hash);
        metrics::histogram!("latchkey_password_verify_seconds")
            .record(start.elapsed().as_secs_f64());
        ok
    })
    .await
    .unwrap_or(false)
}

/// Failed sign-ins are counted per account and per client address in a
/// window of this many seconds; `limits.login_failures` in a window blocks
/// further attempts until it ends.
pub const THROTTLE_WINDOW: i64 = 900;

/// Refuse the attempt when the account or the address has failed too often.
async fn check_throttle(app: &App, keys: &[String]) -> Result<bool, Occurrence> {
    check_throttle_as(app, keys, &LOGIN_THROTTLED, "sign-ins").await
}

/// The same throttle for another kind of attempt (`cause` names it).
/// Answers whether failures are on record for the first key (the one a
/// success clears), so a success with none on record writes nothing.
pub(super) async fn check_throttle_as(
    app: &App,
    keys: &[String],
    cause: &'static latchkey_core::Cause,
    what: &str,
) -> Result<bool, Occurrence> {
    let now = latchkey_core::now_unix();
    let window = latchkey_core::throttle::Window {
        limit: i64::try_from(app.config.login_failures).unwrap_or(i64::MAX),
        secs: THROTTLE_WINDOW,
    };
    let mut first_recorded = false;
    for (i, key) in keys.iter().enumerate() {
        let recorded = app.store.login_failures(key).await?;
        first_recorded |= i == 0 && recorded.is_some();
        if let Some((failures, start)) = recorded
            && let Some(wait) = window.wait(failures, start, now)
        {
            let minutes = (wait + 59) / 60;
            return Err(cause
                .with_detail(format!(
                    "too many failed {what}; try again in {minutes} minute(s)"
                ))
                .retry_after(u64::try_from(wait).unwrap_or(60)));
        }
    }
    Ok(first_recorded)
}

/// The throttling keys: the account (case-insensitive) and, when known,
/// the client address.
fn throttle_keys(username: &str, extensions: &axum::http::Extensions) -> Vec<String> {
    let mut keys = vec![format!("account:{}", username.to_lowercase())];
    if let Some(axum::extract::ConnectInfo(addr)) =
        extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
    {
        keys.push(format!("address:{}", addr.ip()));
    }
    keys
}

/// `POST /login`: sign in, Cancel, or a wrong password (same message for
/// an unknown user and a wrong password). Repeated failures are throttled.
pub async fn login_submit(
    State(app): State<Arc<App>>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let form = Form::parse(&headers, &body)?;
    let (interaction, client, browser) = load(&app, &headers, form.get("i")).await?;
    let req = interaction.request.clone();
    let back = to_client(&req);
    check_csrf(&app, &form, &browser, &req)?;
    if form.get("action") == Some("cancel") {
        app.store
            .take_interaction(&interaction.id)
            .await
            .map_err(|e| back(e.into()))?;
        return Err(back(USER_CANCELED.occur()));
    }
    let username = form.get("username").unwrap_or("");
    let password = form.get("password").unwrap_or("").to_string();
    let keys = throttle_keys(username, &extensions);
    let failures_on_record = check_throttle(&app, &keys).await.map_err(Failure::page)?;
    let user = app
        .store
        .get_user_by_username(username)
        .await
        .map_err(|e| back(e.into()))?;
    let ok = password_ok(
        &app,
        password,
        user.as_ref().and_then(|u| u.password_hash.clone()),
    )
    .await;
    let Some(user) = user.filter(|_| ok) else {
        let occ = INVALID_CREDENTIALS.with_detail(format!("username {username}"));
        tracing::info!(error_id = %occ.error_id, cause = occ.cause.id, client_id = %req.client_id, "sign-in refused");
        let now = latchkey_core::now_unix();
        for key in &keys {
            app.store
                .record_login_failure(key, now, THROTTLE_WINDOW)
                .await
                .map_err(|e| back(e.into()))?;
        }
        let page = login_page(
            &app,
            &interaction,
            &client,
            &browser,
            Some("The username or password is incorrect."),
            username,
        );
        return Ok(html_response(StatusCode::UNAUTHORIZED, page));
    };
    if let Some(account) = keys.first().filter(|_| failures_on_record) {
        app.store
            .clear_login_failures(account)
            .await
            .map_err(|e| back(e.into()))?;
    }
    let (token, session) = new_session(&app, &headers, &user.sub, vec!["pwd".into()])
        .await
        .map_err(&back)?;
    Ok(continue_signed_in(&app, &headers, &token, session, req, &client, interaction).await)
}

/// A new session for a sign-in that just succeeded (a fresh id also
/// defeats fixation); the browser's previous session, if any, ends. Returns
/// the cookie value and the record.
pub(super) async fn new_session(
    app: &App,
    headers: &HeaderMap,
    sub: &str,
    amr: Vec<String>,
) -> Result<(String, SessionRecord), Occurrence> {
    let token = latchkey_core::crypto::random_token()?;
    let now = latchkey_core::now_unix();
    let session = SessionRecord {
        id_hash: app.secrets.hash(&token),
        sid: latchkey_core::crypto::random_token()?,
        sub: sub.to_string(),
        auth_time: now,
        amr,
        acr: None,
        created_at: now,
        expires_at: now + SESSION_TTL,
    };
    app.store.insert_session(&session).await?;
    if let Some(old) = cookies::get(app, headers, Cookie::Session) {
        let _ = app.store.delete_session(&app.secrets.hash(&old)).await;
    }
    Ok((token, session))
}

/// Continue the authorization with the session just made. The user is
/// signed in even when the flow then fails (for example
/// identity_confidence_too_low): the session cookie is set either way.
pub(super) async fn continue_signed_in(
    app: &Arc<App>,
    headers: &HeaderMap,
    token: &str,
    session: SessionRecord,
    req: latchkey_core::authorize::AuthorizeRequest,
    client: &ClientRecord,
    interaction: InteractionRecord,
) -> Response {
    // The session is passed as it is: the request's own cookies still
    // name the browser, which is all the flow reads from them now.
    let mut res =
        authorize::proceed_with(app, headers, req, client, Some(interaction), Some(session))
            .await
            .unwrap_or_else(IntoResponse::into_response);
    if let Some(c) = cookies::set(app, Cookie::Session, token, None) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

/// Plain words for a scope on the consent page.
fn describe(scope: &str) -> String {
    match scope {
        "openid" => "Sign you in and know who you are".into(),
        "profile" => "See your name, username and profile picture".into(),
        "email" => "See your email address".into(),
        "address" => "See your postal address".into(),
        "phone" => "See your phone number".into(),
        "offline_access" => "Stay signed in to your account while you are away".into(),
        other => format!("Access: {other}"),
    }
}

pub(super) async fn signed_in(
    app: &App,
    headers: &HeaderMap,
    interaction: &InteractionRecord,
) -> Result<SessionRecord, Failure> {
    let back = to_client(&interaction.request);
    authorize::session(app, headers)
        .await
        .map_err(&back)?
        .ok_or_else(|| back(SESSION_LOST.with_detail("the browser is no longer signed in")))
}

/// `GET /consent?i=…`
pub async fn consent_form(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<Interaction>,
) -> Result<Response, Failure> {
    let (interaction, client, browser) = load(&app, &headers, q.i.as_deref()).await?;
    signed_in(&app, &headers, &interaction).await?;
    let items: String = interaction
        .request
        .scopes
        .iter()
        .map(|s| format!("<li>{}</li>", esc(&describe(s))))
        .collect();
    let body = format!(
        "<h1>Allow access?</h1><p><strong>{client}</strong> would like to:</p><ul class=\"scopes\">{items}</ul>\
<form method=\"post\" action=\"/consent\">\
<input type=\"hidden\" name=\"i\" value=\"{i}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"allow\" class=\"primary\" autofocus>Allow</button>\
<button type=\"submit\" name=\"action\" value=\"deny\">Deny</button></div></form>",
        client = esc(client_name(&client)),
        i = esc(&interaction.id),
        csrf = esc(&csrf(&app, &browser)),
    );
    Ok(html_response(
        StatusCode::OK,
        layout(&app.brand, "Allow access", &body),
    ))
}

/// `POST /consent`: Allow remembers the grant and issues the code; Deny
/// returns `access_denied`.
pub async fn consent_submit(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let form = Form::parse(&headers, &body)?;
    let (interaction, client, browser) = load(&app, &headers, form.get("i")).await?;
    let req = interaction.request.clone();
    let back = to_client(&req);
    check_csrf(&app, &form, &browser, &req)?;
    let session = signed_in(&app, &headers, &interaction).await?;
    if form.get("action") != Some("allow") {
        if app
            .store
            .take_interaction(&interaction.id)
            .await
            .map_err(|e| back(e.into()))?
            .is_none()
        {
            return Err(back(
                SESSION_LOST.with_detail("this sign-in was already completed"),
            ));
        }
        return Err(back(CONSENT_DENIED.occur()));
    }
    let mut scopes: Vec<String> = app
        .store
        .get_consent(&session.sub, &client.client_id)
        .await
        .map_err(|e| back(e.into()))?
        .map(|g| g.split(' ').map(str::to_string).collect())
        .unwrap_or_default();
    for s in &req.scopes {
        if !scopes.contains(s) {
            scopes.push(s.clone());
        }
    }
    let achieved = authorize::achieved(&app, &req, &session)
        .await
        .map_err(&back)?;
    // The interaction ends, the consent is kept and the code issued in one
    // transaction (a second Allow finds the interaction gone).
    let scope = scopes.join(" ");
    let grant = latchkey_core::session::ConsentGrant {
        sub: &session.sub,
        client_id: &client.client_id,
        scope: &scope,
        now: latchkey_core::now_unix(),
    };
    authorize::issue_code_finishing(
        &app,
        &req,
        &session,
        achieved,
        Some(&interaction.id),
        Some(grant),
    )
    .await
}
