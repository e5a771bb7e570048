//! Forgotten password, from the login page's "Forgot your password?":
//!
//! - `/recover`: a name (username or verified email); the answer is always
//!   the same, whether an account matches or not. Requests are throttled
//!   per typed name and per client address; a matching account with an
//!   address gets a single-use link by mail (queued, never waited for).
//! - `/recover/reset?t=…`: choose a new password. The link's token is
//!   looked up by its keyed hash and used only when the password is set.
//!   A user with a second factor must give it here too: recovery never
//!   lowers what a sign-in needs (an authenticator code, or a passkey:
//!   see [`super::recovery_passkey`]). On success every session of the user
//!   ends, their refresh tokens and grants are revoked, and a notice goes
//!   to the address.
//!
//! With mail off (`smtp.host` unset) these routes answer as if absent
//! (404 `mail_disabled`). Pages are CSRF-protected with the browser
//! binding, like the sign-in pages.
//!
//! Language: the pages and the messages speak the language of the page
//! the person was on. A form carries it (`lang`), so the message is
//! written in the language of the page it was asked from; the link in the
//! message carries it too, so the page it opens speaks it ([`link_view`]).
//! A request for an existing account, a password set with a link, and a
//! confirmed address go to the audit trail.

use super::cookies::{self, Cookie};
use super::language::{self, View};
use super::pages::{html_response, layout};
use super::respond::Failure;
use super::signin::passkey::with_script;
use super::signin::pending::{csrf, csrf_matches};
use super::{attempts, client_address, recovery_passkey};
use crate::app::App;
use crate::audit;
use crate::mail::{self, messages};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use latchkey_core::audit::{Actor, AuditEvent, kind};
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{
    CSRF_TOKEN_INVALID, MAIL_DISABLED, MAIL_LINK_EXPIRED, MAIL_LINK_UNKNOWN, MAIL_LINK_USED,
    MAIL_THROTTLED, NEW_PASSWORD_INVALID, RECOVERY_CODE_INVALID, TOTP_THROTTLED,
    UNSUPPORTED_CONTENT_TYPE,
};
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::i18n::{Arg, Lang};
use latchkey_core::journey::second_factor;
use latchkey_core::mail::{LinkPurpose, LinkRecord, LinkState};
use latchkey_core::user::UserRecord;
use latchkey_core::{Occurrence, totp};
use std::sync::Arc;

/// Recovery requests per typed name, and per client address, in a
/// counting window ([`attempts::WINDOW`]).
pub const PER_ACCOUNT: i64 = 3;
pub const PER_ADDRESS: i64 = 20;

/// Mail off: the route answers as if it did not exist.
pub fn require_mail(app: &App) -> Result<(), Failure> {
    if app.mail_on() {
        Ok(())
    } else {
        Err(Failure::json(MAIL_DISABLED.with_detail(
            "smtp.host is not set, so recovery and verification are off",
        )))
    }
}

/// The browser binding, or a new one with its `Set-Cookie`.
pub fn browser(
    app: &App,
    headers: &HeaderMap,
) -> Result<(String, Option<header::HeaderValue>), Failure> {
    match cookies::browser(app, headers) {
        Some(b) => Ok((b, None)),
        None => {
            let b = cookies::new_browser(app).map_err(|e| Failure::page(Occurrence::from(e)))?;
            let c = cookies::set(app, Cookie::Browser, &b, None);
            Ok((b, c))
        }
    }
}

/// An HTML page, with the browser cookie when one was just made.
pub fn respond(status: StatusCode, html: String, cookie: Option<header::HeaderValue>) -> Response {
    let mut res = html_response(status, html);
    if let Some(c) = cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(60));
    }
    res
}

