//! `/authorize` (GET and POST) and the continuation of a flow after login
//! or consent: validate, decide, then sign in, ask consent, or issue a code.

use super::cookies::{self, Cookie};
use super::respond::{Channel, Failure, redirect};
use crate::app::App;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::Occurrence;
use latchkey_core::authorize::decide::{Next, Situation, decide};
use latchkey_core::authorize::request_object::{self, ObjectContext, RequestUri};
use latchkey_core::authorize::{
    AuthorizeRequest, RawParams, Rejection, client_id, error_target, validate,
};
use latchkey_core::catalogue::{
    PAR_REQUIRED, REQUEST_AND_REQUEST_URI, SESSION_LOST, UNSUPPORTED_CONTENT_TYPE,
};
use latchkey_core::client::ClientRecord;
use latchkey_core::crypto::random_token;
use latchkey_core::grant::CodeRecord;
use latchkey_core::logout::verify_hint;
use latchkey_core::session::{ConsentGrant, InteractionRecord, SessionRecord};
use latchkey_core::vtr::{Assessment, Vector, assess, has_second_factor};
use std::sync::Arc;

/// How long a user has to finish signing in and consenting.
pub const INTERACTION_TTL: i64 = 600;

fn rejected(r: Rejection) -> Failure {
    match r.target {
        Some(target) => Failure {
            occ: r.occ,
            channel: Channel::Redirect(target),
        },
        None => Failure::page(r.occ),
    }
}

/// A failure once the redirect URI is verified goes back to the client.
pub fn to_client(req: &AuthorizeRequest) -> impl Fn(Occurrence) -> Failure + use<> {
    let target = req.target();
    let client_id = req.client_id.clone();
    move |occ: Occurrence| Failure {
        occ: occ.client(client_id.clone()),
        channel: Channel::Redirect(target.clone()),
    }
}

pub async fn get(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let raw = RawParams::parse(query.as_deref().unwrap_or(""));
    start(&app, &headers, raw).await
}

/// OIDC Core §3.1.2.1: the same request may be sent as a form post.
pub async fn post(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    if !super::is_form(&headers) {
        return Err(Failure::page(UNSUPPORTED_CONTENT_TYPE.with_detail(
            "send the parameters as application/x-www-form-urlencoded",
        )));
    }
    let raw = RawParams::parse(&String::from_utf8_lossy(&body));
    start(&app, &headers, raw).await
}

async fn start(app: &Arc<App>, headers: &HeaderMap, raw: RawParams) -> Result<Response, Failure> {
    let client = match client_id(&raw) {
        Ok(id) => app
            .store
            .get_client(id)
            .await
            .map_err(|e| Failure::page(Occurrence::from(e)))?,
        Err(r) => return Err(rejected(r)),
    };
    if app.in_maintenance() {
        // Maintenance wins over any other answer: to the client when it is
        // verified, on the page otherwise. A pushed request is left unused.
        let occ = latchkey_core::catalogue::MAINTENANCE
            .occur()
            .retry_after(super::respond::MAINTENANCE_RETRY);
        return Err(answer(
            validate(&raw, client.as_ref(), &app.config.policy),
            occ,
        ));
    }
    let (raw, pushed) = match &client {
        Some(c) => resolve(app, raw, c).await?,
        None => (raw, false),
    };
    let validated = validate(&raw, client.as_ref(), &app.config.policy);
    let Some(client) = client else {
        return Err(rejected(validated.err().unwrap_or_else(|| Rejection {
            occ: latchkey_core::catalogue::CLIENT_ID_UNKNOWN.occur(),
            target: None,
        })));
    };
    // RFC 9126 §5, §6: PAR required globally or for this client.
    if !pushed && (app.config.par_required || client.metadata.require_pushed_authorization_requests)
    {
        let occ = PAR_REQUIRED.with_detail(if app.config.par_required {
            "this server accepts authorization requests only through /par"
        } else {
            "this client registered require_pushed_authorization_requests"
        });
        return Err(answer(validated, occ.client(client.client_id.clone())));
    }
    let req = validated.map_err(rejected)?;
    proceed(app, headers, req, &client, None).await
}

