//! The sign-in journey over HTTP: the I/O around the steps in
//! `latchkey_core::journey`. Each handler parses (the [`pending`]
//! extractors load the sign-in and check the form's CSRF token), calls the
//! step, and performs its outcome here: park the sign-in and show a page,
//! finish (a code for the client, an approved device), or refuse on the
//! purpose's channel.

pub mod account_chooser;
pub mod consent;
pub mod device;
pub mod login;
pub mod passkey;
pub mod pending;
pub mod second_factor;

use super::cookies::{self, Cookie};
use super::respond::{Channel, Failure, redirect};
use crate::app::App;
use crate::http::language;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use latchkey_core::Occurrence;
use latchkey_core::catalogue::SESSION_LOST;
use latchkey_core::client::ClientRecord;
use latchkey_core::crypto::random_token;
use latchkey_core::i18n::Lang;
use latchkey_core::journey::arrive::{self, Arrival};
use latchkey_core::journey::{INTERACTION_TTL, Outcome, Page, SESSION_TTL, finish};
use latchkey_core::logout::verify_hint;
use latchkey_core::request::{AuthorizeRequest, Purpose};
use latchkey_core::session::{ConsentGrant, InteractionRecord, SessionRecord};
use latchkey_core::vtr::Vector;
use std::sync::Arc;

/// A refusal of this sign-in, on its channel: redirected to the client once
/// its redirect URI is verified, on the page for a device.
pub fn refuse(purpose: &Purpose, occ: Occurrence) -> Failure {
    back(purpose)(occ)
}

/// [`refuse`] as a closure, for `map_err`: it keeps only where the
/// refusal goes, not a copy of the whole request.
pub fn back(purpose: &Purpose) -> impl Fn(Occurrence) -> Failure + use<> {
    let target = purpose.error_target();
    let client_id = purpose.client_id().to_string();
    move |occ| {
        let occ = occ.client(client_id.clone());
        match &target {
            Some(target) => Failure {
                occ,
                channel: Channel::Redirect(target.clone()),
            },
            None => Failure::page(occ),
        }
    }
}

/// A failure to the client of a verified authorization request.
pub fn to_client(req: &AuthorizeRequest) -> impl Fn(Occurrence) -> Failure + use<> {
    back(&Purpose::Authorize(req.clone()))
}

/// End the sign-in with `occ`: the interaction is finished (so its pages
/// cannot be submitted after the client got its answer) and the refusal
/// goes down the purpose's channel.
/// A device's request ends denied: the device is told `access_denied`.
pub async fn end(app: &App, interaction: &InteractionRecord, occ: Occurrence) -> Failure {
    let _ = app.store.take_interaction(&interaction.id).await;
    if let Purpose::Device { device } = &interaction.purpose {
        let now = latchkey_core::now_unix();
        let _ = app
            .store
            .decide_device_grant(&device.user_code_hash, None, now)
            .await;
    }
    refuse(&interaction.purpose, occ)
}

/// What the pages of a sign-in for the account page show as its client:
/// no registered client stands behind it, nothing is consented to, and
/// the person is told they are signing in to their account.
pub fn account_client() -> ClientRecord {
    use latchkey_core::client::ClientMetadata;
    ClientRecord {
        client_id: latchkey_core::request::AccountRequest::CLIENT_ID.to_string(),
        secret_hash: None,
        previous_secret: None,
        active: true,
        metadata: ClientMetadata {
            client_name: Some("your account".to_string()),
            skip_consent: true,
            ..Default::default()
        },
        created_at: 0,
        updated_at: 0,
    }
}

/// The live session of this browser, if any.
pub async fn session(app: &App, headers: &HeaderMap) -> Result<Option<SessionRecord>, Occurrence> {
    let Some(token) = cookies::get(app, headers, Cookie::Session) else {
        return Ok(None);
    };
    let found = app.store.get_session(&app.secrets.hash(&token)).await?;
    Ok(found.filter(|s| s.expires_at > latchkey_core::now_unix()))
}

/// Arrive with `purpose` (a new request, or a sign-in resumed after a
/// step) and act on what the journey says comes next.
pub async fn arrive(
    app: &Arc<App>,
    headers: &HeaderMap,
    purpose: Purpose,
    client: &ClientRecord,
    interaction: Option<InteractionRecord>,
) -> Result<Response, Failure> {
    let session = session(app, headers).await.map_err(back(&purpose))?;
    arrive_with(app, headers, purpose, client, interaction, session).await
}

