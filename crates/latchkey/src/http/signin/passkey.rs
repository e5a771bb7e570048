//! Passkeys on the sign-in pages: the form every page uses for a ceremony
//! (the login page's "Sign in with a passkey", the second-factor page's
//! "Use a passkey"), the alert that says what went wrong, and the page
//! `/passkey` that offers to add one right after a password sign-in ("Add
//! a passkey" / "Not now"). The ceremonies themselves are
//! `latchkey_core::passkey`'s, free of the journey: any page can start and
//! finish them with its own binding.
//!
//! One script, `/assets/passkey.js`, runs the browser's side; the pages
//! that carry a passkey form allow it (`script-src 'self'`), nothing
//! inline. Without it, the forms stay hidden and passwords work as before.

use super::pending::{Pending, Submitted};
use super::{arrive, end, signed_in};
use crate::app::App;
use crate::http::pages::{html, html_response, layout};
use crate::http::respond::Failure;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::Occurrence;
use latchkey_core::catalogue::{PASSKEY_RP_MISMATCH, USER_CANCELED};
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::journey::login::PasskeyAnswer;
use latchkey_core::passkey::{RelyingParty, Started};
use std::sync::Arc;

pub const SCRIPT: &str = include_str!("../../../assets/passkey.js");

/// `GET /assets/passkey.js`
pub async fn script() -> Response {
    let mut res = (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

/// A page that runs the passkey script: the page policy plus
/// `script-src 'self'` (the script only; nothing inline).
pub fn with_script(mut res: Response) -> Response {
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self' {}; img-src 'self' data: https:; frame-ancestors 'none'; base-uri 'none'",
        latchkey_core::error::docs::style_source()
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}

/// Whether an occurrence is a passkey refusal to show on the page (else a
/// fault of the server or the store, for the edge).
pub fn is_refusal(occ: &Occurrence) -> bool {
    occ.cause.id.starts_with("passkey_")
}

/// The alert a page shows for a refused passkey: what to do, and the
/// cause's reference; logged once with its `error_id`.
pub fn alert(app: &App, lang: latchkey_core::i18n::Lang, occ: &Occurrence) -> String {
    if occ.is(&PASSKEY_RP_MISMATCH) {
        tracing::warn!(error_id = %occ.error_id, cause = occ.cause.id, detail = %occ.description(), "passkey refused: check issuer and webauthn.rp_id");
    } else {
        tracing::info!(error_id = %occ.error_id, cause = occ.cause.id, detail = %occ.description(), "passkey refused");
    }
    format!(
        "<p class=\"error\" role=\"alert\" id=\"passkey-error\" data-cause=\"{id}\">{text} \
<a href=\"{issuer}/errors/{code}#{id}\">{id}</a></p>",
        text = esc(&occ.cause.page_text_in(lang)),
        issuer = esc(&app.config.issuer),
        code = occ.cause.code.as_str(),
        id = occ.cause.id,
    )
}

/// A form that runs a ceremony: `kind` is `create` or `get`; its fields
/// come back to `action` with `action=passkey` (a disabled field the
/// script turns on when it submits, so the form's own buttons, such as
/// "Not now", send their own `action`). `inner` is the form's visible part: it holds the
/// button marked `data-passkey-start`, hidden until the script shows it.
pub fn form(
    started: &Started,
    kind: &str,
    action: &str,
    hidden: &str,
    conditional: bool,
    inner: &str,
) -> String {
    format!(
        "<form method=\"post\" action=\"{action}\" id=\"passkey-form\" data-passkey=\"{kind}\" data-options=\"{options}\"{conditional}>\
{hidden}<input type=\"hidden\" name=\"action\" value=\"passkey\" disabled>\
<input type=\"hidden\" name=\"ceremony\" value=\"{ceremony}\">\
<input type=\"hidden\" name=\"credential\" value=\"\"><input type=\"hidden\" name=\"passkey_error\" value=\"\">{inner}</form>",
        options = esc(&started.options),
        ceremony = esc(started.id.expose()),
        conditional = if conditional { " data-conditional" } else { "" },
    )
}

/// Finish whichever ceremony `finish` runs, or turn the browser's error
/// into its cause.
pub fn answered(answer: &PasskeyAnswer<'_>) -> Option<Occurrence> {
    (!answer.error.is_empty() || answer.credential.is_empty()).then(|| {
        latchkey_core::passkey::browser_error(if answer.error.is_empty() {
            "NotAllowedError"
        } else {
            answer.error
        })
    })
}

fn hidden_fields(app: &App, p: &Pending) -> String {
    format!(
        "<input type=\"hidden\" name=\"i\" value=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&p.interaction.id),
        esc(&p.csrf(app))
    )
}

/// The offer: name the passkey, then "Add a passkey" (the browser makes
/// it) or "Not now".
fn offer_page(app: &App, p: &Pending, started: &Started, error: &str) -> String {
    let lang = p.view.lang;
    let t = |id: &str| esc(&lang.t(id));
    let hidden = hidden_fields(app, p);
    let inner = format!(
        "<label for=\"passkey-name\">{label}</label>\
<input id=\"passkey-name\" name=\"name\" type=\"text\" maxlength=\"{max}\" autocomplete=\"off\" value=\"Passkey\">\
<div class=\"actions\"><button type=\"submit\" class=\"primary\" id=\"passkey-add\" data-passkey-start hidden>{add}</button>\
<button type=\"submit\" name=\"action\" value=\"skip\" id=\"passkey-skip\" formnovalidate>{not_now}</button></div>",
        max = latchkey_core::passkey::MAX_NAME,
        label = t("passkey-name-label"),
        add = t("passkey-add"),
        not_now = t("passkey-not-now"),
    );
    let client = format!("<strong>{}</strong>", esc(p.client_name()));
    let body = format!(
        "<h1>{heading}</h1><p class=\"muted\">{before}</p>{error}<p>{explain}</p>\
{form}<script src=\"/assets/passkey.js\"></script>",
        heading = t("passkey-offer-heading"),
        before = html(lang, "passkey-offer-before", &[("client", &client)]),
        explain = t("passkey-offer-explain"),
        form = form(started, "create", "/passkey", &hidden, false, &inner),
    );
    layout(&app.brand, &p.view, &lang.t("passkey-offer-title"), &body)
}

fn relying_party<'a>(app: &'a App, p: &Pending) -> Result<&'a RelyingParty, Failure> {
    app.passkeys.as_ref().ok_or_else(|| {
        p.refuse(
            PASSKEY_RP_MISMATCH.with_detail("passkeys are off: the issuer's host is an IP address"),
        )
    })
}

