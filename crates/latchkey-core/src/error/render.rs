//! Rendering an [`Occurrence`] onto the five channels, as pure data: the
//! HTTP layer only copies these into a response. The channel is chosen by
//! the endpoint, never by the cause.
//!
//! | channel  | where                                              |
//! |----------|----------------------------------------------------|
//! | redirect | /authorize once client and redirect URI are verified |
//! | page     | /authorize before that; UI pages                  |
//! | json     | /token, /par, /revoke, /introspect, /register, 404 |
//! | bearer   | /userinfo and other token-protected resources     |
//! | admin    | /admin/v1 (Okta-style body)                        |

use super::catalogue::WITHOUT_CREDENTIALS;
use super::{Actor, Cause, Occurrence, to_error_charset};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What every channel needs to know about the deployment.
#[derive(Debug, Clone, Copy)]
pub struct RenderCtx<'a> {
    pub issuer: &'a str,
    /// `errors.extended_codes`: provider-specific cause names on the wire.
    pub extended_codes: bool,
}

impl RenderCtx<'_> {
    /// `{issuer}/errors/{code}#{cause}`: the cause's section of the docs page.
    pub fn error_uri(&self, cause: &Cause) -> String {
        format!(
            "{}/errors/{}#{}",
            self.issuer,
            cause.code.as_str(),
            cause.id
        )
    }

    pub fn wire_code(&self, cause: &Cause) -> &'static str {
        cause.wire_code(self.extended_codes)
    }
}

/// JSON channel body: `{"error","error_description","error_uri","error_id"}`.
pub fn json_body(occ: &Occurrence, ctx: RenderCtx<'_>) -> Value {
    json!({
        "error": ctx.wire_code(occ.cause),
        "error_description": occ.description(),
        "error_uri": ctx.error_uri(occ.cause),
        "error_id": occ.error_id.to_string(),
    })
}

/// Admin channel body, in the shape Okta's API uses: every refusal of the
/// admin API (`/admin/v1`) answers with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AdminError)]
pub struct AdminErrorBody {
    /// The cause: a section of the error reference (`docs/errors.md`).
    #[schema(example = "client_not_found")]
    pub error_code: String,
    /// What went wrong, for a person.
    pub error_summary: String,
    /// `{issuer}/errors/{code}#{cause}`: the cause's documentation.
    pub error_link: String,
    /// This occurrence's id, also in the server's log; `GET
    /// /admin/v1/errors/{errorId}` shows its internal detail.
    pub error_id: String,
    /// The fields of the request that were refused, each with its reason
    /// (empty when the refusal is not about a field).
    pub error_causes: Vec<AdminErrorCause>,
}

/// One refused field of an admin request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminErrorCause {
    /// `{field}: {reason}`.
    pub error_summary: String,
    /// The field, as a JSON path from the body (`redirect_uris[0]`).
    pub field: String,
}

/// Admin channel body, in the shape Okta's API uses.
pub fn admin_body(occ: &Occurrence, ctx: RenderCtx<'_>) -> AdminErrorBody {
    AdminErrorBody {
        error_code: occ.cause.id.to_string(),
        error_summary: occ.description(),
        error_link: ctx.error_uri(occ.cause),
        error_id: occ.error_id.to_string(),
        error_causes: occ
            .fields
            .iter()
            .map(|f| AdminErrorCause {
                error_summary: format!("{}: {}", f.field, f.summary),
                field: f.field.clone(),
            })
            .collect(),
    }
}

