//! Email verification: `/verify-email?t=…` (the link a new user with an
//! unverified `email` gets by mail) shows a button whose POST sets
//! `email_verified: true` when the claim still holds the address the link
//! was sent to; and
//! `/verify-email/resend`, offered by the login page when
//! `policy.require_verified_email` refuses a sign-in, sends the link again
//! (throttled like recovery, same answer whatever the name).
//! With mail off both answer 404 `mail_disabled`.
//!
//! The pages and the message speak the language of the page the request
//! came from (see [`super::recovery`]); a confirmed address goes to the
//! audit trail.

use super::language::View;
use super::pages::{html_response, layout};
use super::recovery::{
    address_of, alert, dead_link_page, field, form, form_view, lang_field, link_view, live_link,
    per_account, require_mail, respond, throttle_mail_request, user_named,
};
use super::respond::Failure;
use super::signin::pending::Pending;
use crate::app::App;
use crate::audit;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::Occurrence;
use latchkey_core::audit::{Actor, AuditEvent, kind};
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{EMAIL_NOT_VERIFIED, MAIL_LINK_UNKNOWN};
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::mail::LinkPurpose;
use latchkey_core::user::UserRecord;
use std::sync::Arc;

fn again(view: &View) -> String {
    format!(
        "<p class=\"muted\">{}</p>",
        esc(&view.lang.t("verify-again"))
    )
}

/// `GET /verify-email?t=…`: the link's page, with one button that
/// confirms. Following the link changes nothing, so a mail scanner that
/// opens every link does not use it up.
pub async fn verify_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    view: View,
    RawQuery(q): RawQuery,
) -> Result<Response, Failure> {
    require_mail(&app)?;
    let q = RawParams::parse(q.as_deref().unwrap_or(""));
    let link = match live_link(&app, LinkPurpose::Verify, field(&q, "t")).await? {
        Ok(link) => link,
        Err(occ) => {
            let view = link_view(&app, &headers, view, &q, 0).await;
            return Ok(dead_link_page(&app, &view, &occ, &again(&view)));
        }
    };
    let view = link_view(&app, &headers, view, &q, link.created_at).await;
    let t = |id: &str| esc(&view.lang.t(id));
    let body = format!(
        "<h1>{heading}</h1><p>{explain}</p>\
<form method=\"post\" action=\"/verify-email\">\
<input type=\"hidden\" name=\"t\" value=\"{token}\">{lang}\
<div class=\"actions\"><button type=\"submit\" class=\"primary\" id=\"confirm-email\">{confirm}</button></div></form>",
        heading = t("verify-confirm-heading"),
        explain = t("verify-confirm-explain"),
        token = esc(field(&q, "t")),
        lang = lang_field(&view),
        confirm = t("verify-confirm-button"),
    );
    Ok(html_response(
        StatusCode::OK,
        layout(&app.brand, &view, &view.lang.t("verify-first-title"), &body),
    ))
}

/// `POST /verify-email` (`t`, `lang`): confirms the address. The token
/// is the authority, so no sign-in or browser binding is needed.
pub async fn verify(
    State(app): State<Arc<App>>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    view: View,
    body: Bytes,
) -> Result<Response, Failure> {
    require_mail(&app)?;
    if !super::is_form(&headers) {
        return Err(Failure::page(
            latchkey_core::catalogue::UNSUPPORTED_CONTENT_TYPE.occur(),
        ));
    }
    let q = RawParams::parse(&String::from_utf8_lossy(&body));
    let link = match live_link(&app, LinkPurpose::Verify, field(&q, "t")).await? {
        Ok(link) => link,
        Err(occ) => {
            let view = link_view(&app, &headers, view, &q, 0).await;
            return Ok(dead_link_page(&app, &view, &occ, &again(&view)));
        }
    };
    let view = link_view(&app, &headers, view, &q, link.created_at).await;
    let again = again(&view);
    let again = again.as_str();
    let store_err = |e: latchkey_core::store::StoreError| Failure::page(Occurrence::from(e));
    let user = app.store.get_user(&link.sub).await.map_err(store_err)?;
    let Some(mut user) = user.filter(|u| {
        crate::mail::address_of(u).map(str::to_ascii_lowercase)
            == link.email.as_deref().map(str::to_ascii_lowercase)
    }) else {
        let occ = MAIL_LINK_UNKNOWN
            .with_detail("the account or its email address changed since the link was sent");
        return Ok(dead_link_page(&app, &view, &occ, again));
    };
    let now = latchkey_core::now_unix();
    if !app
        .store
        .use_link(&link.hash, LinkPurpose::Verify, now)
        .await
        .map_err(store_err)?
    {
        let occ = latchkey_core::catalogue::MAIL_LINK_USED.occur();
        return Ok(dead_link_page(&app, &view, &occ, again));
    }
    user.claims
        .insert("email_verified".into(), serde_json::Value::Bool(true));
    user.updated_at = now;
    match app.store.update_user(&user).await {
        Ok(_) => {}
        Err(latchkey_core::store::StoreError::Conflict(_)) => {
            let occ = latchkey_core::catalogue::EMAIL_TAKEN
                .with_detail("another account already has this verified address");
            return Ok(dead_link_page(&app, &view, &occ, again));
        }
        Err(e) => return Err(store_err(e)),
    }
    tracing::info!(sub = %user.sub, "email verified");
    let event = AuditEvent::new(
        &Actor::User(user.sub.clone()),
        kind::EMAIL_VERIFIED,
        format!("user:{}", user.sub),
    )
    .address(address_of(&app, &extensions, &headers));
    audit::record(&app, event).await;
    let t = |id: &str| esc(&view.lang.t(id));
    let body = format!(
        "<h1>{heading}</h1>\
<p role=\"status\" id=\"email-verified\">{done}</p>\
<p class=\"muted\">{close}</p>",
        heading = t("verify-done-heading"),
        done = t("verify-done"),
        close = t("verify-close"),
    );
    Ok(html_response(
        StatusCode::OK,
        layout(&app.brand, &view, &view.lang.t("verify-done-title"), &body),
    ))
}

