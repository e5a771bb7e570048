//! The error reference, generated from the catalogue: `docs/errors.md`,
//! `GET /errors` (HTML), `GET /errors.json` and `latchkey errors explain`.
//!
//! Everything here is a pure function of [`catalogue::ALL`] and
//! [`ErrorCode::ALL`], so the documentation cannot drift from the code and the
//! output is deterministic (the committed `docs/errors.md` is checked by a test).

use super::{Actor, Cause, ErrorCode, Provider, catalogue};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// Every cause, in catalogue order.
pub fn all() -> &'static [&'static Cause] {
    catalogue::ALL
}

/// The cause with this id.
pub fn find(id: &str) -> Option<&'static Cause> {
    catalogue::ALL.iter().copied().find(|c| c.id == id)
}

/// The causes reported as this wire code, in catalogue order.
pub fn causes_of(code: ErrorCode) -> impl Iterator<Item = &'static Cause> {
    catalogue::ALL
        .iter()
        .copied()
        .filter(move |c| c.code == code)
}

/// The causes of a code in documentation order: a cause that shares its name
/// with its code first (its anchor is the code's section), then catalogue order.
fn section_causes(code: ErrorCode) -> Vec<&'static Cause> {
    let mut causes: Vec<&'static Cause> = causes_of(code).collect();
    causes.sort_by_key(|c| c.id != code.as_str());
    causes
}

/// Where a cause is documented, relative to the issuer: `/errors/{code}#{cause}`.
pub fn error_uri_path(cause: &Cause) -> String {
    format!("/errors/{}#{}", cause.code.as_str(), cause.id)
}

/// Escape text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn actor_key(actor: Actor) -> &'static str {
    match actor {
        Actor::EndUser => "end_user",
        Actor::ClientDeveloper => "client_developer",
        Actor::Operator => "operator",
    }
}

fn endpoint_label(endpoint: &str) -> &str {
    if endpoint == "*" {
        "any endpoint"
    } else {
        endpoint
    }
}

