//! Every cause Latchkey can report, one `static` each, grouped by endpoint.
//!
//! A cause is one precise situation. It names the registered wire code it is
//! reported as, its HTTP status on the JSON, bearer and admin channels, who has
//! to act and how to fix it. The docs page (`GET /errors`, `docs/errors.md`)
//! is generated from [`ALL`], so adding a cause here documents it.
//!
//! Rules (checked by the tests at the end of this file):
//! - `id` is snake_case, stable and public (`error_uri` anchor, logs, metrics);
//!   the static's name is the id in upper case;
//! - `summary` is one line in the RFC 6749 §5.2 character set, no trailing period;
//! - `extended_code` is set only for the provider-specific names of the error
//!   model (Fosite, Okta, GOV.UK One Login);
//! - every static is listed exactly once in [`ALL`].
//!
//! Endpoint `"*"` means any route.

use super::{Actor, Cause, ErrorCode};

const ANY: &[&str] = &["*"];
const AUTHORIZE: &[&str] = &["/authorize"];
const AUTHORIZE_PAR: &[&str] = &["/authorize", "/par"];
const TOKEN: &[&str] = &["/token"];
const CLIENT_AUTH: &[&str] = &[
    "/token",
    "/par",
    "/introspect",
    "/revoke",
    "/device_authorization",
];
const DEVICE_AUTHORIZATION: &[&str] = &["/device_authorization"];
const DEVICE_PAGE: &[&str] = &["/device"];
const OAUTH_ALL: &[&str] = &[
    "/authorize",
    "/token",
    "/par",
    "/introspect",
    "/revoke",
    "/userinfo",
    "/device_authorization",
];
const USERINFO: &[&str] = &["/userinfo"];
const CORS: &[&str] = &["/token", "/userinfo", "/revoke", "/introspect", "/par"];
const UI: &[&str] = &["/login", "/consent", "/mfa", "/select-account"];
const UPSTREAM: &[&str] = &["/upstream/{id}/callback"];
const REGISTER: &[&str] = &["/register", "/register/{client_id}"];
const ADMIN: &[&str] = &["/admin/v1"];
const CONSOLE: &[&str] = &["/admin", "/admin/callback"];

// ---------------------------------------------------------------------------
// HTTP basics: any route (unknown paths, methods, bodies, capacity, failures)
// ---------------------------------------------------------------------------

pub static NOT_FOUND: Cause = Cause {
    id: "not_found",
    code: ErrorCode::NotFound,
    status: 404,
    summary: "No endpoint or resource exists at this address",
    actor: Actor::ClientDeveloper,
    fix: "Compare the path with the endpoints listed in /.well-known/openid-configuration. Paths are case sensitive and have no trailing slash.",
    spec: "RFC 9110 §15.5.5",
    endpoints: ANY,
    extended_code: None,
    checklist: &["U27", "T4"],
    page: None,
};

pub static METHOD_NOT_ALLOWED: Cause = Cause {
    id: "method_not_allowed",
    code: ErrorCode::InvalidRequest,
    status: 405,
    summary: "This endpoint does not accept the HTTP method used",
    actor: Actor::ClientDeveloper,
    fix: "Use one of the methods in the Allow header of the response. The token, PAR, introspection and revocation endpoints take POST only.",
    spec: "RFC 9110 §15.5.6; RFC 6749 §3.2",
    endpoints: ANY,
    extended_code: None,
    checklist: &["T5"],
    page: None,
};

