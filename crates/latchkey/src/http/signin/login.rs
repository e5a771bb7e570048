//! The login page, `/login`: a name (username or verified email) and a
//! password, the upstream identity providers' buttons, or Cancel.
//! Server-rendered, no JavaScript. Guessing is bounded per account and per
//! address ([`attempts`]).

use super::pending::{Pending, Submitted};
use super::{continue_signed_in, end, new_session};
use crate::app::App;
use crate::http::pages::{html, html_response, layout};
use crate::http::respond::Failure;
use crate::http::{attempts, client_address};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use latchkey_core::Occurrence;
use latchkey_core::catalogue::{INVALID_CREDENTIALS, LOGIN_THROTTLED, USER_CANCELED};
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::journey::login::{self, Action};
use std::sync::Arc;

fn page(app: &App, p: &Pending, error: Option<&str>, username: &str) -> String {
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
        p.interaction.purpose.login_hint().unwrap_or("")
    } else {
        username
    };
    let csrf = p.csrf(app);
    let lang = p.view.lang;
    let t = |id: &str| esc(&lang.t(id));
    let client = format!("<strong>{}</strong>", esc(p.client_name()));
    let body = format!(
        "<h1>{heading}</h1><p class=\"muted\">{to_continue}</p>{alert}\
<form method=\"post\" action=\"/login\">\
<input type=\"hidden\" name=\"i\" value=\"{i}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf_html}\">\
<label for=\"username\">{name_label}</label>\
<input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" required{focus_name} value=\"{hint}\"{invalid}>\
<label for=\"password\">{password_label}</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required{focus_password}{invalid}>\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"login\" class=\"primary\">{sign_in}</button>\
<button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>{cancel}</button></div></form>{forgot}{upstreams}",
        forgot = if app.mail_on() {
            format!(
                "<p class=\"forgot\"><a id=\"forgot-password\" href=\"/recover?i={}\">{}</a></p>",
                esc(&p.interaction.id),
                t("forgot-password")
            )
        } else {
            String::new()
        },
        upstreams = crate::http::upstream::buttons(app, &p.interaction.id, &csrf, lang),
        heading = t("sign-in"),
        to_continue = html(lang, "to-continue-to", &[("client", &client)]),
        name_label = t("login-name"),
        password_label = t("login-password"),
        sign_in = t("sign-in"),
        cancel = t("cancel"),
        // After a refusal the name is kept: the password is what to retype.
        focus_name = if error.is_some() { "" } else { " autofocus" },
        focus_password = if error.is_some() { " autofocus" } else { "" },
        i = esc(&p.interaction.id),
        csrf_html = esc(&csrf),
        hint = esc(hint),
    );
    layout(&app.brand, &p.view, &lang.t("sign-in"), &body)
}

/// `GET /login?i=…`
pub async fn form(State(app): State<Arc<App>>, p: Pending) -> Response {
    html_response(StatusCode::OK, page(&app, &p, None, ""))
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
/// an unknown user and a wrong password).
pub async fn submit(
    State(app): State<Arc<App>>,
    extensions: axum::http::Extensions,
    s: Submitted,
) -> Result<Response, Failure> {
    let p = &s.pending;
    let back = p.back();
    let (username, password) = match login::read(&s.form) {
        Action::Cancel => return Err(end(&app, &p.interaction, USER_CANCELED.occur()).await),
        Action::SignIn { name, password } => (name, password.to_string()),
    };
    let client_id = p.interaction.purpose.client_id();
    let refused = |alert: &str| page(&app, p, Some(alert), username);
    let account = attempts::account_key(&app, username);
    if let Some(wait) = attempts::reserve(&app, &account, app.config.login_failures)
        .await
        .map_err(&back)?
    {
        let occ = attempts::throttled(&LOGIN_THROTTLED, "sign-ins for this account", wait);
        let alert = login::account_throttled(p.view.lang, wait, p.client_name());
        return Ok(throttled_response(&occ, client_id, refused(&alert)));
    }
    let address = client_address::of(&extensions, &p.headers, &app.config.trusted_proxies)
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
            client_id = %client_id,
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
        if let Some((ip, key)) = &address
            && let Some(wait) = attempts::record_address_failure(&app, key, *ip)
                .await
                .map_err(&back)?
        {
            let occ = attempts::throttled(&LOGIN_THROTTLED, "sign-ins from this address", wait);
            let alert = login::address_throttled(p.view.lang, wait);
            return Ok(throttled_response(&occ, client_id, refused(&alert)));
        }
        let occ = INVALID_CREDENTIALS.with_detail(format!("username {username}"));
        tracing::info!(error_id = %occ.error_id, cause = occ.cause.id, client_id = %client_id, "sign-in refused");
        return Ok(html_response(
            StatusCode::UNAUTHORIZED,
            refused(&INVALID_CREDENTIALS.page_text_in(p.view.lang)),
        ));
    };
    // The account's failures, this attempt's reservation with them, end
    // with a success; the address's stay (they count across accounts).
    app.store
        .clear_login_failures(&account)
        .await
        .map_err(|e| back(e.into()))?;
    // policy.require_verified_email: the password was right, but the
    // account may not sign in until its address is confirmed.
    if let Some(occ) = crate::http::verify_email::refuses(&app, &user) {
        return Ok(html_response(
            StatusCode::FORBIDDEN,
            crate::http::verify_email::refused_page(&app, p, username, &occ),
        ));
    }
    let (token, session) = new_session(&app, &p.headers, &user.sub, login::amr(), client_id)
        .await
        .map_err(&back)?;
    let Submitted { pending, .. } = s;
    Ok(continue_signed_in(
        &app,
        &pending.headers,
        &token,
        session,
        &pending.client,
        pending.interaction,
    )
    .await)
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