/// RFC 7230 quoted-string: escape `"` and `\`, drop control characters.
pub fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c if !c.is_ascii() => out.push('?'),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `WWW-Authenticate` value of the bearer channel (RFC 6750 §3). With no
/// occurrence, or one whose cause is that the request carried no
/// credentials at all ([`WITHOUT_CREDENTIALS`]), only the realm is sent, as
/// §3.1 asks.
pub fn bearer_challenge(
    realm: &str,
    occ: Option<&Occurrence>,
    scope: Option<&str>,
    ctx: RenderCtx<'_>,
) -> String {
    let mut out = format!("Bearer realm={}", quoted(realm));
    let occ = occ.filter(|o| !WITHOUT_CREDENTIALS.iter().any(|c| o.is(c)));
    if let Some(occ) = occ {
        out.push_str(", error=");
        out.push_str(&quoted(ctx.wire_code(occ.cause)));
        out.push_str(", error_description=");
        out.push_str(&quoted(&occ.description()));
        out.push_str(", error_uri=");
        out.push_str(&quoted(&ctx.error_uri(occ.cause)));
    }
    if let Some(scope) = scope {
        out.push_str(", scope=");
        out.push_str(&quoted(&to_error_charset(scope)));
    }
    if let Some(occ) = occ {
        push_challenge_params(&mut out, occ);
    }
    out
}

/// The occurrence's own auth-params (a step-up's `acr_values`, `max_age`).
fn push_challenge_params(out: &mut String, occ: &Occurrence) {
    for (name, value) in &occ.challenge {
        out.push_str(", ");
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
}

/// `WWW-Authenticate: DPoP` of a resource (RFC 9449 §7.1): the error as
/// in the Bearer challenge, and `algs`, the proof algorithms accepted.
/// Without credentials, only `algs`.
pub fn dpop_challenge(occ: Option<&Occurrence>, algs: &str, ctx: RenderCtx<'_>) -> String {
    let mut out = String::from("DPoP ");
    let occ = occ.filter(|o| !WITHOUT_CREDENTIALS.iter().any(|c| o.is(c)));
    if let Some(occ) = occ {
        out.push_str("error=");
        out.push_str(&quoted(ctx.wire_code(occ.cause)));
        out.push_str(", error_description=");
        out.push_str(&quoted(&occ.description()));
        out.push_str(", error_uri=");
        out.push_str(&quoted(&ctx.error_uri(occ.cause)));
        out.push_str(", ");
    }
    out.push_str("algs=");
    out.push_str(&quoted(algs));
    if let Some(occ) = occ {
        push_challenge_params(&mut out, occ);
    }
    out
}

/// The HTTP status of a failure at a resource that takes DPoP: the proof
/// and nonce refusals are 401 there (RFC 9449 §7.1, §9), 400 at /token.
pub fn resource_status(occ: &Occurrence) -> u16 {
    match occ.cause.code {
        super::ErrorCode::InvalidDpopProof | super::ErrorCode::UseDpopNonce => 401,
        _ => occ.cause.status,
    }
}

/// `WWW-Authenticate` for a 401 `invalid_client` (RFC 6749 §5.2): only when
/// the client authenticated with the `Authorization` header, in the scheme
/// it tried. The challenge repeats the error and its description, since
/// client libraries that see a challenge report it instead of the body.
/// A client that sent its credentials in the body gets none: libraries
/// then read the JSON body (node-oidc-provider answers the same way).
pub fn client_challenge(realm: &str, occ: &Occurrence, ctx: RenderCtx<'_>) -> Option<String> {
    let scheme = occ.auth_scheme?;
    Some(format!(
        "{scheme} realm={}, error={}, error_description={}, error_uri={}",
        quoted(realm),
        quoted(ctx.wire_code(occ.cause)),
        quoted(&occ.description()),
        quoted(&ctx.error_uri(occ.cause)),
    ))
}

/// How an authorization response travels (OAuth 2.0 Multiple Response
/// Type Encoding Practices; OAuth 2.0 Form Post Response Mode; JARM, the
/// JWT Secured Authorization Response Mode, for the `.jwt` modes). Stored
/// in interactions as its `response_mode` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    Query,
    Fragment,
    FormPost,
    #[serde(rename = "query.jwt")]
    QueryJwt,
    #[serde(rename = "fragment.jwt")]
    FragmentJwt,
    #[serde(rename = "form_post.jwt")]
    FormPostJwt,
}