pub static REQUEST_TOO_LARGE: Cause = Cause {
    id: "request_too_large",
    code: ErrorCode::InvalidRequest,
    status: 413,
    summary: "The request body is larger than this server accepts",
    actor: Actor::ClientDeveloper,
    fix: "Send a smaller body. Long authorization requests fit better in a pushed authorization request (PAR) than in a URL or form.",
    spec: "RFC 9110 §15.5.14",
    endpoints: ANY,
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static URI_TOO_LONG: Cause = Cause {
    id: "uri_too_long",
    code: ErrorCode::InvalidRequest,
    status: 414,
    summary: "The request URL is longer than this server accepts",
    actor: Actor::ClientDeveloper,
    fix: "Keep the path and query under 64 KB. Push long authorization requests with POST /par and send only the request_uri it returns, or post the parameters to /authorize as a form.",
    spec: "RFC 9110 §15.5.15; RFC 9126",
    endpoints: ANY,
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static HEADERS_TOO_LARGE: Cause = Cause {
    id: "headers_too_large",
    code: ErrorCode::InvalidRequest,
    status: 431,
    summary: "The request headers are larger or more numerous than this server accepts",
    actor: Actor::ClientDeveloper,
    fix: "Send at most 100 header fields, and keep the request line and headers together under 400 KB. Oversized cookies set by other applications on the same domain are a common cause: clear them or serve Latchkey from a host of its own.",
    spec: "RFC 6585 §5",
    endpoints: ANY,
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static MALFORMED_REQUEST: Cause = Cause {
    id: "malformed_request",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The request is not valid HTTP/1.1",
    actor: Actor::ClientDeveloper,
    fix: "Check the request line (method, path and version separated by single spaces, no spaces or control characters in the path) and the headers (name, colon, value; at most one Content-Length, and not together with Transfer-Encoding). A hand-written client or a misbehaving proxy is the usual cause.",
    spec: "RFC 9112 §3, §5, §6",
    endpoints: ANY,
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static UNSUPPORTED_CONTENT_TYPE: Cause = Cause {
    id: "unsupported_content_type",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The request body is not in the media type this endpoint requires",
    actor: Actor::ClientDeveloper,
    fix: "Post application/x-www-form-urlencoded bodies to the OAuth endpoints and application/json bodies to the admin API, with a Content-Type header that says so.",
    spec: "RFC 6749 §3.2; RFC 9110 §8.3",
    endpoints: ANY,
    extended_code: None,
    checklist: &["T1", "T8"],
    page: None,
};

pub static MALFORMED_BODY: Cause = Cause {
    id: "malformed_body",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The request body could not be parsed",
    actor: Actor::ClientDeveloper,
    fix: "A form body must be percent-encoded UTF-8 name=value pairs joined by ampersands; a JSON body must be a single valid JSON object.",
    spec: "RFC 6749 Appendix B; RFC 8259",
    endpoints: ANY,
    extended_code: None,
    checklist: &["T1", "T8"],
    page: None,
};

pub static REQUEST_TIMEOUT: Cause = Cause {
    id: "request_timeout",
    code: ErrorCode::TemporarilyUnavailable,
    status: 503,
    summary: "The request took too long and was abandoned",
    actor: Actor::Operator,
    fix: "Retry once the Retry-After delay has passed. If it keeps happening, the operator should look at database latency and node load.",
    spec: "RFC 6749 §4.1.2.1; RFC 9110 §15.6.4",
    endpoints: ANY,
    extended_code: None,
    checklist: &["T7", "T16"],
    page: None,
};

pub static INTERNAL_ERROR: Cause = Cause {
    id: "internal_error",
    code: ErrorCode::ServerError,
    status: 500,
    summary: "The server met an unexpected condition",
    actor: Actor::Operator,
    fix: "Retry the request. If it fails again, give the operator the error_id: it leads to the log line that holds the internal detail.",
    spec: "RFC 6749 §4.1.2.1, §5.2",
    endpoints: ANY,
    extended_code: None,
    checklist: &["G6", "U29", "T6", "T15", "O8"],
    page: None,
};

pub static MISCONFIGURATION: Cause = Cause {
    id: "misconfiguration",
    code: ErrorCode::ServerError,
    status: 500,
    summary: "The request failed because the server is misconfigured",
    actor: Actor::Operator,
    fix: "The operator should look up the error_id in the log, which names the setting at fault (for example the issuer, client_id or client_secret of an upstream provider), correct it and restart.",
    spec: "RFC 6749 §4.1.2.1; Ory Fosite misconfiguration",
    endpoints: ANY,
    extended_code: Some("misconfiguration"),
    checklist: &["U28", "T6"],
    page: None,
};

pub static STORE_UNAVAILABLE: Cause = Cause {
    id: "store_unavailable",
    code: ErrorCode::TemporarilyUnavailable,
    status: 503,
    summary: "The database cannot be reached at the moment",
    actor: Actor::Operator,
    fix: "Retry once the Retry-After delay has passed. The operator should restore the database connection; nodes recover by themselves, without a restart.",
    spec: "RFC 6749 §4.1.2.1; RFC 9110 §15.6.4",
    endpoints: ANY,
    extended_code: None,
    checklist: &["U30", "T7", "T16"],
    page: None,
};

pub static OVERLOADED: Cause = Cause {
    id: "overloaded",
    code: ErrorCode::TemporarilyUnavailable,
    status: 503,
    summary: "The server is handling too many requests right now",
    actor: Actor::Operator,
    fix: "Retry once the Retry-After delay has passed. If it is frequent, the operator can raise limits.max_in_flight or add nodes.",
    spec: "RFC 6749 §4.1.2.1; RFC 9110 §15.6.4",
    endpoints: ANY,
    extended_code: None,
    checklist: &["G7", "U30", "T7", "T16", "O9"],
    page: None,
};

pub static MAINTENANCE: Cause = Cause {
    id: "maintenance",
    code: ErrorCode::TemporarilyUnavailable,
    status: 503,
    summary: "The server is in maintenance mode",
    actor: Actor::Operator,
    fix: "Retry once the Retry-After delay has passed. The operator ends maintenance by setting maintenance back to false (configuration or admin API).",
    spec: "RFC 6749 §4.1.2.1; RFC 9110 §15.6.4",
    endpoints: ANY,
    extended_code: None,
    checklist: &["G7", "T7", "O9"],
    page: None,
};

pub static RATE_LIMITED: Cause = Cause {
    id: "rate_limited",
    code: ErrorCode::TemporarilyUnavailable,
    status: 429,
    summary: "This client sent too many requests in a short time",
    actor: Actor::ClientDeveloper,
    fix: "Wait the number of seconds given in Retry-After, then send requests at a lower rate. The per-client limit is limits.client_rps.",
    spec: "RFC 6585 §4; RFC 6749 §5.2",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["T16"],
    page: None,
};

/// Logged only: the request is answered as usual, without CORS headers, so
/// the browser hides that answer from the page; this names why.
pub static CORS_ORIGIN_NOT_ALLOWED: Cause = Cause {
    id: "cors_origin_not_allowed",
    code: ErrorCode::UnauthorizedClient,
    status: 400,
    summary: "The browser origin of this request is not allowed for the client, so the answer carries no CORS headers",
    actor: Actor::ClientDeveloper,
    fix: "Add the page's origin, exactly as its Origin header shows it (scheme://host[:port], no path), to the client's allowed_cors_origins, or give the public client a redirect URI on that origin (its redirect URIs' origins are the default). Confidential clients are never called from a browser: call the token endpoint from the application's backend. This cause is only logged, with the client and origin: the browser's fetch fails without showing the answer.",
    spec: "WHATWG Fetch §3.2 (CORS protocol); OAuth 2.0 for Browser-Based Apps",
    endpoints: CORS,
    extended_code: None,
    checklist: &[],
    page: None,
};

// ---------------------------------------------------------------------------
// /authorize before the client and redirect URI are verified: these are
// always shown on the error page, never redirected
// ---------------------------------------------------------------------------

pub static REQUEST_IS_MISSING_PARAMETERS: Cause = Cause {
    id: "request_is_missing_parameters",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The authorization request lacks several required parameters",
    actor: Actor::ClientDeveloper,
    fix: "Every authorization request needs client_id, redirect_uri, response_type=code and scope (with openid to sign a user in). Build the URL with an OpenID Connect client library rather than by hand.",
    spec: "RFC 6749 §4.1.1; OpenID Connect Core §3.1.2.1; GOV.UK One Login request_is_missing_parameters",
    endpoints: AUTHORIZE,
    extended_code: Some("request_is_missing_parameters"),
    checklist: &["G2", "U1", "O12", "T1", "T8"],
    page: None,
};

pub static CLIENT_ID_MISSING: Cause = Cause {
    id: "client_id_missing",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The client_id parameter is missing",
    actor: Actor::ClientDeveloper,
    fix: "Add the client_id that the operator or dynamic registration issued for the application.",
    spec: "RFC 6749 §4.1.1",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["G2", "T8"],
    page: None,
};

pub static CLIENT_ID_UNKNOWN: Cause = Cause {
    id: "client_id_unknown",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The client_id does not match any registered client",
    actor: Actor::ClientDeveloper,
    fix: "Check the client_id for typos and confirm the client exists on this server (latchkey client list). Because the client is unknown, the user sees an error page instead of being sent back.",
    spec: "RFC 6749 §4.1.2.1",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["G2", "H1"],
    page: None,
};

pub static NO_REDIRECT_URI_REGISTERED: Cause = Cause {
    id: "no_redirect_uri_registered",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The client has no redirect URI registered",
    actor: Actor::ClientDeveloper,
    fix: "Register at least one redirect URI in the client's redirect_uris metadata before sending users to the authorization endpoint.",
    spec: "RFC 6749 §3.1.2.2",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["H2"],
    page: None,
};

pub static REDIRECT_URI_MISSING: Cause = Cause {
    id: "redirect_uri_missing",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The redirect_uri parameter is missing and the client has several registered",
    actor: Actor::ClientDeveloper,
    fix: "Send redirect_uri set to one of the registered URIs. It may only be omitted when the client has exactly one.",
    spec: "RFC 6749 §3.1.2.3; OpenID Connect Core §3.1.2.1",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["G2", "H2", "T8"],
    page: None,
};

pub static REDIRECT_URI_MISMATCH: Cause = Cause {
    id: "redirect_uri_mismatch",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The redirect_uri is not registered for this client",
    actor: Actor::ClientDeveloper,
    fix: "Send a URI that is registered, or register this one. URIs are compared character by character: scheme, host, port, path, query and any trailing slash must be identical, and the error page says which part differs. Only a native app's http redirect URI on 127.0.0.1, [::1] or localhost matches on any port (RFC 8252 §7.3).",
    spec: "RFC 6749 §3.1.2.3; OpenID Connect Core §3.1.2.1",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["G2", "H2"],
    page: None,
};

pub static REDIRECT_URI_MALFORMED: Cause = Cause {
    id: "redirect_uri_malformed",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The redirect_uri is not a valid absolute URI",
    actor: Actor::ClientDeveloper,
    fix: "Send an absolute URI with a scheme and without a fragment, percent-encoded as the value of a single redirect_uri parameter. The URI itself must not hold raw spaces, control characters (such as CR, LF or TAB) or characters outside ASCII: percent-encode them. The error names the first one found.",
    spec: "RFC 6749 §3.1.2; RFC 3986 §2",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["G2"],
    page: None,
};

pub static REGISTERED_REDIRECT_URI_UNUSABLE: Cause = Cause {
    id: "registered_redirect_uri_unusable",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The redirect URI registered for this client holds characters that cannot be sent in a redirect",
    actor: Actor::ClientDeveloper,
    fix: "The client was registered before Latchkey checked redirect URIs character by character, and the URI to use holds a raw space, control character or character outside ASCII. Update the client's redirect_uris or post_logout_redirect_uris (latchkey client update, the admin API or the registration client URI) with the URI written in its normal, percent-encoded form.",
    spec: "RFC 6749 §3.1.2; RFC 3986 §2",
    endpoints: &["/authorize", "/par", "/logout"],
    extended_code: None,
    checklist: &["G2"],
    page: None,
};

// ---------------------------------------------------------------------------
// /authorize and /par after the redirect URI is verified: redirected back to
// the client (or answered as JSON at /par)
// ---------------------------------------------------------------------------

pub static CLIENT_DEACTIVATED: Cause = Cause {
    id: "client_deactivated",
    code: ErrorCode::UnauthorizedClient,
    status: 400,
    summary: "The client is deactivated",
    actor: Actor::Operator,
    fix: "The operator has switched this client off, and only the operator can switch it back on (admin API, active true). Meanwhile the application should tell its users the service cannot be used at the moment and to try again later.",
    spec: "RFC 6749 §4.1.2.1, §5.2; GOV.UK One Login client deactivated",
    endpoints: &[
        "/authorize",
        "/token",
        "/par",
        "/introspect",
        "/revoke",
        "/device_authorization",
    ],
    extended_code: None,
    checklist: &["G1", "H8", "U2", "T11"],
    page: None,
};

pub static RESPONSE_TYPE_MISSING: Cause = Cause {
    id: "response_type_missing",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The response_type parameter is missing",
    actor: Actor::ClientDeveloper,
    fix: "Add response_type=code.",
    spec: "RFC 6749 §4.1.1",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["G2", "U1", "O12", "T8"],
    page: None,
};

pub static UNSUPPORTED_RESPONSE_TYPE: Cause = Cause {
    id: "unsupported_response_type",
    code: ErrorCode::UnsupportedResponseType,
    status: 400,
    summary: "Only the code response type is supported",
    actor: Actor::ClientDeveloper,
    fix: "Use response_type=code: the authorization code flow with PKCE. Implicit and hybrid response types are not offered.",
    spec: "RFC 6749 §4.1.2.1",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["G5", "U3", "O5", "H3"],
    page: None,
};

pub static RESPONSE_TYPE_NOT_ALLOWED: Cause = Cause {
    id: "response_type_not_allowed",
    code: ErrorCode::UnauthorizedClient,
    status: 400,
    summary: "The client is not registered for this response type",
    actor: Actor::ClientDeveloper,
    fix: "Add the response type to the client's response_types metadata, or request one the client is registered for.",
    spec: "RFC 6749 §4.1.2.1; RFC 7591 §2",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["O3", "U2", "T11"],
    page: None,
};

pub static UNSUPPORTED_RESPONSE_MODE: Cause = Cause {
    id: "unsupported_response_mode",
    code: ErrorCode::UnsupportedResponseMode,
    status: 400,
    summary: "The response_mode is not supported",
    actor: Actor::ClientDeveloper,
    fix: "Use query (the default for code), fragment or form_post, or for a signed response (JARM) jwt, query.jwt, fragment.jwt or form_post.jwt; or leave response_mode out.",
    spec: "OAuth 2.0 Multiple Response Type Encoding Practices §2.1; OAuth 2.0 Form Post Response Mode §2; JARM §2.3",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U4", "O6"],
    page: None,
};

pub static REPEATED_PARAMETER: Cause = Cause {
    id: "repeated_parameter",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "A parameter was sent more than once",
    actor: Actor::ClientDeveloper,
    fix: "Send each parameter once. A common source is a URL builder that appends a parameter the base URL already carries.",
    spec: "RFC 6749 §3.1, §3.2",
    endpoints: OAUTH_ALL,
    extended_code: None,
    checklist: &["G2", "G10", "U1", "T8"],
    page: None,
};

pub static MISSING_PARAMETER: Cause = Cause {
    id: "missing_parameter",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "A required parameter is missing",
    actor: Actor::ClientDeveloper,
    fix: "Add the parameter named in error_description. The spec section lists what each request must carry.",
    spec: "RFC 6749 §4.1.3, §5.2; RFC 7009 §2.1; RFC 7662 §2.1",
    endpoints: OAUTH_ALL,
    extended_code: None,
    checklist: &["G10", "U1", "O12", "T1", "T8"],
    page: None,
};

pub static INVALID_PARAMETER_VALUE: Cause = Cause {
    id: "invalid_parameter_value",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "A parameter has a value this endpoint does not accept",
    actor: Actor::ClientDeveloper,
    fix: "Correct the value of the parameter named in error_description. Values are case sensitive and must not carry extra whitespace.",
    spec: "RFC 6749 §4.1.2.1, §5.2",
    endpoints: OAUTH_ALL,
    extended_code: None,
    checklist: &["G10", "U1", "O12", "T8"],
    page: None,
};

pub static SCOPE_MISSING: Cause = Cause {
    id: "scope_missing",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The scope parameter is missing",
    actor: Actor::ClientDeveloper,
    fix: "Send scope with openid to sign a user in, plus any other scopes the application needs, separated by spaces.",
    spec: "OpenID Connect Core §3.1.2.1",
    endpoints: &["/authorize", "/par", "/device_authorization"],
    extended_code: None,
    checklist: &["G2", "T8"],
    page: None,
};

pub static SCOPE_MISSING_OPENID: Cause = Cause {
    id: "scope_missing_openid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The scope must include openid for this request",
    actor: Actor::ClientDeveloper,
    fix: "Add openid to scope. It is required whenever the request uses an OpenID Connect parameter such as nonce, prompt, max_age, id_token_hint or vtr.",
    spec: "OpenID Connect Core §3.1.2.1",
    endpoints: &["/authorize", "/par", "/device_authorization"],
    extended_code: None,
    checklist: &["G2"],
    page: None,
};

pub static UNKNOWN_SCOPE: Cause = Cause {
    id: "unknown_scope",
    code: ErrorCode::InvalidScope,
    status: 400,
    summary: "A requested scope is not known to this server",
    actor: Actor::ClientDeveloper,
    fix: "Request only scopes listed in scopes_supported of the discovery document, spelled exactly and separated by single spaces.",
    spec: "RFC 6749 §3.3, §4.1.2.1, §5.2",
    endpoints: &["/authorize", "/par", "/token", "/device_authorization"],
    extended_code: None,
    checklist: &["G4", "U5", "O7", "H4", "H10", "T13"],
    page: None,
};

pub static SCOPE_NOT_ALLOWED: Cause = Cause {
    id: "scope_not_allowed",
    code: ErrorCode::InvalidScope,
    status: 400,
    summary: "A requested scope is not allowed for this client",
    actor: Actor::ClientDeveloper,
    fix: "Stop requesting the scope, or ask the operator to add it to the client's scope metadata.",
    spec: "RFC 6749 §3.3, §5.2",
    endpoints: &["/authorize", "/par", "/token", "/device_authorization"],
    extended_code: None,
    checklist: &["G4", "H10", "T13"],
    page: None,
};

pub static SCOPE_MALFORMED: Cause = Cause {
    id: "scope_malformed",
    code: ErrorCode::InvalidScope,
    status: 400,
    summary: "The scope value is not a valid space-separated list",
    actor: Actor::ClientDeveloper,
    fix: "Separate scopes with single spaces and use only printable ASCII characters other than the double quote and the backslash.",
    spec: "RFC 6749 §3.3",
    endpoints: &["/authorize", "/par", "/token", "/device_authorization"],
    extended_code: None,
    checklist: &["G4", "U5"],
    page: None,
};

pub static PKCE_REQUIRED: Cause = Cause {
    id: "pkce_required",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "A PKCE code_challenge is required for this client",
    actor: Actor::ClientDeveloper,
    fix: "Create a random code_verifier for each request, send its S256 hash as code_challenge with code_challenge_method=S256, and send the verifier with the code to the token endpoint. Public clients and native apps (application_type native) always need it; the operator can require it of every client with policy.require_pkce.",
    spec: "RFC 7636 §4.4.1; RFC 9700 §2.1.1; RFC 8252 §8.1",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U1", "T8"],
    page: None,
};

pub static PKCE_PLAIN_NOT_ALLOWED: Cause = Cause {
    id: "pkce_plain_not_allowed",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The plain PKCE method is not accepted here",
    actor: Actor::ClientDeveloper,
    fix: "Use code_challenge_method=S256. The operator can accept plain with policy.allow_plain_pkce, but S256 protects the code much better.",
    spec: "RFC 7636 §4.2, §4.4.1",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U1"],
    page: None,
};

pub static PKCE_METHOD_UNSUPPORTED: Cause = Cause {
    id: "pkce_method_unsupported",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The code_challenge_method is not supported",
    actor: Actor::ClientDeveloper,
    fix: "Use code_challenge_method=S256, spelled in upper case.",
    spec: "RFC 7636 §4.3, §4.4.1",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U1"],
    page: None,
};

pub static PKCE_CHALLENGE_INVALID: Cause = Cause {
    id: "pkce_challenge_invalid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The code_challenge is not well formed",
    actor: Actor::ClientDeveloper,
    fix: "An S256 challenge is the base64url SHA-256 of the verifier without padding: 43 characters from A-Z, a-z, 0-9, hyphen and underscore.",
    spec: "RFC 7636 §4.2, §4.4.1",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U1"],
    page: None,
};

pub static INVALID_STATE: Cause = Cause {
    id: "invalid_state",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The state parameter is missing or too short",
    actor: Actor::ClientDeveloper,
    fix: "Send a fresh random state with every request, at least policy.min_parameter_length characters long, and check it when the response comes back. The operator makes state mandatory with policy.require_state.",
    spec: "RFC 6749 §10.12; Ory Fosite invalid_state",
    endpoints: AUTHORIZE_PAR,
    extended_code: Some("invalid_state"),
    checklist: &["U8"],
    page: None,
};

pub static INSUFFICIENT_ENTROPY: Cause = Cause {
    id: "insufficient_entropy",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The nonce is too short to be hard to guess",
    actor: Actor::ClientDeveloper,
    fix: "Generate the nonce from a secure random source, at least policy.min_parameter_length characters long; 32 random bytes in base64url is plenty.",
    spec: "OpenID Connect Core §15.5.2; Ory Fosite insufficient_entropy",
    endpoints: AUTHORIZE_PAR,
    extended_code: Some("insufficient_entropy"),
    checklist: &["U9"],
    page: None,
};

pub static PROMPT_VALUE_UNKNOWN: Cause = Cause {
    id: "prompt_value_unknown",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The prompt parameter has a value this server does not know",
    actor: Actor::ClientDeveloper,
    fix: "Use none, login, consent or select_account, separated by spaces.",
    spec: "OpenID Connect Core §3.1.2.1",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U1"],
    page: None,
};

pub static PROMPT_NONE_COMBINED: Cause = Cause {
    id: "prompt_none_combined",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "prompt=none cannot be combined with other prompt values",
    actor: Actor::ClientDeveloper,
    fix: "Send prompt=none on its own for a silent request, or drop none so the user may interact.",
    spec: "OpenID Connect Core §3.1.2.1",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U1"],
    page: None,
};

pub static MAX_AGE_INVALID: Cause = Cause {
    id: "max_age_invalid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The max_age parameter is not a whole number of seconds",
    actor: Actor::ClientDeveloper,
    fix: "Send max_age as a non-negative integer number of seconds, such as 0 or 3600.",
    spec: "OpenID Connect Core §3.1.2.1",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U1"],
    page: None,
};

pub static CLAIMS_MALFORMED: Cause = Cause {
    id: "claims_malformed",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The claims parameter is not a JSON object",
    actor: Actor::ClientDeveloper,
    fix: "Send claims as a JSON object (form-encoded in the query), with userinfo and id_token members naming the claims, for example {\"id_token\":{\"email\":{\"essential\":true}},\"userinfo\":{\"name\":null}}.",
    spec: "OpenID Connect Core §5.5",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U1"],
    page: None,
};

pub static CLAIMS_MEMBER_INVALID: Cause = Cause {
    id: "claims_member_invalid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "A member of the claims parameter has the wrong type",
    actor: Actor::ClientDeveloper,
    fix: "userinfo and id_token must be objects; each claim in them is null or an object whose essential is true or false and whose values is an array. The description names the member.",
    spec: "OpenID Connect Core §5.5, §5.5.1",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U1"],
    page: None,
};

pub static ESSENTIAL_ACR_UNAVAILABLE: Cause = Cause {
    id: "essential_acr_unavailable",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "The claims parameter asks for an essential acr this server does not offer",
    actor: Actor::ClientDeveloper,
    fix: "An essential acr must name at least one value this server can meet: the vectors of trust in acr_values_supported (Cl, Cl.Cm, Cl.Cm.P0 to Cl.Cm.P2). Ask without essential to let the server choose.",
    spec: "OpenID Connect Core §5.5.1.1",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U25"],
    page: None,
};

pub static ID_TOKEN_HINT_INVALID: Cause = Cause {
    id: "id_token_hint_invalid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The id_token_hint is not an ID token this server issued to this client",
    actor: Actor::ClientDeveloper,
    fix: "Pass back, unmodified, an ID token this server issued to the same client. An expired ID token is still accepted as a hint; an access token is not, although this server signed it too.",
    spec: "OpenID Connect Core §3.1.2.1; OpenID Connect RP-Initiated Logout §2",
    endpoints: &["/authorize", "/par", "/logout"],
    extended_code: None,
    checklist: &["U1"],
    page: None,
};

pub static REGISTRATION_PARAMETER_NOT_SUPPORTED: Cause = Cause {
    id: "registration_parameter_not_supported",
    code: ErrorCode::RegistrationNotSupported,
    status: 400,
    summary: "The registration parameter is not supported",
    actor: Actor::ClientDeveloper,
    fix: "Drop the registration parameter and register the client beforehand, through the admin API or the registration endpoint.",
    spec: "OpenID Connect Core §3.1.2.6, §7.2.1",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static LOGIN_REQUIRED: Cause = Cause {
    id: "login_required",
    code: ErrorCode::LoginRequired,
    status: 400,
    summary: "prompt=none was requested but the user is not signed in",
    actor: Actor::ClientDeveloper,
    fix: "Nothing is wrong with the request: send the user through an ordinary authorization request, without prompt=none, so they can sign in.",
    spec: "OpenID Connect Core §3.1.2.6",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U11", "O11"],
    page: None,
};

pub static REAUTHENTICATION_REQUIRED: Cause = Cause {
    id: "reauthentication_required",
    code: ErrorCode::LoginRequired,
    status: 400,
    summary: "prompt=none was requested but the sign-in is older than max_age",
    actor: Actor::ClientDeveloper,
    fix: "Send an ordinary authorization request (without prompt=none) so the user can sign in again, or accept an older sign-in with a larger max_age.",
    spec: "OpenID Connect Core §3.1.2.1, §3.1.2.6",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U11", "O11"],
    page: None,
};

pub static CONSENT_REQUIRED: Cause = Cause {
    id: "consent_required",
    code: ErrorCode::ConsentRequired,
    status: 400,
    summary: "prompt=none was requested but the user has not approved this client",
    actor: Actor::ClientDeveloper,
    fix: "Send an ordinary authorization request (or one with prompt=consent) so the user can approve the requested scopes.",
    spec: "OpenID Connect Core §3.1.2.6",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U13"],
    page: None,
};

pub static INTERACTION_REQUIRED: Cause = Cause {
    id: "interaction_required",
    code: ErrorCode::InteractionRequired,
    status: 400,
    summary: "prompt=none was requested but the user must complete a step on screen",
    actor: Actor::ClientDeveloper,
    fix: "Send an ordinary authorization request so the user can complete the missing step, for example entering or enrolling a second factor.",
    spec: "OpenID Connect Core §3.1.2.6",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U12"],
    page: None,
};

pub static ACCOUNT_SELECTION_REQUIRED: Cause = Cause {
    id: "account_selection_required",
    code: ErrorCode::AccountSelectionRequired,
    status: 400,
    summary: "prompt=none was requested but the hinted user is not the one signed in",
    actor: Actor::ClientDeveloper,
    fix: "Send a request without prompt=none, or with prompt=select_account, so the user can choose which account to use. A login_hint counts as naming another user whenever it is not the signed-in user's username, whether or not an account of that name exists.",
    spec: "OpenID Connect Core §3.1.2.6",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &[],
    page: None,
};

// ---------------------------------------------------------------------------
// Pushed authorization requests (RFC 9126)
// ---------------------------------------------------------------------------

pub static PAR_REQUIRED: Cause = Cause {
    id: "par_required",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "This authorization request must be pushed to the PAR endpoint first",
    actor: Actor::ClientDeveloper,
    fix: "POST the authorization parameters to /par, then send only client_id and the returned request_uri to /authorize. PAR is required for every client by par.required, or per client by require_pushed_authorization_requests.",
    spec: "RFC 9126 §5, §6",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U1"],
    page: None,
};

pub static REQUEST_URI_IN_PAR: Cause = Cause {
    id: "request_uri_in_par",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "request_uri may not be sent to the PAR endpoint",
    actor: Actor::ClientDeveloper,
    fix: "Push the parameters themselves (or a request object in request); the PAR endpoint issues the request_uri.",
    spec: "RFC 9126 §2.1",
    endpoints: &["/par"],
    extended_code: None,
    checklist: &["U1"],
    page: None,
};

// ---------------------------------------------------------------------------
// Request objects: request and request_uri (RFC 9101, OIDC Core §6). At
// /authorize, redirected to a redirect URI registered for the outer client_id
// when one is known (the signed object's, else the outer one), else the page
// ---------------------------------------------------------------------------

pub static REQUEST_NOT_SUPPORTED: Cause = Cause {
    id: "request_not_supported",
    code: ErrorCode::RequestNotSupported,
    status: 400,
    summary: "Request objects passed by value are not accepted here",
    actor: Actor::ClientDeveloper,
    fix: "Send the parameters directly or push them to /par. The operator can accept request objects with request_objects.enabled.",
    spec: "OpenID Connect Core §3.1.2.6, §6.1; RFC 9101 §5",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U14"],
    page: None,
};

pub static REQUEST_URI_NOT_SUPPORTED: Cause = Cause {
    id: "request_uri_not_supported",
    code: ErrorCode::RequestUriNotSupported,
    status: 400,
    summary: "request_uri is not accepted here",
    actor: Actor::ClientDeveloper,
    fix: "Send the parameters directly. The operator can accept request_uri with request_objects.enabled.",
    spec: "OpenID Connect Core §3.1.2.6, §6.2; RFC 9101 §5",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U15"],
    page: None,
};

pub static REQUEST_URI_NOT_REGISTERED: Cause = Cause {
    id: "request_uri_not_registered",
    code: ErrorCode::RequestUriNotSupported,
    status: 400,
    summary: "This remote request_uri is not pre-registered for the client",
    actor: Actor::ClientDeveloper,
    fix: "Add the https URL to the client's request_uris metadata, or push the request to /par and use the request_uri it returns.",
    spec: "OpenID Connect Core §6.2; RFC 9101 §5.2",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U15"],
    page: None,
};

pub static REQUEST_AND_REQUEST_URI: Cause = Cause {
    id: "request_and_request_uri",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "request and request_uri cannot both be sent",
    actor: Actor::ClientDeveloper,
    fix: "Pass the request object either by value (request) or by reference (request_uri), never both.",
    spec: "RFC 9101 §5",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U1"],
    page: None,
};

pub static REQUEST_URI_MALFORMED: Cause = Cause {
    id: "request_uri_malformed",
    code: ErrorCode::InvalidRequestUri,
    status: 400,
    summary: "The request_uri is neither a PAR reference nor an https URL",
    actor: Actor::ClientDeveloper,
    fix: "Use the request_uri returned by /par without changing it, or an absolute https URL registered in request_uris.",
    spec: "RFC 9101 §5.2; RFC 9126 §2.2",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U16"],
    page: None,
};

pub static REQUEST_URI_UNKNOWN: Cause = Cause {
    id: "request_uri_unknown",
    code: ErrorCode::InvalidRequestUri,
    status: 400,
    summary: "The request_uri does not refer to any pushed request",
    actor: Actor::ClientDeveloper,
    fix: "Send the request_uri exactly as /par returned it, to the same server that issued it.",
    spec: "RFC 9126 §4",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U16"],
    page: None,
};

pub static REQUEST_URI_EXPIRED: Cause = Cause {
    id: "request_uri_expired",
    code: ErrorCode::InvalidRequestUri,
    status: 400,
    summary: "The pushed request has expired",
    actor: Actor::ClientDeveloper,
    fix: "Send the user to /authorize right after pushing the request, within expires_in seconds, or push it again.",
    spec: "RFC 9126 §2.2, §4",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U16"],
    page: None,
};

pub static REQUEST_URI_USED: Cause = Cause {
    id: "request_uri_used",
    code: ErrorCode::InvalidRequestUri,
    status: 400,
    summary: "The pushed request was already used",
    actor: Actor::ClientDeveloper,
    fix: "Push a new request for every authorization: each request_uri from /par works once.",
    spec: "RFC 9126 §4",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U16"],
    page: None,
};

pub static REQUEST_URI_CLIENT_MISMATCH: Cause = Cause {
    id: "request_uri_client_mismatch",
    code: ErrorCode::InvalidRequestUri,
    status: 400,
    summary: "The request_uri was pushed by a different client",
    actor: Actor::ClientDeveloper,
    fix: "Send the client_id of the client that pushed the request together with its request_uri.",
    spec: "RFC 9126 §4",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U16"],
    page: None,
};

pub static REQUEST_URI_UNREACHABLE: Cause = Cause {
    id: "request_uri_unreachable",
    code: ErrorCode::InvalidRequestUri,
    status: 400,
    summary: "The request object could not be fetched from the request_uri",
    actor: Actor::ClientDeveloper,
    fix: "Make the URL answer quickly over https with status 200 and no redirect; the fetch has a short time limit.",
    spec: "RFC 9101 §5.2.3",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U16"],
    page: None,
};

pub static REQUEST_URI_ADDRESS_BLOCKED: Cause = Cause {
    id: "request_uri_address_blocked",
    code: ErrorCode::InvalidRequestUri,
    status: 400,
    summary: "The request_uri points to an address this server will not contact",
    actor: Actor::ClientDeveloper,
    fix: "Host the request object at a public https address. Loopback and private addresses are refused unless the operator allows them.",
    spec: "RFC 9101 §10.4",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U16"],
    page: None,
};

pub static REQUEST_URI_CONTENT_INVALID: Cause = Cause {
    id: "request_uri_content_invalid",
    code: ErrorCode::InvalidRequestUri,
    status: 400,
    summary: "The document at the request_uri is too large or is not a request object",
    actor: Actor::ClientDeveloper,
    fix: "Serve only the request object JWT at the URL, as application/oauth-authz-req+jwt, within the size limit.",
    spec: "RFC 9101 §5.2.3",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["U16"],
    page: None,
};

pub static REQUEST_OBJECT_UNPARSEABLE: Cause = Cause {
    id: "request_object_unparseable",
    code: ErrorCode::InvalidRequestObject,
    status: 400,
    summary: "The request object is not a well-formed JWT",
    actor: Actor::ClientDeveloper,
    fix: "Send a compact JWS (three base64url parts separated by dots) whose payload is a JSON object of authorization parameters.",
    spec: "RFC 9101 §4",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U17"],
    page: None,
};

pub static REQUEST_OBJECT_ENCRYPTED: Cause = Cause {
    id: "request_object_encrypted",
    code: ErrorCode::InvalidRequestObject,
    status: 400,
    summary: "The request object is encrypted (JWE), which this server does not offer",
    actor: Actor::ClientDeveloper,
    fix: "Send the request object signed only (a compact JWS): this server publishes no encryption key, and its discovery document lists no request_object_encryption_alg_values_supported. To keep the parameters off the front channel, push them with PAR instead.",
    spec: "RFC 9101 §4, §6.1; OIDC Discovery §3",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U17"],
    page: None,
};

pub static REQUEST_OBJECT_ALG_NOT_ALLOWED: Cause = Cause {
    id: "request_object_alg_not_allowed",
    code: ErrorCode::InvalidRequestObject,
    status: 400,
    summary: "The request object uses a signing algorithm not registered for the client",
    actor: Actor::ClientDeveloper,
    fix: "Sign with the client's request_object_signing_alg. Unsigned objects (alg none) are accepted only from clients that registered none.",
    spec: "RFC 9101 §6.1; OpenID Connect Dynamic Client Registration §2",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U17"],
    page: None,
};

pub static REQUEST_OBJECT_SIGNATURE_INVALID: Cause = Cause {
    id: "request_object_signature_invalid",
    code: ErrorCode::InvalidRequestObject,
    status: 400,
    summary: "The request object signature does not verify with the client keys",
    actor: Actor::ClientDeveloper,
    fix: "Sign with a private key whose public half is in the client's jwks or jwks_uri, and name it with kid in the JWS header.",
    spec: "RFC 9101 §6.2",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U17"],
    page: None,
};

pub static REQUEST_OBJECT_KEYS_UNAVAILABLE: Cause = Cause {
    id: "request_object_keys_unavailable",
    code: ErrorCode::InvalidRequestObject,
    status: 400,
    summary: "The client keys needed to verify the request object could not be fetched",
    actor: Actor::ClientDeveloper,
    fix: "Make the client's jwks_uri answer over https with its current public keys, or register the keys inline as jwks.",
    spec: "RFC 9101 §6.2; RFC 7591 §2",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U17"],
    page: None,
};

pub static REQUEST_OBJECT_ISSUER_MISMATCH: Cause = Cause {
    id: "request_object_issuer_mismatch",
    code: ErrorCode::InvalidRequestObject,
    status: 400,
    summary: "The iss claim of the request object is not the client_id",
    actor: Actor::ClientDeveloper,
    fix: "Set iss in the request object to the client's client_id.",
    spec: "RFC 9101 §4",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U17"],
    page: None,
};

pub static REQUEST_OBJECT_AUDIENCE_MISMATCH: Cause = Cause {
    id: "request_object_audience_mismatch",
    code: ErrorCode::InvalidRequestObject,
    status: 400,
    summary: "The aud claim of the request object does not name this server",
    actor: Actor::ClientDeveloper,
    fix: "Set aud to the issuer identifier published in the discovery document.",
    spec: "RFC 9101 §4",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U17"],
    page: None,
};

pub static REQUEST_OBJECT_CLIENT_ID_MISMATCH: Cause = Cause {
    id: "request_object_client_id_mismatch",
    code: ErrorCode::InvalidRequestObject,
    status: 400,
    summary: "The client_id inside the request object differs from the one outside",
    actor: Actor::ClientDeveloper,
    fix: "Use the same client_id inside the request object and as the client_id query parameter.",
    spec: "RFC 9101 §5",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U17"],
    page: None,
};

pub static REQUEST_OBJECT_EXPIRED: Cause = Cause {
    id: "request_object_expired",
    code: ErrorCode::InvalidRequestObject,
    status: 400,
    summary: "The request object has expired",
    actor: Actor::ClientDeveloper,
    fix: "Create the request object just before using it, with a short exp, and check that the client host's clock is right.",
    spec: "RFC 9101 §4; RFC 7519 §4.1.4",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U17"],
    page: None,
};

pub static REQUEST_OBJECT_NOT_YET_VALID: Cause = Cause {
    id: "request_object_not_yet_valid",
    code: ErrorCode::InvalidRequestObject,
    status: 400,
    summary: "The request object is not valid yet",
    actor: Actor::ClientDeveloper,
    fix: "Check the client host's clock: nbf and iat must not be in the future.",
    spec: "RFC 9101 §4; RFC 7519 §4.1.5",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["U17"],
    page: None,
};

// ---------------------------------------------------------------------------
// Vectors of trust (RFC 8485, GOV.UK One Login style) and second factors
// ---------------------------------------------------------------------------

pub static VTR_MALFORMED: Cause = Cause {
    id: "vtr_malformed",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The vtr parameter is not a JSON array of vectors",
    actor: Actor::ClientDeveloper,
    fix: "Send vtr as a percent-encoded JSON array of strings, for example [\"Cl.Cm\"] or [\"Cl.Cm.P2\"].",
    spec: "RFC 8485 §3.1; GOV.UK One Login vtr",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["G3"],
    page: None,
};

pub static VTR_UNSUPPORTED: Cause = Cause {
    id: "vtr_unsupported",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The vtr asks for a component this server does not offer",
    actor: Actor::ClientDeveloper,
    fix: "Use only the vectors the discovery document advertises: credential levels Cl and Cm, identity levels P0 to P2.",
    spec: "RFC 8485 §3",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["G3"],
    page: None,
};

pub static VTR_NOT_VALID: Cause = Cause {
    id: "vtr_not_valid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "vtr not valid: identity confidence needs a two-factor credential level",
    actor: Actor::ClientDeveloper,
    fix: "A vector asking for identity (P1 or P2) must also ask for a second factor: use Cl.Cm.P2, not Cl.P2.",
    spec: "RFC 8485 §3; GOV.UK One Login vtr",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &["G3"],
    page: None,
};

pub static IDENTITY_CONFIDENCE_TOO_LOW: Cause = Cause {
    id: "identity_confidence_too_low",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "The identity confidence of the user is lower than the vtr requires",
    actor: Actor::EndUser,
    fix: "The user's identity has not been proven to the level requested. The operator records a higher level (identity_confidence on the user) once it is; meanwhile the application can offer what a lower level allows.",
    spec: "RFC 8485 §3; GOV.UK One Login access_denied",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &["G8", "U25", "T14"],
    page: None,
};

pub static SECOND_FACTOR_UNAVAILABLE: Cause = Cause {
    id: "second_factor_unavailable",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "A second factor is required but the user has none and cannot enrol one",
    actor: Actor::Operator,
    fix: "Allow TOTP enrolment during sign-in, or set a second factor for the user through the admin API or CLI (totp_secret).",
    spec: "RFC 8485 §3; RFC 6238",
    endpoints: &["/authorize", "/mfa"],
    extended_code: None,
    checklist: &["G15", "G8"],
    page: None,
};

pub static TOTP_CODE_INVALID: Cause = Cause {
    id: "totp_code_invalid",
    code: ErrorCode::AccessDenied,
    status: 401,
    summary: "The one-time code is wrong or has expired",
    actor: Actor::EndUser,
    fix: "Type the code the authenticator app shows right now. If codes keep failing, make sure the phone sets its clock automatically.",
    spec: "RFC 6238 §5.2",
    endpoints: &["/mfa"],
    extended_code: None,
    checklist: &["G15"],
    page: Some("That code is not right or has expired. Enter the code the app shows now."),
};

pub static TOTP_THROTTLED: Cause = Cause {
    id: "totp_throttled",
    code: ErrorCode::TemporarilyUnavailable,
    status: 429,
    summary: "Too many wrong one-time codes, try again later",
    actor: Actor::EndUser,
    fix: "Wait for the time shown on the page, then enter a fresh code.",
    spec: "RFC 6238 §5.2; RFC 6585 §4",
    endpoints: &["/mfa"],
    extended_code: None,
    checklist: &["G15"],
    page: Some("Too many wrong codes were entered. Wait a few minutes, then try again."),
};

pub static TOTP_CONFIRMATION_INVALID: Cause = Cause {
    id: "totp_confirmation_invalid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The code entered to confirm the new authenticator is wrong",
    actor: Actor::EndUser,
    fix: "Scan the QR code again, or type the key by hand, then enter the code the app shows now.",
    spec: "RFC 6238 §5.2",
    endpoints: &["/mfa"],
    extended_code: None,
    checklist: &["G15"],
    page: None,
};

pub static RECOVERY_CODE_INVALID: Cause = Cause {
    id: "recovery_code_invalid",
    code: ErrorCode::AccessDenied,
    status: 401,
    summary: "The recovery code is wrong or was already used",
    actor: Actor::EndUser,
    fix: "Each recovery code works once: use another one from the list saved at enrolment, or ask the operator to reset the second factor.",
    spec: "RFC 6238",
    endpoints: &["/mfa"],
    extended_code: None,
    checklist: &["G15"],
    page: Some("That recovery code is not valid or was already used."),
};

// ---------------------------------------------------------------------------
// Sign-in pages (/login, /consent, /mfa, /select-account) and /logout
// ---------------------------------------------------------------------------

pub static INVALID_CREDENTIALS: Cause = Cause {
    id: "invalid_credentials",
    code: ErrorCode::AccessDenied,
    status: 401,
    summary: "The username or password is wrong",
    actor: Actor::EndUser,
    fix: "Check both and try again. The message is the same for either mistake so that it does not reveal which accounts exist.",
    spec: "OpenID Connect Core §3.1.2.3",
    endpoints: &["/login"],
    extended_code: None,
    checklist: &["T2"],
    page: Some("The username or password is incorrect."),
};

pub static LOGIN_THROTTLED: Cause = Cause {
    id: "login_throttled",
    code: ErrorCode::TemporarilyUnavailable,
    status: 429,
    summary: "Too many failed sign-in attempts, try again later",
    actor: Actor::EndUser,
    fix: "Wait for the time shown on the page before trying again, or go back to the application. The operator sets how many failures an account may have with limits.login_failures, and an address across accounts with limits.address_failures (a right password from a busy address still signs in).",
    spec: "RFC 6585 §4",
    endpoints: &["/login"],
    extended_code: None,
    checklist: &["T16"],
    page: None,
};

pub static CSRF_TOKEN_INVALID: Cause = Cause {
    id: "csrf_token_invalid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The form is out of date or was not sent from this site",
    actor: Actor::EndUser,
    fix: "Go back to the application and start signing in again. Forms opened long ago, or in another browser, cannot be submitted.",
    spec: "RFC 6749 §10.12",
    endpoints: UI,
    extended_code: None,
    checklist: &["T1"],
    page: Some(
        "This form has expired or came from another browser. Reload the page and try again.",
    ),
};

pub static USER_CANCELED: Cause = Cause {
    id: "user_canceled",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "The user canceled the sign-in",
    actor: Actor::EndUser,
    fix: "Nothing is broken: the user pressed Cancel. The application should let them start again when they are ready.",
    spec: "RFC 6749 §4.1.2.1",
    endpoints: &["/login", "/mfa", "/select-account"],
    extended_code: None,
    checklist: &["O4", "U25", "T14"],
    page: None,
};

pub static CONSENT_DENIED: Cause = Cause {
    id: "consent_denied",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "The user denied the application access",
    actor: Actor::EndUser,
    fix: "The user pressed Deny on the consent page. The application should explain why it needs the scopes and let the user try again; asking for fewer scopes may help.",
    spec: "RFC 6749 §4.1.2.1",
    endpoints: &["/consent"],
    extended_code: None,
    checklist: &["O4", "U25", "T14"],
    page: None,
};

pub static SESSION_LOST: Cause = Cause {
    id: "session_lost",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "The browser session was lost during sign-in",
    actor: Actor::EndUser,
    fix: "Start signing in again from the application. This happens when cookies are blocked or cleared, or when the user changes browser part way through.",
    spec: "RFC 6749 §4.1.2.1; GOV.UK One Login access_denied",
    endpoints: &[
        "/authorize",
        "/login",
        "/consent",
        "/mfa",
        "/select-account",
        "/upstream/{id}/callback",
    ],
    extended_code: None,
    checklist: &["G8", "U25", "T14"],
    page: None,
};

pub static INTERACTION_EXPIRED: Cause = Cause {
    id: "interaction_expired",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "The sign-in took too long and has expired",
    actor: Actor::EndUser,
    fix: "Start signing in again from the application and finish within a few minutes.",
    spec: "RFC 6749 §4.1.2.1",
    endpoints: &["/login", "/consent", "/mfa", "/upstream/{id}/callback"],
    extended_code: None,
    checklist: &["G8"],
    page: None,
};

pub static POST_LOGOUT_REDIRECT_URI_MISMATCH: Cause = Cause {
    id: "post_logout_redirect_uri_mismatch",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The post_logout_redirect_uri is not registered for this client",
    actor: Actor::ClientDeveloper,
    fix: "Register the exact URI in post_logout_redirect_uris, and send id_token_hint or client_id so the client is known.",
    spec: "OpenID Connect RP-Initiated Logout §2, §3",
    endpoints: &["/logout"],
    extended_code: None,
    checklist: &["T8"],
    page: None,
};

// ---------------------------------------------------------------------------
// Upstream ("Sign in with ...") identity providers
// ---------------------------------------------------------------------------

pub static USER_CANCELED_REQUEST: Cause = Cause {
    id: "user_canceled_request",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "The user canceled sign-in at the upstream identity provider",
    actor: Actor::EndUser,
    fix: "The user chose not to continue at the external provider. The application should offer to sign in again, with that provider or another way.",
    spec: "RFC 6749 §4.1.2.1; Okta user_canceled_request",
    endpoints: UPSTREAM,
    extended_code: Some("user_canceled_request"),
    checklist: &["O13", "O4", "U25"],
    page: None,
};

pub static UPSTREAM_UNAVAILABLE: Cause = Cause {
    id: "upstream_unavailable",
    code: ErrorCode::TemporarilyUnavailable,
    status: 503,
    summary: "The upstream identity provider cannot be reached",
    actor: Actor::Operator,
    fix: "Try again later. The operator should check that the upstream issuer is up and reachable from every node.",
    spec: "RFC 6749 §4.1.2.1",
    endpoints: UPSTREAM,
    extended_code: None,
    checklist: &["T16"],
    page: None,
};

pub static UPSTREAM_ERROR: Cause = Cause {
    id: "upstream_error",
    code: ErrorCode::ServerError,
    status: 502,
    summary: "The upstream identity provider answered with an error",
    actor: Actor::Operator,
    fix: "The log line for the error_id holds the upstream's own error and description. The operator should fix the registration at the upstream or contact that provider.",
    spec: "RFC 6749 §4.1.2.1; RFC 9110 §15.6.3",
    endpoints: UPSTREAM,
    extended_code: None,
    checklist: &["T15"],
    page: None,
};

pub static UPSTREAM_ID_TOKEN_INVALID: Cause = Cause {
    id: "upstream_id_token_invalid",
    code: ErrorCode::ServerError,
    status: 502,
    summary: "The ID token from the upstream identity provider did not verify",
    actor: Actor::Operator,
    fix: "Check the upstream issuer and client_id in the configuration and that the clocks agree; the log names the check that failed.",
    spec: "OpenID Connect Core §3.1.3.7; RFC 9110 §15.6.3",
    endpoints: UPSTREAM,
    extended_code: None,
    checklist: &["T15"],
    page: None,
};

pub static UPSTREAM_ACCOUNT_NOT_LINKABLE: Cause = Cause {
    id: "upstream_account_not_linkable",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "The upstream account cannot be linked to a local user",
    actor: Actor::EndUser,
    fix: "The upstream email is not verified, or its user is already linked to another upstream account. Sign in with a password instead, or ask the operator to link the accounts.",
    spec: "OpenID Connect Core §5.7",
    endpoints: UPSTREAM,
    extended_code: None,
    checklist: &["T14"],
    page: None,
};

pub static UPSTREAM_NOT_FOUND: Cause = Cause {
    id: "upstream_not_found",
    code: ErrorCode::NotFound,
    status: 404,
    summary: "No upstream identity provider is configured with this id",
    actor: Actor::Operator,
    fix: "Use an id from the [[upstream]] table of the configuration file; the login page links only to configured providers.",
    spec: "RFC 9110 §15.5.5",
    endpoints: &["/upstream/{id}/callback", "/upstream/{id}"],
    extended_code: None,
    checklist: &["T4"],
    page: None,
};

// ---------------------------------------------------------------------------
// /token: grant types and grants
// ---------------------------------------------------------------------------

pub static GRANT_TYPE_MISSING: Cause = Cause {
    id: "grant_type_missing",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The grant_type parameter is missing",
    actor: Actor::ClientDeveloper,
    fix: "Send grant_type, for example authorization_code, refresh_token or client_credentials.",
    spec: "RFC 6749 §4.1.3, §5.2",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["G10", "U1", "T1", "T8"],
    page: None,
};

pub static UNSUPPORTED_GRANT_TYPE: Cause = Cause {
    id: "unsupported_grant_type",
    code: ErrorCode::UnsupportedGrantType,
    status: 400,
    summary: "The grant_type is not one this server knows",
    actor: Actor::ClientDeveloper,
    fix: "Check the spelling against grant_types_supported in the discovery document.",
    spec: "RFC 6749 §5.2",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["G14", "U6", "H9", "T12"],
    page: None,
};

pub static UNKNOWN_REQUEST: Cause = Cause {
    id: "unknown_request",
    code: ErrorCode::UnsupportedGrantType,
    status: 400,
    summary: "No handler on this server is enabled for this grant type",
    actor: Actor::ClientDeveloper,
    fix: "The grant type is a registered one but it is switched off here (for example password, or the JWT bearer grant). Use the authorization code flow or the device authorization grant, or ask the operator whether the grant can be enabled.",
    spec: "RFC 6749 §5.2; Ory Fosite error (unknown request)",
    endpoints: TOKEN,
    extended_code: Some("error"),
    checklist: &["U19", "G14", "H9", "T12"],
    page: None,
};

pub static GRANT_TYPE_NOT_ALLOWED: Cause = Cause {
    id: "grant_type_not_allowed",
    code: ErrorCode::UnauthorizedClient,
    status: 400,
    summary: "The client is not registered for this grant type",
    actor: Actor::ClientDeveloper,
    fix: "Add the grant type to the client's grant_types metadata, or use a grant the client is registered for.",
    spec: "RFC 6749 §5.2",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["G13", "U2", "H8", "T11"],
    page: None,
};

pub static CODE_UNKNOWN: Cause = Cause {
    id: "code_unknown",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The authorization code is unknown",
    actor: Actor::ClientDeveloper,
    fix: "Send the code exactly as it reached the redirect URI, to the server that issued it. A code cut short or decoded twice by the application is unknown here.",
    spec: "RFC 6749 §4.1.3, §5.2",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["G12", "U7", "H7", "T10"],
    page: None,
};

pub static CODE_EXPIRED: Cause = Cause {
    id: "code_expired",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The authorization code has expired",
    actor: Actor::ClientDeveloper,
    fix: "Redeem the code as soon as it arrives: codes live tokens.code_ttl seconds (60 by default). Start a new authorization to get a fresh one.",
    spec: "RFC 6749 §4.1.2, §5.2",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["G12", "U7", "T10"],
    page: None,
};

pub static CODE_REUSED: Cause = Cause {
    id: "code_reused",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The authorization code was already redeemed",
    actor: Actor::ClientDeveloper,
    fix: "Redeem each code once. The second attempt also revoked every token issued from the first; start a new authorization.",
    spec: "RFC 6749 §4.1.2, §10.5",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["G12", "U7", "H7", "T10"],
    page: None,
};

pub static CODE_SESSION_ENDED: Cause = Cause {
    id: "code_session_ended",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The browser session the authorization code was issued in ended before the code was redeemed, and the code did not ask for offline_access",
    actor: Actor::EndUser,
    fix: "The user signed out (or the session was ended on the account page, by the operator, or by another person signing in) between the authorization and the code's redemption. Redeem codes at once; send the user through a new authorization.",
    spec: "OIDC Core §11",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["U7", "T10"],
    page: None,
};

pub static CODE_REVOKED: Cause = Cause {
    id: "code_revoked",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The grant of the authorization code was revoked before the code was redeemed",
    actor: Actor::EndUser,
    fix: "The user took back the application's access, or an administrator revoked the grant, between the authorization and the code's redemption. Send the user through a new authorization.",
    spec: "RFC 6749 §5.2",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["U7", "T10"],
    page: None,
};

pub static CODE_CLIENT_MISMATCH: Cause = Cause {
    id: "code_client_mismatch",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The authorization code was issued to another client",
    actor: Actor::ClientDeveloper,
    fix: "Redeem the code with the credentials of the client that started the authorization.",
    spec: "RFC 6749 §4.1.3",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["H7", "U7"],
    page: None,
};

pub static CODE_REDIRECT_URI_MISMATCH: Cause = Cause {
    id: "code_redirect_uri_mismatch",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The redirect_uri differs from the one in the authorization request",
    actor: Actor::ClientDeveloper,
    fix: "Send the same redirect_uri, character for character, as in the authorization request that produced the code.",
    spec: "RFC 6749 §4.1.3",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["G12", "U7", "T10"],
    page: None,
};

pub static PKCE_VERIFIER_MISSING: Cause = Cause {
    id: "pkce_verifier_missing",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The code was issued with PKCE but no code_verifier was sent",
    actor: Actor::ClientDeveloper,
    fix: "Send code_verifier: the secret whose hash went out as code_challenge in the authorization request.",
    spec: "RFC 7636 §4.5, §4.6",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["U7"],
    page: None,
};

pub static PKCE_VERIFIER_MALFORMED: Cause = Cause {
    id: "pkce_verifier_malformed",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The code_verifier is not 43 to 128 unreserved characters",
    actor: Actor::ClientDeveloper,
    fix: "Build the verifier from 43 to 128 characters of A-Z, a-z, 0-9 and the four marks hyphen, dot, underscore and tilde.",
    spec: "RFC 7636 §4.1",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["T8"],
    page: None,
};

pub static PKCE_VERIFIER_MISMATCH: Cause = Cause {
    id: "pkce_verifier_mismatch",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The code_verifier does not match the code_challenge",
    actor: Actor::ClientDeveloper,
    fix: "Send the verifier created for this very authorization request. Keep one verifier per request, not per user or per application.",
    spec: "RFC 7636 §4.6",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["U7", "T10"],
    page: None,
};

pub static PKCE_VERIFIER_UNEXPECTED: Cause = Cause {
    id: "pkce_verifier_unexpected",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "A code_verifier was sent for a code issued without PKCE",
    actor: Actor::ClientDeveloper,
    fix: "Send code_challenge in the authorization request whenever the token request will carry a code_verifier.",
    spec: "RFC 9700 §2.1.1",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["U7"],
    page: None,
};

pub static REFRESH_TOKEN_UNKNOWN: Cause = Cause {
    id: "refresh_token_unknown",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The refresh token is unknown",
    actor: Actor::ClientDeveloper,
    fix: "Send the refresh token from the latest token response. Each refresh returns a new one, which replaces the old.",
    spec: "RFC 6749 §6",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["H7", "U7", "T10"],
    page: None,
};

pub static REFRESH_TOKEN_EXPIRED: Cause = Cause {
    id: "refresh_token_expired",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The refresh token has expired",
    actor: Actor::EndUser,
    fix: "Send the user through a new authorization. Refresh tokens live tokens.refresh_token_ttl seconds.",
    spec: "RFC 6749 §6",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["U7", "T10"],
    page: None,
};

pub static REFRESH_TOKEN_REUSED: Cause = Cause {
    id: "refresh_token_reused",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "A rotated refresh token was used again, so its whole family is revoked",
    actor: Actor::ClientDeveloper,
    fix: "Store the new refresh token after every refresh and never send an old one again; reuse is treated as theft and the user must sign in again. tokens.refresh_grace can cover a response lost in transit.",
    spec: "RFC 9700 §4.14.2",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["U7", "T10"],
    page: None,
};

pub static REFRESH_TOKEN_REVOKED: Cause = Cause {
    id: "refresh_token_revoked",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The refresh token has been revoked",
    actor: Actor::EndUser,
    fix: "The token was revoked by the application, by the operator, or because its family was. Start a new authorization.",
    spec: "RFC 7009 §2; RFC 6749 §6",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["U7", "T10"],
    page: None,
};

pub static REFRESH_TOKEN_SESSION_ENDED: Cause = Cause {
    id: "refresh_token_session_ended",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The session this refresh token belonged to has ended; ask for offline_access to keep tokens beyond the session",
    actor: Actor::EndUser,
    fix: "The grant was made without offline_access, so it ended with the user's browser session (logout, a session ended on the account page or by the operator, another sign-in). Send the user through a new authorization; ask for offline_access (with prompt=consent) to get a refresh token that works while the user is signed out.",
    spec: "OIDC Core §11",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["U7", "T10"],
    page: None,
};

pub static REFRESH_TOKEN_CLIENT_MISMATCH: Cause = Cause {
    id: "refresh_token_client_mismatch",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The refresh token was issued to another client",
    actor: Actor::ClientDeveloper,
    fix: "Each client may only use refresh tokens it received itself.",
    spec: "RFC 6749 §6",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["H7", "U7"],
    page: None,
};

pub static SCOPE_BROADER_THAN_GRANTED: Cause = Cause {
    id: "scope_broader_than_granted",
    code: ErrorCode::InvalidScope,
    status: 400,
    summary: "The requested scope goes beyond what was originally granted",
    actor: Actor::ClientDeveloper,
    fix: "On refresh, ask for the same scopes or fewer. For additional scopes, send the user through a new authorization.",
    spec: "RFC 6749 §6",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &["H10", "H7", "T13"],
    page: None,
};

// ---------------------------------------------------------------------------
// The device authorization grant (RFC 8628): /device_authorization and
// polling at /token
// ---------------------------------------------------------------------------

pub static DEVICE_GRANT_NOT_ALLOWED: Cause = Cause {
    id: "device_grant_not_allowed",
    code: ErrorCode::UnauthorizedClient,
    status: 400,
    summary: "The client is not registered for the device authorization grant",
    actor: Actor::ClientDeveloper,
    fix: "Add urn:ietf:params:oauth:grant-type:device_code to the client's grant_types (with the admin API, or latchkey client update with a --grant-type for each grant the client keeps), then ask /device_authorization again.",
    spec: "RFC 8628 §3.1; RFC 6749 §5.2",
    endpoints: DEVICE_AUTHORIZATION,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static AUTHORIZATION_PENDING: Cause = Cause {
    id: "authorization_pending",
    code: ErrorCode::AuthorizationPending,
    status: 400,
    summary: "The user has not yet allowed or denied the device request",
    actor: Actor::ClientDeveloper,
    fix: "Nothing is wrong: keep polling /token with the same device_code, waiting the interval of the device authorization answer between polls, until the user decides or the code expires.",
    spec: "RFC 8628 §3.5",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static SLOW_DOWN: Cause = Cause {
    id: "slow_down",
    code: ErrorCode::SlowDown,
    status: 400,
    summary: "The device polled sooner than its polling interval allows",
    actor: Actor::ClientDeveloper,
    fix: "Wait longer between polls: add 5 seconds to the interval for this and every later poll, as the server did. Each poll that comes too early adds 5 seconds more.",
    spec: "RFC 8628 §3.5",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static EXPIRED_TOKEN: Cause = Cause {
    id: "expired_token",
    code: ErrorCode::ExpiredToken,
    status: 400,
    summary: "The device code expired before the user decided",
    actor: Actor::EndUser,
    fix: "Stop polling and start a new device authorization; show the user the new user code. Device codes live device.code_ttl seconds (600 by default).",
    spec: "RFC 8628 §3.5",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DEVICE_ACCESS_DENIED: Cause = Cause {
    id: "device_access_denied",
    code: ErrorCode::AccessDenied,
    status: 400,
    summary: "The user denied the device request",
    actor: Actor::EndUser,
    fix: "Stop polling: the user said no on the device page. Start a new device authorization only if the user asks for it again.",
    spec: "RFC 8628 §3.5",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DEVICE_CODE_UNKNOWN: Cause = Cause {
    id: "device_code_unknown",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The device code is unknown",
    actor: Actor::ClientDeveloper,
    fix: "Send the device_code exactly as /device_authorization returned it, to the server that issued it. Codes expired for more than an hour are forgotten too: start a new device authorization.",
    spec: "RFC 8628 §3.4; RFC 6749 §5.2",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DEVICE_CODE_CLIENT_MISMATCH: Cause = Cause {
    id: "device_code_client_mismatch",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The device code was issued to another client",
    actor: Actor::ClientDeveloper,
    fix: "Poll with the credentials of the client that asked /device_authorization for the code.",
    spec: "RFC 8628 §3.4; RFC 6749 §5.2",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DEVICE_CODE_REUSED: Cause = Cause {
    id: "device_code_reused",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The device code was already exchanged for tokens",
    actor: Actor::ClientDeveloper,
    fix: "Stop polling once tokens arrive: a device code gives tokens once. Use the refresh token for new access tokens, or start a new device authorization.",
    spec: "RFC 8628 §3.5; RFC 6749 §5.2",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

// The /device page (RFC 8628 §3.3), where the user types the user code the
// device shows: answered on the page, never to the device

pub static USER_CODE_UNKNOWN: Cause = Cause {
    id: "user_code_unknown",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The code typed is unknown or has expired",
    actor: Actor::EndUser,
    fix: "Type the code the device shows, 8 letters (the dash is optional). If the device shows none any more, the code expired: start again on the device to get a new one.",
    spec: "RFC 8628 §3.3",
    endpoints: DEVICE_PAGE,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static USER_CODE_THROTTLED: Cause = Cause {
    id: "user_code_throttled",
    code: ErrorCode::TemporarilyUnavailable,
    status: 429,
    summary: "Too many wrong codes were typed from this address",
    actor: Actor::EndUser,
    fix: "Wait until the time the page names, then type the code the device shows. Wrong codes are counted per address to keep codes from being guessed.",
    spec: "RFC 8628 §5.1",
    endpoints: DEVICE_PAGE,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DEVICE_REQUEST_DECIDED: Cause = Cause {
    id: "device_request_decided",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The device request was already allowed or denied",
    actor: Actor::EndUser,
    fix: "Nothing more to do here: the first decision stands (look at the device). To change it, start again on the device to get a new code.",
    spec: "RFC 8628 §3.3",
    endpoints: DEVICE_PAGE,
    extended_code: None,
    checklist: &[],
    page: None,
};

// ---------------------------------------------------------------------------
// Step-up authentication at resources (RFC 9470): /userinfo asked for
// acr_values or max_age
// ---------------------------------------------------------------------------

pub static STEP_UP_ACR_NOT_MET: Cause = Cause {
    id: "step_up_acr_not_met",
    code: ErrorCode::InsufficientUserAuthentication,
    status: 401,
    summary: "The sign-in behind the token does not meet the acr_values asked for",
    actor: Actor::ClientDeveloper,
    fix: "Send the user to /authorize again with the acr_values the challenge names (or a vtr that implies them), then call again with the new token.",
    spec: "RFC 9470 §3, §4; RFC 8485",
    endpoints: &["/userinfo"],
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static STEP_UP_TOO_OLD: Cause = Cause {
    id: "step_up_too_old",
    code: ErrorCode::InsufficientUserAuthentication,
    status: 401,
    summary: "The user signed in longer ago than the max_age asked for",
    actor: Actor::ClientDeveloper,
    fix: "Send the user to /authorize again with the max_age the challenge names (or prompt=login), then call again with the new token.",
    spec: "RFC 9470 §3, §4; OpenID Connect Core §3.1.2.1",
    endpoints: &["/userinfo"],
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static STEP_UP_DEMAND_MALFORMED: Cause = Cause {
    id: "step_up_demand_malformed",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The acr_values or max_age asked of /userinfo cannot be read",
    actor: Actor::ClientDeveloper,
    fix: "Send acr_values as space-separated values (e.g. Cl.Cm) and max_age as a whole number of seconds, each at most once.",
    spec: "RFC 9470 §3",
    endpoints: &["/userinfo"],
    extended_code: None,
    checklist: &[],
    page: None,
};

// ---------------------------------------------------------------------------
// Token exchange (RFC 8693): urn:ietf:params:oauth:grant-type:token-exchange
// ---------------------------------------------------------------------------

pub static EXCHANGE_PARAMETERS_INCOMPLETE: Cause = Cause {
    id: "exchange_parameters_incomplete",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "A token exchange lacks a parameter it needs",
    actor: Actor::ClientDeveloper,
    fix: "Send subject_token with its subject_token_type, and actor_token only together with its actor_token_type; the description names what is missing.",
    spec: "RFC 8693 §2.1",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static EXCHANGE_TOKEN_TYPE_UNSUPPORTED: Cause = Cause {
    id: "exchange_token_type_unsupported",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "A token type of the exchange is not one this server handles",
    actor: Actor::ClientDeveloper,
    fix: "Present this server's access tokens (urn:ietf:params:oauth:token-type:access_token) or ID tokens (urn:ietf:params:oauth:token-type:id_token), and ask for an access token (requested_token_type urn:ietf:params:oauth:token-type:access_token, or leave it out).",
    spec: "RFC 8693 §2.1, §3",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static EXCHANGE_SUBJECT_INVALID: Cause = Cause {
    id: "exchange_subject_invalid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The subject_token is not an active token of this server",
    actor: Actor::ClientDeveloper,
    fix: "Present a token this server issued that is still active (not expired or revoked) and of the type named in subject_token_type; the description says what is wrong with it.",
    spec: "RFC 8693 §2.1, §2.2.2",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static EXCHANGE_ACTOR_INVALID: Cause = Cause {
    id: "exchange_actor_invalid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The actor_token is not an active token of this server issued to the calling client",
    actor: Actor::ClientDeveloper,
    fix: "Present as actor_token an active token issued to the client making the exchange (for a service acting by itself, its own client_credentials token), of the type named in actor_token_type.",
    spec: "RFC 8693 §1.1, §2.1, §2.2.2",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static EXCHANGE_SUBJECT_CLIENT_NOT_ALLOWED: Cause = Cause {
    id: "exchange_subject_client_not_allowed",
    code: ErrorCode::UnauthorizedClient,
    status: 400,
    summary: "The client may not exchange tokens issued to that other client",
    actor: Actor::Operator,
    fix: "A client exchanges its own tokens, and those of the clients listed in its token_exchange.subject_clients metadata: add the client the subject token was issued to there (admin API or CLI), or exchange a token issued to this client.",
    spec: "RFC 8693 §2.2.2, §5",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static EXCHANGE_TARGET_NOT_ALLOWED: Cause = Cause {
    id: "exchange_target_not_allowed",
    code: ErrorCode::InvalidTarget,
    status: 400,
    summary: "The client may not get a token for that audience",
    actor: Actor::ClientDeveloper,
    fix: "Ask for an audience (or resource) listed in the client's token_exchange.audiences metadata or registered as a resource that allows the client (latchkey resource list), or leave both out for a token for this server; send one target, not two different ones.",
    spec: "RFC 8693 §2.1, §2.2.2; RFC 8707 §2",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static EXCHANGE_SCOPE_NOT_ALLOWED: Cause = Cause {
    id: "exchange_scope_not_allowed",
    code: ErrorCode::InvalidScope,
    status: 400,
    summary: "A scope asked for in the exchange is not in the subject token or the client's exchange policy",
    actor: Actor::ClientDeveloper,
    fix: "Ask only for scopes the subject token carries (for an ID token, none beyond the client's token_exchange.scopes) and that token_exchange.scopes allows when it is set; or leave scope out to get all of them.",
    spec: "RFC 8693 §2.1; RFC 6749 §3.3",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

// ---------------------------------------------------------------------------
// Resource indicators (RFC 8707): `resource` at /authorize, /par, in request
// objects and at /token
// ---------------------------------------------------------------------------

const AUTHORIZE_PAR_TOKEN: &[&str] = &["/authorize", "/par", "/device_authorization", "/token"];

pub static RESOURCE_NOT_ABSOLUTE: Cause = Cause {
    id: "resource_not_absolute",
    code: ErrorCode::InvalidTarget,
    status: 400,
    summary: "A resource parameter is not an absolute URI",
    actor: Actor::ClientDeveloper,
    fix: "Send each resource as an absolute URI with a scheme, such as https://api.example/, exactly as the operator registered it (latchkey resource list); never a relative path or a bare name.",
    spec: "RFC 8707 §2",
    endpoints: AUTHORIZE_PAR_TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static RESOURCE_HAS_FRAGMENT: Cause = Cause {
    id: "resource_has_fragment",
    code: ErrorCode::InvalidTarget,
    status: 400,
    summary: "A resource parameter has a fragment",
    actor: Actor::ClientDeveloper,
    fix: "Remove the #fragment from the resource URI: a resource indicator names an API, never a part of a document.",
    spec: "RFC 8707 §2",
    endpoints: AUTHORIZE_PAR_TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static RESOURCE_UNKNOWN: Cause = Cause {
    id: "resource_unknown",
    code: ErrorCode::InvalidTarget,
    status: 400,
    summary: "A resource parameter names no resource registered on this server",
    actor: Actor::ClientDeveloper,
    fix: "Ask for a resource the operator registered (GET /admin/v1/resources or latchkey resource list), written exactly as registered: the comparison is character for character, a trailing slash included. The operator registers new ones with latchkey resource create.",
    spec: "RFC 8707 §2",
    endpoints: AUTHORIZE_PAR_TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static RESOURCE_CLIENT_NOT_ALLOWED: Cause = Cause {
    id: "resource_client_not_allowed",
    code: ErrorCode::InvalidTarget,
    status: 400,
    summary: "The client is not among the clients allowed to ask for this resource",
    actor: Actor::Operator,
    fix: "The operator lists the clients that may reach a resource in its allowed_clients; add this client (latchkey resource update URI --allowed-client ID) or clear the list to allow every client. Otherwise leave the resource out of the request.",
    spec: "RFC 8707 §2",
    endpoints: AUTHORIZE_PAR_TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static RESOURCE_TOO_MANY: Cause = Cause {
    id: "resource_too_many",
    code: ErrorCode::InvalidTarget,
    status: 400,
    summary: "The request names more resources than this server accepts at once",
    actor: Actor::ClientDeveloper,
    fix: "Name at most 10 different resources in one authorization request, and one in a token request; ask for tokens for the others with the refresh token, one resource at a time.",
    spec: "RFC 8707 §2, §2.2",
    endpoints: AUTHORIZE_PAR_TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static RESOURCE_NOT_GRANTED: Cause = Cause {
    id: "resource_not_granted",
    code: ErrorCode::InvalidTarget,
    status: 400,
    summary: "The token request names a resource the grant was not authorized for",
    actor: Actor::ClientDeveloper,
    fix: "With a code or refresh token, name only a resource that was sent in the authorization request (RFC 8707 §2.2: a token request may narrow, never widen). To reach another resource, start a new authorization that names it.",
    spec: "RFC 8707 §2.2",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static SCOPE_NOT_ACCEPTED_BY_RESOURCE: Cause = Cause {
    id: "scope_not_accepted_by_resource",
    code: ErrorCode::InvalidScope,
    status: 400,
    summary: "A scope asked for together with resources is accepted by none of them",
    actor: Actor::ClientDeveloper,
    fix: "When a request names resources, each scope beyond the OpenID ones (openid, profile, email, address, phone, offline_access) must be one that a named resource accepts (its scope, in latchkey resource show). Name the resource that accepts it, or leave the scope out.",
    spec: "RFC 8707 §2, §2.2; RFC 6749 §3.3",
    endpoints: AUTHORIZE_PAR_TOKEN,
    extended_code: None,
    checklist: &["U4"],
    page: None,
};

// ---------------------------------------------------------------------------
// Client authentication: /token, /par, /device_authorization, /introspect, /revoke
// ---------------------------------------------------------------------------

pub static UNKNOWN_CLIENT: Cause = Cause {
    id: "unknown_client",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "No client is registered with this client_id",
    actor: Actor::ClientDeveloper,
    fix: "Check the client_id and that the client exists on this server; client ids are case sensitive.",
    spec: "RFC 6749 §5.2",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["G11", "H6", "U23", "O10", "T2", "T9"],
    page: None,
};

pub static CLIENT_AUTH_MISSING: Cause = Cause {
    id: "client_auth_missing",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "The client did not authenticate",
    actor: Actor::ClientDeveloper,
    fix: "Authenticate with the client's token_endpoint_auth_method, for example HTTP Basic with the client_id and client_secret.",
    spec: "RFC 6749 §2.3, §5.2",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["H6", "U23", "T2", "T9"],
    page: None,
};

pub static CLIENT_SECRET_MISMATCH: Cause = Cause {
    id: "client_secret_mismatch",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "The client secret is wrong",
    actor: Actor::ClientDeveloper,
    fix: "Use the current secret of this client; the operator can issue a new one. With HTTP Basic, form-urlencode client_id and secret before the base64 step.",
    spec: "RFC 6749 §2.3.1",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["G11", "H6", "U23", "T2", "T9"],
    page: None,
};

pub static CLIENT_AUTH_METHOD_NOT_ALLOWED: Cause = Cause {
    id: "client_auth_method_not_allowed",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "The client used an authentication method other than the one registered",
    actor: Actor::ClientDeveloper,
    fix: "Authenticate with the registered token_endpoint_auth_method, or change the registration.",
    spec: "RFC 7591 §2; OpenID Connect Core §9",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["H6", "T9"],
    page: None,
};

pub static MULTIPLE_CLIENT_AUTH_METHODS: Cause = Cause {
    id: "multiple_client_auth_methods",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The client used more than one way to authenticate",
    actor: Actor::ClientDeveloper,
    fix: "Present credentials once: the Authorization header, or client_secret in the body, or a client_assertion, but only one of them.",
    spec: "RFC 6749 §2.3",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["H5", "T8"],
    page: None,
};

pub static AUTHORIZATION_HEADER_MALFORMED: Cause = Cause {
    id: "authorization_header_malformed",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The Authorization header is malformed",
    actor: Actor::ClientDeveloper,
    fix: "Use Basic followed by the base64 of client_id:client_secret at the client-authenticated endpoints, and Bearer followed by the access token at /userinfo, with one space after the scheme.",
    spec: "RFC 7617 §2; RFC 6750 §2.1",
    endpoints: &["/token", "/par", "/introspect", "/revoke", "/userinfo"],
    extended_code: None,
    checklist: &["T8"],
    page: None,
};

pub static CLIENT_ID_CONFLICT: Cause = Cause {
    id: "client_id_conflict",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The client_id in the body differs from the authenticated client",
    actor: Actor::ClientDeveloper,
    fix: "Send the same client_id in the body as in the credentials, or leave it out of the body.",
    spec: "RFC 6749 §3.2.1",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["H5"],
    page: None,
};

pub static CLIENT_ASSERTION_TYPE_UNSUPPORTED: Cause = Cause {
    id: "client_assertion_type_unsupported",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "The client_assertion_type is not supported",
    actor: Actor::ClientDeveloper,
    fix: "Set client_assertion_type to urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
    spec: "RFC 7521 §4.2; RFC 7523 §2.2",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["T9"],
    page: None,
};

pub static CLIENT_ASSERTION_INVALID: Cause = Cause {
    id: "client_assertion_invalid",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "The client_assertion is not a well-formed JWT with the required claims",
    actor: Actor::ClientDeveloper,
    fix: "Send a signed JWT whose iss and sub are the client_id, with aud, exp and a fresh jti.",
    spec: "RFC 7523 §3",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["G11", "T9"],
    page: None,
};

pub static CLIENT_ASSERTION_SIGNATURE_INVALID: Cause = Cause {
    id: "client_assertion_signature_invalid",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "The client_assertion signature does not verify",
    actor: Actor::ClientDeveloper,
    fix: "For private_key_jwt, sign with a key whose public half is in the client's jwks or jwks_uri; for client_secret_jwt, compute the HMAC with the current client secret.",
    spec: "RFC 7523 §3; OpenID Connect Core §9",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["G11", "H6", "T9"],
    page: None,
};

pub static CLIENT_ASSERTION_ALG_NOT_ALLOWED: Cause = Cause {
    id: "client_assertion_alg_not_allowed",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "The client_assertion uses a signing algorithm not allowed for the client",
    actor: Actor::ClientDeveloper,
    fix: "Sign with the token_endpoint_auth_signing_alg registered for the client.",
    spec: "OpenID Connect Core §9; RFC 7591 §2",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["T9"],
    page: None,
};

pub static CLIENT_ASSERTION_ISSUER_MISMATCH: Cause = Cause {
    id: "client_assertion_issuer_mismatch",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "The iss or sub of the client_assertion is not the client_id",
    actor: Actor::ClientDeveloper,
    fix: "Set both iss and sub in the assertion to the client's client_id.",
    spec: "RFC 7523 §3",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["T9"],
    page: None,
};

pub static CLIENT_ASSERTION_AUDIENCE_MISMATCH: Cause = Cause {
    id: "client_assertion_audience_mismatch",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "The aud of the client_assertion does not name this server",
    actor: Actor::ClientDeveloper,
    fix: "Set aud to the issuer identifier, or to the exact URL of the endpoint that receives the assertion.",
    spec: "RFC 7523 §3",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["T9"],
    page: None,
};

pub static CLIENT_ASSERTION_EXPIRED: Cause = Cause {
    id: "client_assertion_expired",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "The client_assertion has expired or carries no exp",
    actor: Actor::ClientDeveloper,
    fix: "Create a new assertion for each request with exp a minute or two ahead, and keep the client host's clock in sync.",
    spec: "RFC 7523 §3",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["T9"],
    page: None,
};

pub static CLIENT_ASSERTION_NOT_YET_VALID: Cause = Cause {
    id: "client_assertion_not_yet_valid",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "The client_assertion is not valid yet",
    actor: Actor::ClientDeveloper,
    fix: "Check the client host's clock: nbf and iat must not be in the future (30 seconds of difference are tolerated).",
    spec: "RFC 7523 §3; RFC 7519 §4.1.5",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["T9"],
    page: None,
};

pub static CLIENT_ASSERTION_LIFETIME_TOO_LONG: Cause = Cause {
    id: "client_assertion_lifetime_too_long",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "The client_assertion stays valid for longer than an hour",
    actor: Actor::ClientDeveloper,
    fix: "Create a new assertion for each request with a short life: exp at most one hour after iat, or after the current time when there is no iat. A few minutes is typical.",
    spec: "RFC 7523 §3",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["T9"],
    page: None,
};

pub static JTI_KNOWN: Cause = Cause {
    id: "jti_known",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "The jti of the client_assertion was already used",
    actor: Actor::ClientDeveloper,
    fix: "Give every assertion a new random jti: each assertion is accepted once, so replays are refused.",
    spec: "RFC 7523 §3; Ory Fosite jti_known",
    endpoints: CLIENT_AUTH,
    extended_code: Some("jti_known"),
    checklist: &["U18", "T9"],
    page: None,
};

pub static CLIENT_JWKS_UNAVAILABLE: Cause = Cause {
    id: "client_jwks_unavailable",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "The client keys could not be fetched from its jwks_uri",
    actor: Actor::ClientDeveloper,
    fix: "Make jwks_uri answer over https with the current public keys, or register them inline as jwks.",
    spec: "RFC 7591 §2; RFC 7523 §3",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &["T9"],
    page: None,
};

pub static PUBLIC_CLIENT_NOT_ALLOWED: Cause = Cause {
    id: "public_client_not_allowed",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "This endpoint is only for clients that can authenticate",
    actor: Actor::ClientDeveloper,
    fix: "Call it from a confidential client (one with a secret or keys). A public client cannot prove who it is here.",
    spec: "RFC 7662 §2.1; RFC 7009 §2.1",
    endpoints: &["/introspect", "/revoke"],
    extended_code: None,
    checklist: &["T9"],
    page: None,
};

// ---------------------------------------------------------------------------
// /userinfo and other resources protected by a bearer token (RFC 6750)
// ---------------------------------------------------------------------------

pub static TOKEN_MISSING: Cause = Cause {
    id: "token_missing",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "No access token was sent",
    actor: Actor::ClientDeveloper,
    fix: "Send the access token in the Authorization header as Bearer. The challenge carries no error code in this case, because no credentials were sent (an Authorization header of another scheme, such as Basic, counts as none).",
    spec: "RFC 6750 §2.1, §3.1",
    endpoints: USERINFO,
    extended_code: None,
    checklist: &["G9", "T2", "T17"],
    page: None,
};

pub static TOKEN_MALFORMED: Cause = Cause {
    id: "token_malformed",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "The access token is malformed",
    actor: Actor::ClientDeveloper,
    fix: "Send the access_token value from the token response unchanged, without quotes or line breaks.",
    spec: "RFC 6750 §3.1",
    endpoints: USERINFO,
    extended_code: None,
    checklist: &["U10", "G9", "T2", "T17"],
    page: None,
};

pub static TOKEN_SIGNATURE_INVALID: Cause = Cause {
    id: "token_signature_invalid",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "The access token signature does not verify",
    actor: Actor::ClientDeveloper,
    fix: "Use tokens issued by this server. A token from another issuer, or one that was altered, is refused.",
    spec: "RFC 9068 §4; RFC 6750 §3.1",
    endpoints: USERINFO,
    extended_code: None,
    checklist: &["G9", "T17"],
    page: None,
};

pub static TOKEN_WRONG_TYPE: Cause = Cause {
    id: "token_wrong_type",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "The token is not an access token",
    actor: Actor::ClientDeveloper,
    fix: "Send the access_token from the token response; ID tokens and refresh tokens are not accepted as bearer tokens.",
    spec: "RFC 9068 §4",
    endpoints: USERINFO,
    extended_code: None,
    checklist: &["G9", "T17"],
    page: None,
};

pub static TOKEN_INACTIVE: Cause = Cause {
    id: "token_inactive",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "The access token has expired or was revoked",
    actor: Actor::ClientDeveloper,
    fix: "Get a new access token with the refresh token, or sign the user in again.",
    spec: "RFC 6750 §3.1; Ory Fosite token_inactive",
    endpoints: USERINFO,
    extended_code: Some("token_inactive"),
    checklist: &["U20", "U21", "G9", "T2", "T17"],
    page: None,
};

pub static TOKEN_AUDIENCE_MISMATCH: Cause = Cause {
    id: "token_audience_mismatch",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "The access token was issued for a different resource",
    actor: Actor::ClientDeveloper,
    fix: "Request a token for this resource and send it only here.",
    spec: "RFC 9068 §4",
    endpoints: USERINFO,
    extended_code: None,
    checklist: &["T17"],
    page: None,
};

pub static TOKEN_CLIENT_DEACTIVATED: Cause = Cause {
    id: "token_client_deactivated",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "The access token belongs to a deactivated client",
    actor: Actor::Operator,
    fix: "The operator switched the client off, so its tokens are refused until it is reactivated (admin API, active true).",
    spec: "RFC 6750 §3.1",
    endpoints: USERINFO,
    extended_code: None,
    checklist: &["G9", "T17"],
    page: None,
};

pub static TOKEN_IN_TWO_PLACES: Cause = Cause {
    id: "token_in_two_places",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The access token was sent in more than one place",
    actor: Actor::ClientDeveloper,
    fix: "Send the token once, in the Authorization header (preferred) or in the form body, not both.",
    spec: "RFC 6750 §2, §3.1",
    endpoints: USERINFO,
    extended_code: None,
    checklist: &["T8"],
    page: None,
};

pub static SCOPE_NOT_GRANTED: Cause = Cause {
    id: "scope_not_granted",
    code: ErrorCode::InsufficientScope,
    status: 403,
    summary: "The access token was not granted the scope this resource requires",
    actor: Actor::ClientDeveloper,
    fix: "Include the scope the resource needs (openid for /userinfo) in the authorization request and use the new token.",
    spec: "RFC 6750 §3.1; Ory Fosite scope_not_granted",
    endpoints: USERINFO,
    extended_code: Some("scope_not_granted"),
    checklist: &["U24", "T3", "T18"],
    page: None,
};

// ---------------------------------------------------------------------------
// /revoke (RFC 7009) and /introspect (RFC 7662); client authentication
// failures above apply to both
// ---------------------------------------------------------------------------

pub static REVOKE_TOKEN_CLIENT_MISMATCH: Cause = Cause {
    id: "revoke_token_client_mismatch",
    code: ErrorCode::UnauthorizedClient,
    status: 400,
    summary: "The token was issued to another client",
    actor: Actor::ClientDeveloper,
    fix: "A client may revoke only tokens that were issued to it.",
    spec: "RFC 7009 §2.1",
    endpoints: &["/revoke"],
    extended_code: None,
    checklist: &["T11"],
    page: None,
};

// ---------------------------------------------------------------------------
// Dynamic client registration (RFC 7591, RFC 7592); the metadata causes are
// shared with the admin API
// ---------------------------------------------------------------------------

pub static REGISTRATION_DISABLED: Cause = Cause {
    id: "registration_disabled",
    code: ErrorCode::NotFound,
    status: 404,
    summary: "Dynamic client registration is turned off",
    actor: Actor::Operator,
    fix: "Have the operator create the client with the admin API or CLI, or set registration.mode to token or open.",
    spec: "RFC 7591 §3",
    endpoints: REGISTER,
    extended_code: None,
    checklist: &["T4"],
    page: None,
};

pub static REGISTRATION_TOKEN_MISSING: Cause = Cause {
    id: "registration_token_missing",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "An initial access token is required to register a client",
    actor: Actor::ClientDeveloper,
    fix: "Send the initial access token from the operator in the Authorization header as Bearer.",
    spec: "RFC 7591 §3; RFC 6750 §3.1",
    endpoints: &["/register"],
    extended_code: None,
    checklist: &["T2"],
    page: None,
};

pub static REGISTRATION_TOKEN_INVALID: Cause = Cause {
    id: "registration_token_invalid",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "The initial access token is wrong",
    actor: Actor::ClientDeveloper,
    fix: "Use the token the operator configured as registration.token.",
    spec: "RFC 7591 §3; RFC 6750 §3.1",
    endpoints: &["/register"],
    extended_code: None,
    checklist: &["T2", "T17"],
    page: None,
};

pub static REGISTRATION_ACCESS_TOKEN_INVALID: Cause = Cause {
    id: "registration_access_token_invalid",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "The registration access token is wrong or was revoked",
    actor: Actor::ClientDeveloper,
    fix: "Use the registration_access_token returned with the client's registration, at its registration_client_uri.",
    spec: "RFC 7592 §3; RFC 6750 §3.1",
    endpoints: &["/register/{client_id}"],
    extended_code: None,
    checklist: &["T2", "T17"],
    page: None,
};

pub static REGISTRATION_ACCESS_TOKEN_MISSING: Cause = Cause {
    id: "registration_access_token_missing",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "A registration access token is required at the registration client URI",
    actor: Actor::ClientDeveloper,
    fix: "Send the registration_access_token returned with the client's registration in the Authorization header as Bearer.",
    spec: "RFC 7592 §2; RFC 6750 §3.1",
    endpoints: &["/register/{client_id}"],
    extended_code: None,
    checklist: &["T2"],
    page: None,
};

pub static REGISTRATION_CLIENT_UNKNOWN: Cause = Cause {
    id: "registration_client_unknown",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "The client behind this registration URI no longer exists",
    actor: Actor::ClientDeveloper,
    fix: "The client was deleted and its registration access token is void; register the client again.",
    spec: "RFC 7592 §2.1",
    endpoints: &["/register/{client_id}"],
    extended_code: None,
    checklist: &["T2"],
    page: None,
};

pub static INVALID_REDIRECT_URI: Cause = Cause {
    id: "invalid_redirect_uri",
    code: ErrorCode::InvalidRedirectUri,
    status: 400,
    summary: "A redirect URI in the client metadata is not acceptable",
    actor: Actor::ClientDeveloper,
    fix: "Register absolute URIs without a fragment; use https except for http on loopback addresses (127.0.0.1, [::1], localhost) and, for native apps, private-use schemes named after a domain in reverse order (com.example.app:/callback, not myapp:/callback). Write each URI exactly as it will be sent: no raw spaces, control characters or characters outside ASCII (percent-encode them), and in its normal form (lower-case scheme and host, no default port, a path of at least /), which the error spells out. The error names the URI at fault.",
    spec: "RFC 7591 §2, §3.2.2; RFC 8252 §7",
    endpoints: &["/register", "/register/{client_id}", "/admin/v1"],
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static INVALID_CLIENT_METADATA: Cause = Cause {
    id: "invalid_client_metadata",
    code: ErrorCode::InvalidClientMetadata,
    status: 400,
    summary: "A field of the client metadata is invalid",
    actor: Actor::ClientDeveloper,
    fix: "Correct the field named in the error. For example jwks and jwks_uri cannot both be set, and grant_types must fit response_types.",
    spec: "RFC 7591 §2, §3.2.2",
    endpoints: &["/register", "/register/{client_id}", "/admin/v1"],
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static SUBJECT_TYPE_UNSUPPORTED: Cause = Cause {
    id: "subject_type_unsupported",
    code: ErrorCode::InvalidClientMetadata,
    status: 400,
    summary: "The subject_type is not one this server offers",
    actor: Actor::ClientDeveloper,
    fix: "Register subject_type public (the default) or pairwise, the values of subject_types_supported in discovery.",
    spec: "OpenID Connect Core §8; OpenID Connect Dynamic Client Registration §2",
    endpoints: &["/register", "/register/{client_id}", "/admin/v1"],
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static PAIRWISE_SECTOR_AMBIGUOUS: Cause = Cause {
    id: "pairwise_sector_ambiguous",
    code: ErrorCode::InvalidClientMetadata,
    status: 400,
    summary: "A pairwise client with redirect URIs on several hosts names no sector_identifier_uri",
    actor: Actor::ClientDeveloper,
    fix: "The sector of a pairwise client is the host of its redirect URIs. With several hosts, publish a JSON array of all the redirect URIs at an https URL and register it as sector_identifier_uri, or keep the redirect URIs on one host.",
    spec: "OpenID Connect Core §8.1",
    endpoints: &["/register", "/register/{client_id}", "/admin/v1"],
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static SECTOR_IDENTIFIER_INVALID: Cause = Cause {
    id: "sector_identifier_invalid",
    code: ErrorCode::InvalidClientMetadata,
    status: 400,
    summary: "The sector_identifier_uri could not be read or does not list every redirect URI",
    actor: Actor::ClientDeveloper,
    fix: "Serve, at the sector_identifier_uri, a JSON array of strings that includes every redirect URI of the client, exactly as registered; the server fetches it when the client is written.",
    spec: "OpenID Connect Core §8.1; OpenID Connect Dynamic Client Registration §5",
    endpoints: &["/register", "/register/{client_id}", "/admin/v1"],
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static REGISTRATION_SCOPE_NOT_ALLOWED: Cause = Cause {
    id: "registration_scope_not_allowed",
    code: ErrorCode::InvalidClientMetadata,
    status: 400,
    summary: "The client metadata asks for a scope not allowed for registered clients",
    actor: Actor::ClientDeveloper,
    fix: "Register only scopes from registration.allowed_scopes (by default the OpenID scopes: openid profile email address phone offline_access); the error names the ones refused. They are refused rather than dropped, so a client never holds less than it believes. When not every OpenID scope is allowed, name the scopes in scope. A client that needs other scopes is created by the operator (admin API or CLI), or the operator widens the setting.",
    spec: "RFC 7591 §2, §3.2.1, §3.2.2",
    endpoints: REGISTER,
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static REGISTRATION_GRANT_TYPE_NOT_ALLOWED: Cause = Cause {
    id: "registration_grant_type_not_allowed",
    code: ErrorCode::InvalidClientMetadata,
    status: 400,
    summary: "The client metadata asks for a grant type not allowed for registered clients",
    actor: Actor::ClientDeveloper,
    fix: "Register only grant types from registration.allowed_grant_types (by default authorization_code and refresh_token); the error names the ones refused. client_credentials is off for registered clients unless the operator allows it; otherwise the operator creates such a client with the admin API or CLI.",
    spec: "RFC 7591 §2, §3.2.1, §3.2.2",
    endpoints: REGISTER,
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static CLIENT_ID_TAKEN: Cause = Cause {
    id: "client_id_taken",
    code: ErrorCode::InvalidClientMetadata,
    status: 409,
    summary: "A client with this client_id already exists",
    actor: Actor::ClientDeveloper,
    fix: "Pick another client_id, or leave it out so the server generates one.",
    spec: "RFC 7591 §3.2.2; RFC 9110 §15.5.10",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static INVALID_SOFTWARE_STATEMENT: Cause = Cause {
    id: "invalid_software_statement",
    code: ErrorCode::InvalidSoftwareStatement,
    status: 400,
    summary: "The software statement is not a valid signed JWT",
    actor: Actor::ClientDeveloper,
    fix: "Send the software statement exactly as its issuer signed it, as a compact JWS in software_statement.",
    spec: "RFC 7591 §2.3, §3.2.2",
    endpoints: &["/register", "/register/{client_id}"],
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static SOFTWARE_STATEMENT_UNAPPROVED: Cause = Cause {
    id: "software_statement_unapproved",
    code: ErrorCode::UnapprovedSoftwareStatement,
    status: 400,
    summary: "The software statement is not approved by this server",
    actor: Actor::ClientDeveloper,
    fix: "This server does not trust the statement's issuer. Register without a software statement, or ask the operator to trust that issuer.",
    spec: "RFC 7591 §2.3, §3.2.2",
    endpoints: &["/register", "/register/{client_id}"],
    extended_code: None,
    checklist: &[],
    page: None,
};

// ---------------------------------------------------------------------------
// Admin API (/admin/v1): Okta-style error bodies
// ---------------------------------------------------------------------------

pub static REQUEST_UNAUTHORIZED: Cause = Cause {
    id: "request_unauthorized",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "The admin API needs a valid admin token",
    actor: Actor::Operator,
    fix: "Send Authorization: Bearer with the value of admin_token, or of admin_readonly_token for reads only.",
    spec: "RFC 6750 §3.1; Ory Fosite request_unauthorized",
    endpoints: ADMIN,
    extended_code: Some("request_unauthorized"),
    checklist: &["U21", "U22", "T2"],
    page: None,
};

pub static REQUEST_FORBIDDEN: Cause = Cause {
    id: "request_forbidden",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "The read-only admin token cannot make changes",
    actor: Actor::Operator,
    fix: "Use admin_token for requests that change something; admin_readonly_token allows GET only.",
    spec: "RFC 9110 §15.5.4; Ory Fosite request_forbidden",
    endpoints: ADMIN,
    extended_code: Some("request_forbidden"),
    checklist: &["U26", "T3"],
    page: None,
};

pub static ADMIN_API_DISABLED: Cause = Cause {
    id: "admin_api_disabled",
    code: ErrorCode::NotFound,
    status: 404,
    summary: "The admin API is turned off",
    actor: Actor::Operator,
    fix: "Set admin_token (LATCHKEY_ADMIN_TOKEN) and restart to turn the static token on, or send an administrator's access token for {issuer}/admin (the console at /admin gets one). The latchkey CLI manages clients and users without either.",
    spec: "RFC 9110 §15.5.5",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &["T4"],
    page: None,
};

// ---------------------------------------------------------------------------
// Administrators: roles, the admin API with people's access tokens, the console
// ---------------------------------------------------------------------------

pub static ROLE_UNKNOWN: Cause = Cause {
    id: "role_unknown",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "A role is not one Latchkey knows",
    actor: Actor::Operator,
    fix: "Send roles as an array of known role names: admin (everything) or auditor (read-only). An empty array removes every role.",
    spec: "RFC 9110 §15.5.1",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static ADMIN_TOKEN_NOT_FOR_ADMIN: Cause = Cause {
    id: "admin_token_not_for_admin",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "The access token is not for the admin API",
    actor: Actor::Operator,
    fix: "Ask for an access token with resource {issuer}/admin and scope admin or admin:read (the console does), or use admin_token. Tokens for /userinfo or another resource are refused here.",
    spec: "RFC 8707 §2; RFC 6750 §3.1",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static ADMIN_TOKEN_INACTIVE: Cause = Cause {
    id: "admin_token_inactive",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "The access token is expired, revoked or not issued by this server",
    actor: Actor::Operator,
    fix: "Sign in again (the console does so by itself) and send the new access token.",
    spec: "RFC 6750 §3.1",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static ADMIN_ROLE_MISSING: Cause = Cause {
    id: "admin_role_missing",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "The user of the access token holds no role that allows this request",
    actor: Actor::Operator,
    fix: "An admin (latchkey user update USER --role admin) may read and write; an auditor may only read. Roles are checked on every request, so a removed role takes effect at once.",
    spec: "RFC 9110 §15.5.4",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static ADMIN_SCOPE_MISSING: Cause = Cause {
    id: "admin_scope_missing",
    code: ErrorCode::InsufficientScope,
    status: 403,
    summary: "The access token lacks the admin scope this request needs",
    actor: Actor::Operator,
    fix: "Writes need scope admin, reads admin or admin:read. Ask for the scope at /authorize; it is granted only to users whose role allows it.",
    spec: "RFC 6750 §3.1",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static BUILT_IN_READ_ONLY: Cause = Cause {
    id: "built_in_read_only",
    code: ErrorCode::InvalidRequest,
    status: 409,
    summary: "A built-in client or resource cannot be changed or deleted",
    actor: Actor::Operator,
    fix: "The console client latchkey-console and the admin resource {issuer}/admin are part of Latchkey and are kept as they are. Change other clients and resources.",
    spec: "RFC 9110 §15.5.10",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static CONSOLE_STATE_MISMATCH: Cause = Cause {
    id: "console_state_mismatch",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The console sign-in came back without the state it was sent with",
    actor: Actor::EndUser,
    fix: "Open /admin again to start a new sign-in. This happens when cookies are blocked, when the sign-in took more than ten minutes, or when someone else's link was followed.",
    spec: "RFC 6749 §10.12; OIDC Core §3.1.2.7",
    endpoints: CONSOLE,
    extended_code: None,
    checklist: &[],
    page: Some(
        "This sign-in could not be matched with one started in this browser. Open the console again to sign in.",
    ),
};

pub static CONSOLE_NOT_ADMINISTRATOR: Cause = Cause {
    id: "console_not_administrator",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "The user who signed in to the console holds no administrative role",
    actor: Actor::EndUser,
    fix: "An operator gives the role with latchkey user update USER --role admin (or auditor). Sign out and sign in as an administrator.",
    spec: "RFC 9110 §15.5.4",
    endpoints: CONSOLE,
    extended_code: None,
    checklist: &[],
    page: Some("You are signed in, but you are not an administrator of this Latchkey."),
};

pub static CONSOLE_EXCHANGE_FAILED: Cause = Cause {
    id: "console_exchange_failed",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "The console could not redeem its authorization code",
    actor: Actor::EndUser,
    fix: "Open /admin again to sign in. The code may have expired or been used already; the error_id names the reason for the operator.",
    spec: "OIDC Core §3.1.3.5",
    endpoints: CONSOLE,
    extended_code: None,
    checklist: &[],
    page: Some("Signing in to the console did not complete. Open the console again to sign in."),
};

pub static CONSOLE_SIGN_IN_REFUSED: Cause = Cause {
    id: "console_sign_in_refused",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "Signing in to the console was refused at the authorization endpoint",
    actor: Actor::EndUser,
    fix: "The detail gives the error /authorize returned. Open /admin again to sign in.",
    spec: "RFC 6749 §4.1.2.1",
    endpoints: CONSOLE,
    extended_code: None,
    checklist: &[],
    page: Some("Signing in to the console was refused. Open the console again to sign in."),
};

pub static CONSOLE_FORM_INVALID: Cause = Cause {
    id: "console_form_invalid",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "A console form was not sent from the current console session",
    actor: Actor::EndUser,
    fix: "Reload the console page and send the form again. Each console form carries a token of the session that showed it; this one did not match (the session ended, or the form came from another site).",
    spec: "OWASP CSRF Prevention Cheat Sheet",
    endpoints: CONSOLE,
    extended_code: None,
    checklist: &[],
    page: Some("This form has expired. Reload the page and try again."),
};

pub static CONSOLE_READ_ONLY: Cause = Cause {
    id: "console_read_only",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "An auditor cannot make changes in the console",
    actor: Actor::EndUser,
    fix: "Auditors may look at everything and change nothing. An administrator can make the change, or give the admin role (latchkey user update USER --role admin).",
    spec: "RFC 9110 §15.5.4",
    endpoints: CONSOLE,
    extended_code: None,
    checklist: &[],
    page: Some("You can look at everything here, but making changes needs the admin role."),
};

pub static CLIENT_NOT_FOUND: Cause = Cause {
    id: "client_not_found",
    code: ErrorCode::NotFound,
    status: 404,
    summary: "No client exists with this id",
    actor: Actor::Operator,
    fix: "List the clients (GET /admin/v1/clients or latchkey client list) and use an existing id.",
    spec: "RFC 9110 §15.5.5",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &["T4"],
    page: None,
};

pub static USER_NOT_FOUND: Cause = Cause {
    id: "user_not_found",
    code: ErrorCode::NotFound,
    status: 404,
    summary: "No user exists with this id",
    actor: Actor::Operator,
    fix: "List the users (GET /admin/v1/users or latchkey user list) and use an existing sub.",
    spec: "RFC 9110 §15.5.5",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &["T4"],
    page: None,
};

pub static USER_SESSION_NOT_FOUND: Cause = Cause {
    id: "user_session_not_found",
    code: ErrorCode::NotFound,
    status: 404,
    summary: "The user has no live session with this id",
    actor: Actor::Operator,
    fix: "List the user's live sessions again (the admin console, GET /admin/v1/users/{sub}/sessions or latchkey user sessions list): the session may have ended or expired already.",
    spec: "RFC 9110 §15.5.5",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static RESET_MAIL_UNSENDABLE: Cause = Cause {
    id: "reset_mail_unsendable",
    code: ErrorCode::InvalidRequest,
    status: 409,
    summary: "No password reset email can be sent: mail is off, or the user has no email address",
    actor: Actor::Operator,
    fix: "Turn mail on (smtp.host and smtp.from) and give the user an email claim, or set a new password for them instead (PATCH the user with a password, or latchkey user set-password).",
    spec: "RFC 9110 §15.5.10",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static USERNAME_TAKEN: Cause = Cause {
    id: "username_taken",
    code: ErrorCode::InvalidRequest,
    status: 409,
    summary: "A user with this username already exists",
    actor: Actor::Operator,
    fix: "Choose another username, or update the existing user instead.",
    spec: "RFC 9110 §15.5.10",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static EMAIL_TAKEN: Cause = Cause {
    id: "email_taken",
    code: ErrorCode::InvalidRequest,
    status: 409,
    summary: "Another user already has this verified email address",
    actor: Actor::Operator,
    fix: "People sign in with their verified email as well as their username, so one verified address belongs to one user. Update the existing user, or give this one another address or email_verified false.",
    spec: "RFC 9110 §15.5.10; OIDC Core §5.1",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static INVALID_USER_ATTRIBUTES: Cause = Cause {
    id: "invalid_user_attributes",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "A user attribute is invalid",
    actor: Actor::Operator,
    fix: "Correct the attributes listed in errorCauses. For example identity_confidence must be P0, P1 or P2, and totp_secret must be Base32.",
    spec: "RFC 9110 §15.5.1",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static RESOURCE_NOT_FOUND: Cause = Cause {
    id: "resource_not_found",
    code: ErrorCode::NotFound,
    status: 404,
    summary: "No resource is registered under this identifier",
    actor: Actor::Operator,
    fix: "List the resources (GET /admin/v1/resources or latchkey resource list) and use an existing identifier; in the admin API's path it is percent-encoded (https%3A%2F%2Fapi.example%2F).",
    spec: "RFC 9110 §15.5.5",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &["T4"],
    page: None,
};

pub static RESOURCE_EXISTS: Cause = Cause {
    id: "resource_exists",
    code: ErrorCode::InvalidRequest,
    status: 409,
    summary: "A resource with this identifier is already registered",
    actor: Actor::Operator,
    fix: "Update the existing resource (PATCH /admin/v1/resources/{resource} or latchkey resource update) instead of creating it again.",
    spec: "RFC 9110 §15.5.10",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static INVALID_RESOURCE_ATTRIBUTES: Cause = Cause {
    id: "invalid_resource_attributes",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "An attribute of the resource is invalid",
    actor: Actor::Operator,
    fix: "Correct the attributes listed in errorCauses: resource is an absolute URI without a fragment, name a non-empty display name, scope space-separated scope values, allowed_clients an array of client ids (empty allows every client).",
    spec: "RFC 8707 §2; RFC 9110 §15.5.1",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static ERROR_ID_NOT_FOUND: Cause = Cause {
    id: "error_id_not_found",
    code: ErrorCode::NotFound,
    status: 404,
    summary: "No error is recorded under this error_id",
    actor: Actor::Operator,
    fix: "Check the error_id for typos. Occurrences are kept for a limited time, on the deployment that produced them.",
    spec: "RFC 9110 §15.5.5",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &["T4"],
    page: None,
};

// ---------------------------------------------------------------------------
// The account page (/account) and the audit trail (/admin/v1/audit)
// ---------------------------------------------------------------------------

const ACCOUNT: &[&str] = &["/account"];

pub static CURRENT_PASSWORD_INVALID: Cause = Cause {
    id: "current_password_invalid",
    code: ErrorCode::AccessDenied,
    status: 401,
    summary: "The current password given to change the password is wrong",
    actor: Actor::EndUser,
    fix: "Type the password you sign in with now, then the new one. Wrong attempts count towards the account's sign-in limit.",
    spec: "RFC 9110 §15.5.2",
    endpoints: ACCOUNT,
    extended_code: None,
    checklist: &["T2"],
    page: Some("Your current password is not right, so the password was not changed."),
};

pub static NEW_PASSWORD_REJECTED: Cause = Cause {
    id: "new_password_rejected",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The new password is too short, too long, or its two copies differ",
    actor: Actor::EndUser,
    fix: "Choose a password of at least 8 characters (at most 1024) and type it the same way twice.",
    spec: "NIST SP 800-63B §5.1.1.2",
    endpoints: ACCOUNT,
    extended_code: None,
    checklist: &["T1"],
    page: Some("The new password must have at least 8 characters, and both copies must match."),
};

pub static PROFILE_CLAIM_INVALID: Cause = Cause {
    id: "profile_claim_invalid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "A profile field is not one the operator lets people edit, or its value is too long",
    actor: Actor::EndUser,
    fix: "Edit only the fields the page shows, each at most 512 characters. The operator lists them in account.editable_claims.",
    spec: "OpenID Connect Core §5.1",
    endpoints: ACCOUNT,
    extended_code: None,
    checklist: &["T1"],
    page: Some(
        "One of the profile fields could not be saved. Keep each value under 512 characters.",
    ),
};

pub static ACCOUNT_SESSION_UNKNOWN: Cause = Cause {
    id: "account_session_unknown",
    code: ErrorCode::NotFound,
    status: 404,
    summary: "The session to end is not one of this account's live sessions",
    actor: Actor::EndUser,
    fix: "Reload the account page: the session may have ended already or expired.",
    spec: "RFC 9110 §15.5.5",
    endpoints: ACCOUNT,
    extended_code: None,
    checklist: &["T4"],
    page: Some("That session has already ended."),
};

pub static CONNECTED_APPLICATION_UNKNOWN: Cause = Cause {
    id: "connected_application_unknown",
    code: ErrorCode::NotFound,
    status: 404,
    summary: "The application to disconnect holds no consent of this account",
    actor: Actor::EndUser,
    fix: "Reload the account page: the application may have been disconnected already.",
    spec: "RFC 9110 §15.5.5",
    endpoints: ACCOUNT,
    extended_code: None,
    checklist: &["T4"],
    page: Some("That application is not connected to your account any more."),
};

pub static ADMIN_QUERY_INVALID: Cause = Cause {
    id: "admin_query_invalid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "A query parameter of an admin API listing is invalid",
    actor: Actor::Operator,
    fix: "Give each parameter once and as the API's description says: for users, q is text and limit a whole number from 1 to 1000; for error counts, span is day or week.",
    spec: "RFC 9110 §15.5.1",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static AUDIT_QUERY_INVALID: Cause = Cause {
    id: "audit_query_invalid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "A parameter of the audit trail query is invalid",
    actor: Actor::Operator,
    fix: "limit is a whole number from 1 to 200 and before an event id from a previous page; actor, target and kind are compared exactly.",
    spec: "RFC 9110 §15.5.1",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

pub static SECRET_ROTATION_INVALID: Cause = Cause {
    id: "secret_rotation_invalid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The client secret cannot be rotated as asked",
    actor: Actor::Operator,
    fix: "grace_seconds is a whole number of seconds from 0 (the previous secret stops at once) to 2592000 (30 days); the body is a JSON object or empty. Only a client whose token_endpoint_auth_method uses a secret (client_secret_basic, client_secret_post, client_secret_jwt) has one to rotate.",
    spec: "RFC 6749 §2.3.1",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &["T1"],
    page: None,
};

// ---------------------------------------------------------------------------
// Passkeys (WebAuthn Level 3): registration, sign-in and second factor on the
// sign-in pages, and their administration
// ---------------------------------------------------------------------------

const PASSKEY_PAGES: &[&str] = &["/login", "/mfa", "/passkey", "/account", "/recover/reset"];

pub static PASSKEY_CANCELLED: Cause = Cause {
    id: "passkey_cancelled",
    code: ErrorCode::AccessDenied,
    status: 400,
    summary: "The passkey request was cancelled or not allowed in the browser",
    actor: Actor::EndUser,
    fix: "Try again and confirm with the device (fingerprint, face, PIN or security key) when the browser asks, or use the password instead. Browsers report a closed dialog, a refusal and some timeouts alike, as NotAllowedError.",
    spec: "W3C WebAuthn Level 3 §5.1.3, §5.1.4 (NotAllowedError, AbortError)",
    endpoints: PASSKEY_PAGES,
    extended_code: None,
    checklist: &[],
    page: Some("The passkey request was cancelled. Try again, or use your password instead."),
};

pub static PASSKEY_TIMEOUT: Cause = Cause {
    id: "passkey_timeout",
    code: ErrorCode::AccessDenied,
    status: 400,
    summary: "The passkey request expired before it was answered",
    actor: Actor::EndUser,
    fix: "Start again and answer the browser's passkey prompt within five minutes. A passkey request is also used once only: a second submission of the same page gets this cause.",
    spec: "W3C WebAuthn Level 3 §5.4 (timeout), §13.4.3 (challenges used once)",
    endpoints: PASSKEY_PAGES,
    extended_code: None,
    checklist: &[],
    page: Some("The passkey request took too long and expired. Try again."),
};

pub static PASSKEY_UNKNOWN: Cause = Cause {
    id: "passkey_unknown",
    code: ErrorCode::AccessDenied,
    status: 401,
    summary: "The passkey is not registered for any account here",
    actor: Actor::EndUser,
    fix: "The passkey was removed (by the user or an administrator) or belongs to another site. Sign in with the password, then add a new passkey; the old one can be deleted from the device.",
    spec: "W3C WebAuthn Level 3 §7.2 step 6",
    endpoints: PASSKEY_PAGES,
    extended_code: None,
    checklist: &[],
    page: Some(
        "This passkey is not registered here any more. Sign in with your password, then add a new passkey.",
    ),
};

pub static PASSKEY_COUNTER_REGRESSION: Cause = Cause {
    id: "passkey_counter_regression",
    code: ErrorCode::AccessDenied,
    status: 401,
    summary: "The passkey signature counter went backwards, so the authenticator may have been cloned",
    actor: Actor::EndUser,
    fix: "The sign-in is refused because a copy of the authenticator may exist. Sign in another way and ask the administrator to remove this passkey (latchkey user passkeys remove), then register a new one.",
    spec: "W3C WebAuthn Level 3 §7.2 step 22, §13.4.8",
    endpoints: PASSKEY_PAGES,
    extended_code: None,
    checklist: &[],
    page: Some(
        "This passkey was refused because the device may have been copied. Sign in another way and contact your administrator.",
    ),
};

pub static PASSKEY_ATTESTATION_REFUSED: Cause = Cause {
    id: "passkey_attestation_refused",
    code: ErrorCode::AccessDenied,
    status: 400,
    summary: "The authenticator answer to the passkey registration was refused",
    actor: Actor::EndUser,
    fix: "The new credential did not verify: it must be discoverable (stored on the device), verify the user (PIN or biometrics) and use a supported algorithm. Try again, or use another device or password manager.",
    spec: "W3C WebAuthn Level 3 §7.1",
    endpoints: &["/passkey", "/login", "/account"],
    extended_code: None,
    checklist: &[],
    page: Some("This passkey could not be added. Try again, or use another device."),
};

pub static PASSKEY_INVALID: Cause = Cause {
    id: "passkey_invalid",
    code: ErrorCode::AccessDenied,
    status: 401,
    summary: "The passkey answer did not verify",
    actor: Actor::EndUser,
    fix: "The signature, the user verification flag or the answer itself was not right. Try again; if it keeps failing, sign in with the password.",
    spec: "W3C WebAuthn Level 3 §7.2",
    endpoints: PASSKEY_PAGES,
    extended_code: None,
    checklist: &[],
    page: Some("The passkey could not be verified. Try again, or sign in with your password."),
};

pub static PASSKEY_RP_MISMATCH: Cause = Cause {
    id: "passkey_rp_mismatch",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The passkey was made for another origin or relying party id than this server is configured for",
    actor: Actor::Operator,
    fix: "The operator must fix the configuration: the issuer must be the address people open in the browser (scheme, host and port), and webauthn.rp_id must be that host or a parent domain of it (not an IP address). A browser reports a mismatch as SecurityError.",
    spec: "W3C WebAuthn Level 3 §5.1.3 step 8, §7.1 steps 9 and 13",
    endpoints: PASSKEY_PAGES,
    extended_code: None,
    checklist: &[],
    page: Some(
        "Passkeys do not work on this site because of a server setting. Use your password, and tell the administrator.",
    ),
};

pub static PASSKEY_NOT_FOUND: Cause = Cause {
    id: "passkey_not_found",
    code: ErrorCode::NotFound,
    status: 404,
    summary: "The user has no passkey with this id",
    actor: Actor::Operator,
    fix: "List the user's passkeys (GET /admin/v1/users/{sub}/passkeys or latchkey user passkeys list) and use an id from the list.",
    spec: "RFC 9110 §15.5.5",
    endpoints: ADMIN,
    extended_code: None,
    checklist: &["T4"],
    page: None,
};

// ---------------------------------------------------------------------------
// Mail: forgotten password (/recover), email verification (/verify-email)
// ---------------------------------------------------------------------------

const MAIL_PAGES: &[&str] = &["/recover", "/recover/reset", "/verify-email"];
const LINK_PAGES: &[&str] = &["/recover/reset", "/verify-email"];

pub static MAIL_DISABLED: Cause = Cause {
    id: "mail_disabled",
    code: ErrorCode::NotFound,
    status: 404,
    summary: "This server sends no mail, so password recovery and email verification are off",
    actor: Actor::Operator,
    fix: "Set smtp.host and smtp.from (and smtp.username and smtp.password if the server asks) to turn outgoing mail on. Without it, the operator sets passwords (latchkey user set-password) and email_verified (latchkey user update).",
    spec: "RFC 9110 §15.5.5",
    endpoints: MAIL_PAGES,
    extended_code: None,
    checklist: &["T4"],
    page: Some(
        "This service does not send email, so this page is not available. Ask the service's support to reset your password.",
    ),
};

pub static MAIL_LINK_UNKNOWN: Cause = Cause {
    id: "mail_link_unknown",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The link from the email is not valid",
    actor: Actor::EndUser,
    fix: "Open the whole link from the latest email (a mail program may cut long links), or ask for a new one.",
    spec: "RFC 9110 §15.5.1",
    endpoints: LINK_PAGES,
    extended_code: None,
    checklist: &[],
    page: Some(
        "This link is not valid. Copy the whole link from the latest email, or ask for a new one.",
    ),
};

pub static MAIL_LINK_EXPIRED: Cause = Cause {
    id: "mail_link_expired",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The link from the email has expired",
    actor: Actor::EndUser,
    fix: "Ask for a new link and use it soon: a recovery link works for recovery.link_ttl seconds (15 minutes by default), a verification link for 7 days.",
    spec: "RFC 9110 §15.5.1",
    endpoints: LINK_PAGES,
    extended_code: None,
    checklist: &[],
    page: Some("This link has expired. Ask for a new one and use it within a few minutes."),
};

pub static MAIL_LINK_USED: Cause = Cause {
    id: "mail_link_used",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The link from the email was already used",
    actor: Actor::EndUser,
    fix: "Each link works once. If the password was changed with it, sign in with the new password; otherwise ask for a new link.",
    spec: "RFC 9110 §15.5.1",
    endpoints: LINK_PAGES,
    extended_code: None,
    checklist: &[],
    page: Some(
        "This link was already used, and each link works only once. Sign in with your new password, or ask for a new link.",
    ),
};

pub static MAIL_THROTTLED: Cause = Cause {
    id: "mail_throttled",
    code: ErrorCode::TemporarilyUnavailable,
    status: 429,
    summary: "Too many emails were asked for, try again later",
    actor: Actor::EndUser,
    fix: "Wait for the time shown on the page. Recovery and verification emails are limited per account and per address, so a mailbox cannot be flooded.",
    spec: "RFC 6585 §4",
    endpoints: &["/recover", "/verify-email"],
    extended_code: None,
    checklist: &[],
    page: Some("Too many emails were asked for. Wait a little, then try again."),
};

pub static NEW_PASSWORD_INVALID: Cause = Cause {
    id: "new_password_invalid",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The new password is not acceptable",
    actor: Actor::EndUser,
    fix: "Choose a password of 8 to 1024 characters and type it the same way in both fields.",
    spec: "NIST SP 800-63B §5.1.1.2",
    endpoints: &["/recover/reset"],
    extended_code: None,
    checklist: &[],
    page: Some(
        "Choose a password of at least 8 characters, and type it the same way in both fields.",
    ),
};

pub static EMAIL_NOT_VERIFIED: Cause = Cause {
    id: "email_not_verified",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "The account's email address is not verified yet",
    actor: Actor::EndUser,
    fix: "Open the verification link sent by email, then sign in again (the login page offers to send it again). The operator can set email_verified true, or turn the rule off with policy.require_verified_email false.",
    spec: "OIDC Core §5.1 (email_verified)",
    endpoints: &["/login"],
    extended_code: None,
    checklist: &[],
    page: Some(
        "Your email address is not verified yet. Open the link in the email we sent you, then sign in again.",
    ),
};

pub static USER_LOCKED: Cause = Cause {
    id: "user_locked",
    code: ErrorCode::AccessDenied,
    status: 403,
    summary: "The account is locked",
    actor: Actor::EndUser,
    fix: "An administrator locked the account (the admin console, or PATCH /admin/v1/users/{sub} with \"locked\": true); only an administrator can unlock it. Locking ended the account's sessions and tokens.",
    spec: "OIDC Core §3.1.2.6",
    endpoints: &["/login", "/upstream/{id}/callback"],
    extended_code: None,
    checklist: &[],
    page: Some("This account is locked. Ask the service's administrator to unlock it."),
};

// ---------------------------------------------------------------------------
// Passkeys on the account page and in recovery
// ---------------------------------------------------------------------------

pub static ACCOUNT_PASSKEY_UNKNOWN: Cause = Cause {
    id: "account_passkey_unknown",
    code: ErrorCode::NotFound,
    status: 404,
    summary: "The passkey to rename or remove is not one of this account's",
    actor: Actor::EndUser,
    fix: "Reload the account page: the passkey may have been removed already (in another window, or by an administrator).",
    spec: "RFC 9110 §15.5.5",
    endpoints: ACCOUNT,
    extended_code: None,
    checklist: &["T4"],
    page: Some("That passkey is no longer on your account."),
};

// ---------------------------------------------------------------------------
// DPoP (RFC 9449): proofs at /token and at resources, bound tokens, nonces
// ---------------------------------------------------------------------------

const DPOP: &[&str] = &["/token", "/userinfo", "/par"];

pub static DPOP_PROOF_MISSING: Cause = Cause {
    id: "dpop_proof_missing",
    code: ErrorCode::InvalidDpopProof,
    status: 400,
    summary: "A DPoP proof is required but the request has no DPoP header",
    actor: Actor::ClientDeveloper,
    fix: "Send a DPoP header with a fresh proof. It is required for a client registered with dpop_bound_access_tokens, for a code whose authorization request carried dpop_jkt, for a DPoP-bound refresh token, and with the DPoP authorization scheme.",
    spec: "RFC 9449 §4.1, §5.2, §7.1, §10",
    endpoints: DPOP,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_PROOF_MALFORMED: Cause = Cause {
    id: "dpop_proof_malformed",
    code: ErrorCode::InvalidDpopProof,
    status: 400,
    summary: "The DPoP header is not one well-formed proof JWT",
    actor: Actor::ClientDeveloper,
    fix: "Send exactly one DPoP header holding one signed JWT whose header has typ, alg and jwk and whose claims have jti, htm, htu and iat as strings and numbers.",
    spec: "RFC 9449 §4.2, §4.3",
    endpoints: DPOP,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_PROOF_WRONG_TYPE: Cause = Cause {
    id: "dpop_proof_wrong_type",
    code: ErrorCode::InvalidDpopProof,
    status: 400,
    summary: "The DPoP proof is not of type dpop+jwt",
    actor: Actor::ClientDeveloper,
    fix: "Set the typ header of the proof to dpop+jwt.",
    spec: "RFC 9449 §4.2, §4.3",
    endpoints: DPOP,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_PROOF_ALG_UNSUPPORTED: Cause = Cause {
    id: "dpop_proof_alg_unsupported",
    code: ErrorCode::InvalidDpopProof,
    status: 400,
    summary: "The DPoP proof is signed with an algorithm this server does not accept",
    actor: Actor::ClientDeveloper,
    fix: "Sign proofs with an asymmetric algorithm listed in dpop_signing_alg_values_supported of the discovery document (ES256 is the usual choice), with a key of the matching type.",
    spec: "RFC 9449 §4.2, §4.3, §5.1",
    endpoints: DPOP,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_PROOF_PRIVATE_KEY: Cause = Cause {
    id: "dpop_proof_private_key",
    code: ErrorCode::InvalidDpopProof,
    status: 400,
    summary: "The jwk header of the DPoP proof contains a private key",
    actor: Actor::ClientDeveloper,
    fix: "Put only the public key in the jwk header. The private key has been disclosed: make a new key pair.",
    spec: "RFC 9449 §4.2, §4.3",
    endpoints: DPOP,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_PROOF_SIGNATURE_INVALID: Cause = Cause {
    id: "dpop_proof_signature_invalid",
    code: ErrorCode::InvalidDpopProof,
    status: 400,
    summary: "The DPoP proof signature does not verify with the key in its jwk header",
    actor: Actor::ClientDeveloper,
    fix: "Sign the proof with the private key of the public key in its jwk header, over the exact header and claims sent.",
    spec: "RFC 9449 §4.3",
    endpoints: DPOP,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_PROOF_METHOD_MISMATCH: Cause = Cause {
    id: "dpop_proof_method_mismatch",
    code: ErrorCode::InvalidDpopProof,
    status: 400,
    summary: "The htm claim of the DPoP proof is not the method of this request",
    actor: Actor::ClientDeveloper,
    fix: "Make a new proof for every request, with htm set to its HTTP method (POST at the token endpoint).",
    spec: "RFC 9449 §4.2, §4.3",
    endpoints: DPOP,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_PROOF_URL_MISMATCH: Cause = Cause {
    id: "dpop_proof_url_mismatch",
    code: ErrorCode::InvalidDpopProof,
    status: 400,
    summary: "The htu claim of the DPoP proof is not the URL of this endpoint",
    actor: Actor::ClientDeveloper,
    fix: "Set htu to the endpoint URL from the discovery document, without query and fragment.",
    spec: "RFC 9449 §4.2, §4.3",
    endpoints: DPOP,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_PROOF_IAT_OUTSIDE_WINDOW: Cause = Cause {
    id: "dpop_proof_iat_outside_window",
    code: ErrorCode::InvalidDpopProof,
    status: 400,
    summary: "The iat of the DPoP proof is too old or in the future",
    actor: Actor::ClientDeveloper,
    fix: "Make a new proof for every request, with iat the current time, and keep the clock of the client in sync. Proofs are accepted up to 60 seconds after iat and 5 seconds before it.",
    spec: "RFC 9449 §4.3, §11.1",
    endpoints: DPOP,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_PROOF_REPLAYED: Cause = Cause {
    id: "dpop_proof_replayed",
    code: ErrorCode::InvalidDpopProof,
    status: 400,
    summary: "The jti of the DPoP proof was already used",
    actor: Actor::ClientDeveloper,
    fix: "Make a new proof, with a new random jti, for every request, a retry included. A proof replayed by someone else means the proof was intercepted.",
    spec: "RFC 9449 §4.3, §11.1",
    endpoints: DPOP,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_PROOF_ATH_MISMATCH: Cause = Cause {
    id: "dpop_proof_ath_mismatch",
    code: ErrorCode::InvalidDpopProof,
    status: 401,
    summary: "The ath claim of the DPoP proof is missing or is not the hash of this access token",
    actor: Actor::ClientDeveloper,
    fix: "At a resource, set ath to the base64url SHA-256 of the access token sent with the proof.",
    spec: "RFC 9449 §4.2, §4.3, §7",
    endpoints: USERINFO,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_KEY_MISMATCH: Cause = Cause {
    id: "dpop_key_mismatch",
    code: ErrorCode::InvalidDpopProof,
    status: 401,
    summary: "The DPoP proof is signed with another key than the one the access token is bound to",
    actor: Actor::ClientDeveloper,
    fix: "Sign the proofs with the key pair the token was issued for (its cnf jkt). A token used with another key may have been stolen.",
    spec: "RFC 9449 §6, §7",
    endpoints: USERINFO,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_GRANT_KEY_MISMATCH: Cause = Cause {
    id: "dpop_grant_key_mismatch",
    code: ErrorCode::InvalidGrant,
    status: 400,
    summary: "The DPoP proof is signed with another key than the one the code or refresh token is bound to",
    actor: Actor::ClientDeveloper,
    fix: "Use the key pair of the authorization request (dpop_jkt) to redeem its code, and the key pair the refresh token was issued for to refresh it.",
    spec: "RFC 9449 §5, §10",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_BOUND_TOKEN_AS_BEARER: Cause = Cause {
    id: "dpop_bound_token_as_bearer",
    code: ErrorCode::InvalidToken,
    status: 401,
    summary: "A DPoP-bound access token was presented as a bearer token",
    actor: Actor::ClientDeveloper,
    fix: "Send the token with the DPoP authorization scheme (Authorization: DPoP followed by the token) and a DPoP proof with ath.",
    spec: "RFC 9449 §7.1, §7.2",
    endpoints: USERINFO,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_NONCE_REQUIRED: Cause = Cause {
    id: "dpop_nonce_required",
    code: ErrorCode::UseDpopNonce,
    status: 400,
    summary: "The DPoP proof must carry a nonce from this server",
    actor: Actor::ClientDeveloper,
    fix: "Retry with a new proof whose nonce claim is the value of the DPoP-Nonce header of this answer. Client libraries that support DPoP do this once by themselves.",
    spec: "RFC 9449 §8, §9",
    endpoints: DPOP,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_NONCE_STALE: Cause = Cause {
    id: "dpop_nonce_stale",
    code: ErrorCode::UseDpopNonce,
    status: 400,
    summary: "The nonce of the DPoP proof is not one this server gave out recently",
    actor: Actor::ClientDeveloper,
    fix: "Retry with a new proof whose nonce claim is the value of the DPoP-Nonce header of this answer, and keep the newest DPoP-Nonce value each answer brings.",
    spec: "RFC 9449 §8, §9",
    endpoints: DPOP,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_JKT_MALFORMED: Cause = Cause {
    id: "dpop_jkt_malformed",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "The dpop_jkt parameter is not a JWK SHA-256 thumbprint",
    actor: Actor::ClientDeveloper,
    fix: "Send dpop_jkt as the base64url SHA-256 JWK thumbprint (RFC 7638) of the DPoP public key, 43 characters without padding.",
    spec: "RFC 9449 §10",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static DPOP_JKT_MISMATCH: Cause = Cause {
    id: "dpop_jkt_mismatch",
    code: ErrorCode::InvalidDpopProof,
    status: 400,
    summary: "The pushed request names another dpop_jkt than the key of its DPoP proof",
    actor: Actor::ClientDeveloper,
    fix: "Send either dpop_jkt or a DPoP proof with the pushed request, or make dpop_jkt the thumbprint of the key that signs the proof.",
    spec: "RFC 9449 §10.1",
    endpoints: &["/par"],
    extended_code: None,
    checklist: &[],
    page: None,
};

// ---------------------------------------------------------------------------
// FAPI 2.0 Security Profile: the rules `profile = "fapi2"` (or a client's
// `"profile": "fapi2"`) adds, each its own cause naming the rule
// ---------------------------------------------------------------------------

/// Where client metadata is written.
const CLIENT_WRITES: &[&str] = &["/register", "/register/{client_id}", "/admin/v1"];

pub static FAPI2_METADATA_PUBLIC_CLIENT: Cause = Cause {
    id: "fapi2_metadata_public_client",
    code: ErrorCode::InvalidClientMetadata,
    status: 400,
    summary: "FAPI 2.0 section 5.3.2.1 allows only confidential clients, and this client would be public (token_endpoint_auth_method none)",
    actor: Actor::ClientDeveloper,
    fix: "Register the client as confidential with token_endpoint_auth_method private_key_jwt and its public keys in jwks or jwks_uri; keep the private key on the client's server. Under the FAPI 2.0 profile a browser or mobile app reaches this server through a backend that holds the key.",
    spec: "FAPI 2.0 Security Profile §5.3.2.1 (3)",
    endpoints: CLIENT_WRITES,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_METADATA_AUTH_METHOD: Cause = Cause {
    id: "fapi2_metadata_auth_method",
    code: ErrorCode::InvalidClientMetadata,
    status: 400,
    summary: "FAPI 2.0 section 5.3.2.1 allows only private_key_jwt client authentication here, and the metadata names another method",
    actor: Actor::ClientDeveloper,
    fix: "Set token_endpoint_auth_method to private_key_jwt and register the client's public keys in jwks or jwks_uri. Shared secrets (client_secret_basic, client_secret_post, client_secret_jwt) are not allowed by the profile; mutual TLS, its other method, is not offered by Latchkey.",
    spec: "FAPI 2.0 Security Profile §5.3.2.1 (6)",
    endpoints: CLIENT_WRITES,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_METADATA_ALG: Cause = Cause {
    id: "fapi2_metadata_alg",
    code: ErrorCode::InvalidClientMetadata,
    status: 400,
    summary: "FAPI 2.0 section 5.4.1 allows only PS256 and ES256 signatures, and the metadata names another algorithm",
    actor: Actor::ClientDeveloper,
    fix: "Use ES256 or PS256 for token_endpoint_auth_signing_alg and request_object_signing_alg (never none), and ES256 for id_token_signed_response_alg and authorization_signed_response_alg (Latchkey signs with ES256 under the profile). Left out, the two Latchkey signs default to ES256 under the profile.",
    spec: "FAPI 2.0 Security Profile §5.4.1",
    endpoints: CLIENT_WRITES,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_METADATA_REDIRECT_URI: Cause = Cause {
    id: "fapi2_metadata_redirect_uri",
    code: ErrorCode::InvalidRedirectUri,
    status: 400,
    summary: "FAPI 2.0 section 5.3.2.2 allows http redirect URIs only for native clients on a loopback address, and the metadata has another",
    actor: Actor::ClientDeveloper,
    fix: "Register https redirect URIs. An http URI on 127.0.0.1 or [::1] is allowed only with application_type native (RFC 8252 section 7.3).",
    spec: "FAPI 2.0 Security Profile §5.3.2.2 (8)",
    endpoints: CLIENT_WRITES,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_PAR_REQUIRED: Cause = Cause {
    id: "fapi2_par_required",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "FAPI 2.0 section 5.3.2.2 requires every authorization request to be pushed to the PAR endpoint first",
    actor: Actor::ClientDeveloper,
    fix: "POST the authorization parameters to /par with client authentication, then send only client_id and the returned request_uri to /authorize. Under the FAPI 2.0 profile neither plain parameters nor a request object nor a request_uri of the client's own are taken at /authorize.",
    spec: "FAPI 2.0 Security Profile §5.3.2.2 (2, 3); RFC 9126 §4",
    endpoints: AUTHORIZE,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_PKCE_REQUIRED: Cause = Cause {
    id: "fapi2_pkce_required",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "FAPI 2.0 section 5.3.2.2 requires PKCE with code_challenge_method S256",
    actor: Actor::ClientDeveloper,
    fix: "Create a random code_verifier for each request, push its S256 hash as code_challenge with code_challenge_method=S256, and send the verifier with the code to /token. The plain method is refused under the profile whatever policy.allow_plain_pkce says.",
    spec: "FAPI 2.0 Security Profile §5.3.2.2 (5); RFC 7636 §4.3",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_REDIRECT_URI_REQUIRED: Cause = Cause {
    id: "fapi2_redirect_uri_required",
    code: ErrorCode::InvalidRequest,
    status: 400,
    summary: "FAPI 2.0 section 5.3.2.2 requires redirect_uri in every pushed authorization request",
    actor: Actor::ClientDeveloper,
    fix: "Send redirect_uri with the pushed parameters, even when the client registered only one.",
    spec: "FAPI 2.0 Security Profile §5.3.2.2 (6)",
    endpoints: AUTHORIZE_PAR,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_REQUEST_OBJECT_ALG: Cause = Cause {
    id: "fapi2_request_object_alg",
    code: ErrorCode::InvalidRequestObject,
    status: 400,
    summary: "FAPI 2.0 section 5.4.1 allows only PS256 and ES256 signatures, and the request object uses another algorithm",
    actor: Actor::ClientDeveloper,
    fix: "Sign request objects with ES256 or PS256. Unsigned request objects (alg none) are refused under the profile.",
    spec: "FAPI 2.0 Security Profile §5.4.1",
    endpoints: &["/par"],
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_PUBLIC_CLIENT: Cause = Cause {
    id: "fapi2_public_client",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "FAPI 2.0 section 5.3.2.1 allows only confidential clients, and this client is public",
    actor: Actor::Operator,
    fix: "Change the client's registration to token_endpoint_auth_method private_key_jwt with its public keys in jwks or jwks_uri, then authenticate with a client_assertion. The profile is on for every client (profile = fapi2) or for this one (its metadata says profile fapi2).",
    spec: "FAPI 2.0 Security Profile §5.3.2.1 (3)",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_CLIENT_AUTH_METHOD: Cause = Cause {
    id: "fapi2_client_auth_method",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "FAPI 2.0 section 5.3.2.1 allows only private_key_jwt client authentication here, and this client is registered for another method",
    actor: Actor::Operator,
    fix: "Change the client's registration to token_endpoint_auth_method private_key_jwt with its public keys in jwks or jwks_uri, then authenticate with a client_assertion signed with ES256 or PS256. Clients registered before the profile was turned on keep their old method until then.",
    spec: "FAPI 2.0 Security Profile §5.3.2.1 (6)",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_CLIENT_ASSERTION_ALG: Cause = Cause {
    id: "fapi2_client_assertion_alg",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "FAPI 2.0 section 5.4.1 allows only PS256 and ES256 signatures, and the client_assertion uses another algorithm",
    actor: Actor::ClientDeveloper,
    fix: "Sign the client_assertion with ES256 (a P-256 key) or PS256 (an RSA key of at least 2048 bits). RS256 and the other RSASSA-PKCS1-v1_5 algorithms are refused under the profile.",
    spec: "FAPI 2.0 Security Profile §5.4.1",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_CLIENT_ASSERTION_AUDIENCE: Cause = Cause {
    id: "fapi2_client_assertion_audience",
    code: ErrorCode::InvalidClient,
    status: 401,
    summary: "FAPI 2.0 section 5.3.2.1 accepts only the issuer identifier, as a single string, as the aud of a client_assertion",
    actor: Actor::ClientDeveloper,
    fix: "Set aud to the issuer of /.well-known/openid-configuration exactly, as a string: not the token or PAR endpoint URL, and not an array. This closes the audience confusion attack on private_key_jwt.",
    spec: "FAPI 2.0 Security Profile §5.3.2.1 (8)",
    endpoints: CLIENT_AUTH,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_CLIENT_NOT_CONFORMANT: Cause = Cause {
    id: "fapi2_client_not_conformant",
    code: ErrorCode::UnauthorizedClient,
    status: 400,
    summary: "The client registration breaks the FAPI 2.0 Security Profile, which is on for it",
    actor: Actor::Operator,
    fix: "The description names the fields and the rules (a signing algorithm other than ES256 or PS256, Latchkey signing ID tokens only with ES256, or an http redirect URI of a web client). Update the client, e.g. PATCH /admin/v1/clients/{id} with {id_token_signed_response_alg: ES256}. Clients registered before profile = fapi2 was set are checked on each request.",
    spec: "FAPI 2.0 Security Profile §5.3.2.2 (8), §5.4.1",
    endpoints: &["/par", "/token"],
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_DPOP_REQUIRED: Cause = Cause {
    id: "fapi2_dpop_required",
    code: ErrorCode::InvalidDpopProof,
    status: 400,
    summary: "FAPI 2.0 section 5.3.2.1 allows only sender-constrained access tokens, and the token request has no DPoP proof",
    actor: Actor::ClientDeveloper,
    fix: "Send a DPoP header with a fresh proof (RFC 9449 section 4) signed with ES256 or PS256 on every token request; the access token is then bound to that key. Mutual TLS binding, the profile's other method, is not offered by Latchkey.",
    spec: "FAPI 2.0 Security Profile §5.3.2.1 (4, 5); RFC 9449 §5",
    endpoints: TOKEN,
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_DPOP_ALG: Cause = Cause {
    id: "fapi2_dpop_alg",
    code: ErrorCode::InvalidDpopProof,
    status: 400,
    summary: "FAPI 2.0 section 5.4.1 allows only PS256 and ES256 signatures, and the DPoP proof uses another algorithm",
    actor: Actor::ClientDeveloper,
    fix: "Sign DPoP proofs with ES256 (a P-256 key) or PS256 (an RSA key), at /token, /par and /userinfo alike: a key bound with PS256 signs PS256 proofs, not RS256. Discovery lists exactly these in dpop_signing_alg_values_supported when the profile is on for every client.",
    spec: "FAPI 2.0 Security Profile §5.4.1; RFC 9449 §5.1",
    endpoints: &["/token", "/par", "/userinfo"],
    extended_code: None,
    checklist: &[],
    page: None,
};

pub static FAPI2_PROFILE_KEPT: Cause = Cause {
    id: "fapi2_profile_kept",
    code: ErrorCode::InvalidClientMetadata,
    status: 400,
    summary: "The client was registered under the FAPI 2.0 profile, and an update through its registration access token may not take the profile away",
    actor: Actor::ClientDeveloper,
    fix: "Keep \"profile\": \"fapi2\" in the update, or leave the field out (it is then kept). Only an administrator (admin API or CLI) can take a client out of the profile, so that a leaked registration access token cannot weaken the client's protections.",
    spec: "RFC 7592 §2.2; FAPI 2.0 Security Profile §5.3.2.1",
    endpoints: &["/register/{client_id}"],
    extended_code: None,
    checklist: &[],
    page: None,
};

// ---------------------------------------------------------------------------
// Back-channel logout: delivering Logout Tokens after a session ends (logged
// for the operator, never answered to a request)
// ---------------------------------------------------------------------------

/// Where a session ends, and so where a delivery starts.
const SESSION_ENDS: &[&str] = &["/logout", "/account", "/recover/reset", "/admin/v1"];

pub static BACKCHANNEL_LOGOUT_FAILED: Cause = Cause {
    id: "backchannel_logout_failed",
    code: ErrorCode::ServerError,
    status: 502,
    summary: "A Logout Token could not be delivered to the backchannel_logout_uri of a client, and delivery was given up",
    actor: Actor::Operator,
    fix: "The log names the client and what the last attempt got: an HTTP status other than 2xx, a timeout (backchannel_logout.timeout), an unreachable host, or the fetch fence refusing the address (loopback and private addresses need fetch.allow_private_networks). The client's developer should make the endpoint answer 200 to a valid Logout Token; the user may still be signed in at that client. Each delivery is tried backchannel_logout.attempts times with growing waits before it is given up.",
    spec: "OpenID Connect Back-Channel Logout 1.0 §2.5, §2.8",
    endpoints: SESSION_ENDS,
    extended_code: None,
    checklist: &[],
    page: None,
};

/// The causes that mean a request carried no credentials at all (none, or
/// an Authorization header of another scheme): their Bearer challenge has
/// no error attribute (RFC 6750 §3.1).
pub static WITHOUT_CREDENTIALS: &[&Cause] = &[
    &TOKEN_MISSING,
    &REGISTRATION_TOKEN_MISSING,
    &REGISTRATION_ACCESS_TOKEN_MISSING,
];

/// Every cause, each exactly once, grouped by endpoint in source order. The
/// docs regroup them by wire code ([`ErrorCode::ALL`] order).
/// Causes that may mean a stolen code or token is being replayed: the
/// operator's log shows them as warnings, not as routine refusals.
pub static POSSIBLE_THEFT: &[&Cause] = &[
    &CODE_REUSED,
    &REFRESH_TOKEN_REUSED,
    &DPOP_PROOF_REPLAYED,
    &DPOP_KEY_MISMATCH,
    &DPOP_GRANT_KEY_MISMATCH,
];

pub static ALL: &[&Cause] = &[
    &STEP_UP_ACR_NOT_MET,
    &STEP_UP_TOO_OLD,
    &STEP_UP_DEMAND_MALFORMED,
    &EXCHANGE_PARAMETERS_INCOMPLETE,
    &EXCHANGE_TOKEN_TYPE_UNSUPPORTED,
    &EXCHANGE_SUBJECT_INVALID,
    &EXCHANGE_ACTOR_INVALID,
    &EXCHANGE_SUBJECT_CLIENT_NOT_ALLOWED,
    &EXCHANGE_TARGET_NOT_ALLOWED,
    &EXCHANGE_SCOPE_NOT_ALLOWED,
    // resource indicators
    &RESOURCE_NOT_ABSOLUTE,
    &RESOURCE_HAS_FRAGMENT,
    &RESOURCE_UNKNOWN,
    &RESOURCE_CLIENT_NOT_ALLOWED,
    &RESOURCE_TOO_MANY,
    &RESOURCE_NOT_GRANTED,
    &SCOPE_NOT_ACCEPTED_BY_RESOURCE,
    // HTTP basics
    &NOT_FOUND,
    &METHOD_NOT_ALLOWED,
    &REQUEST_TOO_LARGE,
    &URI_TOO_LONG,
    &HEADERS_TOO_LARGE,
    &MALFORMED_REQUEST,
    &UNSUPPORTED_CONTENT_TYPE,
    &MALFORMED_BODY,
    &REQUEST_TIMEOUT,
    &INTERNAL_ERROR,
    &MISCONFIGURATION,
    &STORE_UNAVAILABLE,
    &OVERLOADED,
    &MAINTENANCE,
    &RATE_LIMITED,
    &CORS_ORIGIN_NOT_ALLOWED,
    // /authorize, error page
    &REQUEST_IS_MISSING_PARAMETERS,
    &CLIENT_ID_MISSING,
    &CLIENT_ID_UNKNOWN,
    &NO_REDIRECT_URI_REGISTERED,
    &REDIRECT_URI_MISSING,
    &REDIRECT_URI_MISMATCH,
    &REDIRECT_URI_MALFORMED,
    &REGISTERED_REDIRECT_URI_UNUSABLE,
    // /authorize and /par, redirected
    &CLIENT_DEACTIVATED,
    &RESPONSE_TYPE_MISSING,
    &UNSUPPORTED_RESPONSE_TYPE,
    &RESPONSE_TYPE_NOT_ALLOWED,
    &UNSUPPORTED_RESPONSE_MODE,
    &REPEATED_PARAMETER,
    &MISSING_PARAMETER,
    &INVALID_PARAMETER_VALUE,
    &SCOPE_MISSING,
    &SCOPE_MISSING_OPENID,
    &UNKNOWN_SCOPE,
    &SCOPE_NOT_ALLOWED,
    &SCOPE_MALFORMED,
    &PKCE_REQUIRED,
    &PKCE_PLAIN_NOT_ALLOWED,
    &PKCE_METHOD_UNSUPPORTED,
    &PKCE_CHALLENGE_INVALID,
    &INVALID_STATE,
    &INSUFFICIENT_ENTROPY,
    &PROMPT_VALUE_UNKNOWN,
    &PROMPT_NONE_COMBINED,
    &MAX_AGE_INVALID,
    &CLAIMS_MALFORMED,
    &CLAIMS_MEMBER_INVALID,
    &ESSENTIAL_ACR_UNAVAILABLE,
    &ID_TOKEN_HINT_INVALID,
    &REGISTRATION_PARAMETER_NOT_SUPPORTED,
    &LOGIN_REQUIRED,
    &REAUTHENTICATION_REQUIRED,
    &CONSENT_REQUIRED,
    &INTERACTION_REQUIRED,
    &ACCOUNT_SELECTION_REQUIRED,
    // PAR
    &PAR_REQUIRED,
    &REQUEST_URI_IN_PAR,
    // request objects
    &REQUEST_NOT_SUPPORTED,
    &REQUEST_URI_NOT_SUPPORTED,
    &REQUEST_URI_NOT_REGISTERED,
    &REQUEST_AND_REQUEST_URI,
    &REQUEST_URI_MALFORMED,
    &REQUEST_URI_UNKNOWN,
    &REQUEST_URI_EXPIRED,
    &REQUEST_URI_USED,
    &REQUEST_URI_CLIENT_MISMATCH,
    &REQUEST_URI_UNREACHABLE,
    &REQUEST_URI_ADDRESS_BLOCKED,
    &REQUEST_URI_CONTENT_INVALID,
    &REQUEST_OBJECT_UNPARSEABLE,
    &REQUEST_OBJECT_ENCRYPTED,
    &REQUEST_OBJECT_ALG_NOT_ALLOWED,
    &REQUEST_OBJECT_SIGNATURE_INVALID,
    &REQUEST_OBJECT_KEYS_UNAVAILABLE,
    &REQUEST_OBJECT_ISSUER_MISMATCH,
    &REQUEST_OBJECT_AUDIENCE_MISMATCH,
    &REQUEST_OBJECT_CLIENT_ID_MISMATCH,
    &REQUEST_OBJECT_EXPIRED,
    &REQUEST_OBJECT_NOT_YET_VALID,
    // vectors of trust and second factors
    &VTR_MALFORMED,
    &VTR_UNSUPPORTED,
    &VTR_NOT_VALID,
    &IDENTITY_CONFIDENCE_TOO_LOW,
    &SECOND_FACTOR_UNAVAILABLE,
    &TOTP_CODE_INVALID,
    &TOTP_THROTTLED,
    &TOTP_CONFIRMATION_INVALID,
    &RECOVERY_CODE_INVALID,
    // login, consent, logout UI
    &INVALID_CREDENTIALS,
    &LOGIN_THROTTLED,
    &CSRF_TOKEN_INVALID,
    &USER_CANCELED,
    &CONSENT_DENIED,
    &SESSION_LOST,
    &INTERACTION_EXPIRED,
    &POST_LOGOUT_REDIRECT_URI_MISMATCH,
    // upstream identity providers
    &USER_CANCELED_REQUEST,
    &UPSTREAM_UNAVAILABLE,
    &UPSTREAM_ERROR,
    &UPSTREAM_ID_TOKEN_INVALID,
    &UPSTREAM_ACCOUNT_NOT_LINKABLE,
    &UPSTREAM_NOT_FOUND,
    // /token
    &GRANT_TYPE_MISSING,
    &UNSUPPORTED_GRANT_TYPE,
    &UNKNOWN_REQUEST,
    &GRANT_TYPE_NOT_ALLOWED,
    &CODE_UNKNOWN,
    &CODE_EXPIRED,
    &CODE_REUSED,
    &CODE_SESSION_ENDED,
    &CODE_REVOKED,
    &CODE_CLIENT_MISMATCH,
    &CODE_REDIRECT_URI_MISMATCH,
    &PKCE_VERIFIER_MISSING,
    &PKCE_VERIFIER_MALFORMED,
    &PKCE_VERIFIER_MISMATCH,
    &PKCE_VERIFIER_UNEXPECTED,
    &REFRESH_TOKEN_UNKNOWN,
    &REFRESH_TOKEN_EXPIRED,
    &REFRESH_TOKEN_REUSED,
    &REFRESH_TOKEN_REVOKED,
    &REFRESH_TOKEN_SESSION_ENDED,
    &REFRESH_TOKEN_CLIENT_MISMATCH,
    &SCOPE_BROADER_THAN_GRANTED,
    // the device authorization grant
    &DEVICE_GRANT_NOT_ALLOWED,
    &AUTHORIZATION_PENDING,
    &SLOW_DOWN,
    &EXPIRED_TOKEN,
    &DEVICE_ACCESS_DENIED,
    &DEVICE_CODE_UNKNOWN,
    &DEVICE_CODE_CLIENT_MISMATCH,
    &DEVICE_CODE_REUSED,
    // the /device page
    &USER_CODE_UNKNOWN,
    &USER_CODE_THROTTLED,
    &DEVICE_REQUEST_DECIDED,
    // client authentication
    &UNKNOWN_CLIENT,
    &CLIENT_AUTH_MISSING,
    &CLIENT_SECRET_MISMATCH,
    &CLIENT_AUTH_METHOD_NOT_ALLOWED,
    &MULTIPLE_CLIENT_AUTH_METHODS,
    &AUTHORIZATION_HEADER_MALFORMED,
    &CLIENT_ID_CONFLICT,
    &CLIENT_ASSERTION_TYPE_UNSUPPORTED,
    &CLIENT_ASSERTION_INVALID,
    &CLIENT_ASSERTION_SIGNATURE_INVALID,
    &CLIENT_ASSERTION_ALG_NOT_ALLOWED,
    &CLIENT_ASSERTION_ISSUER_MISMATCH,
    &CLIENT_ASSERTION_AUDIENCE_MISMATCH,
    &CLIENT_ASSERTION_EXPIRED,
    &CLIENT_ASSERTION_NOT_YET_VALID,
    &CLIENT_ASSERTION_LIFETIME_TOO_LONG,
    &JTI_KNOWN,
    &CLIENT_JWKS_UNAVAILABLE,
    &PUBLIC_CLIENT_NOT_ALLOWED,
    // /userinfo and bearer-protected resources
    &TOKEN_MISSING,
    &TOKEN_MALFORMED,
    &TOKEN_SIGNATURE_INVALID,
    &TOKEN_WRONG_TYPE,
    &TOKEN_INACTIVE,
    &TOKEN_AUDIENCE_MISMATCH,
    &TOKEN_CLIENT_DEACTIVATED,
    &TOKEN_IN_TWO_PLACES,
    &SCOPE_NOT_GRANTED,
    // DPoP
    &DPOP_PROOF_MISSING,
    &DPOP_PROOF_MALFORMED,
    &DPOP_PROOF_WRONG_TYPE,
    &DPOP_PROOF_ALG_UNSUPPORTED,
    &DPOP_PROOF_PRIVATE_KEY,
    &DPOP_PROOF_SIGNATURE_INVALID,
    &DPOP_PROOF_METHOD_MISMATCH,
    &DPOP_PROOF_URL_MISMATCH,
    &DPOP_PROOF_IAT_OUTSIDE_WINDOW,
    &DPOP_PROOF_REPLAYED,
    &DPOP_PROOF_ATH_MISMATCH,
    &DPOP_KEY_MISMATCH,
    &DPOP_GRANT_KEY_MISMATCH,
    &DPOP_BOUND_TOKEN_AS_BEARER,
    &DPOP_NONCE_REQUIRED,
    &DPOP_NONCE_STALE,
    &DPOP_JKT_MALFORMED,
    &DPOP_JKT_MISMATCH,
    // /revoke, /introspect
    &REVOKE_TOKEN_CLIENT_MISMATCH,
    // registration
    &REGISTRATION_DISABLED,
    &REGISTRATION_TOKEN_MISSING,
    &REGISTRATION_TOKEN_INVALID,
    &REGISTRATION_ACCESS_TOKEN_INVALID,
    &REGISTRATION_ACCESS_TOKEN_MISSING,
    &REGISTRATION_CLIENT_UNKNOWN,
    &INVALID_REDIRECT_URI,
    &INVALID_CLIENT_METADATA,
    &SUBJECT_TYPE_UNSUPPORTED,
    &PAIRWISE_SECTOR_AMBIGUOUS,
    &SECTOR_IDENTIFIER_INVALID,
    &REGISTRATION_SCOPE_NOT_ALLOWED,
    &REGISTRATION_GRANT_TYPE_NOT_ALLOWED,
    &CLIENT_ID_TAKEN,
    &INVALID_SOFTWARE_STATEMENT,
    &SOFTWARE_STATEMENT_UNAPPROVED,
    // admin API
    &REQUEST_UNAUTHORIZED,
    &REQUEST_FORBIDDEN,
    &ADMIN_API_DISABLED,
    &ROLE_UNKNOWN,
    &ADMIN_TOKEN_NOT_FOR_ADMIN,
    &ADMIN_TOKEN_INACTIVE,
    &ADMIN_ROLE_MISSING,
    &ADMIN_SCOPE_MISSING,
    &BUILT_IN_READ_ONLY,
    &CONSOLE_STATE_MISMATCH,
    &CONSOLE_NOT_ADMINISTRATOR,
    &CONSOLE_EXCHANGE_FAILED,
    &CONSOLE_SIGN_IN_REFUSED,
    &CONSOLE_FORM_INVALID,
    &CONSOLE_READ_ONLY,
    &CLIENT_NOT_FOUND,
    &USER_NOT_FOUND,
    &USER_SESSION_NOT_FOUND,
    &USERNAME_TAKEN,
    &EMAIL_TAKEN,
    &INVALID_USER_ATTRIBUTES,
    &RESOURCE_NOT_FOUND,
    &RESOURCE_EXISTS,
    &INVALID_RESOURCE_ATTRIBUTES,
    &ERROR_ID_NOT_FOUND,
    // the account page and the audit trail
    &CURRENT_PASSWORD_INVALID,
    &NEW_PASSWORD_REJECTED,
    &PROFILE_CLAIM_INVALID,
    &ACCOUNT_SESSION_UNKNOWN,
    &CONNECTED_APPLICATION_UNKNOWN,
    &AUDIT_QUERY_INVALID,
    &ADMIN_QUERY_INVALID,
    &RESET_MAIL_UNSENDABLE,
    &SECRET_ROTATION_INVALID,
    // passkeys
    &PASSKEY_CANCELLED,
    &PASSKEY_TIMEOUT,
    &PASSKEY_UNKNOWN,
    &PASSKEY_COUNTER_REGRESSION,
    &PASSKEY_ATTESTATION_REFUSED,
    &PASSKEY_INVALID,
    &PASSKEY_RP_MISMATCH,
    &PASSKEY_NOT_FOUND,
    // mail: recovery and verification
    &MAIL_DISABLED,
    &MAIL_LINK_UNKNOWN,
    &MAIL_LINK_EXPIRED,
    &MAIL_LINK_USED,
    &MAIL_THROTTLED,
    &NEW_PASSWORD_INVALID,
    &EMAIL_NOT_VERIFIED,
    // locked accounts
    &USER_LOCKED,
    // passkeys on the account page and in recovery
    &ACCOUNT_PASSKEY_UNKNOWN,
    // back-channel logout
    &BACKCHANNEL_LOGOUT_FAILED,
    // FAPI 2.0 Security Profile
    &FAPI2_METADATA_PUBLIC_CLIENT,
    &FAPI2_METADATA_AUTH_METHOD,
    &FAPI2_METADATA_ALG,
    &FAPI2_METADATA_REDIRECT_URI,
    &FAPI2_PAR_REQUIRED,
    &FAPI2_PKCE_REQUIRED,
    &FAPI2_REDIRECT_URI_REQUIRED,
    &FAPI2_REQUEST_OBJECT_ALG,
    &FAPI2_PUBLIC_CLIENT,
    &FAPI2_CLIENT_AUTH_METHOD,
    &FAPI2_CLIENT_ASSERTION_ALG,
    &FAPI2_CLIENT_ASSERTION_AUDIENCE,
    &FAPI2_CLIENT_NOT_CONFORMANT,
    &FAPI2_DPOP_REQUIRED,
    &FAPI2_DPOP_ALG,
    &FAPI2_PROFILE_KEPT,
];

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::error::is_error_charset;
    use std::collections::{BTreeSet, HashSet};

    /// The ids the error model fixes (its "Stable cause names").
    const FIXED_IDS: &[&str] = &[
        "client_deactivated",
        "redirect_uri_mismatch",
        "code_reused",
        "code_expired",
        "pkce_verifier_mismatch",
        "jti_known",
        "token_inactive",
        "scope_not_granted",
        "vtr_not_valid",
        "identity_confidence_too_low",
        "session_lost",
        "invalid_state",
        "insufficient_entropy",
        "unknown_request",
        "request_forbidden",
        "request_unauthorized",
        "user_canceled_request",
        "misconfiguration",
        "request_is_missing_parameters",
    ];

    /// The provider-specific names of the error model, and the only causes
    /// that may carry an extended code (always equal to the name).
    const EXTENDED: &[(&str, &str)] = &[
        ("invalid_state", "invalid_state"),
        ("insufficient_entropy", "insufficient_entropy"),
        ("jti_known", "jti_known"),
        ("token_inactive", "token_inactive"),
        ("request_unauthorized", "request_unauthorized"),
        ("scope_not_granted", "scope_not_granted"),
        ("request_forbidden", "request_forbidden"),
        ("misconfiguration", "misconfiguration"),
        ("unknown_request", "error"),
        ("user_canceled_request", "user_canceled_request"),
        (
            "request_is_missing_parameters",
            "request_is_missing_parameters",
        ),
    ];

    fn is_snake_case(s: &str) -> bool {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && !s.ends_with('_')
            && !s.contains("__")
    }

    fn checklist_rows() -> Vec<String> {
        let mut rows = Vec::new();
        rows.extend((1..=15).map(|n| format!("G{n}")));
        rows.extend((1..=30).map(|n| format!("U{n}")));
        rows.extend((3..=13).map(|n| format!("O{n}")));
        rows.extend((1..=10).map(|n| format!("H{n}")));
        rows.extend((1..=18).map(|n| format!("T{n}")));
        rows
    }

    #[test]
    fn ids_are_unique_snake_case_and_in_charset() {
        let mut seen = HashSet::new();
        for cause in ALL {
            assert!(seen.insert(cause.id), "duplicate cause id {}", cause.id);
            assert!(is_snake_case(cause.id), "{} is not snake_case", cause.id);
            assert!(
                is_error_charset(cause.id),
                "{} outside RFC 6749 §5.2",
                cause.id
            );
        }
    }

    /// A page text is one sentence for the person at the browser; the login
    /// page's wrong-password text comes from invalid_credentials (browser
    /// tests check it word for word).
    #[test]
    fn page_texts_are_sentences() {
        for cause in ALL {
            if let Some(text) = cause.page {
                let id = cause.id;
                assert!(
                    text.ends_with('.') && !text.contains('\n'),
                    "{id}: {text:?}"
                );
                assert!(text.starts_with(char::is_uppercase), "{id}: {text:?}");
            }
        }
        assert_eq!(
            INVALID_CREDENTIALS.page_text(),
            "The username or password is incorrect."
        );
        assert_eq!(LOGIN_THROTTLED.page_text(), LOGIN_THROTTLED.summary);
    }

    #[test]
    fn every_page_text_speaks_every_language() {
        use crate::i18n::{Lang, ids};
        for lang in Lang::ALL.into_iter().filter(|l| *l != Lang::En) {
            for cause in ALL.iter().filter(|c| c.page.is_some()) {
                let key = cause.translation_key();
                assert!(lang.has(&key), "{}.ftl lacks {key}", lang.tag());
                assert_ne!(cause.page_text_in(lang), cause.page_text());
            }
            for key in ids(lang).iter().filter(|k| k.starts_with("cause-")) {
                assert!(
                    ALL.iter()
                        .any(|c| c.page.is_some() && &c.translation_key() == key),
                    "{}.ftl: {key} is no cause with page text",
                    lang.tag()
                );
            }
        }
        assert!(ids(Lang::En).iter().all(|k| !k.starts_with("cause-")));
        assert_eq!(
            INVALID_CREDENTIALS.page_text_in(Lang::De),
            "Der Benutzername oder das Passwort ist falsch."
        );
        assert_eq!(
            INVALID_CREDENTIALS.page_text_in(Lang::En),
            INVALID_CREDENTIALS.page_text()
        );
    }

    #[test]
    fn summaries_fixes_and_statuses_are_well_formed() {
        for cause in ALL {
            let id = cause.id;
            assert!(!cause.summary.is_empty(), "{id}: empty summary");
            assert!(
                is_error_charset(cause.summary),
                "{id}: summary outside RFC 6749 §5.2"
            );
            assert!(
                !cause.summary.ends_with('.'),
                "{id}: summary ends with a period"
            );
            assert!(
                !cause.summary.contains('\n'),
                "{id}: summary is not one line"
            );
            assert_eq!(
                cause.summary.trim(),
                cause.summary,
                "{id}: summary has outer spaces"
            );
            assert!(!cause.fix.trim().is_empty(), "{id}: empty fix");
            assert!(cause.fix.ends_with('.'), "{id}: fix should be sentences");
            assert!(!cause.spec.is_empty(), "{id}: empty spec");
            assert!(!cause.endpoints.is_empty(), "{id}: no endpoints");
            assert!(
                (400..=599).contains(&cause.status),
                "{id}: status {}",
                cause.status
            );
            for row in cause.checklist {
                assert!(
                    checklist_rows().iter().any(|r| r == row),
                    "{id}: unknown checklist row {row}"
                );
            }
        }
    }

    #[test]
    fn every_static_is_listed_in_all() {
        let source = include_str!("catalogue.rs");
        let statics: BTreeSet<String> = source
            .lines()
            .filter(|l| l.starts_with("pub static ") && l.contains(": Cause = Cause {"))
            .map(|l| {
                l.trim_start_matches("pub static ")
                    .split(':')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(
            statics.len(),
            ALL.len(),
            "a static is missing from ALL (or listed twice)"
        );
        let from_all: BTreeSet<String> = ALL.iter().map(|c| c.id.to_uppercase()).collect();
        assert_eq!(
            statics, from_all,
            "static names must be the ids in upper case"
        );
    }

    #[test]
    fn every_checklist_row_is_covered() {
        let covered: HashSet<&str> = ALL
            .iter()
            .flat_map(|c| c.checklist.iter().copied())
            .collect();
        let missing: Vec<String> = checklist_rows()
            .into_iter()
            .filter(|r| !covered.contains(r.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "checklist rows with no cause: {missing:?}"
        );
    }

    #[test]
    fn fixed_ids_exist() {
        for id in FIXED_IDS {
            assert!(
                ALL.iter().any(|c| c.id == *id),
                "fixed cause {id} is missing"
            );
        }
    }

    #[test]
    fn extended_codes_only_on_provider_specific_causes() {
        for cause in ALL {
            let expected = EXTENDED
                .iter()
                .find(|(id, _)| *id == cause.id)
                .map(|(_, name)| *name);
            assert_eq!(cause.extended_code, expected, "{}: extended_code", cause.id);
            if let Some(name) = cause.extended_code {
                assert!(is_error_charset(name));
                assert!(
                    ErrorCode::parse(name).is_none(),
                    "{name} is a registered code"
                );
            }
        }
    }

    #[test]
    fn every_code_has_a_cause_and_no_cause_borrows_another_code_name() {
        for code in ErrorCode::ALL {
            assert!(
                ALL.iter().any(|c| c.code == *code),
                "{} has no cause",
                code.as_str()
            );
        }
        // A cause may share its name with its own code (one docs anchor),
        // never with another code: /errors#name must be unambiguous.
        for cause in ALL {
            if let Some(code) = ErrorCode::parse(cause.id) {
                assert_eq!(code, cause.code, "{} is the name of another code", cause.id);
            }
        }
    }

    #[test]
    fn statuses_the_spine_relies_on() {
        let expect: &[(&Cause, &str, ErrorCode, u16)] = &[
            (&NOT_FOUND, "not_found", ErrorCode::NotFound, 404),
            (
                &METHOD_NOT_ALLOWED,
                "method_not_allowed",
                ErrorCode::InvalidRequest,
                405,
            ),
            (
                &REQUEST_TOO_LARGE,
                "request_too_large",
                ErrorCode::InvalidRequest,
                413,
            ),
            (
                &UNSUPPORTED_CONTENT_TYPE,
                "unsupported_content_type",
                ErrorCode::InvalidRequest,
                400,
            ),
            (
                &MALFORMED_BODY,
                "malformed_body",
                ErrorCode::InvalidRequest,
                400,
            ),
            (
                &REQUEST_TIMEOUT,
                "request_timeout",
                ErrorCode::TemporarilyUnavailable,
                503,
            ),
            (
                &INTERNAL_ERROR,
                "internal_error",
                ErrorCode::ServerError,
                500,
            ),
            (
                &MISCONFIGURATION,
                "misconfiguration",
                ErrorCode::ServerError,
                500,
            ),
            (
                &STORE_UNAVAILABLE,
                "store_unavailable",
                ErrorCode::TemporarilyUnavailable,
                503,
            ),
            (
                &OVERLOADED,
                "overloaded",
                ErrorCode::TemporarilyUnavailable,
                503,
            ),
            (
                &MAINTENANCE,
                "maintenance",
                ErrorCode::TemporarilyUnavailable,
                503,
            ),
            (
                &RATE_LIMITED,
                "rate_limited",
                ErrorCode::TemporarilyUnavailable,
                429,
            ),
            (
                &REQUEST_UNAUTHORIZED,
                "request_unauthorized",
                ErrorCode::InvalidToken,
                401,
            ),
            (
                &REQUEST_FORBIDDEN,
                "request_forbidden",
                ErrorCode::AccessDenied,
                403,
            ),
            (
                &ADMIN_API_DISABLED,
                "admin_api_disabled",
                ErrorCode::NotFound,
                404,
            ),
            (
                &INVALID_REDIRECT_URI,
                "invalid_redirect_uri",
                ErrorCode::InvalidRedirectUri,
                400,
            ),
            (
                &INVALID_CLIENT_METADATA,
                "invalid_client_metadata",
                ErrorCode::InvalidClientMetadata,
                400,
            ),
            (
                &CLIENT_ID_TAKEN,
                "client_id_taken",
                ErrorCode::InvalidClientMetadata,
                409,
            ),
            (
                &CLIENT_NOT_FOUND,
                "client_not_found",
                ErrorCode::NotFound,
                404,
            ),
            (&USER_NOT_FOUND, "user_not_found", ErrorCode::NotFound, 404),
            (
                &USERNAME_TAKEN,
                "username_taken",
                ErrorCode::InvalidRequest,
                409,
            ),
            (
                &INVALID_USER_ATTRIBUTES,
                "invalid_user_attributes",
                ErrorCode::InvalidRequest,
                400,
            ),
            (
                &ERROR_ID_NOT_FOUND,
                "error_id_not_found",
                ErrorCode::NotFound,
                404,
            ),
            (
                &CLIENT_DEACTIVATED,
                "client_deactivated",
                ErrorCode::UnauthorizedClient,
                400,
            ),
            (
                &UNKNOWN_CLIENT,
                "unknown_client",
                ErrorCode::InvalidClient,
                401,
            ),
            (&JTI_KNOWN, "jti_known", ErrorCode::InvalidClient, 401),
            (
                &USER_CANCELED_REQUEST,
                "user_canceled_request",
                ErrorCode::AccessDenied,
                403,
            ),
            (
                &SCOPE_NOT_GRANTED,
                "scope_not_granted",
                ErrorCode::InsufficientScope,
                403,
            ),
            (
                &TOKEN_INACTIVE,
                "token_inactive",
                ErrorCode::InvalidToken,
                401,
            ),
        ];
        for (cause, id, code, status) in expect {
            assert_eq!(cause.id, *id);
            assert_eq!(cause.code, *code, "{id}");
            assert_eq!(cause.status, *status, "{id}");
        }
        assert!(
            CLIENT_DEACTIVATED
                .summary
                .to_lowercase()
                .contains("deactivated")
        );
        assert_eq!(MISCONFIGURATION.extended_code, Some("misconfiguration"));
    }

    #[test]
    fn invalid_client_is_401_and_every_other_token_error_400_or_capacity() {
        for cause in ALL.iter().filter(|c| c.endpoints.contains(&"/token")) {
            match cause.code {
                ErrorCode::InvalidClient => assert_eq!(cause.status, 401, "{}", cause.id),
                ErrorCode::ServerError | ErrorCode::TemporarilyUnavailable => {}
                _ => assert_eq!(cause.status, 400, "{}", cause.id),
            }
        }
    }
}
