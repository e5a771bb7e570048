//! `POST /account`: one form endpoint, the form's `action` says which
//! change. Every change checks the CSRF token, then that the sign-in is
//! recent (else the person signs in again first; signing this browser out
//! needs no recent sign-in), then makes the change and records it in the
//! audit trail.

use super::{Visit, answer, refused, sign_in, view, visitor};
use crate::app::App;
use crate::audit;
use crate::http::respond::{Failure, see_other};
use crate::http::signin::{self, second_factor};
use crate::http::{attempts, client_address, cookies};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use latchkey_core::audit::{AuditEvent, kind};
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{
    ACCOUNT_PASSKEY_UNKNOWN, ACCOUNT_SESSION_UNKNOWN, CONNECTED_APPLICATION_UNKNOWN,
    CSRF_TOKEN_INVALID, CURRENT_PASSWORD_INVALID, LOGIN_THROTTLED, MALFORMED_BODY,
    NEW_PASSWORD_REJECTED, PROFILE_CLAIM_INVALID, UNSUPPORTED_CONTENT_TYPE,
};
use latchkey_core::journey::login::PasskeyAnswer;
use latchkey_core::request::AccountRequest;
use latchkey_core::{Occurrence, vtr};
use std::sync::Arc;

/// The longest value a profile field may hold.
pub const CLAIM_MAX: usize = 512;

/// What a change answers: a refusal shown on the page (`Err`), or the
/// response (`Ok`). A server fault is the outer `Err` of the functions.
type Answer = Result<Response, Occurrence>;

/// `POST /account`
pub async fn change(
    State(app): State<Arc<App>>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    view: crate::http::language::View,
    body: Bytes,
) -> Result<Response, Failure> {
    if !crate::http::is_form(&headers) {
        return Err(Failure::page(UNSUPPORTED_CONTENT_TYPE.occur()));
    }
    let form = RawParams::parse(
        std::str::from_utf8(&body)
            .map_err(|_| Failure::page(MALFORMED_BODY.with_detail("the form is not UTF-8")))?,
    );
    // The form must come from a page this browser was shown.
    let bound = cookies::browser(&app, &headers)
        .is_some_and(|b| signin::pending::csrf_matches(&app, &b, &form));
    if !bound {
        return Err(Failure::page(CSRF_TOKEN_INVALID.with_detail(
            "the account page's form does not carry this browser's token",
        )));
    }
    let Some(visit) = visitor(&app, &headers, view).await? else {
        return sign_in(&app, &headers, AccountRequest::new("/account")).await;
    };
    let get = |name: &str| form.single(name).ok().flatten().unwrap_or("");
    let action = get("action");
    // Signing this browser out only takes access away: it needs no
    // recent sign-in.
    let signing_out = action == "end_session" && get("sid") == visit.session.sid;
    if !signing_out && let Some(again) = stale(&app, &visit).await.map_err(Failure::page)? {
        tracing::info!(sub = %visit.user.sub, action, "account change asks for a recent sign-in");
        return sign_in(&app, &headers, again).await;
    }
    let address = client_address::of(&extensions, &headers, &app.config.trusted_proxies)
        .map(|ip| ip.to_string());
    let made = match action {
        "profile" => profile(&app, &visit, &form, address).await,
        "password" | "passkey" if action == "password" || get("purpose") == "password" => {
            let proof = if action == "passkey" {
                Proof::Passkey(PasskeyAnswer::read(&form))
            } else {
                Proof::Password(get("current_password").to_string())
            };
            password(
                &app,
                &visit,
                proof,
                get("new_password"),
                get("confirm_password"),
                address,
            )
            .await
        }
        "passkey" => passkey_add(&app, &visit, &form, address).await,
        "passkey_start" => passkey_start(&app, &visit).await,
        "passkey_rename" => passkey_rename(&app, &visit, get("id"), get("name"), address).await,
        "passkey_remove" => passkey_remove(&app, &visit, get("id"), address).await,
        "totp_start" => totp_start(&app, &visit).await,
        "totp_confirm" => totp_confirm(&app, &visit, get("code"), address).await,
        "totp_remove" => totp_remove(&app, &visit, address).await,
        "recovery_codes" => recovery_codes(&app, &visit, address).await,
        "end_session" => end_session(&app, &visit, get("sid"), address).await,
        "revoke" => revoke(&app, &visit, get("client_id"), address).await,
        other => Err(MALFORMED_BODY.with_detail(format!("unknown account action {other:?}"))),
    };
    match made.map_err(Failure::page)? {
        Ok(res) => Ok(res),
        Err(occ) => Ok(refused(&app, &visit, &occ).await),
    }
}