/// A posted form whose CSRF token matches this browser's.
pub fn form(app: &App, headers: &HeaderMap, body: &Bytes) -> Result<(String, RawParams), Failure> {
    if !super::is_form(headers) {
        return Err(Failure::page(UNSUPPORTED_CONTENT_TYPE.occur()));
    }
    let form = RawParams::parse(&String::from_utf8_lossy(body));
    let browser = cookies::browser(app, headers)
        .filter(|b| csrf_matches(app, b, &form))
        .ok_or_else(|| Failure::page(CSRF_TOKEN_INVALID.occur()))?;
    Ok((browser, form))
}

pub fn field<'a>(form: &'a RawParams, name: &str) -> &'a str {
    form.single(name).ok().flatten().unwrap_or("")
}

/// The language a form or a link names (`lang`), if we speak it.
fn lang_param(params: &RawParams) -> Option<Lang> {
    Lang::from_tag(field(params, "lang"))
}

/// A mail page's language, from what its address carries: the language
/// of the message its link came in (`lang`, counted like a client's
/// `ui_locales` for a sign-in begun at `since`: a language picked with the
/// switcher later wins), else that of the sign-in it started from (`i`),
/// else the request's own.
pub async fn link_view(
    app: &App,
    headers: &HeaderMap,
    mut view: View,
    q: &RawParams,
    since: i64,
) -> View {
    let i = interaction(q);
    if let Some(lang) = lang_param(q) {
        view.lang = language::choose(app, headers, Some(lang.tag()), Some(since));
    } else if !i.is_empty()
        && let Ok(Some(sign_in)) = app.store.get_interaction(i).await
    {
        view.lang = language::choose(
            app,
            headers,
            sign_in.purpose.ui_locales(),
            Some(sign_in.created_at),
        );
    }
    view
}

/// The answer to a form speaks the language of the page the form was on
/// (its `lang`); its switcher goes back to `here`.
pub fn form_view(mut view: View, form: &RawParams, here: String) -> View {
    if let Some(lang) = lang_param(form) {
        view.lang = lang;
    }
    view.here = here;
    view
}

/// The hidden field that keeps a form's language.
pub fn lang_field(view: &View) -> String {
    hidden("lang", view.lang.tag())
}

/// The client address of a request, for the audit trail.
pub fn address_of(
    app: &App,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
) -> Option<String> {
    client_address::of(extensions, headers, &app.config.trusted_proxies).map(|ip| ip.to_string())
}

/// A refusal shown on the page itself, with its cause and reference;
/// logged once with its `error_id`.
pub fn alert(app: &App, view: &View, occ: &Occurrence) -> String {
    tracing::info!(error_id = %occ.error_id, cause = occ.cause.id, detail = %occ.description(), "refused on a mail page");
    format!(
        "<p class=\"error\" role=\"alert\" id=\"page-error\">{} \
<a href=\"{}/errors/{}#{}\">{}</a></p>",
        esc(&occ.cause.page_text_in(view.lang)),
        esc(&app.config.issuer),
        occ.cause.code.as_str(),
        occ.cause.id,
        occ.cause.id,
    )
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
        esc(value)
    )
}

/// The sign-in this started from, kept so the person can go back to it.
pub fn interaction(q: &RawParams) -> &str {
    let i = field(q, "i");
    if i.len() <= 128
        && i.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        i
    } else {
        ""
    }
}

/// The way back to the sign-in (`/login?i=…`), or to the application.
pub fn back_to_sign_in(lang: Lang, i: &str) -> String {
    if i.is_empty() {
        format!(
            "<p class=\"muted\">{}</p>",
            esc(&lang.t("recover-back-to-app"))
        )
    } else {
        format!(
            "<p><a class=\"back\" href=\"/login?i={}\">{}</a></p>",
            esc(i),
            esc(&lang.t("recover-back"))
        )
    }
}

/// Where the form of `/recover` lives, for the switcher of its answers.
fn request_address(i: &str) -> String {
    if i.is_empty() {
        "/recover".into()
    } else {
        format!("/recover?i={i}")
    }
}