/// `aka()` grouped by provider, in order of first appearance.
fn aka_by_provider(code: ErrorCode) -> Vec<(Provider, Vec<&'static str>)> {
    let mut groups: Vec<(Provider, Vec<&'static str>)> = Vec::new();
    for (provider, name) in code.aka() {
        match groups.iter_mut().find(|(p, _)| p == provider) {
            Some((_, names)) => names.push(name),
            None => groups.push((*provider, vec![*name])),
        }
    }
    groups
}

fn aka_line(code: ErrorCode, quote: fn(&str) -> String) -> String {
    let groups = aka_by_provider(code);
    if groups.is_empty() {
        return "no other provider in our references names this code".to_string();
    }
    groups
        .iter()
        .map(|(p, names)| {
            let names: Vec<String> = names.iter().map(|n| quote(n)).collect();
            format!("{}: {}", p.label(), names.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

const TITLE: &str = "Latchkey error reference";

const INTRO: &[&str] = &[
    "Every failure Latchkey can detect has a name. This page lists them all; it is generated from the error catalogue in the source code, so it always matches what the server sends.",
    "Errors come in three layers. The wire code is the value of error in a response, as registered by the OAuth 2.0 and OpenID Connect specifications (invalid_grant, access_denied, ...). Under each code, a cause names one precise situation (code_reused, redirect_uri_mismatch, ...), who has to act, and how to fix it. An occurrence is one error that happened: a cause, some detail, and a unique error_id that leads the operator to the matching log line.",
    "The error_uri of every response points at the cause on this page, for example /errors/invalid_grant#code_reused. When errors.extended_codes is true, causes that other providers name on the wire (Fosite, Okta, GOV.UK One Login) are sent with that name instead of the registered code.",
];

/// (channel, used by, shape) for the channels table.
const CHANNELS: &[(&str, &str, &str)] = &[
    (
        "redirect",
        "/authorize once the client and redirect_uri are verified; also a request object or request_uri that fails, and a server too busy, in maintenance or without its database, when a redirect URI registered for the client_id outside the request is known",
        "error, error_description, error_uri, state and iss added to the redirect URI (query, fragment or an auto-submitting form, per response_mode)",
    ),
    (
        "error page",
        "/authorize when the client or redirect_uri cannot be trusted; the login, consent and second-factor pages",
        "an HTML page in plain words for the user, with the error_id and a details block for the developer; never a redirect",
    ),
    (
        "JSON",
        "/token, /par, /device_authorization, /introspect, /revoke, /register and unknown routes",
        "a JSON object with error, error_description, error_uri and error_id, sent with Cache-Control: no-store; a 401 invalid_client to a client that used the Authorization header also carries WWW-Authenticate: Basic with error, error_description and error_uri",
    ),
    (
        "bearer challenge",
        "/userinfo and other resources protected by an access token",
        "WWW-Authenticate: Bearer with error, error_description and scope; no error attribute when no token was sent",
    ),
    (
        "admin JSON",
        "/admin/v1",
        "errorCode, errorSummary, errorLink, errorId and errorCauses, in the style of Okta",
    ),
];

fn code_quote_md(s: &str) -> String {
    format!("`{s}`")
}

fn plain(s: &str) -> String {
    s.to_string()
}

/// The content of `docs/errors.md`.
pub fn markdown() -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {TITLE}\n");
    let _ = writeln!(
        out,
        "<!-- Generated from crates/latchkey-core/src/error/catalogue.rs: run `latchkey errors docs > docs/errors.md`. Do not edit by hand; a test fails when this file is stale. -->\n"
    );
    for para in INTRO {
        let _ = writeln!(out, "{para}\n");
    }
    let _ = writeln!(out, "## Channels\n");
    let _ = writeln!(
        out,
        "The endpoint decides how an error is delivered, and at /authorize whether the client and its redirect URI were verified first.\n"
    );
    let _ = writeln!(out, "| channel | used by | shape |");
    let _ = writeln!(out, "| --- | --- | --- |");
    for (channel, used_by, shape) in CHANNELS {
        let _ = writeln!(out, "| {channel} | {used_by} | {shape} |");
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Who acts: **end user** (the person signing in), **client developer** (whoever builds the application), **operator** (whoever runs this Latchkey).\n"
    );

    let _ = writeln!(out, "## Contents\n");
    for code in ErrorCode::ALL {
        let causes = section_causes(*code);
        let ids: Vec<String> = causes.iter().map(|c| format!("`{}`", c.id)).collect();
        let _ = writeln!(
            out,
            "- [`{0}`](#{0}) ({1}): {2}",
            code.as_str(),
            code.status(),
            ids.join(", ")
        );
    }
    let _ = writeln!(out);

    for code in ErrorCode::ALL {
        let _ = writeln!(out, "## {}\n", code.as_str());
        let _ = writeln!(out, "{}\n", code.meaning());
        let _ = writeln!(out, "- Default HTTP status: {}", code.status());
        let _ = writeln!(out, "- Defined in: {}", code.spec());
        let _ = writeln!(out, "- Also called: {}", aka_line(*code, code_quote_md));
        let _ = writeln!(out);
        for cause in section_causes(*code) {
            let _ = writeln!(out, "### {}\n", cause.id);
            let _ = writeln!(out, "{}\n", cause.summary);
            let _ = writeln!(out, "- Who must act: {}", cause.actor.label());
            let _ = writeln!(out, "- How to fix: {}", cause.fix);
            let _ = writeln!(out, "- HTTP status: {}", cause.status);
            let endpoints: Vec<String> = cause
                .endpoints
                .iter()
                .map(|e| {
                    if *e == "*" {
                        endpoint_label(e).to_string()
                    } else {
                        format!("`{e}`")
                    }
                })
                .collect();
            let _ = writeln!(out, "- Endpoints: {}", endpoints.join(", "));
            let _ = writeln!(out, "- Spec: {}", cause.spec);
            if let Some(name) = cause.extended_code {
                let _ = writeln!(
                    out,
                    "- Extended code: `{name}` (sent as `error` when `errors.extended_codes = true`)"
                );
            }
            let _ = writeln!(out, "- error_uri: `{}`", error_uri_path(cause));
            let _ = writeln!(out);
        }
    }
    // Exactly one trailing newline.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

const CSS: &str = "\
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#fff;--card:#f6f8fa;--line:#d0d7de;--accent:#0b5cad}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;--card:#161b22;--line:#30363d;--accent:#58a6ff}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem;z-index:1}
header,main,footer{max-width:60rem;margin:0 auto;padding:0 1.25rem}
header{padding-top:2rem}
h1{font-size:1.9rem;margin:.2rem 0 1rem}
h2{font-size:1.45rem;margin:0 0 .4rem;padding-top:.5rem}
h3{font-size:1.1rem;margin:0 0 .25rem}
a{color:var(--accent)}
a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}
.muted{color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.95rem}
th,td{border:1px solid var(--line);padding:.45rem .6rem;text-align:left;vertical-align:top}
th{background:var(--card)}
nav ol{columns:2 18rem;padding-left:1.2rem}
nav li{break-inside:avoid;margin-bottom:.35rem}
section.code{border-top:2px solid var(--line);margin-top:2.5rem;padding-top:1rem}
article.cause{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.9rem 1.1rem;margin:1rem 0}
article.cause:target,section.code:target article.cause.same-name{outline:3px solid var(--accent)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.6rem 0 0}
dt{font-weight:600;color:var(--muted)}
dd{margin:0;overflow-wrap:anywhere}
.summary{font-size:1.02rem;margin:.2rem 0 .4rem}
footer{padding:2rem 1.25rem 3rem;color:var(--muted)}
";

fn html_cause(out: &mut String, cause: &Cause, issuer: &str) {
    let same_name = cause.id == cause.code.as_str();
    let id = escape_html(cause.id);
    if same_name {
        // The section already carries this id; the cause needs no second one.
        let _ = writeln!(
            out,
            "<article class=\"cause same-name\" aria-labelledby=\"{id}-title\">"
        );
    } else {
        let _ = writeln!(
            out,
            "<article class=\"cause\" id=\"{id}\" aria-labelledby=\"{id}-title\">"
        );
    }
    let _ = writeln!(
        out,
        "<h3 id=\"{id}-title\"><a href=\"#{id}\"><code>{id}</code></a></h3>"
    );
    let _ = writeln!(
        out,
        "<p class=\"summary\">{}</p>",
        escape_html(cause.summary)
    );
    let _ = writeln!(out, "<dl>");
    let mut row = |term: &str, value: String| {
        let _ = writeln!(out, "<dt>{term}</dt><dd>{value}</dd>");
    };
    row("Who must act", escape_html(cause.actor.label()));
    row("How to fix", escape_html(cause.fix));
    row("HTTP status", cause.status.to_string());
    let endpoints: Vec<String> = cause
        .endpoints
        .iter()
        .map(|e| {
            if *e == "*" {
                escape_html(endpoint_label(e))
            } else {
                format!("<code>{}</code>", escape_html(e))
            }
        })
        .collect();
    row("Endpoints", endpoints.join(", "));
    row("Spec", escape_html(cause.spec));
    if let Some(name) = cause.extended_code {
        row(
            "Extended code",
            format!(
                "<code>{}</code> (sent as <code>error</code> when <code>errors.extended_codes = true</code>)",
                escape_html(name)
            ),
        );
    }
    row(
        "error_uri",
        format!(
            "<code>{}{}</code>",
            escape_html(issuer),
            escape_html(&error_uri_path(cause))
        ),
    );
    let _ = writeln!(out, "</dl>");
    let _ = writeln!(out, "</article>");
}

/// The CSP source that lets the page's one inline stylesheet apply
/// (`'sha256-…'`): the page is self-contained, and the policy every page
/// is served with has no `'unsafe-inline'`.
pub fn style_source() -> String {
    use base64::Engine;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, CSS.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    )
}

/// The page served at `GET /errors`: complete, self-contained HTML5.
/// Each code is a `<section id="{code}">` and each cause an element with
/// `id="{cause}"` (a cause named like its own code uses the section's id),
/// so `/errors/{code}#{cause}` and `/errors#{cause}` both land on it.
/// `<!DOCTYPE>` to `</head>` of a docs page titled `title`.
fn head(out: &mut String, title: &str) {
    let _ = writeln!(out, "<!DOCTYPE html>");
    let _ = writeln!(out, "<html lang=\"en\">");
    let _ = writeln!(out, "<head>");
    let _ = writeln!(out, "<meta charset=\"utf-8\">");
    let _ = writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    );
    let _ = writeln!(out, "<title>{}</title>", escape_html(title));
    let _ = writeln!(out, "<style>{CSS}</style>");
    let _ = writeln!(out, "</head>");
}

/// The section of one error code with its causes.
fn section(out: &mut String, code: ErrorCode, issuer: &str) {
    let name = escape_html(code.as_str());
    let _ = writeln!(
        out,
        "<section class=\"code\" id=\"{name}\" aria-labelledby=\"{name}-heading\">"
    );
    let _ = writeln!(out, "<h2 id=\"{name}-heading\"><code>{name}</code></h2>");
    let _ = writeln!(out, "<p>{}</p>", escape_html(code.meaning()));
    let _ = writeln!(out, "<dl>");
    let _ = writeln!(
        out,
        "<dt>Default HTTP status</dt><dd>{}</dd>",
        code.status()
    );
    let _ = writeln!(
        out,
        "<dt>Defined in</dt><dd>{}</dd>",
        escape_html(code.spec())
    );
    let _ = writeln!(
        out,
        "<dt>Also called</dt><dd>{}</dd>",
        escape_html(&aka_line(code, plain))
    );
    let _ = writeln!(out, "</dl>");
    for cause in section_causes(code) {
        html_cause(out, cause, issuer);
    }
    let _ = writeln!(out, "</section>");
}

/// `GET /errors/{code}`: one code's section on a page of its own, with
/// the way to the whole catalogue.
pub fn html_code(issuer: &str, code: ErrorCode) -> String {
    let issuer = issuer.trim_end_matches('/');
    let mut out = String::new();
    head(&mut out, &format!("{} - {TITLE}", code.as_str()));
    let _ = writeln!(out, "<body>");
    let _ = writeln!(
        out,
        "<header><p><a href=\"{0}/errors\">All error codes</a> of <code>{0}</code></p></header>",
        escape_html(issuer)
    );
    let _ = writeln!(out, "<main id=\"main\">");
    section(&mut out, code, issuer);
    let _ = writeln!(out, "</main>");
    let _ = writeln!(out, "</body>");
    let _ = writeln!(out, "</html>");
    out
}

pub fn html(issuer: &str) -> String {
    let issuer = issuer.trim_end_matches('/');
    let mut out = String::new();
    head(&mut out, TITLE);
    let _ = writeln!(out, "<body>");
    let _ = writeln!(
        out,
        "<a class=\"skip\" href=\"#main\">Skip to the error codes</a>"
    );
    let _ = writeln!(out, "<header>");
    let _ = writeln!(out, "<h1>{TITLE}</h1>");
    for para in INTRO {
        let _ = writeln!(out, "<p>{}</p>", escape_html(para));
    }
    let _ = writeln!(
        out,
        "<p>Issuer: <code>{0}</code>. Machine-readable version: <a href=\"{0}/errors.json\"><code>{0}/errors.json</code></a>.</p>",
        escape_html(issuer)
    );
    let _ = writeln!(out, "<h2>Channels</h2>");
    let _ = writeln!(
        out,
        "<table>\n<caption class=\"muted\">How an error is delivered depends on the endpoint</caption>"
    );
    let _ = writeln!(
        out,
        "<thead><tr><th scope=\"col\">Channel</th><th scope=\"col\">Used by</th><th scope=\"col\">Shape</th></tr></thead>\n<tbody>"
    );
    for (channel, used_by, shape) in CHANNELS {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
            escape_html(channel),
            escape_html(used_by),
            escape_html(shape)
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>");
    let _ = writeln!(
        out,
        "<p class=\"muted\">Who acts: <strong>end user</strong> (the person signing in), <strong>client developer</strong> (whoever builds the application), <strong>operator</strong> (whoever runs this Latchkey).</p>"
    );
    let _ = writeln!(out, "</header>");

    let _ = writeln!(out, "<main id=\"main\">");
    let _ = writeln!(out, "<nav aria-labelledby=\"contents-title\">");
    let _ = writeln!(out, "<h2 id=\"contents-title\">Contents</h2>");
    let _ = writeln!(out, "<ol>");
    for code in ErrorCode::ALL {
        let causes = section_causes(*code);
        let links: Vec<String> = causes
            .iter()
            .map(|c| format!("<a href=\"#{0}\">{0}</a>", escape_html(c.id)))
            .collect();
        let _ = writeln!(
            out,
            "<li><a href=\"#{0}\"><code>{0}</code></a> <span class=\"muted\">({1})</span><br><small>{2}</small></li>",
            escape_html(code.as_str()),
            code.status(),
            links.join(", ")
        );
    }
    let _ = writeln!(out, "</ol>");
    let _ = writeln!(out, "</nav>");

    for code in ErrorCode::ALL {
        section(&mut out, *code, issuer);
    }
    let _ = writeln!(out, "</main>");
    let _ = writeln!(
        out,
        "<footer><p>Generated from the Latchkey error catalogue. <a href=\"#main\">Back to the contents</a>.</p></footer>"
    );
    let _ = writeln!(out, "</body>");
    let _ = writeln!(out, "</html>");
    out
}

fn cause_json(cause: &Cause) -> Value {
    json!({
        "id": cause.id,
        "summary": cause.summary,
        "actor": actor_key(cause.actor),
        "fix": cause.fix,
        "status": cause.status,
        "spec": cause.spec,
        "endpoints": cause.endpoints,
        "extended_code": cause.extended_code,
        "error_uri_fragment": cause.id,
    })
}

/// The document served at `GET /errors.json`.
pub fn json() -> Value {
    let codes: Vec<Value> = ErrorCode::ALL
        .iter()
        .map(|code| {
            let aka: Vec<Value> = code
                .aka()
                .iter()
                .map(|(p, name)| json!({"provider": p.label(), "name": name}))
                .collect();
            let causes: Vec<Value> = section_causes(*code).into_iter().map(cause_json).collect();
            json!({
                "code": code.as_str(),
                "status": code.status(),
                "spec": code.spec(),
                "meaning": code.meaning(),
                "aka": aka,
                "causes": causes,
            })
        })
        .collect();
    json!({ "codes": codes })
}

// ---------------------------------------------------------------------------
// `latchkey errors explain`
// ---------------------------------------------------------------------------

const WIDTH: usize = 78;

/// Word-wrap `text` to [`WIDTH`] columns; the first line starts after
/// `first`, the following lines are indented by `indent` spaces.
fn wrap(out: &mut String, first: &str, indent: usize, text: &str) {
    let pad = " ".repeat(indent);
    let mut line = first.to_string();
    let mut line_len = first.chars().count();
    let mut empty = true;
    for word in text.split_whitespace() {
        let wlen = word.chars().count();
        if !empty && line_len + 1 + wlen > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = pad.clone();
            line_len = indent;
            empty = true;
        }
        if !empty {
            line.push(' ');
            line_len += 1;
        } else if line_len < indent {
            line.push_str(&" ".repeat(indent - line_len));
            line_len = indent;
        }
        line.push_str(word);
        line_len += wlen;
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

fn field(out: &mut String, label: &str, text: &str) {
    field_w(out, label, 12, text);
}

fn field_w(out: &mut String, label: &str, width: usize, text: &str) {
    let first = format!("  {label:<width$} ");
    wrap(out, &first, width + 3, text);
}

fn explain_cause_into(out: &mut String, cause: &Cause) {
    let _ = writeln!(out, "{} (cause)", cause.id);
    wrap(out, "  ", 2, cause.summary);
    out.push('\n');
    let code = format!(
        "{} (HTTP {} on JSON, bearer and admin responses)",
        cause.code.as_str(),
        cause.status
    );
    field(out, "Wire code:", &code);
    if let Some(name) = cause.extended_code {
        field(
            out,
            "Extended:",
            &format!("{name} (sent instead of the code when errors.extended_codes = true)"),
        );
    }
    field(out, "Who acts:", cause.actor.label());
    field(out, "How to fix:", cause.fix);
    field(out, "Spec:", cause.spec);
    let endpoints: Vec<&str> = cause.endpoints.iter().map(|e| endpoint_label(e)).collect();
    field(out, "Endpoints:", &endpoints.join(", "));
    field(out, "Docs:", &error_uri_path(cause));
}

fn explain_code_into(out: &mut String, code: ErrorCode) {
    let _ = writeln!(out, "{} (wire code, HTTP {})", code.as_str(), code.status());
    wrap(out, "  ", 2, code.meaning());
    out.push('\n');
    field(out, "Spec:", code.spec());
    field(out, "Also called:", &aka_line(code, plain));
    field(out, "Docs:", &format!("/errors/{}", code.as_str()));
    out.push('\n');
    let causes = section_causes(code);
    let _ = writeln!(out, "Possible causes ({}):", causes.len());
    for cause in causes {
        out.push('\n');
        let _ = writeln!(
            out,
            "  {} (HTTP {}, {} acts)",
            cause.id,
            cause.status,
            cause.actor.label()
        );
        wrap(out, "    ", 4, cause.summary);
        wrap(out, "    Fix: ", 9, cause.fix);
    }
}

/// Causes and codes whose name another provider (or an extended code) uses.
fn provider_names(name: &str) -> (Vec<&'static Cause>, Vec<(ErrorCode, Provider)>) {
    let causes = catalogue::ALL
        .iter()
        .copied()
        .filter(|c| c.extended_code == Some(name))
        .collect();
    let mut codes = Vec::new();
    for code in ErrorCode::ALL {
        for (provider, alias) in code.aka() {
            if alias.eq_ignore_ascii_case(name) && *alias != code.as_str() {
                codes.push((*code, *provider));
            }
        }
    }
    (causes, codes)
}

/// The parameters of an error response found in a URL, a query string or a
/// fragment (`error=...&error_description=...`), if it has `error`.
fn error_params(input: &str) -> Option<Vec<(String, String)>> {
    let (before_fragment, fragment) = match input.split_once('#') {
        Some((b, f)) => (b, f),
        None => (input, ""),
    };
    let query = match before_fragment.split_once('?') {
        Some((_, q)) => q,
        None if before_fragment.contains('=') => before_fragment,
        None => "",
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    for part in [query, fragment] {
        pairs.extend(url::form_urlencoded::parse(part.as_bytes()).into_owned());
    }
    if pairs.iter().any(|(k, v)| k == "error" && !v.is_empty()) {
        Some(pairs)
    } else {
        None
    }
}

fn explain_response(pairs: &[(String, String)]) -> Result<String, String> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let error = get("error").unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(out, "Error response as received:");
    for name in [
        "error",
        "error_description",
        "error_uri",
        "error_id",
        "state",
        "iss",
    ] {
        if let Some(value) = get(name) {
            field_w(&mut out, &format!("{name}:"), 18, value);
        }
    }
    out.push('\n');

    // The cause named by error_uri's fragment, if it is one of ours.
    let from_uri = get("error_uri")
        .and_then(|uri| uri.split_once('#'))
        .and_then(|(_, fragment)| find(fragment));
    let code = ErrorCode::parse(error);
    let (extended, aliases) = provider_names(error);

    if let Some(cause) = from_uri {
        let sent_as_code = code == Some(cause.code);
        let sent_as_extended = cause.extended_code == Some(error);
        if !sent_as_code && !sent_as_extended {
            let _ = writeln!(
                out,
                "Note: error_uri names cause {} (wire code {}), but error is {}.\n",
                cause.id,
                cause.code.as_str(),
                error
            );
        }
        explain_cause_into(&mut out, cause);
        return Ok(out);
    }
    if let [cause] = extended.as_slice() {
        let _ = writeln!(
            out,
            "{} is the extended name of one cause (errors.extended_codes = true).\n",
            error
        );
        explain_cause_into(&mut out, cause);
        return Ok(out);
    }
    if let Some(code) = code {
        let _ = writeln!(
            out,
            "No error_uri with a #cause fragment, so here is every cause of {}.\n",
            code.as_str()
        );
        explain_code_into(&mut out, code);
        return Ok(out);
    }
    if let Some((code, provider)) = aliases.first() {
        let _ = writeln!(
            out,
            "{} is what {} calls {}.\n",
            error,
            provider.label(),
            code.as_str()
        );
        explain_code_into(&mut out, *code);
        return Ok(out);
    }
    Err(format!(
        "{out}{error} is not an error code Latchkey knows.\n\n{}",
        usage()
    ))
}

fn usage() -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Usage: latchkey errors explain <what>");
    let _ = writeln!(out);
    let _ = writeln!(out, "where <what> is one of:");
    let _ = writeln!(
        out,
        "  invalid_grant             a wire code: its meaning and every cause with its fix"
    );
    let _ = writeln!(
        out,
        "  code_reused               a cause: summary, who acts, fix, code, status, spec"
    );
    let _ = writeln!(
        out,
        "  jti_known                 a name another provider uses (Fosite, Okta, GOV.UK, Hub)"
    );
    let _ = writeln!(
        out,
        "  'https://app.example/cb?error=access_denied&error_description=...'"
    );
    let _ = writeln!(
        out,
        "                            an error response as the client received it (query,"
    );
    let _ = writeln!(
        out,
        "                            fragment or bare error=...&error_description=...)"
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "latchkey errors list shows every code and cause; the server also serves them at /errors."
    );
    out
}

/// [`explain`] with its documentation links on `issuer`'s host, so they can
/// be opened as printed.
pub fn explain_at(input: &str, issuer: &str) -> Result<String, String> {
    let issuer = issuer.trim_end_matches('/');
    let text = explain(input)?;
    Ok(text
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("Docs:") {
                line.replacen(" /errors", &format!(" {issuer}/errors"), 1)
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if text.ends_with('\n') { "\n" } else { "" })
}

/// Explain a wire code, a cause id, a provider-specific name, or an error
/// response (URL, query string or fragment with `error=`), in plain text.
pub fn explain(input: &str) -> Result<String, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err(usage());
    }
    if let Some(pairs) = error_params(input) {
        return explain_response(&pairs);
    }
    let mut out = String::new();
    if let Some(code) = ErrorCode::parse(input) {
        explain_code_into(&mut out, code);
        return Ok(out);
    }
    if let Some(cause) = find(input) {
        explain_cause_into(&mut out, cause);
        return Ok(out);
    }
    let (extended, aliases) = provider_names(input);
    if let [cause] = extended.as_slice() {
        let _ = writeln!(
            out,
            "{input} is the extended name of cause {}; with errors.extended_codes = true it is sent as error.\n",
            cause.id
        );
        explain_cause_into(&mut out, cause);
        return Ok(out);
    }
    if !aliases.is_empty() {
        let mut seen: Vec<ErrorCode> = Vec::new();
        for (code, provider) in &aliases {
            let _ = writeln!(
                out,
                "{} calls this {}; Latchkey's code is {}.",
                provider.label(),
                input,
                code.as_str()
            );
            if !seen.contains(code) {
                seen.push(*code);
            }
        }
        for code in seen {
            out.push('\n');
            explain_code_into(&mut out, code);
        }
        return Ok(out);
    }
    // Case-insensitive second chance, then suggestions.
    let lower = input.to_ascii_lowercase();
    if lower != input {
        return explain(&lower);
    }
    let suggestions: Vec<&str> = catalogue::ALL
        .iter()
        .map(|c| c.id)
        .chain(ErrorCode::ALL.iter().map(|c| c.as_str()))
        .filter(|id| id.contains(&lower) || (lower.len() > 3 && lower.contains(id)))
        .take(8)
        .collect();
    let mut message = format!(
        "cannot explain '{input}': it is not a wire code, a cause id, another provider's error name, or a URL with error= in its query or fragment.\n"
    );
    if !suggestions.is_empty() {
        let _ = writeln!(message, "Did you mean: {}?", suggestions.join(", "));
    }
    message.push('\n');
    message.push_str(&usage());
    Err(message)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The text with all runs of whitespace (line wraps) turned into one space.
    fn flat(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn html_ids(page: &str) -> HashMap<String, usize> {
        let mut ids = HashMap::new();
        for (i, _) in page.match_indices(" id=\"") {
            let rest = &page[i + 5..];
            let end = rest.find('"').unwrap();
            *ids.entry(rest[..end].to_string()).or_insert(0) += 1;
        }
        ids
    }

    #[test]
    fn lookups() {
        assert_eq!(all().len(), catalogue::ALL.len());
        assert_eq!(find("code_reused").unwrap().code, ErrorCode::InvalidGrant);
        assert!(find("no_such_cause").is_none());
        assert!(causes_of(ErrorCode::InvalidGrant).any(|c| c.id == "code_reused"));
        assert!(causes_of(ErrorCode::InvalidGrant).all(|c| c.code == ErrorCode::InvalidGrant));
        let total: usize = ErrorCode::ALL.iter().map(|c| causes_of(*c).count()).sum();
        assert_eq!(
            total,
            all().len(),
            "every cause's code is in ErrorCode::ALL"
        );
    }

    #[test]
    fn html_has_one_anchor_per_code_and_cause_and_no_duplicate_ids() {
        let page = html("https://id.example/");
        let ids = html_ids(&page);
        for code in ErrorCode::ALL {
            assert_eq!(ids.get(code.as_str()), Some(&1), "code {}", code.as_str());
            assert!(page.contains(&format!("<section class=\"code\" id=\"{}\"", code.as_str())));
        }
        for cause in all() {
            assert_eq!(ids.get(cause.id), Some(&1), "cause {}", cause.id);
        }
        let dupes: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
        assert!(dupes.is_empty(), "duplicate ids: {dupes:?}");
        // Every cause anchor sits inside its code's section.
        for cause in all() {
            let section = page
                .find(&format!(
                    "<section class=\"code\" id=\"{}\"",
                    cause.code.as_str()
                ))
                .unwrap();
            let end = section + page[section..].find("</section>").unwrap();
            let at = page.find(&format!("id=\"{}\"", cause.id)).unwrap();
            assert!(
                at >= section && at < end,
                "{} outside its section",
                cause.id
            );
        }
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<html lang=\"en\">"));
        // The inline stylesheet is exactly what `style_source` hashes.
        let style = page
            .split("<style>")
            .nth(1)
            .and_then(|rest| rest.split("</style>").next())
            .unwrap();
        assert_eq!(style, CSS);
        assert!(style_source().starts_with("'sha256-") && style_source().ends_with("='"));
        assert!(page.contains("https://id.example/errors/invalid_grant#code_reused"));
        assert!(!page.contains("https://id.example//errors"));
        assert!(page.trim_end().ends_with("</html>"));
    }

    #[test]
    fn html_escapes_the_issuer() {
        let page = html("https://x.example/<script>\"");
        assert!(!page.contains("<script>\""));
        assert!(page.contains("&lt;script&gt;&quot;"));
        assert_eq!(escape_html("a&b<c>\"d'"), "a&amp;b&lt;c&gt;&quot;d&#39;");
    }

    /// The catalogue's checklist ids are internal: no published document
    /// (Markdown, the HTML pages, the JSON) shows them.
    #[test]
    fn published_docs_do_not_show_checklist_ids() {
        let cause = find("method_not_allowed").unwrap();
        assert!(!cause.checklist.is_empty());
        let pages = [
            markdown(),
            html("https://id.example"),
            html_code("https://id.example", cause.code),
            json().to_string(),
        ];
        for page in pages {
            assert!(!page.to_lowercase().contains("checklist"));
        }
    }

    #[test]
    fn markdown_lists_every_code_and_cause() {
        let md = markdown();
        assert!(md.starts_with("# Latchkey error reference\n"));
        assert!(md.ends_with('\n') && !md.ends_with("\n\n"));
        for code in ErrorCode::ALL {
            assert!(
                md.contains(&format!("\n## {}\n", code.as_str())),
                "{}",
                code.as_str()
            );
        }
        for cause in all() {
            assert!(
                md.contains(&format!("\n### {}\n", cause.id)),
                "{}",
                cause.id
            );
        }
        assert!(md.contains("Also called: Okta: `invalid_grant`"));
        assert!(md.contains("Extended code: `jti_known`"));
        assert_eq!(md, markdown(), "deterministic");
    }

    #[test]
    fn json_shape() {
        let doc = json();
        let codes = doc["codes"].as_array().unwrap();
        assert_eq!(codes.len(), ErrorCode::ALL.len());
        let grant = codes.iter().find(|c| c["code"] == "invalid_grant").unwrap();
        assert_eq!(grant["status"], 400);
        assert!(
            grant["aka"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["provider"] == "Okta")
        );
        let reused = grant["causes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "code_reused")
            .unwrap();
        for key in [
            "id",
            "summary",
            "actor",
            "fix",
            "status",
            "spec",
            "endpoints",
            "extended_code",
            "error_uri_fragment",
        ] {
            assert!(reused.get(key).is_some(), "missing {key}");
        }
        assert!(reused.get("checklist").is_none());
        assert_eq!(reused["actor"], "client_developer");
        assert_eq!(reused["error_uri_fragment"], "code_reused");
        let count: usize = codes
            .iter()
            .map(|c| c["causes"].as_array().unwrap().len())
            .sum();
        assert_eq!(count, all().len());
    }

    #[test]
    fn explain_code() {
        let text = explain("invalid_grant").unwrap();
        assert!(text.starts_with("invalid_grant (wire code, HTTP 400)"));
        for cause in causes_of(ErrorCode::InvalidGrant) {
            assert!(text.contains(cause.id), "{}", cause.id);
            assert!(text.contains("Fix:"));
        }
        assert!(
            text.lines()
                .all(|l| l.chars().count() <= WIDTH || !l.contains(' '))
        );
    }

    #[test]
    fn explain_cause() {
        let text = flat(&explain("code_reused").unwrap());
        assert!(text.starts_with("code_reused (cause)"));
        assert!(text.contains("invalid_grant"));
        assert!(text.contains("HTTP 400"));
        assert!(text.contains("client developer"));
        assert!(text.contains("Redeem each code once"));
        assert!(text.contains("RFC 6749"));
        assert!(text.contains("/errors/invalid_grant#code_reused"));
    }

    #[test]
    fn explain_provider_names() {
        let text = explain("jti_known").unwrap();
        assert!(text.contains("jti_known (cause)"));
        assert!(text.contains("invalid_client"));
        let text = explain("user_canceled_request").unwrap();
        assert!(text.contains("access_denied"));
        // Fosite's catch-all
        let text = explain("error").unwrap();
        assert!(text.contains("unknown_request"), "{text}");
        // an alias only aka() knows
        let text = explain("unsupported_responce_type").unwrap();
        assert!(text.contains("JetBrains Hub"));
        assert!(text.contains("unsupported_response_type (wire code"));
        let text = explain("E0000007").unwrap();
        assert!(text.contains("not_found"));
    }

    #[test]
    fn explain_redirect_with_query() {
        let text = explain(
            "https://app.example/cb?error=access_denied&error_description=The+user+cancelled&state=x",
        )
        .unwrap();
        let text = flat(&text);
        assert!(text.contains("The user cancelled"), "{text}");
        assert!(text.contains("state:"));
        assert!(text.contains("user_canceled"));
        assert!(text.contains("consent_denied"));
        assert!(text.contains("Possible causes"));
    }

    #[test]
    fn explain_redirect_with_fragment_and_error_uri() {
        let text = explain(
            "https://app.example/cb#error=invalid_request&error_description=The%20redirect_uri%20is%20bad&error_uri=https%3A%2F%2Fid.example%2Ferrors%2Finvalid_request%23redirect_uri_mismatch&state=abc",
        )
        .unwrap();
        let text = flat(&text);
        assert!(text.contains("The redirect_uri is bad"), "{text}");
        assert!(text.contains("redirect_uri_mismatch (cause)"));
        assert!(text.contains("character by character"));
        assert!(!text.contains("Possible causes"));
    }

    #[test]
    fn explain_bare_query_and_extended_code_on_the_wire() {
        let text = explain("error=jti_known&error_description=replayed").unwrap();
        assert!(text.contains("jti_known (cause)"), "{text}");
        let text = explain("?error=invalid_grant").unwrap();
        assert!(text.contains("code_reused"));
    }

    #[test]
    fn explain_refuses_garbage() {
        let err = explain("definitely not an error").unwrap_err();
        assert!(err.contains("Usage: latchkey errors explain"));
        assert!(explain("").is_err());
        assert!(explain("https://app.example/cb?code=abc&state=x").is_err());
        let err = explain("https://app.example/cb?error=made_up_thing").unwrap_err();
        assert!(err.contains("made_up_thing"));
        let err = explain("reused").unwrap_err();
        assert!(err.contains("code_reused"), "suggestions: {err}");
    }

    #[test]
    fn explain_is_case_insensitive() {
        assert!(
            explain("INVALID_GRANT")
                .unwrap()
                .starts_with("invalid_grant")
        );
    }
}
