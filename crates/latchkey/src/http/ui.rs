//! The login and consent pages. Server-rendered, no JavaScript, one form
//! each. Every form carries a CSRF token derived from the browser-binding
//! cookie; the interaction must belong to this browser.

use super::attempts;
use super::authorize::{self, to_client};
use super::client_address;
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
<input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" required{focus_name} value=\"{hint}\"{invalid}>\
<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required{focus_password}{invalid}>\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"login\" class=\"primary\">Sign in</button>\
<button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>Cancel</button></div></form>{upstreams}",
        upstreams = super::upstream::buttons(app, &interaction.id, &csrf(app, browser)),
        // After a refusal the name is kept: the password is what to retype.
        focus_name = if error.is_some() { "" } else { " autofocus" },
        focus_password = if error.is_some() { " autofocus" } else { "" },
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

/// `POST /login`: sign in, Cancel, or a wrong password (same message for
/// an unknown user and a wrong password). Guessing is bounded per account
/// and per address ([`attempts`]).
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
    let page =
        |alert: &str| login_page(&app, &interaction, &client, &browser, Some(alert), username);
    let account = attempts::account_key(&app, username);
    if let Some(wait) = attempts::reserve(&app, &account, app.config.login_failures)
        .await
        .map_err(&back)?
    {
        let occ = attempts::throttled(&LOGIN_THROTTLED, "sign-ins for this account", wait);
        let alert = format!(
            "Too many failed attempts to sign in to this account. Try again in {} minute(s), or choose Cancel to go back to {}.",
            attempts::minutes(wait),
            client_name(&client)
        );
        return Ok(throttled_response(&occ, &req.client_id, page(&alert)));
    }
    let address = client_address::of(&extensions, &headers, &app.config.trusted_proxies)
        .map(|ip| (ip, attempts::address_key(&app, ip)));
    // Checks of one account wait for each other on this node; each of them
    // already holds its reservation, so the queue is bounded.
    let slot = app.sign_in_slots.acquire(&account).await;
    let candidates = app
        .store
        .find_users_for_sign_in(username)
        .await
        .map_err(|e| back(e.into()))?;
    let user = latchkey_core::user::pick_for_sign_in(username, candidates).unwrap_or_else(|rung| {
        // Nobody signs in with a name that means several people; the
        // password is still checked below (on a dummy), so this costs
        // what a wrong password costs and shows the same page.
        tracing::warn!(
            client_id = %req.client_id,
            name = %username,
            "the {rung} a sign-in named is shared by several users (ignoring case); none of them can sign in with it until each has their own"
        );
        None
    });
    let ok = password_ok(
        &app,
        password,
        user.as_ref().and_then(|u| u.password_hash.clone()),
    )
    .await;
    drop(slot);
    let Some(user) = user.filter(|_| ok) else {
        // The account's reservation stays: it is this failure's record.
        let incorrect = INVALID_CREDENTIALS.page_text();
        if let Some((ip, key)) = &address
            && let Some(wait) = attempts::record_address_failure(&app, key, *ip)
                .await
                .map_err(&back)?
        {
            let occ = attempts::throttled(&LOGIN_THROTTLED, "sign-ins from this address", wait);
            let alert = format!(
                "{incorrect} Many sign-ins from your network have failed recently; if you are unsure of your password, try again in {} minute(s).",
                attempts::minutes(wait)
            );
            return Ok(throttled_response(&occ, &req.client_id, page(&alert)));
        }
        let occ = INVALID_CREDENTIALS.with_detail(format!("username {username}"));
        tracing::info!(error_id = %occ.error_id, cause = occ.cause.id, client_id = %req.client_id, "sign-in refused");
        return Ok(html_response(StatusCode::UNAUTHORIZED, page(incorrect)));
    };
    // The account's failures, this attempt's reservation with them, end
    // with a success; the address's stay (they count across accounts).
    app.store
        .clear_login_failures(&account)
        .await
        .map_err(|e| back(e.into()))?;
    let (token, session) = new_session(
        &app,
        &headers,
        &user.sub,
        vec!["pwd".into()],
        &req.client_id,
    )
    .await
    .map_err(&back)?;
    Ok(continue_signed_in(&app, &headers, &token, session, req, &client, interaction).await)
}

/// The sign-in page again with what to do, 429 with `Retry-After`: the
/// person sees when to try again and the way back to the application; the
/// cause and its reference go to the log.
fn throttled_response(occ: &Occurrence, client_id: &str, page: String) -> Response {
    tracing::info!(error_id = %occ.error_id, cause = occ.cause.id, client_id, detail = %occ.description(), "sign-in throttled");
    let mut res = html_response(StatusCode::TOO_MANY_REQUESTS, page);
    if let Some(wait) = occ.retry_after {
        res.headers_mut().insert(header::RETRY_AFTER, wait.into());
    }
    res
}

/// A new session for a sign-in that just succeeded (a fresh id also
/// defeats fixation); the browser's previous session, if any, ends. Returns
/// the cookie value and the record.
pub(super) async fn new_session(
    app: &App,
    headers: &HeaderMap,
    sub: &str,
    amr: Vec<String>,
    client_id: &str,
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
    tracing::info!(client_id, sub, amr = ?session.amr, "signed in");
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
    let session = signed_in(&app, &headers, &interaction).await?;
    let back = to_client(&interaction.request);
    let account = app
        .store
        .get_user(&session.sub)
        .await
        .map_err(|e| back(e.into()))?
        .map(|u| u.username)
        .unwrap_or_else(|| session.sub.clone());
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
<button type=\"submit\" name=\"action\" value=\"deny\">Deny</button></div>\
<p class=\"muted account\">Signed in as <strong>{account}</strong>. \
<button type=\"submit\" name=\"action\" value=\"other\" class=\"link\" formnovalidate>Not you? Use another account</button></p></form>",
        account = esc(&account),
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
    if form.get("action") == Some("other") {
        // "Not you?": sign in as someone else in this same flow; the new
        // sign-in replaces this browser's session.
        let mut res = (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, format!("/login?i={}", interaction.id))],
        )
            .into_response();
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        return Ok(res);
    }
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
