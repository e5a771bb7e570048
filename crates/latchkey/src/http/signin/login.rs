//! The login page, `/login`: a name (username or verified email) and a
//! password, the upstream identity providers' buttons, or Cancel.
//! Server-rendered; with passkeys on, "Sign in with a passkey" (no
//! username) and passkeys offered in the username field (conditional
//! mediation) through the one passkey script, the password needing none.
//! Guessing is bounded per account and per address ([`attempts`]).

use super::passkey;
use super::pending::{Pending, Submitted};
use super::{continue_signed_in, end, new_session, to_page};
use crate::app::App;
use crate::http::cookies::{self, Cookie};
use crate::http::pages::{html, html_response, layout};
use crate::http::respond::Failure;
use crate::http::{attempts, client_address};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use latchkey_core::Occurrence;
use latchkey_core::audit::{Actor, AuditEvent, kind};
use latchkey_core::catalogue::{
    INVALID_CREDENTIALS, LOGIN_THROTTLED, PASSKEY_RP_MISMATCH, USER_CANCELED,
};
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::journey::Page;
use latchkey_core::journey::login::PasskeyAnswer;
use latchkey_core::journey::login::{self, Action};
use latchkey_core::passkey::Started;
use std::sync::Arc;

fn page(
    app: &App,
    p: &Pending,
    error: Option<&str>,
    username: &str,
    passkey: Option<&Started>,
    passkey_alert: &str,
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
        p.interaction.purpose.login_hint().unwrap_or("")
    } else {
        username
    };
    let csrf = p.csrf(app);
    let lang = p.view.lang;
    let t = |id: &str| esc(&lang.t(id));
    let client = format!("<strong>{}</strong>", esc(p.client_name()));
    let body = format!(
        "<h1>{heading}</h1><p class=\"muted\">{to_continue}</p>{alert}{passkey_alert}\
<form method=\"post\" action=\"/login\">\
<input type=\"hidden\" name=\"i\" value=\"{i}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf_html}\">\
<label for=\"username\">{name_label}</label>\
<input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"{autocomplete}\" required{focus_name} value=\"{hint}\"{invalid}>\
<label for=\"password\">{password_label}</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required{focus_password}{invalid}>\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"login\" class=\"primary\">{sign_in}</button>\
<button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>{cancel}</button></div></form>{forgot}{passkey}{upstreams}",
        // Conditional mediation: the browser offers passkeys among the
        // saved sign-ins of the username field.
        autocomplete = if passkey.is_some() { "username webauthn" } else { "username" },
        passkey = passkey
            .map(|started| {
                let hidden = format!(
                    "<input type=\"hidden\" name=\"i\" value=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">",
                    esc(&p.interaction.id),
                    esc(&csrf)
                );
                let inner = format!(
                    "<div class=\"actions\"><button type=\"submit\" id=\"passkey-sign-in\" data-passkey-start hidden>{}</button></div>",
                    t("passkey-sign-in")
                );
                // Not again right after a passkey was refused: the browser
                // could offer the same one by itself, over and over.
                let conditional = passkey_alert.is_empty();
                format!(
                    "{}<script src=\"/assets/passkey.js\"></script>",
                    passkey::form(started, "get", "/login", &hidden, conditional, &inner)
                )
            })
            .unwrap_or_default(),
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

/// The login page refusing a locked account (cause `user_locked`, with
/// its link), the failed sign-in in the trail; `None` when the account is
/// not locked. Every way of signing in asks this once the person is known.
pub async fn refuse_locked(
    app: &App,
    p: &Pending,
    sub: &str,
    username: &str,
    method: &str,
    address: Option<std::net::IpAddr>,
) -> Result<Option<Response>, Failure> {
    let Some(occ) = crate::manage::users::locked(app.store.as_ref(), sub)
        .await
        .map_err(p.back())?
    else {
        return Ok(None);
    };
    crate::audit::record(
        app,
        AuditEvent::new(&Actor::System, kind::SIGN_IN, format!("user:{sub}"))
            .failed()
            .address(address.map(|ip| ip.to_string()))
            .with("client_id", p.interaction.purpose.client_id())
            .with("method", method)
            .with("cause", occ.cause.id),
    )
    .await;
    let alert = crate::http::recovery::alert(app, &p.view, &occ);
    let started = passkey_ceremony(app, p).await;
    let html = page(app, p, None, username, started.as_ref(), &alert);
    Ok(Some(passkey::with_script(html_response(
        StatusCode::FORBIDDEN,
        html,
    ))))
}

/// A passkey sign-in for the login page, bound to this sign-in; `None`
/// when passkeys are off, or the ceremony could not be kept (the password
/// still works).
async fn passkey_ceremony(app: &App, p: &Pending) -> Option<Started> {
    let rp = app.passkeys.as_ref()?;
    let now = latchkey_core::now_unix();
    rp.start_sign_in(app.store.as_ref(), &app.secrets, &p.interaction.id, now)
        .await
        .map_err(|occ| tracing::warn!(error_id = %occ.error_id, cause = occ.cause.id, detail = %occ.description(), "no passkey sign-in on the login page"))
        .ok()
}

/// The login page, as a response (it may run the passkey script).
async fn login_page(
    app: &App,
    p: &Pending,
    status: StatusCode,
    error: Option<&str>,
    username: &str,
) -> Response {
    let started = passkey_ceremony(app, p).await;
    passkey::with_script(html_response(
        status,
        page(app, p, error, username, started.as_ref(), ""),
    ))
}

/// `GET /login?i=…`
pub async fn form(State(app): State<Arc<App>>, p: Pending) -> Response {
    login_page(&app, &p, StatusCode::OK, None, "").await
}

/// `action=passkey`: sign in with the passkey the browser chose (no
/// username), or say why not on the login page.
async fn passkey_submit(
    app: &Arc<App>,
    s: Submitted,
    answer_error: Option<Occurrence>,
    address: Option<std::net::IpAddr>,
) -> Result<Response, Failure> {
    let p = &s.pending;
    let answer = PasskeyAnswer::read(&s.form);
    let outcome =
        match (answer_error, app.passkeys.as_ref()) {
            (Some(occ), _) => Err(occ),
            (None, None) => Err(PASSKEY_RP_MISMATCH
                .with_detail("passkeys are off: the issuer's host is an IP address")),
            (None, Some(rp)) => {
                rp.finish_sign_in(
                    app.store.as_ref(),
                    &app.secrets,
                    answer.ceremony,
                    &p.interaction.id,
                    answer.credential,
                    latchkey_core::now_unix(),
                )
                .await
            }
        };
    let record = match outcome {
        Ok(record) => record,
        Err(occ) if passkey::is_refusal(&occ) => {
            // Whose passkey it was is not known: no one is the target.
            crate::audit::record(
                app,
                AuditEvent::new(&Actor::System, kind::SIGN_IN, "unknown")
                    .failed()
                    .address(address.map(|ip| ip.to_string()))
                    .with("client_id", p.interaction.purpose.client_id())
                    .with("method", "passkey")
                    .with("cause", occ.cause.id),
            )
            .await;
            let alert = passkey::alert(app, p.view.lang, &occ);
            let started = passkey_ceremony(app, p).await;
            let html = page(app, p, None, "", started.as_ref(), &alert);
            return Ok(passkey::with_script(html_response(
                crate::http::respond::status_of(&occ),
                html,
            )));
        }
        Err(occ) => return Err(p.refuse(occ)),
    };
    if let Some(refused) = refuse_locked(app, p, &record.sub, "", "passkey", address).await? {
        return Ok(refused);
    }
    // policy.require_verified_email holds for passkeys as for passwords.
    if app.config.require_verified_email
        && let Some(user) = app
            .store
            .get_user(&record.sub)
            .await
            .map_err(|e| p.refuse(e.into()))?
        && let Some(occ) = crate::http::verify_email::refuses(app, &user)
    {
        return Ok(html_response(
            StatusCode::FORBIDDEN,
            crate::http::verify_email::refused_page(app, p, &user.username, &occ),
        ));
    }
    let client_id = p.interaction.purpose.client_id();
    let amr = latchkey_core::passkey::AMR_PASSKEY
        .iter()
        .map(|a| a.to_string())
        .collect();
    let (token, session) = new_session(app, &p.headers, &record.sub, amr, client_id, address)
        .await
        .map_err(p.back())?;
    tracing::info!(client_id = %client_id, sub = %record.sub, passkey = %record.id, "signed in with a passkey");
    crate::audit::record(
        app,
        AuditEvent::new(
            &Actor::User(record.sub.clone()),
            kind::SIGN_IN,
            format!("user:{}", record.sub),
        )
        .address(address.map(|ip| ip.to_string()))
        .with("client_id", client_id)
        .with("method", "passkey")
        .with("passkey", record.id.as_str())
        .with("sid", session.sid.as_str()),
    )
    .await;
    let Submitted { pending, .. } = s;
    Ok(continue_signed_in(
        app,
        &pending.headers,
        &token,
        session,
        &pending.client,
        pending.interaction,
    )
    .await)
}

/// A dummy Argon2id hash: unknown usernames cost as much as wrong passwords.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Whether `password` matches `hash` (a dummy hash when there is none, so
/// an unknown user costs the same), one Argon2id check within the bound.
pub(crate) async fn password_ok(app: &App, password: String, hash: Option<String>) -> bool {
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
        Action::Passkey(answer) => {
            let refused = passkey::answered(&answer);
            let address =
                client_address::of(&extensions, &s.pending.headers, &app.config.trusted_proxies);
            return passkey_submit(&app, s, refused, address).await;
        }
        Action::SignIn { name, password } => (name, password.to_string()),
    };
    let client_id = p.interaction.purpose.client_id();
    let started = passkey_ceremony(&app, p).await;
    let refused = |alert: &str| page(&app, p, Some(alert), username, started.as_ref(), "");
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
    let address_text = address.as_ref().map(|(ip, _)| ip.to_string());
    // Who tried is not known (the name may not exist); the account named,
    // when it exists, is the target.
    let target = user
        .as_ref()
        .map_or_else(|| "unknown".to_string(), |u| format!("user:{}", u.sub));
    let Some(user) = user.filter(|_| ok) else {
        crate::audit::record(
            &app,
            AuditEvent::new(&Actor::System, kind::SIGN_IN, target)
                .failed()
                .address(address_text.clone())
                .with("client_id", client_id)
                .with("method", "password")
                .with("cause", INVALID_CREDENTIALS.id),
        )
        .await;
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
        return Ok(passkey::with_script(html_response(
            StatusCode::UNAUTHORIZED,
            refused(&INVALID_CREDENTIALS.page_text_in(p.view.lang)),
        )));
    };
    // The account's failures, this attempt's reservation with them, end
    // with a success; the address's stay (they count across accounts).
    app.store
        .clear_login_failures(&account)
        .await
        .map_err(|e| back(e.into()))?;
    // A locked account: the password was right, and nobody signs in.
    let ip = address.as_ref().map(|(ip, _)| *ip);
    if let Some(refused) = refuse_locked(&app, p, &user.sub, username, "password", ip).await? {
        return Ok(refused);
    }
    // policy.require_verified_email: the password was right, but the
    // account may not sign in until its address is confirmed.
    if let Some(occ) = crate::http::verify_email::refuses(&app, &user) {
        return Ok(html_response(
            StatusCode::FORBIDDEN,
            crate::http::verify_email::refused_page(&app, p, username, &occ),
        ));
    }
    let (token, session) = new_session(
        &app,
        &p.headers,
        &user.sub,
        login::amr(),
        client_id,
        address.as_ref().map(|(ip, _)| *ip),
    )
    .await
    .map_err(&back)?;
    crate::audit::record(
        &app,
        AuditEvent::new(
            &Actor::User(user.sub.clone()),
            kind::SIGN_IN,
            format!("user:{}", user.sub),
        )
        .address(address_text)
        .with("client_id", client_id)
        .with("method", "password")
        .with("sid", session.sid.as_str()),
    )
    .await;
    let has_passkeys = match app.passkeys {
        Some(_) => !app
            .store
            .list_passkeys(&user.sub)
            .await
            .map_err(|e| back(e.into()))?
            .is_empty(),
        None => false,
    };
    let Submitted { pending, .. } = s;
    if login::offer_passkey(
        app.config.webauthn_offer_after_password,
        app.passkeys.is_some(),
        has_passkeys,
    ) {
        // Signed in: the offer comes first, then the journey goes on.
        let mut res = to_page(Page::Passkey, &pending.interaction.id);
        if let Some(c) = cookies::set(&app, Cookie::Session, &token, None) {
            res.headers_mut().append(header::SET_COOKIE, c);
        }
        return Ok(res);
    }
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
    let mut res = passkey::with_script(html_response(StatusCode::TOO_MANY_REQUESTS, page));
    if let Some(wait) = occ.retry_after {
        res.headers_mut().insert(header::RETRY_AFTER, wait.into());
    }
    res
}