/// Answer `occ` on the channel the validation outcome allows: to the
/// client once its redirect URI is verified, on the page otherwise.
fn answer(validated: Result<AuthorizeRequest, Rejection>, occ: Occurrence) -> Failure {
    match validated {
        Ok(req) => to_client(&req)(occ),
        Err(Rejection {
            target: Some(target),
            ..
        }) => Failure {
            occ,
            channel: Channel::Redirect(target),
        },
        Err(_) => Failure::page(occ),
    }
}

/// Replace the parameters by those of a request object or a pushed
/// request, when the request carries one (RFC 9101 §6.3: then only those
/// count, and the `client_id` outside must match). The flag tells whether
/// the request came through /par.
///
/// A failure here is an authorization error for the client (RFC 9101
/// §6.3, OIDC Core §6.3): redirected to a redirect URI registered for the
/// outer `client_id` when one is known (see [`error_target`]), on the page
/// otherwise.
async fn resolve(
    app: &App,
    raw: RawParams,
    client: &ClientRecord,
) -> Result<(RawParams, bool), Failure> {
    match resolved_parameters(app, &raw, client).await {
        Ok(None) => Ok((raw, false)),
        Ok(Some((params, pushed))) => Ok((
            RawParams::from_pairs(request_object::with_client_id(&client.client_id, params)),
            pushed,
        )),
        Err((occ, object)) => {
            let occ = occ.client(client.client_id.clone());
            Err(match error_target(&raw, object.as_ref(), client) {
                Some(target) => Failure {
                    occ,
                    channel: Channel::Redirect(target),
                },
                None => Failure::page(occ),
            })
        }
    }
}

/// Why a request object or `request_uri` failed, with the parameters of
/// the object when its signature verified (they say where the error goes).
type Unresolved = (Occurrence, Option<RawParams>);

/// The parameters of the request object or pushed request `raw` refers
/// to, if it refers to one (and whether it was pushed).
async fn resolved_parameters(
    app: &App,
    raw: &RawParams,
    client: &ClientRecord,
) -> Result<Option<(Vec<(String, String)>, bool)>, Unresolved> {
    let unverified = |occ: Occurrence| (occ, None);
    let one = |name: &str| raw.single(name).ok().flatten();
    let (request, request_uri) = (one("request"), one("request_uri"));
    if request.is_some() && request_uri.is_some() {
        return Err(unverified(REQUEST_AND_REQUEST_URI.occur()));
    }
    let object = match (request, request_uri) {
        (_, Some(uri)) => match request_object::request_uri(uri, client) {
            Ok(RequestUri::Pushed(uri)) => {
                let now = latchkey_core::now_unix();
                let take = app
                    .store
                    .take_pushed_request(&app.secrets.hash(uri), &client.client_id, now)
                    .await
                    .map_err(|e| unverified(e.into()))?;
                // Disabled: only requests pushed here remain usable; any
                // other request_uri is refused by validation
                // (request_uri_not_supported).
                if !app.config.request_objects
                    && matches!(take, latchkey_core::store::PushedTake::Unknown)
                {
                    return Ok(None);
                }
                let params = request_object::pushed(take).map_err(unverified)?;
                return Ok(Some((params, true)));
            }
            // Disabled: validation refuses the parameter (request_uri_not_supported).
            _ if !app.config.request_objects => return Ok(None),
            Ok(RequestUri::Remote(url)) => {
                app.fetcher.request_object(url).await.map_err(unverified)?
            }
            Err(occ) => return Err(unverified(occ)),
        },
        (Some(_), None) if !app.config.request_objects => return Ok(None),
        (Some(jwt), None) => jwt.to_string(),
        (None, None) => return Ok(None),
    };
    let ctx = ObjectContext {
        issuer: &app.config.issuer,
        now: latchkey_core::now_unix(),
        jwks: Some(&app.fetcher),
    };
    let opened = request_object::open(&object, client, &ctx)
        .await
        .map_err(unverified)?;
    let params = opened.parameters();
    // Signed by the client: its own redirect URI and state say where an
    // expired or misaddressed object is reported.
    opened
        .check(client, &ctx)
        .map_err(|occ| (occ, Some(RawParams::from_pairs(params.clone()))))?;
    Ok(Some((params, false)))
}