/// [`arrive`] with the browser's session already in hand (a sign-in that
/// just made it): no second read of what was just written.
pub async fn arrive_with(
    app: &Arc<App>,
    headers: &HeaderMap,
    purpose: Purpose,
    client: &ClientRecord,
    interaction: Option<InteractionRecord>,
    session: Option<SessionRecord>,
) -> Result<Response, Failure> {
    let back = back(&purpose);
    let hinted = match purpose.authorize().and_then(|r| r.id_token_hint()) {
        Some(t) => {
            let hint = verify_hint(t, &app.keys(), &app.config.issuer).map_err(&back)?;
            // A pairwise client's ID token names the user by the client's
            // own `sub` (OIDC Core §8): the session's user when it maps to it.
            let local = session
                .as_ref()
                .filter(|s| client.subject(&app.secrets, &s.sub) == hint.sub)
                .map(|s| s.sub.clone());
            Some(local.unwrap_or(hint.sub))
        }
        None => None,
    };
    let resuming = interaction.is_some();
    let session =
        arrive::counted_session(&purpose, session, hinted.as_deref(), resuming).map_err(&back)?;
    let needs = arrive::needs(&purpose, session.as_ref(), resuming);
    let (mut user, mut granted, mut identity, mut enrolled) = (None, None, 0, false);
    if let Some(s) = &session {
        let store = &app.store;
        let e = |e: latchkey_core::store::StoreError| back(e.into());
        if needs.user {
            user = store.get_user(&s.sub).await.map_err(e)?;
        }
        if needs.consent {
            granted = store
                .get_consent(&s.sub, &client.client_id)
                .await
                .map_err(e)?;
        }
        if needs.identity {
            identity = store.identity_confidence(&s.sub).await.map_err(e)?;
        }
        if needs.enrolled {
            enrolled = store
                .get_totp(&s.sub)
                .await
                .map_err(e)?
                .is_some_and(|t| t.confirmed_at.is_some());
        }
    }
    let arrival = Arrival {
        session: session.as_ref(),
        resumed_at: interaction.as_ref().map(|i| i.created_at),
        user: user.as_ref(),
        granted: granted.as_ref(),
        skip_consent: client.metadata.skip_consent,
        identity,
        enrolled,
        now: latchkey_core::now_unix(),
    };
    match arrive::arrive(&purpose, arrival) {
        Outcome::Reject(occ) => Err(back(occ)),
        Outcome::Show(page) => park(app, headers, purpose, interaction, page).await,
        Outcome::Finish(achieved) => {
            let Some(session) = session else {
                return park(app, headers, purpose, interaction, Page::Login).await;
            };
            let finishing = interaction.as_ref().map(|i| i.id.as_str());
            let started = interaction.as_ref().map(|i| i.created_at);
            let lang = language::choose(app, headers, purpose.ui_locales(), started);
            finish(app, &purpose, &session, achieved, finishing, None, lang).await
        }
    }
}

/// Park the sign-in server-side (when it is new) and send the browser to
/// `page`.
async fn park(
    app: &Arc<App>,
    headers: &HeaderMap,
    purpose: Purpose,
    existing: Option<InteractionRecord>,
    page: Page,
) -> Result<Response, Failure> {
    let back = back(&purpose);
    // A binding this server did not sign counts as none: a new one is
    // issued, and the planted value binds nothing.
    let (browser, new_browser) = match cookies::browser(app, headers) {
        Some(b) => (b, false),
        None => (cookies::new_browser(app).map_err(|e| back(e.into()))?, true),
    };
    let id = match existing {
        Some(i) => i.id,
        None => {
            let now = latchkey_core::now_unix();
            let record = InteractionRecord {
                id: random_token().map_err(|e| back(e.into()))?,
                browser_hash: app.secrets.hash(&browser),
                purpose,
                created_at: now,
                expires_at: now + INTERACTION_TTL,
            };
            app.store
                .insert_interaction(&record)
                .await
                .map_err(|e| back(e.into()))?;
            record.id
        }
    };
    let mut res = to_page(page, &id);
    if new_browser && let Some(c) = cookies::set(app, Cookie::Browser, &browser, None) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

/// `303` to a page of the sign-in `id`. (Not [`super::respond::see_other`]:
/// a page of ours always has a sendable address.)
pub fn to_page(page: Page, id: &str) -> Response {
    use axum::http::{HeaderValue, StatusCode};
    use axum::response::IntoResponse;
    let mut res = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("{}?i={id}", page.path()))],
    )
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The seconds a code for `client_id` lives: `tokens.code_ttl`, at most 60
/// for a client the FAPI 2.0 profile holds for (§5.3.2.2). The setting is
/// capped at start-up when the profile holds for every client, so the
/// client is read only when the setting is longer and the profile may be
/// its own.
async fn code_ttl(app: &App, client_id: &str) -> Result<i64, Occurrence> {
    let configured = app.config.code_ttl;
    if configured <= latchkey_core::fapi2::CODE_TTL {
        return Ok(configured);
    }
    let under_profile = app
        .store
        .get_client(client_id)
        .await?
        .is_some_and(|c| latchkey_core::fapi2::applies(app.config.fapi2, &c.metadata));
    Ok(latchkey_core::fapi2::code_ttl(configured, under_profile))
}