/// The sign-in this change needs first, if the session's is not recent
/// enough: older than `account.reauth_after`, or without the second factor
/// the user has (an authenticator app or a passkey).
async fn stale(app: &App, v: &Visit) -> Result<Option<AccountRequest>, Occurrence> {
    let now = latchkey_core::now_unix();
    let max_age = app.config.account_reauth_after;
    let enrolled = second_factor::factors_of(app, &v.user.sub).await?.any();
    let recent = now - v.session.auth_time <= max_age
        && (!enrolled || vtr::has_second_factor(&v.session.amr));
    if recent {
        return Ok(None);
    }
    let mut again = AccountRequest::new("/account?done=reauth");
    again.max_age = Some(max_age);
    again.login_hint = Some(v.user.username.clone());
    if enrolled {
        again.vtr = vec![vtr::CL_CM];
    }
    Ok(Some(again))
}

/// Back to the page, saying what was done.
fn done(what: &str) -> Response {
    see_other(&format!("/account?done={what}"))
}

fn event(v: &Visit, kind: &str, address: Option<String>) -> AuditEvent {
    AuditEvent::new(&v.actor(), kind, v.target()).address(address)
}

/// Profile: the editable claims only; an empty field removes its claim.
async fn profile(
    app: &App,
    v: &Visit,
    form: &RawParams,
    address: Option<String>,
) -> Result<Answer, Occurrence> {
    let editable = &app.config.account_editable_claims;
    let mut user = v.user.clone();
    let mut changed = Vec::new();
    for (name, value) in form.pairs() {
        let Some(claim) = name.strip_prefix("claim.") else {
            continue;
        };
        if !editable.iter().any(|c| c == claim) {
            return Ok(Err(PROFILE_CLAIM_INVALID.with_detail(format!(
                "{claim} is not in account.editable_claims"
            ))));
        }
        let value = value.trim();
        if value.chars().count() > CLAIM_MAX {
            return Ok(Err(PROFILE_CLAIM_INVALID.with_detail(format!(
                "{claim} is longer than {CLAIM_MAX} characters"
            ))));
        }
        let before = user.claims.get(claim).cloned();
        if value.is_empty() {
            user.claims.remove(claim);
        } else {
            user.claims
                .insert(claim.to_string(), serde_json::Value::String(value.into()));
        }
        if user.claims.get(claim) != before.as_ref() {
            changed.push(claim.to_string());
        }
    }
    if !changed.is_empty() {
        user.updated_at = latchkey_core::now_unix();
        app.store.update_user(&user).await?;
        let e = event(v, kind::PROFILE_UPDATED, address).with("claims", changed);
        audit::record(app, e).await;
    }
    Ok(Ok(done("profile")))
}

/// How the person proves it is them before the password changes: the
/// current password, or a fresh assertion of one of their passkeys (the
/// page's ceremony, bound to this session).
pub enum Proof<'a> {
    Password(String),
    Passkey(PasskeyAnswer<'a>),
}

impl Proof<'_> {
    fn name(&self) -> &'static str {
        match self {
            Proof::Password(_) => "password",
            Proof::Passkey(_) => "passkey",
        }
    }
}

