//! The edge: turns an [`Occurrence`] into a response on its channel, and is
//! the one place that logs it, counts it and keeps it for support.
//!
//! Handlers return `Err(Failure)`; `Failure::into_response` only parks the
//! failure in the response extensions. The `finish` middleware (which has
//! the app state) renders it. Framework rejections (405, 413, timeouts,
//! panics) are turned into catalogue failures there too, and so is any other
//! 5xx that carries no failure: every server error is logged with the
//! `error_id` its answer shows.

use super::language::View;
use crate::app::App;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use latchkey_core::Occurrence;
use latchkey_core::authorize::{RawParams, client_id, error_target};
use latchkey_core::catalogue::{
    INTERNAL_ERROR, MAINTENANCE, MALFORMED_BODY, METHOD_NOT_ALLOWED, OVERLOADED, REQUEST_TIMEOUT,
    REQUEST_TOO_LARGE, STORE_UNAVAILABLE, UNSUPPORTED_CONTENT_TYPE,
};
use latchkey_core::error::ErrorRecord;
use latchkey_core::error::render::{self, Redirect, RedirectTarget};
use metrics::SharedString;
use std::sync::Arc;
use std::time::Instant;

/// Where an error goes. Decided by the endpoint, never by the cause.
#[derive(Debug, Clone)]
pub enum Channel {
    Json,
    Bearer {
        scope: Option<String>,
    },
    /// A resource that takes DPoP-bound tokens, for a request that used
    /// the DPoP scheme, carried no credentials, or presented a bound token
    /// as a bearer token: a `DPoP` challenge (RFC 9449 §7.1), after the
    /// Bearer one when there were no credentials.
    Dpop {
        scope: Option<String>,
    },
    Admin,
    Page,
    Redirect(RedirectTarget),
}

/// An occurrence bound for a channel.
#[derive(Debug, Clone)]
pub struct Failure {
    pub occ: Occurrence,
    pub channel: Channel,
}

impl Failure {
    pub fn json(occ: impl Into<Occurrence>) -> Failure {
        Failure {
            occ: occ.into(),
            channel: Channel::Json,
        }
    }

    pub fn admin(occ: impl Into<Occurrence>) -> Failure {
        Failure {
            occ: occ.into(),
            channel: Channel::Admin,
        }
    }

    pub fn page(occ: impl Into<Occurrence>) -> Failure {
        Failure {
            occ: occ.into(),
            channel: Channel::Page,
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut res = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        res.extensions_mut().insert(self);
        res
    }
}

/// While the database is known to be down, how long a request may take
/// before it is answered 503 `store_unavailable`.
pub const STORE_DOWN_BUDGET: std::time::Duration = std::time::Duration::from_secs(1);

/// The header of a DPoP nonce (RFC 9449 §8), kept when a refusal is
/// rendered.
const DPOP_NONCE: axum::http::HeaderName = axum::http::HeaderName::from_static("dpop-nonce");

/// Seconds a client is asked to wait during maintenance.
pub const MAINTENANCE_RETRY: u64 = 60;

/// The route that answered, for metrics and logs.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint(pub &'static str);

/// Inner layer (inside routing): remember the matched route.
pub async fn tag_endpoint(req: Request, next: Next) -> Response {
    let endpoint = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", |m| intern(m.as_str()));
    let mut res = next.run(req).await;
    res.extensions_mut().insert(Endpoint(endpoint));
    res
}

/// The one `'static` copy of a route pattern, so labelling a request
/// allocates nothing. Bounded: matched paths are the router's patterns
/// (`/register/{client_id}`), never the requested paths.
fn intern(route: &str) -> &'static str {
    static ROUTES: std::sync::OnceLock<std::sync::RwLock<std::collections::HashSet<&'static str>>> =
        std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(Default::default);
    if let Some(known) = routes.read().unwrap_or_else(|p| p.into_inner()).get(route) {
        return known;
    }
    let mut routes = routes.write().unwrap_or_else(|p| p.into_inner());
    match routes.get(route) {
        Some(known) => known,
        None => {
            let leaked: &'static str = Box::leak(route.to_owned().into_boxed_str());
            routes.insert(leaked);
            leaked
        }
    }
}

