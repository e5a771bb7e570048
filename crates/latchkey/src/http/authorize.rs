//! `/authorize` (GET and POST): read the request (resolving a request
//! object or a pushed request), validate it (a pushed request was
//! validated at /par), and hand it to the sign-in journey
//! ([`super::signin`]).

use super::respond::{Channel, Failure};
pub use super::signin::to_client;
use crate::app::App;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use latchkey_core::Occurrence;
use latchkey_core::authorize::request_object::{self, ObjectContext, RequestUri};
use latchkey_core::authorize::{
    AuthorizeRequest, RawParams, Rejection, client_id, error_target, still_usable, validate,
};
use latchkey_core::catalogue::{
    FAPI2_PAR_REQUIRED, PAR_REQUIRED, REQUEST_AND_REQUEST_URI, UNSUPPORTED_CONTENT_TYPE,
};
use latchkey_core::client::ClientRecord;
use std::sync::Arc;

fn rejected(r: Rejection) -> Failure {
    match r.target {
        Some(target) => Failure {
            occ: r.occ,
            channel: Channel::Redirect(target),
        },
        None => Failure::page(r.occ),
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
            validate(&raw, client.as_ref(), &app.config.policy, &[]),
            occ,
        ));
    }
    let Some(client) = client else {
        return Err(rejected(
            validate(&raw, None, &app.config.policy, &[])
                .err()
                .unwrap_or_else(|| Rejection {
                    occ: latchkey_core::catalogue::CLIENT_ID_UNKNOWN.occur(),
                    target: None,
                }),
        ));
    };
    // FAPI 2.0 §5.3.2.2: only a request pushed to /par, referred to by its
    // request_uri, is taken; decided before anything is fetched or read.
    if latchkey_core::fapi2::applies(app.config.fapi2, &client.metadata) && !refers_to_pushed(&raw)
    {
        let occ = FAPI2_PAR_REQUIRED.with_detail(
            "the FAPI 2.0 profile holds for this client: push the request to /par and send only client_id and request_uri here",
        );
        return Err(answer(
            validate(&raw, Some(&client), &app.config.policy, &[]),
            occ.client(client.client_id.clone()),
        ));
    }
    let raw = match resolve(app, raw, &client).await? {
        // Validated at /par, and it came through /par: only whether the
        // client is still active is checked again.
        Resolved::Pushed(req) => {
            still_usable(&req, &client).map_err(rejected)?;
            return super::signin::arrive(app, headers, (*req).into(), &client, None).await;
        }
        Resolved::Params(raw) => raw,
    };
    let resources = registered_resources(app, &raw)
        .await
        .map_err(|occ| answer(validate(&raw, Some(&client), &app.config.policy, &[]), occ))?;
    let validated = validate(&raw, Some(&client), &app.config.policy, &resources);
    // RFC 9126 §5, §6: PAR required globally or for this client.
    if app.config.par_required || client.metadata.require_pushed_authorization_requests {
        let occ = PAR_REQUIRED.with_detail(if app.config.par_required {
            "this server accepts authorization requests only through /par"
        } else {
            "this client registered require_pushed_authorization_requests"
        });
        return Err(answer(validated, occ.client(client.client_id.clone())));
    }
    let req = validated.map_err(rejected)?;
    super::signin::arrive(app, headers, req.into(), &client, None).await
}

/// The records of the resources (RFC 8707) a request names, for
/// [`validate`] to check them.
pub async fn registered_resources(
    app: &App,
    raw: &RawParams,
) -> Result<Vec<latchkey_core::resource_record::ResourceRecord>, Occurrence> {
    let named = latchkey_core::resource::named(raw);
    if named.is_empty() {
        return Ok(Vec::new());
    }
    Ok(latchkey_core::resource::load(app.store.as_ref(), &named).await?)
}

/// Whether a request refers to a pushed request (a `request_uri` that
/// /par issued) and carries no request object of its own.
fn refers_to_pushed(raw: &RawParams) -> bool {
    let one = |name: &str| raw.single(name).ok().flatten();
    one("request").is_none()
        && one("request_uri").is_some_and(|uri| uri.starts_with(request_object::PAR_URN_PREFIX))
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

/// What an authorization request stands for once a request object or a
/// pushed request it refers to is read.
enum Resolved {
    /// Parameters to validate: the request's own, or those of its request
    /// object (with the outer `client_id`).
    Params(RawParams),
    /// A pushed request, as validated at /par.
    Pushed(Box<AuthorizeRequest>),
}

/// Where the parameters of a request referring elsewhere came from.
enum Source {
    Object(Vec<(String, String)>),
    Pushed(Box<AuthorizeRequest>),
}

/// Replace the parameters by those of a request object, or by a pushed
/// request, when the request carries one (RFC 9101 §6.3: then only those
/// count, and the `client_id` outside must match).
///
/// A failure here is an authorization error for the client (RFC 9101
/// §6.3, OIDC Core §6.3): redirected to a redirect URI registered for the
/// outer `client_id` when one is known (see [`error_target`]), on the page
/// otherwise.
async fn resolve(app: &App, raw: RawParams, client: &ClientRecord) -> Result<Resolved, Failure> {
    match resolved_parameters(app, &raw, client).await {
        Ok(None) => Ok(Resolved::Params(raw)),
        Ok(Some(Source::Object(params))) => Ok(Resolved::Params(RawParams::from_pairs(
            request_object::with_client_id(&client.client_id, params),
        ))),
        Ok(Some(Source::Pushed(req))) => Ok(Resolved::Pushed(req)),
        Err((occ, object)) => {
            let occ = occ.client(client.client_id.clone());
            Err(
                match error_target(&raw, object.as_ref(), client, &app.config.policy) {
                    Some(target) => Failure {
                        occ,
                        channel: Channel::Redirect(target),
                    },
                    None => Failure::page(occ),
                },
            )
        }
    }
}

/// Why a request object or `request_uri` failed, with the parameters of
/// the object when its signature verified (they say where the error goes).
type Unresolved = (Occurrence, Option<RawParams>);

/// The request object or pushed request `raw` refers to, if it refers to
/// one. A pushed request is taken only by the client that pushed it (the
/// outer `client_id`).
async fn resolved_parameters(
    app: &App,
    raw: &RawParams,
    client: &ClientRecord,
) -> Result<Option<Source>, Unresolved> {
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
                    && matches!(take, latchkey_core::grant::PushedTake::Unknown)
                {
                    return Ok(None);
                }
                let req = request_object::pushed(take).map_err(unverified)?;
                return Ok(Some(Source::Pushed(Box::new(req))));
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
    Ok(Some(Source::Object(params)))
}