/// Whether `proof` is the user's. Wrong passwords count towards the
/// account's sign-in limit, like the login page's; a passkey cannot be
/// guessed, and its ceremony is used once.
async fn proven(
    app: &App,
    v: &Visit,
    proof: Proof<'_>,
) -> Result<Result<(), Occurrence>, Occurrence> {
    match proof {
        Proof::Passkey(answer) => {
            let now = latchkey_core::now_unix();
            let outcome = match (signin::passkey::answered(&answer), app.passkeys.as_ref()) {
                (Some(occ), _) => Err(occ),
                (None, None) => Err(latchkey_core::catalogue::PASSKEY_RP_MISMATCH
                    .with_detail("passkeys are off: the issuer's host is an IP address")),
                (None, Some(rp)) => rp
                    .finish_second_factor(
                        app.store.as_ref(),
                        &app.secrets,
                        answer.ceremony,
                        &passkey_binding(app, v),
                        &v.user.sub,
                        answer.credential,
                        now,
                    )
                    .await
                    .map(|_| ()),
            };
            match outcome {
                Ok(()) => Ok(Ok(())),
                Err(occ) if signin::passkey::is_refusal(&occ) => Ok(Err(occ)),
                Err(occ) => Err(occ),
            }
        }
        Proof::Password(current) => {
            let key = attempts::account_key(app, &v.user.username);
            if let Some(wait) = attempts::reserve(app, &key, app.config.login_failures).await? {
                return Ok(Err(attempts::throttled(
                    &LOGIN_THROTTLED,
                    "password checks for this account",
                    wait,
                )));
            }
            let slot = app.sign_in_slots.acquire(&key).await;
            let ok = signin::login::password_ok(app, current, v.user.password_hash.clone()).await;
            drop(slot);
            if !ok || v.user.password_hash.is_none() {
                return Ok(Err(CURRENT_PASSWORD_INVALID.occur()));
            }
            app.store.clear_login_failures(&key).await?;
            Ok(Ok(()))
        }
    }
}

async fn password(
    app: &App,
    v: &Visit,
    proof: Proof<'_>,
    new: &str,
    confirm: &str,
    address: Option<String>,
) -> Result<Answer, Occurrence> {
    if let Err(why) = latchkey_core::user::check_password(new) {
        return Ok(Err(
            NEW_PASSWORD_REJECTED.with_detail(format!("the new password {why}"))
        ));
    }
    if new != confirm {
        return Ok(Err(
            NEW_PASSWORD_REJECTED.with_detail("the two copies of the new password differ")
        ));
    }
    let by = proof.name();
    if let Err(occ) = proven(app, v, proof).await? {
        let e = event(v, kind::PASSWORD_CHANGED, address)
            .failed()
            .with("proof", by)
            .with("cause", occ.cause.id);
        audit::record(app, e).await;
        return Ok(Err(occ));
    }
    let new = new.to_string();
    let hash = tokio::task::spawn_blocking(move || latchkey_core::crypto::hash_password(&new))
        .await
        .map_err(|e| {
            latchkey_core::catalogue::INTERNAL_ERROR
                .occur()
                .debug(e.to_string())
        })??;
    let mut user = v.user.clone();
    user.password_hash = Some(hash);
    user.updated_at = latchkey_core::now_unix();
    app.store.update_user(&user).await?;
    // A changed password is often a suspected one: every other browser
    // signed in as this person is signed out (this one stays), and the
    // applications of those sessions are told.
    let mut others = 0;
    let now = latchkey_core::now_unix();
    let horizon = crate::backchannel::revocation_horizon(app, now);
    for s in app.store.list_sessions(&user.sub, now).await? {
        if s.sid == v.session.sid {
            continue;
        }
        let ending =
            crate::backchannel::before_end(app.store.as_ref(), &user.sub, Some(&s.sid)).await;
        if app
            .store
            .end_session(&user.sub, &s.sid, now, horizon)
            .await?
        {
            others += 1;
            crate::backchannel::after_end(app, ending).await;
        }
    }
    audit::record(
        app,
        event(v, kind::PASSWORD_CHANGED, address)
            .with("proof", by)
            .with("other_sessions_ended", others),
    )
    .await;
    Ok(Ok(done("password")))
}

/// Start setting up an authenticator (or continue one already started).
async fn totp_start(app: &App, v: &Visit) -> Result<Answer, Occurrence> {
    match second_factor::pending_key(app, &v.user.sub).await? {
        Some(key) => Ok(Ok(answer(
            v,
            StatusCode::OK,
            view::enrol(app, v, &key, None),
        ))),
        // One is set up already (another tab).
        None => Ok(Ok(done("totp"))),
    }
}