fn request_page(app: &App, view: &View, csrf: &str, i: &str, error: &str) -> String {
    let t = |id: &str| esc(&view.lang.t(id));
    let body = format!(
        "<h1>{title}</h1>{error}\
<p>{explain}</p>\
<form method=\"post\" action=\"/recover\">{fields}\
<label for=\"name\">{name}</label>\
<input id=\"name\" name=\"name\" type=\"text\" autocomplete=\"username\" required autofocus>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\">{send}</button></div></form>{back}",
        title = t("forgot-password"),
        explain = t("recover-explain"),
        name = t("login-name"),
        send = t("recover-send"),
        fields = hidden("csrf", csrf) + &hidden("i", i) + &lang_field(view),
        back = back_to_sign_in(view.lang, i),
    );
    layout(&app.brand, view, &view.lang.t("forgot-password"), &body)
}

/// `GET /recover[?i=…]`
pub async fn request_form(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    view: View,
    RawQuery(q): RawQuery,
) -> Result<Response, Failure> {
    require_mail(&app)?;
    let q = RawParams::parse(q.as_deref().unwrap_or(""));
    let view = link_view(&app, &headers, view, &q, 0).await;
    let (browser, cookie) = browser(&app, &headers)?;
    let html = request_page(&app, &view, &csrf(&app, &browser), interaction(&q), "");
    Ok(respond(StatusCode::OK, html, cookie))
}

/// Reserve one request for `key`; the cause with its wait when full.
pub async fn throttle(
    app: &App,
    key: &str,
    limit: i64,
    what: &str,
) -> Result<Option<Occurrence>, Failure> {
    let wait = attempts::reserve(app, key, limit)
        .await
        .map_err(Failure::page)?;
    Ok(wait.map(|w| attempts::throttled(&MAIL_THROTTLED, what, w)))
}

/// Throttle a mail request per typed name and per client address.
pub async fn throttle_mail_request(
    app: &App,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
    kind: &str,
    name: &str,
) -> Result<Option<Occurrence>, Failure> {
    let account = attempts::mail_key(app, kind, &name.to_lowercase());
    if let Some(occ) = throttle(app, &account, PER_ACCOUNT, "emails for this account").await? {
        return Ok(Some(occ));
    }
    if let Some(ip) = client_address::of(extensions, headers, &app.config.trusted_proxies) {
        let key = attempts::mail_key(app, &format!("{kind}-address"), &ip.to_string());
        return throttle(app, &key, PER_ADDRESS, "emails from this address").await;
    }
    Ok(None)
}

/// Whether the account itself may get one more message in this window,
/// whatever name it was asked by. Over the limit nothing is sent, and the
/// answer stays the same (a 429 here would say the account exists).
pub async fn per_account(app: &App, kind: &str, sub: &str) -> Result<bool, Failure> {
    let key = attempts::mail_key(app, &format!("{kind}-sub"), sub);
    Ok(throttle(app, &key, PER_ACCOUNT, "emails for this account")
        .await?
        .is_none())
}

/// The one user a typed name means, as at sign-in.
pub async fn user_named(app: &App, name: &str) -> Result<Option<UserRecord>, Failure> {
    if name.is_empty() {
        return Ok(None);
    }
    let candidates = app
        .store
        .find_users_for_sign_in(name)
        .await
        .map_err(|e| Failure::page(Occurrence::from(e)))?;
    Ok(latchkey_core::user::pick_for_sign_in(name, candidates).unwrap_or(None))
}