/// The channel for failures the framework produces, by path.
pub(crate) fn channel_for_path(path: &str) -> Channel {
    if matches!(
        path,
        "/authorize" | "/login" | "/consent" | "/logout" | "/mfa" | "/select-account" | "/device"
    ) || path.starts_with("/upstream/")
    {
        Channel::Page
    } else if path.starts_with("/admin/") {
        Channel::Admin
    } else if path == "/userinfo" {
        Channel::Bearer { scope: None }
    } else {
        Channel::Json
    }
}

/// A bare response (no failure attached) that must be reported through the
/// catalogue: a framework rejection, or any 5xx, so that every server error
/// is logged with an `error_id` that its answer carries. `exempt` routes
/// (health, metrics) answer 503 on purpose.
fn framework_failure(res: &Response, path: &str, exempt: bool) -> Option<Failure> {
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    let occ = match res.status() {
        // The router adds the Allow header after this layer has run.
        StatusCode::METHOD_NOT_ALLOWED => METHOD_NOT_ALLOWED
            .with_detail("the Allow header lists the methods this endpoint accepts"),
        StatusCode::PAYLOAD_TOO_LARGE => {
            REQUEST_TOO_LARGE.with_detail(format!("the limit is {} bytes", super::BODY_LIMIT))
        }
        StatusCode::REQUEST_TIMEOUT => REQUEST_TIMEOUT.occur().retry_after(1),
        StatusCode::UNSUPPORTED_MEDIA_TYPE if plain => UNSUPPORTED_CONTENT_TYPE.occur(),
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY if plain => {
            MALFORMED_BODY.occur()
        }
        s if s.is_server_error() && !exempt => INTERNAL_ERROR
            .occur()
            .debug(format!("a bare {s} response, with no failure attached")),
        _ => return None,
    };
    Some(Failure {
        occ,
        channel: channel_for_path(path),
    })
}

/// A request refused without its handler (shed, or cut short while the
/// database is down). At /authorize the answer goes to the client when it
/// can (RFC 6749 §4.1.2.1 has `temporarily_unavailable` because a 503
/// cannot be redirected): the client must be in this node's memory and the
/// redirect URI registered for it, since asking the database would defeat
/// the point of refusing. Otherwise, and for a POST (its body is not
/// read), the channel of the path: the 503 page.
fn refused(app: &App, method: &Method, uri: &Uri, occ: Occurrence) -> Failure {
    if uri.path() == "/authorize"
        && method == Method::GET
        && let Some(query) = uri.query()
    {
        let raw = RawParams::parse(query);
        if let Some(client) = client_id(&raw)
            .ok()
            .and_then(|id| app.store.cached_client(id))
            && let Some(target) = error_target(&raw, None, &client, &app.config.policy)
        {
            return Failure {
                occ: occ.client(client.client_id),
                channel: Channel::Redirect(target),
            };
        }
    }
    Failure {
        occ,
        channel: channel_for_path(uri.path()),
    }
}