/// The login page's refusal under `policy.require_verified_email`: what
/// to do, and (with mail on) a button that sends the link again.
pub fn refused_page(app: &App, p: &Pending, name: &str, occ: &Occurrence) -> String {
    let t = |id: &str| esc(&p.view.lang.t(id));
    let resend = if app.mail_on() {
        format!(
            "<form method=\"post\" action=\"/verify-email/resend\">\
<input type=\"hidden\" name=\"i\" value=\"{i}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<input type=\"hidden\" name=\"name\" value=\"{name}\">{lang}\
<p>{no_email}</p><div class=\"actions\"><button type=\"submit\" id=\"resend\">{resend}</button></div></form>",
            i = esc(&p.interaction.id),
            csrf = esc(&p.csrf(app)),
            name = esc(name),
            lang = lang_field(&p.view),
            no_email = t("verify-no-email"),
            resend = t("verify-resend"),
        )
    } else {
        String::new()
    };
    let body = format!(
        "<h1>{heading}</h1>{alert}{resend}{back}",
        heading = t("verify-first-heading"),
        alert = alert(app, &p.view, occ),
        back = super::recovery::back_to_sign_in(p.view.lang, &p.interaction.id),
    );
    layout(
        &app.brand,
        &p.view,
        &p.view.lang.t("verify-first-title"),
        &body,
    )
}

/// Whether the sign-in of `user` is refused for an unverified email.
pub fn refuses(app: &App, user: &UserRecord) -> Option<Occurrence> {
    (app.config.require_verified_email
        && latchkey_core::user::verified_email(&user.claims).is_none())
    .then(|| EMAIL_NOT_VERIFIED.with_detail(format!("user {}", user.sub)))
}

/// `POST /verify-email/resend`
pub async fn resend(
    State(app): State<Arc<App>>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    view: View,
    body: Bytes,
) -> Result<Response, Failure> {
    require_mail(&app)?;
    let (_, form) = form(&app, &headers, &body)?;
    let name = field(&form, "name").trim();
    let i = super::recovery::interaction(&form);
    let view = form_view(view, &form, format!("/login?i={i}"));
    let back = super::recovery::back_to_sign_in(view.lang, i);
    if let Some(occ) = throttle_mail_request(&app, &extensions, &headers, "verify", name).await? {
        let title = view.lang.t("verify-first-title");
        let body = format!("<h1>{}</h1>{}{back}", esc(&title), alert(&app, &view, &occ));
        return Ok(respond(
            StatusCode::TOO_MANY_REQUESTS,
            layout(&app.brand, &view, &title, &body),
            None,
        ));
    }
    if let Some(user) = user_named(&app, name).await?
        && crate::mail::awaits_verification(&user)
        && per_account(&app, "verify", &user.sub).await?
    {
        crate::mail::send_verification(
            &app.config,
            app.store.as_ref(),
            &app.secrets,
            &user,
            view.lang,
        )
        .await
        .map_err(Failure::page)?;
        app.mail_wake.notify_one();
    }
    let title = view.lang.t("mail-check-title");
    let body = format!(
        "<h1>{}</h1>\
<p role=\"status\" id=\"verify-sent\">{}</p>{back}",
        esc(&title),
        esc(&view.lang.t("verify-sent")),
    );
    Ok(respond(
        StatusCode::OK,
        layout(&app.brand, &view, &title, &body),
        None,
    ))
}