/// The live session of this browser, if any.
pub async fn session(app: &App, headers: &HeaderMap) -> Result<Option<SessionRecord>, Occurrence> {
    let Some(token) = cookies::get(app, headers, Cookie::Session) else {
        return Ok(None);
    };
    let found = app.store.get_session(&app.secrets.hash(&token)).await?;
    Ok(found.filter(|s| s.expires_at > latchkey_core::now_unix()))
}

/// Decide and act. `interaction` is set when resuming after the login page.
pub async fn proceed(
    app: &Arc<App>,
    headers: &HeaderMap,
    req: AuthorizeRequest,
    client: &ClientRecord,
    interaction: Option<InteractionRecord>,
) -> Result<Response, Failure> {
    let session = session(app, headers).await.map_err(to_client(&req))?;
    proceed_with(app, headers, req, client, interaction, session).await
}

/// [`proceed`] with the browser's session already in hand (a sign-in that
/// just made it): no second read of what was just written.
pub async fn proceed_with(
    app: &Arc<App>,
    headers: &HeaderMap,
    req: AuthorizeRequest,
    client: &ClientRecord,
    interaction: Option<InteractionRecord>,
    session: Option<SessionRecord>,
) -> Result<Response, Failure> {
    let back = to_client(&req);
    // An id_token_hint names the user the client expects (OIDC Core
    // §3.1.2.1): a session of someone else does not count, so prompt=none
    // answers login_required. After a sign-in in this flow, it counts.
    let hinted = match &req.id_token_hint {
        Some(t) => Some(
            verify_hint(t, &app.keys().jwks_json, &app.config.issuer)
                .map_err(&back)?
                .sub,
        ),
        None => None,
    };
    // Someone else is signed in than the hint names: with prompt=none the
    // user would have to switch accounts, which only they can do.
    let other_account =
        interaction.is_none() && matches!((&session, &hinted), (Some(s), Some(h)) if *h != s.sub);
    let silent = req.has_prompt(latchkey_core::authorize::Prompt::None);
    if other_account && silent {
        return Err(back(
            latchkey_core::catalogue::ACCOUNT_SELECTION_REQUIRED
                .with_detail("the id_token_hint names another user than the one signed in"),
        ));
    }
    // A login_hint that does not name the signed-in user is the same
    // situation, whether or not the name it gives exists: answering
    // differently would tell anyone with a session which usernames exist.
    // So only the signed-in user is compared, by the names that sign them
    // in (username in any case, verified email).
    if silent
        && interaction.is_none()
        && let (Some(s), Some(hint)) = (&session, &req.login_hint)
    {
        let me = app
            .store
            .get_user(&s.sub)
            .await
            .map_err(|e| back(e.into()))?;
        let named = latchkey_core::user::pick_for_sign_in(hint, me.into_iter().collect());
        if !matches!(named, Ok(Some(_))) {
            return Err(back(
                latchkey_core::catalogue::ACCOUNT_SELECTION_REQUIRED
                    .with_detail("the login_hint names another user than the one signed in"),
            ));
        }
    }
    let session = session.filter(|_| !other_account);
    let granted = match &session {
        Some(s) => app
            .store
            .get_consent(&s.sub, &client.client_id)
            .await
            .map_err(|e| back(e.into()))?,
        None => None,
    };
    let factors = match &session {
        Some(s) => Factors::load(app, &req, s).await.map_err(&back)?,
        None => Factors::default(),
    };
    let now = latchkey_core::now_unix();
    let situation = Situation {
        auth_time: session.as_ref().map(|s| s.auth_time),
        resumed_at: interaction.as_ref().map(|i| i.created_at),
        skip_consent: client.metadata.skip_consent,
        granted: granted.as_deref(),
        now,
        second_factor: factors.second_factor,
        identity: factors.identity,
        enrolled: factors.enrolled,
    };
    let next = decide(&req, situation).map_err(&back)?;
    match (next, session) {
        (Next::Issue(achieved), Some(session)) => {
            let finishing = interaction.as_ref().map(|i| i.id.as_str());
            issue_code_finishing(app, &req, &session, achieved, finishing, None).await
        }
        (Next::Login, _) | (Next::Issue(_), None) => {
            to_page(app, headers, req, interaction, "/login").await
        }
        (Next::SelectAccount, _) => {
            to_page(app, headers, req, interaction, "/select-account").await
        }
        (Next::SecondFactor, _) => to_page(app, headers, req, interaction, "/mfa").await,
        (Next::Consent, _) => to_page(app, headers, req, interaction, "/consent").await,
    }
}