impl ResponseMode {
    /// Every value accepted, as discovery lists them.
    pub const SUPPORTED: &'static [&'static str] = &[
        "query",
        "fragment",
        "form_post",
        "jwt",
        "query.jwt",
        "fragment.jwt",
        "form_post.jwt",
    ];

    pub fn parse(s: &str) -> Option<ResponseMode> {
        match s {
            "query" => Some(ResponseMode::Query),
            "fragment" => Some(ResponseMode::Fragment),
            "form_post" => Some(ResponseMode::FormPost),
            // JARM §2.3.4: `jwt` is the default carrier of the response
            // type, which for `code` is the query.
            "jwt" | "query.jwt" => Some(ResponseMode::QueryJwt),
            "fragment.jwt" => Some(ResponseMode::FragmentJwt),
            "form_post.jwt" => Some(ResponseMode::FormPostJwt),
            _ => None,
        }
    }

    /// The `response_mode` value.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseMode::Query => "query",
            ResponseMode::Fragment => "fragment",
            ResponseMode::FormPost => "form_post",
            ResponseMode::QueryJwt => "query.jwt",
            ResponseMode::FragmentJwt => "fragment.jwt",
            ResponseMode::FormPostJwt => "form_post.jwt",
        }
    }

    /// Whether the response is one signed JWT (JARM).
    pub fn is_jwt(self) -> bool {
        self != self.carrier()
    }

    /// How the parameters (or, for JARM, the one `response` parameter)
    /// travel.
    pub fn carrier(self) -> ResponseMode {
        match self {
            ResponseMode::Query | ResponseMode::QueryJwt => ResponseMode::Query,
            ResponseMode::Fragment | ResponseMode::FragmentJwt => ResponseMode::Fragment,
            ResponseMode::FormPost | ResponseMode::FormPostJwt => ResponseMode::FormPost,
        }
    }
}

impl std::fmt::Display for ResponseMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A redirect URI chosen from the client's registration. Only
/// [`crate::authorize::redirect_uri::choose`] makes one (and serde, reading
/// a request Latchkey stored), so holding one means the client may be sent
/// there. Not constructible outside this crate:
///
/// ```compile_fail
/// let uri = latchkey_core::error::render::RedirectUri("https://evil.example/".into());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RedirectUri(String);

impl RedirectUri {
    /// For [`crate::authorize::redirect_uri::choose`] only, once `uri`
    /// matched the registration.
    pub(crate) fn verified(uri: String) -> RedirectUri {
        RedirectUri(uri)
    }

