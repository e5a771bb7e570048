//! The second-factor page, `/mfa`: a TOTP code (or a recovery code) after
//! the password when the requested vector of trust needs `Cm`, and TOTP
//! enrolment for users without an authenticator (QR code and key, a
//! confirmation code, then recovery codes shown once); or one of the
//! user's passkeys ("Use a passkey", through the passkey script). Same
//! rules as the login page: CSRF-protected, bound to the browser, and
//! codes work without JavaScript.

use super::passkey;
use super::pending::{Pending, Submitted};
use super::{arrive, end, signed_in};
use crate::app::App;
use crate::http::attempts;
use crate::http::pages::{html, html_response, layout};
use crate::http::respond::Failure;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use latchkey_core::catalogue::{
    RECOVERY_CODE_INVALID, SESSION_LOST, TOTP_CODE_INVALID, TOTP_CONFIRMATION_INVALID,
    TOTP_THROTTLED, USER_CANCELED,
};
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::factors::{TotpRecord, totp_context};
use latchkey_core::journey::second_factor::{self, Action};
use latchkey_core::session::SessionRecord;
use latchkey_core::{Occurrence, totp};
use std::sync::Arc;

/// The user's authenticator key, opened; `None` when it has none.
async fn key_of(app: &App, sub: &str) -> Result<Option<(TotpRecord, Vec<u8>)>, Occurrence> {
    let Some(record) = app.store.get_totp(sub).await? else {
        return Ok(None);
    };
    let key = app
        .secrets
        .open(&record.secret_sealed, &totp_context(sub))?;
    Ok(Some((record, key)))
}

/// An error shown on the page itself, with its cause and reference, like
/// the login page's wrong password; logged once with its `error_id`.
fn alert(app: &App, occ: &Occurrence, message: &str) -> String {
    tracing::info!(error_id = %occ.error_id, cause = occ.cause.id, "second factor refused");
    format!(
        "<p class=\"error\" role=\"alert\" id=\"mfa-error\">{} \
<a href=\"{}/errors/{}#{}\">{}</a></p>",
        esc(message),
        esc(&app.config.issuer),
        occ.cause.code.as_str(),
        occ.cause.id,
        occ.cause.id,
    )
}

fn hidden_fields(app: &App, p: &Pending) -> String {
    format!(
        "<input type=\"hidden\" name=\"i\" value=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&p.interaction.id),
        esc(&p.csrf(app))
    )
}

/// Ask for the code of an enrolled authenticator, or a recovery code.
fn verify_page(app: &App, p: &Pending, error: &str) -> String {
    let lang = p.view.lang;
    let t = |id: &str| esc(&lang.t(id));
    let client = format!("<strong>{}</strong>", esc(p.client_name()));
    let fields = hidden_fields(app, p);
    let body = format!(
        "<h1>{heading}</h1><p class=\"muted\">{to_continue}</p>{error}\
<form method=\"post\" action=\"/mfa\">{fields}\
<label for=\"code\">{code_label}</label>\
<input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" pattern=\"[0-9 ]*\" autocomplete=\"one-time-code\" required autofocus>\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"verify\" class=\"primary\">{continue_}</button>\
<button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>{cancel}</button></div></form>\
<details><summary>{use_recovery}</summary>\
<form method=\"post\" action=\"/mfa\">{fields}\
<label for=\"recovery_code\">{recovery_label}</label>\
<input id=\"recovery_code\" name=\"recovery_code\" type=\"text\" autocomplete=\"off\" required>\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"recovery\">{recovery_button}</button></div></form></details>",
        heading = t("mfa-verify-heading"),
        to_continue = html(lang, "to-continue-to", &[("client", &client)]),
        code_label = t("mfa-code-label"),
        continue_ = t("continue"),
        cancel = t("cancel"),
        use_recovery = t("mfa-use-recovery"),
        recovery_label = t("mfa-recovery-label"),
        recovery_button = t("mfa-recovery-button"),
    );
    layout(&app.brand, &p.view, &lang.t("mfa-verify-title"), &body)
}