/// Outer middleware: render failures, log them once, count every request.
pub async fn finish(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    // A clone of the URI shares its bytes: no allocation per request.
    let uri = req.uri().clone();
    let path = uri.path();
    let method = req.method().clone();
    // What an error page needs to pick its language (shared bytes, no copy).
    let page_headers = super::language::PageHeaders::of(req.headers());
    // Health and metrics always answer; the admin API stays reachable in
    // maintenance so it can be ended.
    let exempt = path.starts_with("/health/") || path == "/metrics";
    let permit = if exempt {
        None
    } else {
        app.in_flight.clone().try_acquire_owned().ok()
    };
    let early = if !exempt && permit.is_none() {
        // Shed at once rather than queue: a quick 503 beats a timeout pile-up.
        Some(
            OVERLOADED
                .with_detail("too many requests in flight on this node")
                .retry_after(1),
        )
    } else if app.in_maintenance()
        && !exempt
        && !path.starts_with("/admin/")
        && path != "/authorize"
    {
        Some(MAINTENANCE.occur().retry_after(MAINTENANCE_RETRY))
    } else {
        None
    };
    let mut res = match early {
        Some(occ) => refused(&app, &method, &uri, occ).into_response(),
        None if !exempt && !app.store_reachable() => {
            // The database is known to be down: a request that needs it
            // would wait for the pool's whole acquire timeout; cut it short
            // so callers get a quick 503 instead of a pile-up. Requests that
            // do not need it (cached clients) still finish in time.
            match tokio::time::timeout(STORE_DOWN_BUDGET, next.run(req)).await {
                Ok(res) => res,
                Err(_) => refused(
                    &app,
                    &method,
                    &uri,
                    STORE_UNAVAILABLE
                        .with_detail("the database is not answering")
                        .retry_after(latchkey_core::store::UNAVAILABLE_RETRY_SECS),
                )
                .into_response(),
            }
        }
        None => next.run(req).await,
    };
    drop(permit);
    let endpoint = res
        .extensions()
        .get::<Endpoint>()
        .map_or("unmatched", |e| e.0);
    let mut pending = res
        .extensions_mut()
        .remove::<Failure>()
        .or_else(|| framework_failure(&res, path, exempt));
    // Rendering a redirect can fail in its turn (a Location no header can
    // carry); that failure is rendered as a page, which cannot fail.
    for _ in 0..2 {
        let Some(failure) = pending.take() else {
            break;
        };
        if failure.occ.cause.id == STORE_UNAVAILABLE.id {
            // Known at once, not at the change watcher's next poll: the
            // requests that follow get the short budget above. The watcher
            // clears it when the database answers again.
            app.set_store_reachable(false);
        }
        report(&app, &failure.occ, endpoint);
        // For the CORS decision: the client this answer concerns.
        let client = failure.occ.client_id.clone();
        // A cookie the handler set stays set (a sign-in that succeeded
        // before the flow failed keeps its session).
        let cookies: Vec<HeaderValue> = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        // So does the nonce a DPoP refusal asks the client to use.
        let nonce = res.headers().get(DPOP_NONCE).cloned();
        res = render(&app, failure, || page_headers.view(&app, &uri));
        pending = res.extensions_mut().remove::<Failure>();
        if let Some(id) = client {
            res.extensions_mut().insert(super::cors::AnsweredClient(id));
        }
        for c in cookies {
            res.headers_mut().append(header::SET_COOKIE, c);
        }
        if let Some(nonce) = nonce {
            res.headers_mut().insert(DPOP_NONCE, nonce);
        }
    }
    // Labels without allocating: the endpoint is shared, the method and the
    // usual statuses are static (this runs on every request).
    let endpoint = SharedString::const_str(endpoint);
    let labels = [
        ("endpoint", endpoint.clone()),
        ("method", method_label(&method)),
        ("status", status_label(res.status())),
    ];
    metrics::counter!("latchkey_http_requests_total", &labels).increment(1);
    metrics::histogram!("latchkey_http_request_duration_seconds", "endpoint" => endpoint)
        .record(start.elapsed().as_secs_f64());
    res
}

fn method_label(method: &Method) -> SharedString {
    SharedString::const_str(match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => return SharedString::from_owned(method.to_string()),
    })
}

fn status_label(status: StatusCode) -> SharedString {
    SharedString::const_str(match status.as_u16() {
        200 => "200",
        201 => "201",
        204 => "204",
        302 => "302",
        303 => "303",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        429 => "429",
        500 => "500",
        503 => "503",
        other => return SharedString::from_owned(other.to_string()),
    })
}