    /// Any URI, for tests of what is done with a verified one.
    #[cfg(test)]
    pub(crate) fn for_tests(uri: &str) -> RedirectUri {
        RedirectUri(uri.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for RedirectUri {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for RedirectUri {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// A redirect URI that has been checked against the client's registration.
/// Only code that verified the client and the URI may build one, so an error
/// can never be redirected to an unverified address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectTarget {
    uri: RedirectUri,
    mode: ResponseMode,
    state: Option<String>,
    /// For the `.jwt` modes: who the response is signed for.
    audience: Option<Audience>,
}

/// The client a JARM response is for: its `aud`, and the algorithm it
/// registered as `authorization_signed_response_alg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    pub client_id: String,
    pub alg: String,
}

impl RedirectTarget {
    /// Call only after the client is known; `uri` was chosen from its
    /// registration. Not reachable outside this crate:
    ///
    /// ```compile_fail
    /// use latchkey_core::error::render::{RedirectTarget, ResponseMode};
    /// let uri = serde_json::from_str(r#""https://evil.example/""#).unwrap();
    /// RedirectTarget::verified(uri, ResponseMode::Query, None);
    /// ```
    pub(crate) fn verified(uri: RedirectUri, mode: ResponseMode, state: Option<String>) -> Self {
        RedirectTarget {
            uri,
            mode,
            state,
            audience: None,
        }
    }

    /// The client JARM responses are signed for.
    pub(crate) fn for_client(mut self, client_id: &str, alg: &str) -> Self {
        self.audience = Some(Audience {
            client_id: client_id.to_string(),
            alg: alg.to_string(),
        });
        self
    }

    pub fn uri(&self) -> &str {
        self.uri.as_str()
    }

    pub fn mode(&self) -> ResponseMode {
        self.mode
    }

    /// The same target with another response mode (once it is validated).
    pub fn with_mode(mut self, mode: ResponseMode) -> Self {
        self.mode = mode;
        self
    }

    /// An authorization response carrying `params`, then `state` and `iss`
    /// (RFC 9207), in the target's response mode. In a `.jwt` mode they
    /// become the claims of one JWT (with `aud`), for the HTTP layer to
    /// sign and send as `response`.
    pub fn respond(&self, params: Vec<(&'static str, String)>, issuer: &str) -> Redirect {
        let mut fields = params;
        if let Some(state) = &self.state {
            fields.push(("state", state.clone()));
        }
        fields.push(("iss", issuer.to_string()));
        match (self.mode.is_jwt(), &self.audience) {
            (true, Some(audience)) => {
                let mut claims: serde_json::Map<String, Value> = fields
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), Value::String(v)))
                    .collect();
                claims.insert("aud".into(), Value::String(audience.client_id.clone()));
                Redirect::Jwt {
                    target: self.clone().with_mode(self.mode.carrier()),
                    alg: audience.alg.clone(),
                    claims,
                }
            }
            // A target without its client (never built so) answers plainly
            // rather than unsigned.
            _ => self.plain(fields),
        }
    }

    /// The parameters as they are, in the carrier of the response mode.
    pub fn plain(&self, fields: Vec<(&str, String)>) -> Redirect {
        match self.mode.carrier() {
            ResponseMode::FormPost => Redirect::FormPost {
                action: self.uri().to_string(),
                fields: fields
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            },
            carrier => {
                let encoded = encode_pairs(&fields);
                let location = if carrier == ResponseMode::Fragment {
                    format!("{}#{}", self.uri(), encoded)
                } else if self.uri().contains('?') {
                    let sep = if self.uri().ends_with('?') || self.uri().ends_with('&') {
                        ""
                    } else {
                        "&"
                    };
                    format!("{}{}{}", self.uri(), sep, encoded)
                } else {
                    format!("{}?{}", self.uri(), encoded)
                };
                Redirect::Location(location)
            }
        }
    }

    /// The redirect channel: `error`, `error_description`, `error_uri`,
    /// `state`, `iss` and nothing else.
    pub fn error(&self, occ: &Occurrence, ctx: RenderCtx<'_>) -> Redirect {
        self.respond(
            vec![
                ("error", ctx.wire_code(occ.cause).to_string()),
                ("error_description", occ.description()),
                ("error_uri", ctx.error_uri(occ.cause)),
            ],
            ctx.issuer,
        )
    }
}

fn encode_pairs(pairs: &[(&str, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// An authorization response: a `Location` (303) or an auto-posting form;
/// or, for JARM, claims to sign (adding `exp`) and send as the one
/// parameter `response` to `target`, whose mode is the carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    Location(String),
    FormPost {
        action: String,
        fields: Vec<(String, String)>,
    },
    Jwt {
        target: RedirectTarget,
        alg: String,
        claims: serde_json::Map<String, Value>,
    },
}

/// The form_post page: submits itself with a tiny inline script, and shows
/// a button when scripts are off.
pub fn form_post_html(action: &str, fields: &[(String, String)], nonce: &str) -> String {
    let esc = super::docs::escape_html;
    let mut inputs = String::new();
    for (k, v) in fields {
        inputs.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            esc(k),
            esc(v)
        ));
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Returning to the application</title></head>\
<body><form method=\"post\" action=\"{action}\">{inputs}<noscript><p>Your browser does not run scripts. Press the button to continue.</p>\
<button type=\"submit\">Continue</button></noscript></form>\
<script nonce=\"{nonce}\">document.forms[0].submit();</script></body></html>",
        action = esc(action),
        nonce = esc(nonce),
    )
}

/// What the HTML error page shows.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: u16,
    /// The page's title, as a message id of [`crate::i18n`].
    pub title: &'static str,
    /// Plain words for the person in front of the browser (a message id).
    pub message: &'static str,
    pub error_id: String,
    pub wire_code: &'static str,
    pub cause_id: &'static str,
    pub description: String,
    pub fix: &'static str,
    pub docs_link: String,
}

