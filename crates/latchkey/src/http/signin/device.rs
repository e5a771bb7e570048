//! The device page, `/device` (RFC 8628 §3.3): the person types the code
//! their device shows (with or without the dash, in any case), then signs
//! in through the journey like any other sign-in, and finally sees who is
//! asking, with a warning against phishing, and allows or denies.
//!
//! Wrong codes are counted per client address ([`attempts`]): the code
//! space is large, but nothing else stops someone trying codes.

use super::pending::{csrf, csrf_matches};
use super::{arrive, cookies};
use crate::app::App;
use crate::http::attempts;
use crate::http::client_address;
use crate::http::cookies::Cookie;
use crate::http::language::View;
use crate::http::pages::{html_response, layout};
use crate::http::respond::Failure;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use latchkey_core::Occurrence;
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{
    CLIENT_ID_UNKNOWN, CSRF_TOKEN_INVALID, DEVICE_REQUEST_DECIDED, UNSUPPORTED_CONTENT_TYPE,
    USER_CODE_THROTTLED, USER_CODE_UNKNOWN,
};
use latchkey_core::device::{DeviceState, user_code_hash};
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::i18n::{Arg, Lang};
use latchkey_core::request::{DeviceRequest, Purpose};
use latchkey_core::scope::Scope;
use std::sync::Arc;

/// Wrong codes allowed per client address in a counting window.
pub const WRONG_CODES: i64 = 10;

#[derive(serde::Deserialize)]
pub struct Prefill {
    user_code: Option<String>,
}

fn page(app: &App, view: &View, browser: &str, code: &str, error: Option<&str>) -> String {
    let t = |id: &str| esc(&view.lang.t(id));
    let alert = error
        .map(|e| {
            format!(
                "<p class=\"error\" role=\"alert\" id=\"code-error\">{}</p>",
                esc(e)
            )
        })
        .unwrap_or_default();
    let invalid = if error.is_some() {
        " aria-invalid=\"true\" aria-describedby=\"code-error\""
    } else {
        ""
    };
    let body = format!(
        "<h1>{title}</h1><p class=\"muted\">{enter}</p>{alert}\
<form method=\"post\" action=\"/device\">\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<label for=\"user_code\">{label}</label>\
<input id=\"user_code\" name=\"user_code\" type=\"text\" autocomplete=\"off\" autocapitalize=\"characters\" \
spellcheck=\"false\" required autofocus value=\"{code}\"{invalid}>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\">{continue_}</button></div></form>",
        title = t("device-title"),
        enter = t("device-enter-code"),
        label = t("device-code"),
        continue_ = t("continue"),
        csrf = esc(&csrf(app, browser)),
        code = esc(code),
    );
    layout(&app.brand, view, &view.lang.t("device-title"), &body)
}