/// `POST /recover`: always the same answer.
pub async fn request(
    State(app): State<Arc<App>>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    view: View,
    body: Bytes,
) -> Result<Response, Failure> {
    require_mail(&app)?;
    let (browser, form) = form(&app, &headers, &body)?;
    let name = field(&form, "name").trim();
    let i = interaction(&form);
    let view = form_view(view, &form, request_address(i));
    if let Some(occ) = throttle_mail_request(&app, &extensions, &headers, "recover", name).await? {
        let html = request_page(
            &app,
            &view,
            &csrf(&app, &browser),
            i,
            &alert(&app, &view, &occ),
        );
        return Ok(respond(StatusCode::TOO_MANY_REQUESTS, html, None));
    }
    if let Some(user) = user_named(&app, name).await?
        && user.password_hash.is_some()
        && mail::address_of(&user).is_some()
    {
        // Only the trail tells that the account exists; the page does not.
        let event = AuditEvent::new(
            &Actor::System,
            kind::RECOVERY_REQUESTED,
            format!("user:{}", user.sub),
        )
        .address(address_of(&app, &extensions, &headers));
        if !per_account(&app, "recover", &user.sub).await? {
            let event = event.failed().with("cause", MAIL_THROTTLED.id);
            audit::record(&app, event).await;
            return Ok(sent_page(&app, &view, i));
        }
        mail::send_recovery(
            &app.config,
            app.store.as_ref(),
            &app.secrets,
            &user,
            view.lang,
            i,
        )
        .await
        .map_err(Failure::page)?;
        app.mail_wake.notify_one();
        audit::record(&app, event.with("lang", view.lang.tag())).await;
    }
    Ok(sent_page(&app, &view, i))
}

/// The answer to `POST /recover`, whether an account matched or not.
fn sent_page(app: &App, view: &View, i: &str) -> Response {
    let minutes = latchkey_core::journey::login::minutes(app.config.recovery_link_ttl);
    let body = format!(
        "<h1>{title}</h1>\
<p role=\"status\" id=\"recover-sent\">{sent}</p>\
<p class=\"muted\">{no_email}</p>{back}",
        title = esc(&view.lang.t("mail-check-title")),
        sent = esc(&view
            .lang
            .t_with("recover-sent", &[("minutes", Arg::Number(minutes))])),
        no_email = esc(&view.lang.t("recover-no-email")),
        back = back_to_sign_in(view.lang, i),
    );
    respond(
        StatusCode::OK,
        layout(&app.brand, view, &view.lang.t("mail-check-title"), &body),
        None,
    )
}

/// A link presented, as its record, or the cause that refuses it.
pub async fn live_link(
    app: &App,
    purpose: LinkPurpose,
    token: &str,
) -> Result<Result<LinkRecord, Occurrence>, Failure> {
    if token.is_empty() || token.len() > 128 {
        return Ok(Err(
            MAIL_LINK_UNKNOWN.with_detail("the link carries no token")
        ));
    }
    let hash = mail::link_hash(&app.secrets, purpose, token);
    let found = app
        .store
        .get_link(&hash, purpose)
        .await
        .map_err(|e| Failure::page(Occurrence::from(e)))?;
    let Some(link) = found else {
        return Ok(Err(MAIL_LINK_UNKNOWN.with_detail("no such link")));
    };
    Ok(match link.state(latchkey_core::now_unix()) {
        LinkState::Live => Ok(link),
        LinkState::Used => Err(MAIL_LINK_USED.occur()),
        LinkState::Expired => Err(MAIL_LINK_EXPIRED.occur()),
    })
}

/// The page for a link that cannot be used: what happened, what to do.
pub fn dead_link_page(app: &App, view: &View, occ: &Occurrence, again: &str) -> Response {
    let title = view.lang.t("link-dead-title");
    let body = format!(
        "<h1>{}</h1>{alert}{again}",
        esc(&title),
        alert = alert(app, view, occ),
    );
    html_response(
        crate::http::respond::status_of(occ),
        layout(&app.brand, view, &title, &body),
    )
}

/// The user's second factors as the reset page asks for them, and the
/// passkey ceremony when one is asked for.
struct Asked {
    factors: super::signin::second_factor::Factors,
    passkey: Option<latchkey_core::passkey::Started>,
}