/// Log the occurrence once (with its debug detail), count it, keep it.
pub(crate) fn report(app: &App, occ: &Occurrence, endpoint: &str) {
    let client_id = occ.client_id.as_deref();
    let cause = occ.cause;
    let code = cause.code.as_str();
    if cause.status >= 500 {
        tracing::error!(error_id = %occ.error_id, cause = cause.id, code, endpoint, client_id, debug = occ.debug.as_deref(), description = %occ.description(), "request failed");
    } else if latchkey_core::catalogue::POSSIBLE_THEFT
        .iter()
        .any(|c| c.id == cause.id)
    {
        tracing::warn!(error_id = %occ.error_id, cause = cause.id, code, endpoint, client_id, debug = occ.debug.as_deref(), description = %occ.description(), "request refused: possible theft of a code or token");
    } else {
        tracing::info!(error_id = %occ.error_id, cause = cause.id, code, endpoint, client_id, debug = occ.debug.as_deref(), description = %occ.description(), "request refused");
    }
    metrics::counter!("latchkey_errors_total", "code" => code, "cause" => cause.id).increment(1);
    if let Some(tx) = &app.error_records {
        let record = ErrorRecord {
            error_id: occ.error_id.to_string(),
            cause: cause.id.to_string(),
            code: code.to_string(),
            status: i64::from(cause.status),
            description: occ.description(),
            debug: occ.debug.clone(),
            endpoint: endpoint.to_string(),
            client_id: client_id.map(str::to_string),
            created_at: latchkey_core::now_unix(),
        };
        if tx.try_send(record).is_err() {
            metrics::counter!("latchkey_error_records_dropped_total").increment(1);
        }
    }
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The HTTP status of an occurrence's cause, for pages that show a
/// refusal in place (a form with its error) rather than through a channel.
pub fn status_of(occ: &Occurrence) -> StatusCode {
    status(occ.cause.status)
}

fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
}

/// Build the response for a failure on its channel.
/// `view` is called only for a page.
pub fn render(app: &App, failure: Failure, view: impl FnOnce() -> View) -> Response {
    let ctx = app.render_ctx();
    let occ = &failure.occ;
    let mut res = match &failure.channel {
        Channel::Json => {
            let mut res = (
                status(occ.cause.status),
                axum::Json(render::json_body(occ, ctx)),
            )
                .into_response();
            if occ.cause.status == 401
                && let Some(challenge) = render::client_challenge(&app.config.issuer, occ, ctx)
            {
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, header_value(&challenge));
            }
            res
        }
        Channel::Admin => {
            let mut res = (
                status(occ.cause.status),
                axum::Json(render::admin_body(occ, ctx)),
            )
                .into_response();
            if occ.cause.status == 401 {
                let challenge = render::bearer_challenge(&app.config.issuer, None, None, ctx);
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, header_value(&challenge));
            }
            res
        }
        Channel::Bearer { scope } => {
            let challenge =
                render::bearer_challenge(&app.config.issuer, Some(occ), scope.as_deref(), ctx);
            let mut res = (
                status(occ.cause.status),
                axum::Json(render::json_body(occ, ctx)),
            )
                .into_response();
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, header_value(&challenge));
            res
        }
        Channel::Dpop { scope } => {
            let mut res = (
                status(render::resource_status(occ)),
                axum::Json(render::json_body(occ, ctx)),
            )
                .into_response();
            let h = res.headers_mut();
            if latchkey_core::catalogue::WITHOUT_CREDENTIALS
                .iter()
                .any(|c| occ.is(c))
            {
                let bearer =
                    render::bearer_challenge(&app.config.issuer, None, scope.as_deref(), ctx);
                h.append(header::WWW_AUTHENTICATE, header_value(&bearer));
            }
            // RFC 9449 §7.1: the algorithms accepted here, fewer under the
            // FAPI 2.0 profile (§5.4.1).
            let algs = if app.config.fapi2 {
                latchkey_core::fapi2::ALGS_CHALLENGE
            } else {
                latchkey_core::dpop::ALGS_CHALLENGE
            };
            let dpop = render::dpop_challenge(Some(occ), algs, ctx);
            h.append(header::WWW_AUTHENTICATE, header_value(&dpop));
            res
        }
        Channel::Page => match occ
            .cause
            .page
            .filter(|_| occ.cause.id.starts_with("console_"))
        {
            Some(_) => {
                let view = view();
                let words = occ.cause.page_text_in(view.lang);
                super::pages::console_error_page(
                    &app.brand,
                    &view,
                    &render::error_page(occ, ctx),
                    &words,
                    occ.cause.status,
                )
            }
            None => super::pages::error_page(&app.brand, &view(), &render::error_page(occ, ctx)),
        },
        Channel::Redirect(target) => redirect(app, target.error(occ, ctx)),
    };
    let headers = res.headers_mut();
    no_store(headers);
    // RFC 8288: the cause's documentation, also for client libraries that
    // drop `error_uri` from the body but keep the response headers.
    if let Ok(link) =
        HeaderValue::from_str(&format!("<{}>; rel=\"help\"", ctx.error_uri(occ.cause)))
    {
        headers.insert(header::LINK, link);
    }
    if let Some(secs) = occ.retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