/// The QR code (inline SVG) of a new authenticator's key, and the key in
/// groups of four as authenticator apps show it, to type by hand. Shared
/// with the account page's enrolment.
pub(crate) fn enrolment_view(app: &App, account: &str, key: &[u8]) -> (String, String) {
    let uri = totp::otpauth_uri(&app.brand.name, account, key);
    let qr = qrcode::QrCode::new(uri.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    // Inline in HTML: drop the XML declaration before the <svg> element.
    let qr = qr.find("<svg").map(|at| &qr[at..]).unwrap_or_default();
    let encoded = totp::base32_encode(key);
    let grouped: Vec<String> = encoded
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    (qr.to_string(), grouped.join(" "))
}

/// The recovery codes as the list shown once.
pub(crate) fn recovery_list(codes: &[String]) -> String {
    let items: String = codes
        .iter()
        .map(|c| format!("<li><code>{}</code></li>", esc(c)))
        .collect();
    format!("<ul class=\"recovery-codes\">{items}</ul>")
}

/// Enrolment: the QR code (inline SVG) and the key to type by hand.
fn enrol_page(app: &App, p: &Pending, account: &str, key: &[u8], error: &str) -> String {
    let lang = p.view.lang;
    let t = |id: &str| esc(&lang.t(id));
    let client = format!("<strong>{}</strong>", esc(p.client_name()));
    let (qr, grouped) = enrolment_view(app, account, key);
    let body = format!(
        "<h1>{heading}</h1><p class=\"muted\">{asks}</p>{error}\
<p>{scan}</p>\
<div class=\"qr\" role=\"img\" aria-label=\"{qr_label}\">{qr}</div>\
<p>{type_key}</p><p><code id=\"totp-key\">{key}</code></p>\
<form method=\"post\" action=\"/mfa\">{fields}\
<label for=\"code\">{code_label}</label>\
<input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" pattern=\"[0-9 ]*\" autocomplete=\"one-time-code\" required autofocus>\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"enrol\" class=\"primary\">{continue_}</button>\
<button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>{cancel}</button></div></form>",
        heading = t("mfa-enrol-heading"),
        asks = html(lang, "mfa-enrol-asks", &[("client", &client)]),
        scan = t("mfa-enrol-scan"),
        qr_label = t("mfa-enrol-qr-label"),
        type_key = t("mfa-enrol-type-key"),
        code_label = t("mfa-enrol-code-label"),
        continue_ = t("continue"),
        cancel = t("cancel"),
        key = esc(&grouped),
        fields = hidden_fields(app, p),
    );
    layout(&app.brand, &p.view, &lang.t("mfa-enrol-title"), &body)
}

/// The recovery codes, shown once, right after enrolment.
fn recovery_page(app: &App, p: &Pending, codes: &[String]) -> String {
    let t = |id: &str| esc(&p.view.lang.t(id));
    let items = recovery_list(codes);
    let body = format!(
        "<h1>{heading}</h1><p>{explain}</p>{items}\
<form method=\"post\" action=\"/mfa\">{fields}\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"continue\" class=\"primary\" autofocus>{saved}</button></div></form>",
        heading = t("mfa-codes-heading"),
        explain = t("mfa-codes-explain"),
        saved = t("mfa-codes-saved"),
        fields = hidden_fields(app, p),
    );
    layout(
        &app.brand,
        &p.view,
        &p.view.lang.t("mfa-codes-title"),
        &body,
    )
}

/// A pending enrolment's key: the one already started, or a new one.
pub(crate) async fn pending_key(app: &App, sub: &str) -> Result<Option<Vec<u8>>, Occurrence> {
    match key_of(app, sub).await? {
        Some((record, key)) if record.confirmed_at.is_none() => return Ok(Some(key)),
        Some(_) => return Ok(None),
        None => {}
    }
    let key = totp::generate_secret()?;
    let record = TotpRecord {
        sub: sub.to_string(),
        secret_sealed: app.secrets.seal(&key, &totp_context(sub))?,
        confirmed_at: None,
        last_step: None,
        created_at: latchkey_core::now_unix(),
    };
    // False: an authenticator was confirmed meanwhile (another tab).
    Ok(app.store.put_totp(&record, false).await?.then_some(key))
}

/// "Use a passkey", when the user has one: a ceremony for their passkeys,
/// bound to this sign-in. `note` is shown above the button once the script
/// runs.
async fn passkey_section(
    app: &App,
    p: &Pending,
    session: &SessionRecord,
    note: &str,
) -> Result<String, Occurrence> {
    let Some(rp) = app.passkeys.as_ref() else {
        return Ok(String::new());
    };
    let now = latchkey_core::now_unix();
    let Some(started) = rp
        .start_second_factor(
            app.store.as_ref(),
            &app.secrets,
            &session.sub,
            &p.interaction.id,
            now,
        )
        .await?
    else {
        return Ok(String::new());
    };
    let lang = p.view.lang;
    let inner = format!(
        "<p data-passkey-only hidden>{}</p>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\" id=\"passkey-second-factor\" data-passkey-start hidden>{}</button></div>",
        esc(&lang.t(note)),
        esc(&lang.t("passkey-use")),
    );
    Ok(format!(
        "{}<script src=\"/assets/passkey.js\"></script>",
        passkey::form(
            &started,
            "get",
            "/mfa",
            &hidden_fields(app, p),
            false,
            &inner
        )
    ))
}

/// For a user with passkeys and no authenticator app: the passkey alone,
/// with a way to set up an app instead (the only way without JavaScript).
fn passkey_page(app: &App, p: &Pending, passkey: &str, error: &str) -> String {
    let lang = p.view.lang;
    let t = |id: &str| esc(&lang.t(id));
    let client = format!("<strong>{}</strong>", esc(p.client_name()));
    let body = format!(
        "<h1>{heading}</h1><p class=\"muted\">{asks}</p>{error}{passkey}\
<p><a href=\"/mfa?i={i}&amp;enrol=1\" id=\"mfa-enrol-instead\" class=\"back\">{instead}</a></p>\
<form method=\"post\" action=\"/mfa\">{fields}\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>{cancel}</button></div></form>",
        heading = t("mfa-passkey-heading"),
        asks = html(lang, "mfa-enrol-asks", &[("client", &client)]),
        i = esc(&p.interaction.id),
        instead = t("mfa-passkey-enrol-instead"),
        cancel = t("cancel"),
        fields = hidden_fields(app, p),
    );
    layout(&app.brand, &p.view, &lang.t("mfa-passkey-title"), &body)
}

/// The page for this user's state: verify when an authenticator app is
/// set up; else, for a user with a passkey, the passkey alone unless
/// `enrol` asks for an app; else enrolment. "Use a passkey" sits above the
/// code forms when the user has one.
async fn page(
    app: &App,
    p: &Pending,
    session: &SessionRecord,
    error: &str,
    enrol: bool,
) -> Result<String, Occurrence> {
    let confirmed = key_of(app, &session.sub)
        .await?
        .is_some_and(|(record, _)| record.confirmed_at.is_some());
    let note = if confirmed || enrol {
        "passkey-use-note"
    } else {
        "mfa-passkey-note"
    };
    let passkey = passkey_section(app, p, session, note).await?;
    if !confirmed && !enrol && !passkey.is_empty() {
        return Ok(passkey_page(app, p, &passkey, error));
    }
    let html = if let Some(key) = pending_key(app, &session.sub).await? {
        let account = super::username(app, &session.sub).await?;
        enrol_page(app, p, &account, &key, error)
    } else {
        verify_page(app, p, error)
    };
    Ok(if passkey.is_empty() {
        html
    } else {
        html.replacen(
            "<form method=\"post\" action=\"/mfa\">",
            &format!("{passkey}<form method=\"post\" action=\"/mfa\">"),
            1,
        )
    })
}

/// The query of `GET /mfa` besides the sign-in's `i`.
#[derive(serde::Deserialize, Default)]
struct MfaQuery {
    /// Set up an authenticator app although the user has a passkey.
    enrol: Option<String>,
}

/// `GET /mfa?i=…`
pub async fn form(
    State(app): State<Arc<App>>,
    uri: axum::http::Uri,
    p: Pending,
) -> Result<Response, Failure> {
    let session = signed_in(&app, &p).await?;
    let query = Query::<MfaQuery>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    let html = page(&app, &p, &session, "", query.enrol.is_some())
        .await
        .map_err(p.back())?;
    Ok(passkey::with_script(html_response(StatusCode::OK, html)))
}

/// `action=passkey`: one of the user's passkeys as the factor.
async fn passkey_factor(
    app: &Arc<App>,
    s: Submitted,
    session: SessionRecord,
    address: Option<String>,
) -> Result<Response, Failure> {
    let p = &s.pending;
    let answer = latchkey_core::journey::login::PasskeyAnswer::read(&s.form);
    let outcome = match (passkey::answered(&answer), app.passkeys.as_ref()) {
        (Some(occ), _) => Err(occ),
        (None, None) => Err(latchkey_core::catalogue::PASSKEY_RP_MISMATCH
            .with_detail("passkeys are off: the issuer's host is an IP address")),
        (None, Some(rp)) => {
            rp.finish_second_factor(
                app.store.as_ref(),
                &app.secrets,
                answer.ceremony,
                &p.interaction.id,
                &session.sub,
                answer.credential,
                latchkey_core::now_unix(),
            )
            .await
        }
    };
    match outcome {
        Ok(record) => {
            let amr = second_factor::passkey_amr();
            if !app
                .store
                .set_session_amr(&session.id_hash, &amr)
                .await
                .map_err(|e| p.refuse(e.into()))?
            {
                return Err(
                    p.refuse(SESSION_LOST.with_detail("the browser is no longer signed in"))
                );
            }
            tracing::info!(client_id = %p.interaction.purpose.client_id(), sub = %session.sub, amr = ?amr, passkey = %record.id, method = "passkey", "second factor passed");
            let event = factor_event(p, &session, "passkey", address, None)
                .with("passkey", record.id.as_str());
            crate::audit::record(app, event).await;
            resume(app, s.pending).await
        }
        Err(occ) if passkey::is_refusal(&occ) => {
            let event = factor_event(p, &session, "passkey", address, Some(occ.cause.id));
            crate::audit::record(app, event).await;
            let html = page(
                app,
                p,
                &session,
                &passkey::alert(app, p.view.lang, &occ),
                false,
            )
            .await
            .map_err(p.back())?;
            Ok(passkey::with_script(html_response(
                crate::http::respond::status_of(&occ),
                html,
            )))
        }
        Err(occ) => Err(p.refuse(occ)),
    }
}

/// `POST /mfa`: verify a code or a recovery code, confirm an enrolment,
/// continue after the recovery codes, or cancel.
pub async fn submit(
    State(app): State<Arc<App>>,
    extensions: axum::http::Extensions,
    s: Submitted,
) -> Result<Response, Failure> {
    let p = &s.pending;
    let back = p.back();
    let session = signed_in(&app, p).await?;
    let address =
        crate::http::client_address::of(&extensions, &p.headers, &app.config.trusted_proxies)
            .map(|ip| ip.to_string());
    let action = second_factor::read(&s.form);
    match action {
        Action::Cancel => return Err(end(&app, &p.interaction, USER_CANCELED.occur()).await),
        // After the recovery codes: the session already has the factor.
        Action::Continue => return resume(&app, s.pending).await,
        Action::Passkey(_) => return passkey_factor(&app, s, session, address).await,
        _ => {}
    }
    let sub = session.sub.clone();
    let key = second_factor::throttle_key(&sub);
    // Reserved before the code is checked, like a password (attempts.rs).
    if let Some(wait) = attempts::reserve(&app, &key, app.config.login_failures)
        .await
        .map_err(&back)?
    {
        return Err(Failure::page(attempts::throttled(
            &TOTP_THROTTLED,
            "codes",
            wait,
        )));
    }
    let slot = app.sign_in_slots.acquire(&key).await;
    let now = latchkey_core::now_unix();
    let outcome = match action {
        Action::Recovery(code) => {
            let presented = totp::normalize_recovery_code(code);
            let hash = app.secrets.hash(&format!("recovery:{presented}"));
            if app
                .store
                .use_recovery_code(&sub, &hash, now)
                .await
                .map_err(|e| back(e.into()))?
            {
                Ok(None)
            } else {
                Err(RECOVERY_CODE_INVALID.occur())
            }
        }
        Action::Enrol(code) => enrol(&app, &sub, code, now).await.map_err(&back)?,
        Action::Verify(code) => verify(&app, &sub, code, now).await.map_err(&back)?,
        Action::Cancel | Action::Continue | Action::Passkey(_) => Ok(None),
    };
    drop(slot);
    match outcome {
        Err(occ) => {
            // A mistyped confirmation during enrolment guesses nothing.
            if occ.is(&TOTP_CONFIRMATION_INVALID) {
                app.store
                    .release_attempt(&key)
                    .await
                    .map_err(|e| back(e.into()))?;
            }
            if !occ.is(&TOTP_CONFIRMATION_INVALID) {
                let event = factor_event(p, &session, action.method(), address, Some(occ.cause.id));
                crate::audit::record(&app, event).await;
            }
            let message = second_factor::refusal(p.view.lang, occ.cause.id);
            let enrolling = matches!(action, Action::Enrol(_));
            let html = page(&app, p, &session, &alert(&app, &occ, &message), enrolling)
                .await
                .map_err(&back)?;
            Ok(passkey::with_script(html_response(
                crate::http::respond::status_of(&occ),
                html,
            )))
        }
        Ok(recovery_codes) => {
            app.store
                .clear_login_failures(&key)
                .await
                .map_err(|e| back(e.into()))?;
            let amr = second_factor::amr();
            if !app
                .store
                .set_session_amr(&session.id_hash, &amr)
                .await
                .map_err(|e| back(e.into()))?
            {
                return Err(back(
                    SESSION_LOST.with_detail("the browser is no longer signed in"),
                ));
            }
            tracing::info!(client_id = %p.interaction.purpose.client_id(), sub = %sub, amr = ?amr, method = action.method(), "second factor passed");
            let event = factor_event(p, &session, action.method(), address, None);
            crate::audit::record(&app, event).await;
            if let Some(codes) = recovery_codes {
                return Ok(html_response(
                    StatusCode::OK,
                    recovery_page(&app, p, &codes),
                ));
            }
            resume(&app, s.pending).await
        }
    }
}

/// `sign_in.second_factor` by the signed-in user: passed, or refused
/// with `cause`.
fn factor_event(
    p: &Pending,
    session: &SessionRecord,
    method: &str,
    address: Option<String>,
    cause: Option<&str>,
) -> latchkey_core::audit::AuditEvent {
    use latchkey_core::audit::{Actor, AuditEvent, kind};
    let event = AuditEvent::new(
        &Actor::User(session.sub.clone()),
        kind::SECOND_FACTOR,
        format!("user:{}", session.sub),
    )
    .address(address)
    .with("client_id", p.interaction.purpose.client_id())
    .with(
        "method",
        match method {
            "verify" => "totp",
            "enrol" => "totp_enrolment",
            "recovery" => "recovery_code",
            other => other,
        },
    )
    .with("sid", session.sid.as_str());
    match cause {
        Some(cause) => event.failed().with("cause", cause),
        None => event,
    }
}

/// Back to the journey with the factor in the session.
async fn resume(app: &Arc<App>, p: Pending) -> Result<Response, Failure> {
    let purpose = p.interaction.purpose.clone();
    arrive(app, &p.headers, purpose, &p.client, Some(p.interaction)).await
}

/// Check a code of the enrolled authenticator; a step is accepted once.
/// `Ok(Err(..))` is a wrong code, `Err` a server fault.
pub(crate) async fn verify(
    app: &App,
    sub: &str,
    code: &str,
    now: i64,
) -> Result<Result<Option<Vec<String>>, Occurrence>, Occurrence> {
    let Some((record, key)) = key_of(app, sub).await? else {
        return Ok(Err(
            TOTP_CODE_INVALID.with_detail("the user has no authenticator")
        ));
    };
    if record.confirmed_at.is_none() {
        return Ok(Err(
            TOTP_CODE_INVALID.with_detail("the authenticator is not set up yet")
        ));
    }
    let Some(step) = totp::verify(&key, code, now) else {
        return Ok(Err(TOTP_CODE_INVALID.with_detail("the code does not match")));
    };
    if !app.store.use_totp_step(sub, step).await? {
        return Ok(Err(
            TOTP_CODE_INVALID.with_detail("the code was already used")
        ));
    }
    Ok(Ok(None))
}

/// Confirm a pending enrolment with its first code; hand out recovery codes.
pub(crate) async fn enrol(
    app: &App,
    sub: &str,
    code: &str,
    now: i64,
) -> Result<Result<Option<Vec<String>>, Occurrence>, Occurrence> {
    let pending = key_of(app, sub)
        .await?
        .filter(|(record, _)| record.confirmed_at.is_none());
    let Some((_, key)) = pending else {
        return Ok(Err(
            TOTP_CONFIRMATION_INVALID.with_detail("no authenticator is being set up")
        ));
    };
    let Some(step) = totp::verify(&key, code, now) else {
        return Ok(Err(
            TOTP_CONFIRMATION_INVALID.with_detail("the code does not match the new key")
        ));
    };
    if !app.store.confirm_totp(sub, step, now).await? {
        return Ok(Err(
            TOTP_CONFIRMATION_INVALID.with_detail("the authenticator was already set up")
        ));
    }
    Ok(Ok(Some(new_recovery_codes(app, sub, now).await?)))
}

/// A new set of recovery codes for `sub`, replacing any earlier set; only
/// their hashes are kept.
pub(crate) async fn new_recovery_codes(
    app: &App,
    sub: &str,
    now: i64,
) -> Result<Vec<String>, Occurrence> {
    let codes = (0..totp::RECOVERY_CODES)
        .map(|_| totp::recovery_code())
        .collect::<Result<Vec<String>, _>>()?;
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| {
            app.secrets
                .hash(&format!("recovery:{}", totp::normalize_recovery_code(c)))
        })
        .collect();
    app.store.put_recovery_codes(sub, &hashes, now).await?;
    Ok(codes)
}

/// The second factors a user has: a confirmed authenticator app, and
/// passkeys (counted only while passkeys are on: with them off, none
/// could be used).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Factors {
    pub totp: bool,
    pub passkeys: bool,
}

impl Factors {
    pub fn any(self) -> bool {
        self.totp || self.passkeys
    }
}

pub(crate) async fn factors_of(app: &App, sub: &str) -> Result<Factors, Occurrence> {
    let totp = app
        .store
        .get_totp(sub)
        .await?
        .is_some_and(|t| t.confirmed_at.is_some());
    let passkeys = app.passkeys.is_some() && !app.store.list_passkeys(sub).await?.is_empty();
    Ok(Factors { totp, passkeys })
}