/// `GET /device[?user_code=…]`: the form, filled in when the device showed
/// a link with the code (`verification_uri_complete`); the person still
/// presses Continue, so a link alone connects nothing.
pub async fn form(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    view: View,
    Query(q): Query<Prefill>,
) -> Result<Response, Failure> {
    let (browser, new_browser) = match cookies::browser(&app, &headers) {
        Some(b) => (b, false),
        None => (
            cookies::new_browser(&app).map_err(|e| Failure::page(Occurrence::from(e)))?,
            true,
        ),
    };
    let code = q.user_code.unwrap_or_default();
    let mut res = html_response(StatusCode::OK, page(&app, &view, &browser, &code, None));
    if new_browser && let Some(c) = cookies::set(&app, Cookie::Browser, &browser, None) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

/// `POST /device`: look the code up and start the sign-in for it.
pub async fn submit(
    State(app): State<Arc<App>>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    view: View,
    body: axum::body::Bytes,
) -> Result<Response, Failure> {
    if !crate::http::is_form(&headers) {
        return Err(Failure::page(UNSUPPORTED_CONTENT_TYPE.occur()));
    }
    let form = RawParams::parse(&String::from_utf8_lossy(&body));
    let get = |name: &str| form.single(name).ok().flatten();
    let browser = cookies::browser(&app, &headers).ok_or_else(|| {
        Failure::page(CSRF_TOKEN_INVALID.with_detail("the browser's cookies were cleared"))
    })?;
    if !csrf_matches(&app, &browser, &form) {
        return Err(Failure::page(CSRF_TOKEN_INVALID.occur()));
    }
    let typed = get("user_code").unwrap_or("");
    let again = |status: StatusCode, occ: &Occurrence, message: &str| {
        tracing::info!(error_id = %occ.error_id, cause = occ.cause.id, "device code refused");
        let mut res = html_response(status, page(&app, &view, &browser, typed, Some(message)));
        if let Some(wait) = occ.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, wait.into());
        }
        res
    };
    // Guessing is bounded per address: a reservation before the look-up,
    // given back when the code turns out right.
    let address = client_address::of(&extensions, &headers, &app.config.trusted_proxies)
        .map(|ip| attempts::device_key(&app, ip));
    if let Some(key) = &address
        && let Some(wait) = attempts::reserve(&app, key, WRONG_CODES)
            .await
            .map_err(Failure::page)?
    {
        let occ = attempts::throttled(&USER_CODE_THROTTLED, "device codes", wait);
        let minutes = latchkey_core::journey::login::minutes(wait);
        let message = view.lang.t_with(
            "device-code-throttled",
            &[("minutes", Arg::Number(minutes))],
        );
        return Ok(again(StatusCode::TOO_MANY_REQUESTS, &occ, &message));
    }
    let now = latchkey_core::now_unix();
    let grant = match user_code_hash(&app.secrets, typed) {
        Some(hash) => app
            .store
            .device_grant_by_user_code(&hash)
            .await
            .map_err(|e| Failure::page(Occurrence::from(e)))?,
        None => None,
    };
    let Some(grant) = grant else {
        let occ = USER_CODE_UNKNOWN.with_detail("no device request has this code");
        return Ok(again(
            StatusCode::BAD_REQUEST,
            &occ,
            &view.lang.t("device-code-wrong"),
        ));
    };
    // A code that exists was not guessed: it does not count.
    if let Some(key) = &address {
        app.store
            .release_attempt(key)
            .await
            .map_err(|e| Failure::page(Occurrence::from(e)))?;
    }
    if !matches!(grant.state, DeviceState::Pending) {
        let occ = DEVICE_REQUEST_DECIDED.occur();
        return Ok(again(
            StatusCode::BAD_REQUEST,
            &occ,
            &view.lang.t("device-code-used"),
        ));
    }
    if grant.expires_at <= now {
        let occ = USER_CODE_UNKNOWN.with_detail("the device request has expired");
        return Ok(again(
            StatusCode::BAD_REQUEST,
            &occ,
            &view.lang.t("device-code-expired"),
        ));
    }
    let client = app
        .store
        .get_client(&grant.client_id)
        .await
        .map_err(|e| Failure::page(Occurrence::from(e)))?
        .ok_or_else(|| Failure::page(CLIENT_ID_UNKNOWN.occur()))?;
    let purpose = Purpose::Device {
        device: DeviceRequest {
            client_id: grant.client_id.clone(),
            user_code_hash: grant.user_code_hash.clone(),
            scopes: Scope::split(&grant.scope),
            vtr: app.config.policy.vtr_default.clone(),
            resources: grant.resources.clone(),
        },
    };
    arrive(&app, &headers, purpose, &client, None).await
}

/// A page that ends a device's sign-in: what happened and what to do next.
fn outcome_page(app: &App, lang: Lang, title: &str, message: &str) -> Response {
    let title = lang.t(title);
    let body = format!(
        "<h1>{}</h1><p role=\"status\">{}</p>",
        esc(&title),
        esc(&lang.t(message)),
    );
    let view = View {
        lang,
        here: "/device".into(),
    };
    html_response(StatusCode::OK, layout(&app.brand, &view, &title, &body))
}

/// Allow: the device's grant is approved with this sign-in (its next poll
/// gets the tokens) and the sign-in ends.
pub async fn approve(
    app: &App,
    device: &DeviceRequest,
    session: &latchkey_core::session::SessionRecord,
    achieved: latchkey_core::vtr::Vector,
    interaction: Option<&str>,
    lang: Lang,
) -> Result<Response, Failure> {
    let approval = latchkey_core::device::DeviceApproval {
        sub: session.sub.clone(),
        auth_time: session.auth_time,
        acr: Some(achieved.to_string()),
        amr: session.amr.clone(),
        sid: Some(session.sid.clone()),
    };
    decided(app, device, Some(&approval), interaction).await?;
    tracing::info!(client_id = %device.client_id, sub = %session.sub, "device allowed");
    Ok(outcome_page(
        app,
        lang,
        "device-connected-title",
        "device-connected",
    ))
}

/// Deny: the device is told `access_denied` at its next poll.
pub async fn deny(
    app: &App,
    device: &DeviceRequest,
    interaction: &str,
    lang: Lang,
) -> Result<Response, Failure> {
    decided(app, device, None, Some(interaction)).await?;
    tracing::info!(client_id = %device.client_id, "device denied");
    Ok(outcome_page(
        app,
        lang,
        "device-denied-title",
        "device-denied",
    ))
}

/// Record the decision once: a grant decided meanwhile (another tab) or
/// expired is said so on the page.
async fn decided(
    app: &App,
    device: &DeviceRequest,
    approval: Option<&latchkey_core::device::DeviceApproval>,
    interaction: Option<&str>,
) -> Result<(), Failure> {
    let page = |e: latchkey_core::store::StoreError| Failure::page(Occurrence::from(e));
    if let Some(id) = interaction {
        app.store.take_interaction(id).await.map_err(page)?;
    }
    let now = latchkey_core::now_unix();
    if !app
        .store
        .decide_device_grant(&device.user_code_hash, approval, now)
        .await
        .map_err(page)?
    {
        return Err(Failure::page(DEVICE_REQUEST_DECIDED.with_detail(
            "the device request was already allowed or denied, or has expired",
        )));
    }
    Ok(())
}