/// Complete the sign-in: for an authorization request, a single-use code,
/// stored hashed, sent to the client (RFC 6749 §4.1.2), `acr` the vector
/// achieved; for a device, its grant approved. The interaction ends and the consent is remembered in the
/// same transaction as the code: all of it or none.
pub async fn finish(
    app: &App,
    purpose: &Purpose,
    session: &SessionRecord,
    achieved: Vector,
    interaction: Option<&str>,
    consent: Option<ConsentGrant<'_>>,
    lang: Lang,
) -> Result<Response, Failure> {
    let back = back(purpose);
    fail::fail_point!("authorize.issue_code", |_| Err(back(
        latchkey_core::catalogue::INTERNAL_ERROR
            .occur()
            .debug("failpoint authorize.issue_code is armed")
    )));
    let req = match purpose {
        Purpose::Authorize(req) => req,
        Purpose::Device { device } => {
            return device::approve(app, device, session, achieved, interaction, lang).await;
        }
        Purpose::Account { account } => {
            // Nothing to issue: the sign-in ends and the page shows again.
            if let Some(id) = interaction {
                app.store
                    .take_interaction(id)
                    .await
                    .map_err(|e| back(e.into()))?;
            }
            return Ok(super::respond::see_other(&account.return_to));
        }
    };
    let code = random_token().map_err(|e| back(e.into()))?;
    let mut record = finish::code_record(
        req,
        session,
        achieved,
        app.secrets.hash(&code),
        random_token().map_err(|e| back(e.into()))?,
        latchkey_core::now_unix(),
        code_ttl(app, req.client_id()).await.map_err(&back)?,
    );
    // The admin API's scopes are granted only as far as the user's roles
    // allow (the console asks for both and gets what the role allows).
    if latchkey_core::user::names_admin_scope(&record.scope) {
        let roles = app
            .store
            .user_roles(&record.sub)
            .await
            .map_err(|e| back(e.into()))?
            .unwrap_or_default();
        record.scope = latchkey_core::user::narrow_admin_scopes(&record.scope, &roles);
    }
    if interaction.is_none() && consent.is_none() {
        // Nothing else to write: one statement, no transaction.
        app.store
            .insert_code(&record)
            .await
            .map_err(|e| back(e.into()))?;
    } else if !app
        .store
        .finish_with_code(interaction, consent, &record)
        .await
        .map_err(|e| back(e.into()))?
    {
        return Err(back(
            SESSION_LOST.with_detail("this sign-in was already completed"),
        ));
    }
    Ok(redirect(
        app,
        req.target()
            .respond(vec![("code", code)], &app.config.issuer),
    ))
}