async fn asked(app: &App, sub: &str, binding: &str) -> Result<Asked, Failure> {
    let factors = super::signin::second_factor::factors_of(app, sub)
        .await
        .map_err(Failure::page)?;
    let passkey = if factors.passkeys {
        recovery_passkey::start(app, sub, binding).await?
    } else {
        None
    };
    Ok(Asked { factors, passkey })
}

fn reset_page(
    app: &App,
    view: &View,
    csrf: &str,
    token: &str,
    i: &str,
    asked: &Asked,
    error: &str,
) -> String {
    let t = |id: &str| esc(&view.lang.t(id));
    let factor = if asked.factors.totp {
        format!(
            "<p>{explain}</p>\
<label for=\"code\">{code}</label>\
<input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" pattern=\"[0-9 ]*\" autocomplete=\"one-time-code\">\
<label for=\"recovery_code\">{recovery}</label>\
<input id=\"recovery_code\" name=\"recovery_code\" type=\"text\" autocomplete=\"off\">",
            explain = t("reset-second-step"),
            code = t("reset-code"),
            recovery = t("reset-recovery-code"),
        )
    } else {
        String::new()
    };
    let (passkey_words, passkey_button) = match &asked.passkey {
        Some(_) => recovery_passkey::section(view, asked.factors.totp),
        None => Default::default(),
    };
    let set_button = if asked.passkey.is_some() && !asked.factors.totp {
        String::new()
    } else {
        format!(
            "<button type=\"submit\" class=\"primary\">{}</button>",
            t("reset-submit")
        )
    };
    let fields = hidden("csrf", csrf) + &hidden("t", token) + &hidden("i", i) + &lang_field(view);
    let inner = format!(
        "<label for=\"password\">{password}</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" minlength=\"8\" required autofocus>\
<label for=\"password2\">{again}</label>\
<input id=\"password2\" name=\"password2\" type=\"password\" autocomplete=\"new-password\" minlength=\"8\" required>\
{factor}{passkey_words}<div class=\"actions\">{set_button}{passkey_button}</div>",
        password = t("reset-password"),
        again = t("reset-password-again"),
    );
    let form = match &asked.passkey {
        Some(started) => recovery_passkey::form(started, &fields, &inner),
        None => format!("<form method=\"post\" action=\"/recover/reset\">{fields}{inner}</form>"),
    };
    let body = format!("<h1>{}</h1>{error}{form}", t("reset-title"));
    layout(&app.brand, view, &view.lang.t("reset-title"), &body)
}

/// The link to ask for a new one, in the page's language.
fn ask_again(view: &View, i: &str) -> String {
    let mut to = format!("/recover?lang={}", view.lang.tag());
    if !i.is_empty() {
        to.push_str(&format!("&i={i}"));
    }
    format!(
        "<p><a href=\"{}\">{}</a></p>",
        esc(&to),
        esc(&view.lang.t("link-ask-again"))
    )
}

/// Where a reset page lives, for the switcher of the form's answers.
fn reset_address(token: &str, i: &str) -> String {
    let mut here = format!("/recover/reset?t={token}");
    if !i.is_empty() {
        here.push_str(&format!("&i={i}"));
    }
    here
}

/// `GET /recover/reset?t=…[&i=…]`
pub async fn reset_form(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    view: View,
    RawQuery(q): RawQuery,
) -> Result<Response, Failure> {
    require_mail(&app)?;
    let q = RawParams::parse(q.as_deref().unwrap_or(""));
    let (token, i) = (field(&q, "t"), interaction(&q));
    let link = match live_link(&app, LinkPurpose::Recovery, token).await? {
        Ok(link) => link,
        Err(occ) => {
            let view = link_view(&app, &headers, view, &q, 0).await;
            return Ok(dead_link_page(&app, &view, &occ, &ask_again(&view, i)));
        }
    };
    let view = link_view(&app, &headers, view, &q, link.created_at).await;
    let (browser, cookie) = browser(&app, &headers)?;
    let binding = recovery_passkey::binding(&app, &browser, &link.hash);
    let asked = asked(&app, &link.sub, &binding).await?;
    let html = reset_page(&app, &view, &csrf(&app, &browser), token, i, &asked, "");
    Ok(with_script(respond(StatusCode::OK, html, cookie)))
}