async fn show(
    app: &App,
    p: &Pending,
    sub: &str,
    error: &str,
    status: StatusCode,
) -> Result<Response, Failure> {
    let rp = relying_party(app, p)?;
    let user = app
        .store
        .get_user(sub)
        .await
        .map_err(|e| p.refuse(e.into()))?
        .ok_or_else(|| {
            p.refuse(latchkey_core::catalogue::SESSION_LOST.with_detail("the user is gone"))
        })?;
    let now = latchkey_core::now_unix();
    let started = rp
        .start_registration(
            app.store.as_ref(),
            &app.secrets,
            &user,
            &p.interaction.id,
            now,
        )
        .await
        .map_err(p.back())?;
    Ok(with_script(html_response(
        status,
        offer_page(app, p, &started, error),
    )))
}

/// `GET /passkey?i=…`
pub async fn offer(State(app): State<Arc<App>>, p: Pending) -> Result<Response, Failure> {
    let session = signed_in(&app, &p).await?;
    show(&app, &p, &session.sub, "", StatusCode::OK).await
}

/// `POST /passkey`: the new passkey, "Not now", or what the browser refused.
pub async fn submit(State(app): State<Arc<App>>, s: Submitted) -> Result<Response, Failure> {
    let p = &s.pending;
    let session = signed_in(&app, p).await?;
    match s.get("action") {
        Some("passkey") => {}
        Some("cancel") => return Err(end(&app, &p.interaction, USER_CANCELED.occur()).await),
        _ => return resume(&app, s.pending).await,
    }
    let answer = PasskeyAnswer::read(&s.form);
    let rp = relying_party(&app, p)?;
    let outcome = match answered(&answer) {
        Some(occ) => Err(occ),
        None => {
            rp.finish_registration(
                app.store.as_ref(),
                &app.secrets,
                answer.ceremony,
                &p.interaction.id,
                &session.sub,
                answer.credential,
                s.get("name").unwrap_or(""),
                latchkey_core::now_unix(),
            )
            .await
        }
    };
    match outcome {
        Ok(record) => {
            tracing::info!(client_id = %p.interaction.purpose.client_id(), sub = %session.sub, passkey = %record.id, "passkey added");
            resume(&app, s.pending).await
        }
        Err(occ) if is_refusal(&occ) => {
            let status = crate::http::respond::status_of(&occ);
            show(
                &app,
                p,
                &session.sub,
                &alert(&app, p.view.lang, &occ),
                status,
            )
            .await
        }
        Err(occ) => Err(p.refuse(occ)),
    }
}

/// Back to the journey.
async fn resume(app: &Arc<App>, p: Pending) -> Result<Response, Failure> {
    let purpose = p.interaction.purpose.clone();
    arrive(app, &p.headers, purpose, &p.client, Some(p.interaction)).await
}