/// Seconds a JARM response is valid: long enough for a slow browser, short
/// as the JARM and FAPI 2.0 texts ask (at most 10 minutes).
const JARM_TTL: i64 = 300;

/// An authorization response: 303 to the client, or the form_post page;
/// for JARM, first signed as one JWT, sent as `response`.
pub fn redirect(app: &App, redirect: Redirect) -> Response {
    match redirect {
        Redirect::Location(location) => see_other(&location),
        Redirect::FormPost { action, fields } => super::pages::form_post(&action, &fields),
        Redirect::Jwt {
            target,
            alg,
            mut claims,
        } => {
            let now = latchkey_core::now_unix();
            claims.insert("exp".into(), (now + JARM_TTL).into());
            let keys = app.keys();
            let Some(key) = latchkey_core::keys::Alg::parse(&alg).and_then(|a| keys.signer(a))
            else {
                return unsendable(&format!("no active {alg} key to sign the JARM response"));
            };
            match key.sign_jwt("JWT", &claims) {
                Ok(jwt) => self::redirect(app, target.plain(vec![("response", jwt)])),
                Err(e) => unsendable(&format!("the JARM response cannot be signed: {e}")),
            }
        }
    }
}

/// A 303 to `location`, not cached. A URI that no header can carry (which
/// redirect URI validation keeps out) becomes an internal error, reported
/// and answered with its `error_id` like any other, never a bare 500.
pub fn see_other(location: &str) -> Response {
    fail::fail_point!("respond.location", |_| unsendable(
        "failpoint respond.location is armed"
    ));
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut res = StatusCode::SEE_OTHER.into_response();
            res.headers_mut().insert(header::LOCATION, value);
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(_) => unsendable("the redirect URI cannot be sent in a Location header"),
    }
}

fn unsendable(why: &str) -> Response {
    Failure::page(INTERNAL_ERROR.occur().debug(why.to_string())).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bare(status: StatusCode, content_type: &'static str) -> Response {
        let mut res = status.into_response();
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        res
    }

    #[test]
    fn every_bare_server_error_becomes_a_reported_failure() {
        for status in [
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::BAD_GATEWAY,
            StatusCode::GATEWAY_TIMEOUT,
        ] {
            for content_type in ["text/plain", "application/json", "text/html"] {
                let failure = framework_failure(&bare(status, content_type), "/authorize", false);
                let failure = failure.map(|f| (f.occ.cause.id, matches!(f.channel, Channel::Page)));
                assert_eq!(
                    failure,
                    Some((INTERNAL_ERROR.id, true)),
                    "{status} {content_type}"
                );
            }
        }
        // Health answers 503 on purpose.
        let ready = bare(StatusCode::SERVICE_UNAVAILABLE, "application/json");
        assert!(framework_failure(&ready, "/health/ready", true).is_none());
        assert!(framework_failure(&bare(StatusCode::OK, "text/plain"), "/jwks", false).is_none());
    }

    #[test]
    fn an_unsendable_location_parks_a_page_failure() {
        let mut res = see_other("https://app.example/cb\r\nX-Injected: 1");
        let failure = res.extensions_mut().remove::<Failure>();
        assert!(failure.is_some_and(
            |f| f.occ.cause.id == INTERNAL_ERROR.id && matches!(f.channel, Channel::Page)
        ));
        let res = see_other("https://app.example/cb?state=x");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            res.headers()[header::LOCATION],
            "https://app.example/cb?state=x"
        );
    }
}