/// Check the second factor given on the reset page. `Ok(Err)` is a wrong
/// or missing code (counted against the account like at sign-in).
async fn second_factor_given(
    app: &App,
    sub: &str,
    form: &RawParams,
) -> Result<Result<(), Occurrence>, Failure> {
    let key = second_factor::throttle_key(sub);
    if let Some(wait) = attempts::reserve(app, &key, app.config.login_failures)
        .await
        .map_err(Failure::page)?
    {
        return Ok(Err(attempts::throttled(&TOTP_THROTTLED, "codes", wait)));
    }
    let now = latchkey_core::now_unix();
    let (code, recovery) = (
        field(form, "code").trim(),
        field(form, "recovery_code").trim(),
    );
    let slot = app.sign_in_slots.acquire(&key).await;
    let outcome = if !code.is_empty() {
        super::signin::second_factor::verify(app, sub, code, now)
            .await
            .map_err(Failure::page)?
            .map(|_| ())
    } else if !recovery.is_empty() {
        let presented = totp::normalize_recovery_code(recovery);
        let hash = app.secrets.hash(&format!("recovery:{presented}"));
        if app
            .store
            .use_recovery_code(sub, &hash, now)
            .await
            .map_err(|e| Failure::page(Occurrence::from(e)))?
        {
            Ok(())
        } else {
            Err(RECOVERY_CODE_INVALID.occur())
        }
    } else {
        Err(latchkey_core::catalogue::TOTP_CODE_INVALID.with_detail("no code was given"))
    };
    drop(slot);
    if outcome.is_ok() {
        app.store
            .clear_login_failures(&key)
            .await
            .map_err(|e| Failure::page(Occurrence::from(e)))?;
    }
    Ok(outcome)
}

async fn hash_password(app: &App, password: String) -> Result<String, Failure> {
    let _slot = app.password_slots.acquire().await.ok();
    tokio::task::spawn_blocking(move || latchkey_core::crypto::hash_password(&password))
        .await
        .map_err(|e| {
            Failure::page(
                latchkey_core::catalogue::INTERNAL_ERROR
                    .occur()
                    .debug(e.to_string()),
            )
        })?
        .map_err(|e| Failure::page(Occurrence::from(e)))
}