/// Park the request server-side and send the browser to a UI page.
async fn to_page(
    app: &Arc<App>,
    headers: &HeaderMap,
    req: AuthorizeRequest,
    existing: Option<InteractionRecord>,
    page: &str,
) -> Result<Response, Failure> {
    let back = to_client(&req);
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
                request: req.clone(),
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
    let mut res = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("{page}?i={id}"))],
    )
        .into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    if new_browser && let Some(c) = cookies::set(app, Cookie::Browser, &browser, None) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

/// What the signed-in user has besides the password, as far as the
/// request needs to know (the store is asked only when a vector needs it).
#[derive(Debug, Default, Clone, Copy)]
pub struct Factors {
    pub second_factor: bool,
    pub identity: u8,
    pub enrolled: bool,
}

impl Factors {
    pub async fn load(
        app: &App,
        req: &AuthorizeRequest,
        session: &SessionRecord,
    ) -> Result<Factors, Occurrence> {
        let second_factor = has_second_factor(&session.amr);
        let identity = if req.vtr.iter().any(|v| v.identity_needed() > 0) {
            app.store.identity_confidence(&session.sub).await?
        } else {
            0
        };
        let enrolled = if req.vtr.iter().any(|v| v.second_factor) && !second_factor {
            app.store
                .get_totp(&session.sub)
                .await?
                .is_some_and(|t| t.confirmed_at.is_some())
        } else {
            false
        };
        Ok(Factors {
            second_factor,
            identity,
            enrolled,
        })
    }
}

/// The vector a finished sign-in achieved, for a code issued outside
/// [`proceed`] (after consent).
pub async fn achieved(
    app: &App,
    req: &AuthorizeRequest,
    session: &SessionRecord,
) -> Result<Vector, Occurrence> {
    let f = Factors::load(app, req, session).await?;
    match assess(&req.vtr, f.second_factor, f.identity) {
        Assessment::Met(v) => Ok(v),
        _ => Err(latchkey_core::catalogue::SESSION_LOST
            .with_detail("the sign-in no longer meets the requested vector of trust")),
    }
}

/// RFC 6749 §4.1.2: a single-use code, stored hashed, sent to the client.
/// `acr` is the vector achieved (also `vot` in the ID token).
pub async fn issue_code(
    app: &App,
    req: &AuthorizeRequest,
    session: &SessionRecord,
    achieved: Vector,
) -> Result<Response, Failure> {
    issue_code_finishing(app, req, session, achieved, None, None).await
}

/// [`issue_code`] that also ends the sign-in's interaction and remembers
/// its consent, in the same transaction as the code: all of it or none.
pub async fn issue_code_finishing(
    app: &App,
    req: &AuthorizeRequest,
    session: &SessionRecord,
    achieved: Vector,
    interaction: Option<&str>,
    consent: Option<ConsentGrant<'_>>,
) -> Result<Response, Failure> {
    let back = to_client(req);
    fail::fail_point!("authorize.issue_code", |_| Err(back(
        latchkey_core::catalogue::INTERNAL_ERROR
            .occur()
            .debug("failpoint authorize.issue_code is armed")
    )));
    let code = random_token().map_err(|e| back(e.into()))?;
    let now = latchkey_core::now_unix();
    let record = CodeRecord {
        code_hash: app.secrets.hash(&code),
        grant_id: random_token().map_err(|e| back(e.into()))?,
        client_id: req.client_id.clone(),
        redirect_uri: req.redirect_uri_sent.then(|| req.redirect_uri.clone()),
        sub: session.sub.clone(),
        scope: req.scope(),
        nonce: req.nonce.clone(),
        code_challenge: req.code_challenge.clone(),
        code_challenge_method: req.code_challenge_method.clone(),
        auth_time: session.auth_time,
        acr: Some(achieved.to_string()),
        amr: session.amr.clone(),
        sid: Some(session.sid.clone()),
        created_at: now,
        expires_at: now + app.config.code_ttl,
    };
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
        req.target()
            .respond(vec![("code", code)], &app.config.issuer),
    ))
}