/// The page channel: status 400 by default (or the cause's 5xx / 429),
/// plain text for the end user, details for the developer.
pub fn error_page(occ: &Occurrence, ctx: RenderCtx<'_>) -> ErrorPage {
    let status = match occ.cause.status {
        s @ (429 | 500..=599) => s,
        _ => 400,
    };
    let (title, message) = match (occ.cause.actor, status) {
        (_, 429) => ("error-too-many-title", "error-too-many"),
        (_, 500..=599) | (Actor::Operator, _) => ("error-ours-title", "error-ours"),
        (Actor::EndUser, _) => ("error-user-title", "error-user"),
        (Actor::ClientDeveloper, _) => ("error-client-title", "error-client"),
    };
    ErrorPage {
        status,
        title,
        message,
        error_id: occ.error_id.to_string(),
        wire_code: ctx.wire_code(occ.cause),
        cause_id: occ.cause.id,
        description: occ.description(),
        fix: occ.cause.fix,
        docs_link: ctx.error_uri(occ.cause),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::catalogue::{
        CLIENT_SECRET_MISMATCH, INTERNAL_ERROR, INVALID_CLIENT_METADATA, JTI_KNOWN, NOT_FOUND,
    };
    use crate::error::is_error_charset;

    const CTX: RenderCtx<'static> = RenderCtx {
        issuer: "https://id.example",
        extended_codes: false,
    };

    fn target(uri: &str, mode: ResponseMode, state: Option<&str>) -> RedirectTarget {
        RedirectTarget::verified(RedirectUri::for_tests(uri), mode, state.map(String::from))
    }

    fn query_pairs(url: &str) -> Vec<(String, String)> {
        let u = url::Url::parse(url).unwrap();
        u.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn json_channel_has_the_four_members_and_a_clean_description() {
        let occ = NOT_FOUND.with_detail("no route for \"/x\\y\" \u{e9}");
        let body = json_body(&occ, CTX);
        assert_eq!(body["error"], "not_found");
        assert_eq!(
            body["error_uri"],
            "https://id.example/errors/not_found#not_found"
        );
        assert_eq!(body["error_id"], occ.error_id.to_string());
        let desc = body["error_description"].as_str().unwrap();
        assert!(is_error_charset(desc), "{desc}");
        assert!(desc.contains("'/x/y' ?"));
        assert_eq!(body.as_object().unwrap().len(), 4);
    }

    #[test]
    fn extended_codes_put_the_provider_name_on_the_wire() {
        let occ = JTI_KNOWN.occur();
        assert_eq!(json_body(&occ, CTX)["error"], "invalid_client");
        let ext = RenderCtx {
            extended_codes: true,
            ..CTX
        };
        assert_eq!(json_body(&occ, ext)["error"], "jti_known");
        // A registered code stays as it is.
        assert_eq!(
            json_body(&INTERNAL_ERROR.occur(), ext)["error"],
            "server_error"
        );
    }

    #[test]
    fn redirect_query_keeps_existing_query_and_adds_state_and_iss() {
        let occ = INTERNAL_ERROR.with_detail("a&b=c d");
        let t = target(
            "https://app.example/cb?x=1",
            ResponseMode::Query,
            Some("s t&u"),
        );
        let Redirect::Location(loc) = t.error(&occ, CTX) else {
            panic!()
        };
        assert!(loc.starts_with("https://app.example/cb?x=1&error=server_error&"));
        let pairs = query_pairs(&loc);
        let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "x",
                "error",
                "error_description",
                "error_uri",
                "state",
                "iss"
            ]
        );
        assert_eq!(pairs[4].1, "s t&u");
        assert_eq!(pairs[5].1, "https://id.example");
        assert!(pairs[2].1.ends_with("a&b=c d"));
        assert!(is_error_charset(&pairs[2].1));
    }

    #[test]
    fn redirect_fragment_and_form_post() {
        let occ = INTERNAL_ERROR.occur();
        let t = target("https://app.example/cb", ResponseMode::Fragment, None);
        let Redirect::Location(loc) = t.error(&occ, CTX) else {
            panic!()
        };
        assert!(loc.starts_with("https://app.example/cb#error=server_error&error_description="));
        assert!(!loc.contains("state="));
        let t = target(
            "https://app.example/cb",
            ResponseMode::FormPost,
            Some("xyz"),
        );
        let Redirect::FormPost { action, fields } = t.error(&occ, CTX) else {
            panic!()
        };
        assert_eq!(action, "https://app.example/cb");
        assert_eq!(
            fields.last().unwrap(),
            &("iss".to_string(), "https://id.example".to_string())
        );
        let html = form_post_html(&action, &fields, "n0nce");
        assert!(html.contains("name=\"state\" value=\"xyz\""));
        assert!(html.contains("<noscript>"));
        let evil = form_post_html(
            "https://a.example/\"><script>",
            &[("k".into(), "\"<>&".into())],
            "n",
        );
        assert!(!evil.contains("\"><script>"));
        assert!(evil.contains("&quot;&lt;&gt;&amp;"));
    }

    #[test]
    fn dpop_challenge_names_the_algorithms_and_the_error_with_credentials() {
        use crate::catalogue::{DPOP_NONCE_REQUIRED, DPOP_PROOF_REPLAYED, TOKEN_MISSING};
        assert_eq!(
            dpop_challenge(Some(&TOKEN_MISSING.occur()), "ES256 EdDSA", CTX),
            "DPoP algs=\"ES256 EdDSA\""
        );
        let occ = DPOP_PROOF_REPLAYED.occur();
        let v = dpop_challenge(Some(&occ), "ES256", CTX);
        assert!(
            v.starts_with("DPoP error=\"invalid_dpop_proof\", error_description=\""),
            "{v}"
        );
        assert!(v.ends_with(", algs=\"ES256\""), "{v}");
        assert_eq!(resource_status(&occ), 401);
        assert_eq!(occ.cause.status, 400);
        assert_eq!(resource_status(&DPOP_NONCE_REQUIRED.occur()), 401);
        assert_eq!(resource_status(&TOKEN_MISSING.occur()), 401);
    }

    #[test]
    fn jarm_modes_make_claims_to_sign_for_the_client() {
        let t = target(
            "https://app.example/cb?x=1",
            ResponseMode::FragmentJwt,
            Some("xyz"),
        )
        .for_client("web", "ES256");
        let Redirect::Jwt {
            target: carrier,
            alg,
            claims,
        } = t.respond(vec![("code", "c0de".into())], "https://id.example")
        else {
            panic!()
        };
        assert_eq!(alg, "ES256");
        assert_eq!(carrier.mode(), ResponseMode::Fragment);
        assert_eq!(carrier.uri(), "https://app.example/cb?x=1");
        assert_eq!(
            Value::Object(claims),
            json!({"code": "c0de", "state": "xyz", "iss": "https://id.example", "aud": "web"})
        );
        // Errors travel the same way, state included.
        let Redirect::Jwt { claims, .. } = t.error(&INTERNAL_ERROR.occur(), CTX) else {
            panic!()
        };
        assert_eq!(claims["error"], "server_error");
        assert_eq!(claims["state"], "xyz");
        assert!(claims.contains_key("error_description") && claims.contains_key("error_uri"));
        // The signed response then goes as `response` in the carrier.
        let Redirect::Location(loc) = carrier.plain(vec![("response", "a.b.c".into())]) else {
            panic!()
        };
        assert_eq!(loc, "https://app.example/cb?x=1#response=a.b.c");
    }

    #[test]
    fn bearer_challenge_escapes_and_omits_error_without_credentials() {
        assert_eq!(
            bearer_challenge("https://id.example", None, None, CTX),
            "Bearer realm=\"https://id.example\""
        );
        let occ = INTERNAL_ERROR.with_detail("say \"hi\" \\ bye\r\nInjected: yes");
        let v = bearer_challenge("re\"alm", Some(&occ), Some("openid email"), CTX);
        assert!(v.starts_with(
            "Bearer realm=\"re\\\"alm\", error=\"server_error\", error_description=\""
        ));
        assert!(!v.contains('\r') && !v.contains('\n'));
        assert!(v.ends_with(", scope=\"openid email\""));
        // The description itself carries no quote that could end the string early.
        assert!(v.contains("say 'hi' / bye??Injected: yes"));
    }

    #[test]
    fn a_request_without_credentials_gets_a_bare_challenge() {
        for cause in WITHOUT_CREDENTIALS {
            let occ = cause.with_detail("send a token");
            assert_eq!(
                bearer_challenge("https://id.example", Some(&occ), None, CTX),
                "Bearer realm=\"https://id.example\"",
                "{}",
                cause.id
            );
        }
        let occ = crate::catalogue::TOKEN_MALFORMED.occur();
        let v = bearer_challenge("https://id.example", Some(&occ), None, CTX);
        assert!(v.contains("error=\"invalid_token\""), "{v}");
    }

    #[test]
    fn client_challenge_only_for_the_authorization_header_with_the_error() {
        let occ = CLIENT_SECRET_MISMATCH.with_detail("say \"hi\"\r\nInjected: yes");
        assert_eq!(client_challenge("r", &occ, CTX), None);
        let v = client_challenge("r", &occ.clone().auth_scheme("Basic"), CTX).unwrap();
        assert!(
            v.starts_with("Basic realm=\"r\", error=\"invalid_client\", error_description=\""),
            "{v}"
        );
        assert!(!v.contains('\r') && !v.contains('\n'));
        assert!(v.contains("say 'hi'"), "{v}");
        assert!(
            v.ends_with("/errors/invalid_client#client_secret_mismatch\""),
            "{v}"
        );
    }

    #[test]
    fn admin_channel_is_okta_shaped() {
        let occ = INVALID_CLIENT_METADATA
            .with_detail("bad")
            .field("grant_types", "password is not supported");
        let body = serde_json::to_value(admin_body(&occ, CTX)).unwrap();
        assert_eq!(body["errorCode"], "invalid_client_metadata");
        assert_eq!(body["errorId"], occ.error_id.to_string());
        assert!(
            body["errorLink"]
                .as_str()
                .unwrap()
                .ends_with("#invalid_client_metadata")
        );
        assert_eq!(
            body["errorCauses"][0]["errorSummary"],
            "grant_types: password is not supported"
        );
    }

    #[test]
    fn error_page_picks_words_by_actor() {
        let page = error_page(&INTERNAL_ERROR.occur(), CTX);
        assert_eq!(page.status, 500);
        assert_eq!(page.cause_id, "internal_error");
        let page = error_page(&INVALID_CLIENT_METADATA.occur(), CTX);
        assert_eq!(page.status, 400);
        let title = crate::i18n::Lang::En.t(page.title);
        assert!(title.contains("application"), "{title}");
    }
}