/// `POST /recover/reset`: set the new password with a live link.
pub async fn reset(
    State(app): State<Arc<App>>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    view: View,
    body: Bytes,
) -> Result<Response, Failure> {
    require_mail(&app)?;
    let (browser, form) = form(&app, &headers, &body)?;
    let (token, i) = (field(&form, "t"), interaction(&form));
    let view = form_view(view, &form, reset_address(token, i));
    let link = match live_link(&app, LinkPurpose::Recovery, token).await? {
        Ok(link) => link,
        Err(occ) => return Ok(dead_link_page(&app, &view, &occ, &ask_again(&view, i))),
    };
    let address = address_of(&app, &extensions, &headers);
    let event = |sub: &str| {
        AuditEvent::new(
            &Actor::User(sub.to_string()),
            kind::RECOVERY_USED,
            format!("user:{sub}"),
        )
        .address(address.clone())
    };
    let sub = link.sub.clone();
    let binding = recovery_passkey::binding(&app, &browser, &link.hash);
    let factors = super::signin::second_factor::factors_of(&app, &sub)
        .await
        .map_err(Failure::page)?;
    // The page again, with the refusal (and a new passkey ceremony).
    let again = async |occ: Occurrence| -> Result<Response, Failure> {
        let asked = asked(&app, &sub, &binding).await?;
        let shown = if super::signin::passkey::is_refusal(&occ) {
            recovery_passkey::alert(&app, &view, &occ)
        } else {
            alert(&app, &view, &occ)
        };
        let html = reset_page(&app, &view, &csrf(&app, &browser), token, i, &asked, &shown);
        Ok(with_script(html_response(
            crate::http::respond::status_of(&occ),
            html,
        )))
    };
    let password = field(&form, "password");
    if password != field(&form, "password2") {
        return again(NEW_PASSWORD_INVALID.with_detail("the two passwords differ")).await;
    }
    if let Err(m) = latchkey_core::user::check_password(password) {
        return again(NEW_PASSWORD_INVALID.with_detail(format!("the password {m}"))).await;
    }
    // Never lower than a sign-in: the passkey when the form brings one
    // (or when it is the user's only factor), else the code.
    if factors.any() {
        let given = if factors.passkeys && (recovery_passkey::answered(&form) || !factors.totp) {
            recovery_passkey::verify(&app, &sub, &binding, &form).await?
        } else {
            second_factor_given(&app, &sub, &form).await?
        };
        if let Err(occ) = given {
            audit::record(&app, event(&sub).failed().with("cause", occ.cause.id)).await;
            return again(occ).await;
        }
    }
    let hash = hash_password(&app, password.to_string()).await?;
    let now = latchkey_core::now_unix();
    let store_err = |e: latchkey_core::store::StoreError| Failure::page(Occurrence::from(e));
    // Used once: a second submission (or another node) finds it used.
    if !app
        .store
        .use_link(&link.hash, LinkPurpose::Recovery, now)
        .await
        .map_err(store_err)?
    {
        return Ok(dead_link_page(
            &app,
            &view,
            &MAIL_LINK_USED.occur(),
            &ask_again(&view, i),
        ));
    }
    let Some(mut user) = app.store.get_user(&sub).await.map_err(store_err)? else {
        return Ok(dead_link_page(
            &app,
            &view,
            &MAIL_LINK_UNKNOWN.with_detail("the account no longer exists"),
            &ask_again(&view, i),
        ));
    };
    user.password_hash = Some(hash);
    user.updated_at = now;
    app.store.update_user(&user).await.map_err(store_err)?;
    let ending = crate::backchannel::before_end(app.store.as_ref(), &sub, None).await;
    let ended = app
        .store
        .end_everything_for(&sub, now, now + app.config.access_token_ttl)
        .await
        .map_err(store_err)?;
    crate::backchannel::after_end(&app, ending).await;
    // The account's failed sign-ins are forgiven with the new password.
    app.store
        .clear_login_failures(&attempts::account_key(&app, &user.username))
        .await
        .map_err(store_err)?;
    tracing::info!(sub = %sub, sessions_ended = ended, "password changed with a recovery link");
    let done = event(&sub)
        .with("second_factor", factors.any())
        .with("sessions_ended", ended);
    audit::record(&app, done).await;
    if let Some(to) = mail::address_of(&user) {
        let notice = messages::password_changed(view.lang, &app.brand.name, &user.username);
        if let Err(occ) = app
            .send_mail(to, notice, latchkey_core::mail::OUTBOX_TTL)
            .await
        {
            tracing::warn!(error_id = %occ.error_id, sub = %sub, "could not queue the password-change notice");
        }
    }
    let t = |id: &str| esc(&view.lang.t(id));
    let sign_in = if i.is_empty() {
        format!("<p>{}</p>", t("reset-back-to-app"))
    } else {
        format!(
            "<p><a class=\"button primary\" id=\"sign-in\" href=\"/login?i={}\">{}</a></p>",
            esc(i),
            t("reset-sign-in")
        )
    };
    let body = format!(
        "<h1>{heading}</h1>\
<p role=\"status\" id=\"reset-done\">{done}</p>{sign_in}",
        heading = t("reset-done-heading"),
        done = t("reset-done"),
    );
    Ok(html_response(
        StatusCode::OK,
        layout(&app.brand, &view, &view.lang.t("reset-done-title"), &body),
    ))
}