/// Its first code turns it on; the recovery codes are shown once. The
/// session now holds the second factor too.
async fn totp_confirm(
    app: &App,
    v: &Visit,
    code: &str,
    address: Option<String>,
) -> Result<Answer, Occurrence> {
    let now = latchkey_core::now_unix();
    match second_factor::enrol(app, &v.user.sub, code, now).await? {
        Err(occ) => {
            tracing::info!(error_id = %occ.error_id, cause = occ.cause.id, sub = %v.user.sub, "account authenticator not confirmed");
            match second_factor::pending_key(app, &v.user.sub).await? {
                Some(key) => Ok(Ok(answer(
                    v,
                    crate::http::respond::status_of(&occ),
                    view::enrol(app, v, &key, Some(&occ)),
                ))),
                None => Ok(Err(occ)),
            }
        }
        Ok(codes) => {
            let amr = latchkey_core::journey::second_factor::amr();
            app.store.set_session_amr(&v.session.id_hash, &amr).await?;
            audit::record(app, event(v, kind::TOTP_ENROLLED, address)).await;
            let codes = codes.unwrap_or_default();
            Ok(Ok(answer(
                v,
                StatusCode::OK,
                view::recovery_codes(app, v, &codes),
            )))
        }
    }
}

/// Remove the authenticator and its recovery codes.
async fn totp_remove(app: &App, v: &Visit, address: Option<String>) -> Result<Answer, Occurrence> {
    if app.store.delete_totp(&v.user.sub).await? {
        audit::record(app, event(v, kind::TOTP_REMOVED, address)).await;
    }
    Ok(Ok(done("totp_removed")))
}

/// A new set of recovery codes, the old ones void.
async fn recovery_codes(
    app: &App,
    v: &Visit,
    address: Option<String>,
) -> Result<Answer, Occurrence> {
    let enrolled = app
        .store
        .get_totp(&v.user.sub)
        .await?
        .is_some_and(|t| t.confirmed_at.is_some());
    if !enrolled {
        return Ok(Ok(done("totp")));
    }
    let now = latchkey_core::now_unix();
    let codes = second_factor::new_recovery_codes(app, &v.user.sub, now).await?;
    audit::record(app, event(v, kind::RECOVERY_CODES_REGENERATED, address)).await;
    Ok(Ok(answer(
        v,
        StatusCode::OK,
        view::recovery_codes(app, v, &codes),
    )))
}

/// End one of the person's sessions; their own signs this browser out.
async fn end_session(
    app: &App,
    v: &Visit,
    sid: &str,
    address: Option<String>,
) -> Result<Answer, Occurrence> {
    let ending = crate::backchannel::before_end(app.store.as_ref(), &v.user.sub, Some(sid)).await;
    let now = latchkey_core::now_unix();
    let horizon = crate::backchannel::revocation_horizon(app, now);
    if !app
        .store
        .end_session(&v.user.sub, sid, now, horizon)
        .await?
    {
        return Ok(Err(
            ACCOUNT_SESSION_UNKNOWN.with_detail(format!("sid {sid}"))
        ));
    }
    crate::backchannel::after_end(app, ending).await;
    let current = sid == v.session.sid;
    let e = event(v, kind::SESSION_ENDED, address)
        .with("sid", sid)
        .with("current", current);
    audit::record(app, e).await;
    if !current {
        return Ok(Ok(done("session_ended")));
    }
    let mut res = answer(v, StatusCode::OK, view::signed_out(app, v));
    if let Some(c) = cookies::set(app, cookies::Cookie::Session, "", Some(0)) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(Ok(res))
}

/// Disconnect an application: its consent, refresh tokens and access
/// tokens go (its grants are revoked, which `/userinfo`, introspection and
/// `/token` check).
async fn revoke(
    app: &App,
    v: &Visit,
    client_id: &str,
    address: Option<String>,
) -> Result<Answer, Occurrence> {
    let now = latchkey_core::now_unix();
    // Revoked grants are remembered as long as any token of them can live.
    let keep_until = now
        + app
            .config
            .refresh_token_ttl
            .max(latchkey_core::token::ACCESS_TOKEN_TTL_MAX);
    if !app
        .store
        .revoke_consent(&v.user.sub, client_id, now, keep_until)
        .await?
    {
        return Ok(Err(
            CONNECTED_APPLICATION_UNKNOWN.with_detail(format!("client_id {client_id}"))
        ));
    }
    let e = event(v, kind::CONSENT_REVOKED, address).with("client_id", client_id);
    audit::record(app, e).await;
    Ok(Ok(done("revoked")))
}

/// What binds this page's passkey ceremonies: the session (its keyed
/// hash, hashed again), so a ceremony started for one session is finished
/// by it alone.
pub(crate) fn passkey_binding(app: &App, v: &Visit) -> String {
    app.secrets
        .hash(&format!("passkey-binding:account:{}", v.session.id_hash))
}