/// A new session for a sign-in that just succeeded (a fresh id also
/// defeats fixation); the browser's previous session, if any, ends.
/// The same person signing in again in the same browser (prompt=login,
/// max_age, a step up) keeps the session's public `sid`: it is still the
/// one sign-in session at this server, so its logout reaches the grants
/// made before the new sign-in, and clients see one `sid` throughout.
/// Returns the cookie value and the record.
/// The browser's User-Agent (as a summary) and `address` are kept with it
/// for the person's list of their sessions.
pub async fn new_session(
    app: &App,
    headers: &HeaderMap,
    sub: &str,
    amr: Vec<String>,
    client_id: &str,
    address: Option<std::net::IpAddr>,
) -> Result<(String, SessionRecord), Occurrence> {
    let token = random_token()?;
    let now = latchkey_core::now_unix();
    let previous = match cookies::get(app, headers, Cookie::Session) {
        Some(old) => {
            let hash = app.secrets.hash(&old);
            let record = app.store.get_session(&hash).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the browser's previous session could not be read");
                None
            });
            record.map(|r| (hash, r))
        }
        None => None,
    };
    // The same person: the old record goes first, its sid passes on.
    let kept_sid = match &previous {
        Some((hash, old)) if old.sub == sub => {
            app.store.delete_session(hash).await?;
            Some(old.sid.clone())
        }
        _ => None,
    };
    let session = SessionRecord {
        id_hash: app.secrets.hash(&token),
        sid: match kept_sid {
            Some(sid) => sid,
            None => random_token()?,
        },
        sub: sub.to_string(),
        auth_time: now,
        amr,
        acr: None,
        created_at: now,
        expires_at: now + SESSION_TTL,
        user_agent: Some(latchkey_core::session::device_summary(
            headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        )),
        address: address.map(|ip| ip.to_string()),
    };
    fail::fail_point!("signin.session", |_| Err(
        latchkey_core::catalogue::INTERNAL_ERROR.with_detail("failpoint signin.session is armed")
    ));
    app.store.insert_session(&session).await?;
    // A lock that committed after this sign-in's own check ended the
    // sessions there were then, not this one: it is ended here. (A lock
    // committing after this read ends it itself.)
    if let Some(occ) = crate::manage::users::locked(app.store.as_ref(), sub).await? {
        app.store.delete_session(&session.id_hash).await?;
        use latchkey_core::audit::{Actor, AuditEvent, kind};
        let event = AuditEvent::new(&Actor::System, kind::SIGN_IN, format!("user:{sub}"))
            .failed()
            .address(address.map(|ip| ip.to_string()))
            .with("client_id", client_id)
            .with("amr", session.amr.clone())
            .with("cause", occ.cause.id);
        crate::audit::record(app, event).await;
        return Err(occ);
    }
    tracing::info!(client_id, sub, amr = ?session.amr, "signed in");
    if let Some((_, old)) = previous
        && old.sub != sub
    {
        end_replaced_session(app, &old, now).await;
    }
    Ok((token, session))
}

/// Another person taking the browser over ends the previous person's
/// session like a logout, so their grants without offline_access are
/// revoked. Best effort: a store failure leaves the old session to expire.
async fn end_replaced_session(app: &App, old: &SessionRecord, now: i64) {
    let horizon = crate::backchannel::revocation_horizon(app, now);
    if let Err(e) = app
        .store
        .end_session(&old.sub, &old.sid, now, horizon)
        .await
    {
        tracing::warn!(error = %e, "the replaced session could not be ended; it expires on its own");
    }
}

/// Continue the sign-in with the session just made. The user is signed in
/// even when the journey then refuses (for example
/// identity_confidence_too_low): the session cookie is set either way.
pub async fn continue_signed_in(
    app: &Arc<App>,
    headers: &HeaderMap,
    token: &str,
    session: SessionRecord,
    client: &ClientRecord,
    interaction: InteractionRecord,
) -> Response {
    use axum::response::IntoResponse;
    let purpose = interaction.purpose.clone();
    // The session is passed as it is: the request's own cookies still
    // name the browser, which is all the journey reads from them now.
    let mut res = arrive_with(
        app,
        headers,
        purpose,
        client,
        Some(interaction),
        Some(session),
    )
    .await
    .unwrap_or_else(IntoResponse::into_response);
    if let Some(c) = cookies::set(app, Cookie::Session, token, None) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

/// The vector a finished sign-in achieved, for a completion outside
/// [`arrive`] (after consent).
pub async fn achieved(
    app: &App,
    purpose: &Purpose,
    session: &SessionRecord,
) -> Result<Vector, Occurrence> {
    let identity = if purpose.vtr().iter().any(|v| v.identity_needed() > 0) {
        app.store.identity_confidence(&session.sub).await?
    } else {
        0
    };
    let second = latchkey_core::vtr::has_second_factor(&session.amr);
    match latchkey_core::vtr::assess(purpose.vtr(), second, identity) {
        latchkey_core::vtr::Assessment::Met(v) => Ok(v),
        _ => {
            Err(SESSION_LOST
                .with_detail("the sign-in no longer meets the requested vector of trust"))
        }
    }
}

/// The browser's session, which a page after the login needs.
pub async fn signed_in(app: &App, p: &pending::Pending) -> Result<SessionRecord, Failure> {
    session(app, &p.headers)
        .await
        .map_err(p.back())?
        .ok_or_else(|| p.refuse(SESSION_LOST.with_detail("the browser is no longer signed in")))
}

/// The name a signed-in user is shown by on the pages (their username;
/// the `sub` of a user deleted meanwhile).
pub async fn username(app: &App, sub: &str) -> Result<String, Occurrence> {
    Ok(app
        .store
        .get_user(sub)
        .await?
        .map(|u| u.username)
        .unwrap_or_else(|| sub.to_string()))
}