/// "Add a passkey": the page that runs the registration, the person
/// naming the passkey.
async fn passkey_start(app: &App, v: &Visit) -> Result<Answer, Occurrence> {
    passkey_add_page(app, v, None, StatusCode::OK).await
}

async fn passkey_add_page(
    app: &App,
    v: &Visit,
    alert: Option<&Occurrence>,
    status: StatusCode,
) -> Result<Answer, Occurrence> {
    let Some(rp) = app.passkeys.as_ref() else {
        return Ok(Err(latchkey_core::catalogue::PASSKEY_RP_MISMATCH
            .with_detail(
                "passkeys are off: the issuer's host is an IP address",
            )));
    };
    let started = rp
        .start_registration(
            app.store.as_ref(),
            &app.secrets,
            &v.user,
            &passkey_binding(app, v),
            latchkey_core::now_unix(),
        )
        .await?;
    Ok(Ok(answer(
        v,
        status,
        view::passkey_add(app, v, &started, alert),
    )))
}

/// The browser's answer to the registration: the passkey is kept under
/// the name given, or the page says why not and offers another try.
async fn passkey_add(
    app: &App,
    v: &Visit,
    form: &RawParams,
    address: Option<String>,
) -> Result<Answer, Occurrence> {
    let answer = PasskeyAnswer::read(form);
    let name = form.single("name").ok().flatten().unwrap_or("");
    let outcome = match (signin::passkey::answered(&answer), app.passkeys.as_ref()) {
        (Some(occ), _) => Err(occ),
        (None, None) => Err(latchkey_core::catalogue::PASSKEY_RP_MISMATCH
            .with_detail("passkeys are off: the issuer's host is an IP address")),
        (None, Some(rp)) => {
            rp.finish_registration(
                app.store.as_ref(),
                &app.secrets,
                answer.ceremony,
                &passkey_binding(app, v),
                &v.user.sub,
                answer.credential,
                name,
                latchkey_core::now_unix(),
            )
            .await
        }
    };
    match outcome {
        Ok(record) => {
            // The passkey was just made with the user verified: this
            // session now holds a second factor, as after setting up an
            // authenticator app.
            let amr = latchkey_core::journey::second_factor::passkey_amr();
            app.store.set_session_amr(&v.session.id_hash, &amr).await?;
            let e = event(v, kind::PASSKEY_ADDED, address)
                .with("passkey", record.id.as_str())
                .with("name", record.name.as_str());
            audit::record(app, e).await;
            Ok(Ok(done("passkey_added")))
        }
        Err(occ) if signin::passkey::is_refusal(&occ) => {
            tracing::info!(error_id = %occ.error_id, cause = occ.cause.id, sub = %v.user.sub, detail = %occ.description(), "passkey not added on the account page");
            let status = crate::http::respond::status_of(&occ);
            passkey_add_page(app, v, Some(&occ), status).await
        }
        Err(occ) => Err(occ),
    }
}

/// A new name for one of the person's passkeys.
async fn passkey_rename(
    app: &App,
    v: &Visit,
    id: &str,
    name: &str,
    address: Option<String>,
) -> Result<Answer, Occurrence> {
    let name = latchkey_core::passkey::clean_name(name);
    if !app.store.rename_passkey(&v.user.sub, id, &name).await? {
        return Ok(Err(
            ACCOUNT_PASSKEY_UNKNOWN.with_detail(format!("passkey {id}"))
        ));
    }
    let e = event(v, kind::PASSKEY_RENAMED, address)
        .with("passkey", id)
        .with("name", name);
    audit::record(app, e).await;
    Ok(Ok(done("passkey_renamed")))
}

/// Remove one of the person's passkeys: signing in with it is refused
/// from now on.
async fn passkey_remove(
    app: &App,
    v: &Visit,
    id: &str,
    address: Option<String>,
) -> Result<Answer, Occurrence> {
    if !app.store.delete_passkey(&v.user.sub, id).await? {
        return Ok(Err(
            ACCOUNT_PASSKEY_UNKNOWN.with_detail(format!("passkey {id}"))
        ));
    }
    audit::record(
        app,
        event(v, kind::PASSKEY_REMOVED, address).with("passkey", id),
    )
    .await;
    Ok(Ok(done("passkey_removed")))
}
