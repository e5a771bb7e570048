//! The admin console's users (`/admin/users`): search, create, and each
//! user's page: claims, password (the recovery mail when mail is on, else
//! a new password), lock and unlock, identity confidence, the second
//! factor, passkeys and browser sessions. Every change goes through the
//! management operations the admin API and the CLI use (`manage::users`,
//! `manage::passkeys`) and is recorded in the audit trail with the
//! signed-in person as its actor. Readers (the `auditor` role) see the
//! pages without their forms; a write they send anyway is refused.

use super::{Admin, Nav, gate, page};
use crate::app::App;
use crate::manage;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use latchkey_core::Occurrence;
use latchkey_core::audit::{Actor, AuditEvent, kind};
use latchkey_core::authorize::RawParams;
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::passkey_record::PasskeyRecord;
use latchkey_core::session::SessionRecord;
use latchkey_core::user::{Role, UserRecord};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Users on one page of the search.
pub const PAGE_SIZE: usize = 25;

/// The standard claims (OIDC Core §5.1) shown as text fields when the user
/// has them; `name` and `email` always.
const TEXT_CLAIMS: &[&str] = &[
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
];
const ALWAYS_SHOWN: &[&str] = &["name", "email"];
/// The standard claims shown as check boxes.
const FLAG_CLAIMS: &[&str] = &["email_verified", "phone_number_verified"];

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/users/{sub}", get(show).post(change))
}

/// A time as people read it (UTC).
pub fn when(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_else(|_| at.to_string())
}

/// A refusal at the top of a page: what was refused and why (the
/// description an operator reads, not the words for end users) and the
/// cause's link.
pub fn alert_html(issuer: &str, occ: &Occurrence) -> String {
    let text = occ.description();
    format!(
        "<p class=\"error\" role=\"alert\" id=\"console-error\">{} <a href=\"{}/errors/{}#{}\">{}</a></p>",
        esc(&text),
        esc(issuer),
        occ.cause.code.as_str(),
        occ.cause.id,
        occ.cause.id,
    )
}

/// What the top of the page says after `?done=`.
fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => "The user was created.",
        "claims" => "The claims were saved.",
        "password" => "The new password was set.",
        "reset_mail" => "A password reset email was sent to the user.",
        "locked" => "The user was locked: every sign-in is refused, and their sessions ended.",
        "unlocked" => "The user was unlocked and can sign in again.",
        "identity" => "The identity confidence was saved.",
        "roles" => "The roles were saved.",
        "totp_removed" => "The authenticator app was removed.",
        "passkey_removed" => "The passkey was removed.",
        "session_ended" => "The session was ended.",
        "sessions_ended" => "Every session of the user was ended.",
        _ => return None,
    })
}

fn notice_html(done: Option<&str>) -> String {
    done.and_then(notice)
        .map(|n| format!("<p class=\"notice\" role=\"status\" id=\"console-notice\">{n}</p>"))
        .unwrap_or_default()
}

/// A user's path in the console.
fn user_path(sub: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(sub.as_bytes()).collect();
    format!("/admin/users/{encoded}")
}

fn query_value(q: &str) -> String {
    form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

// ---------------------------------------------------------------------------
// The search page

/// The search page's body: the search form, the users found (with the
/// next page's link when there may be more), and the form creating one.
pub fn list_body(
    admin_csrf: Option<&str>,
    q: &str,
    users: &[UserRecord],
    next: Option<&str>,
    alert: &str,
    create_values: (&str, &str, &str),
) -> String {
    let items: String = users
        .iter()
        .map(|u| {
            let email = u
                .claims
                .get("email")
                .and_then(Value::as_str)
                .map(|e| format!(" · {}", esc(e)))
                .unwrap_or_default();
            format!(
                "<li class=\"user\"><div><a href=\"{path}\"><strong>{name}</strong></a><br>\
<span class=\"muted\"><code>{sub}</code>{email}</span></div></li>",
                path = esc(&user_path(&u.sub)),
                name = esc(&u.username),
                sub = esc(&u.sub),
            )
        })
        .collect();
    let found = if users.is_empty() {
        "<p class=\"muted\" id=\"users-none\">No user matches.</p>".to_string()
    } else {
        format!("<ul class=\"rows\" id=\"users\">{items}</ul>")
    };
    let more = next
        .map(|after| {
            format!(
                "<p><a id=\"users-next\" href=\"/admin/users?q={q}&amp;after={after}\">Next page</a></p>",
                q = esc(&query_value(q)),
                after = esc(&query_value(after)),
            )
        })
        .unwrap_or_default();
    let create = match admin_csrf {
        Some(csrf) => {
            let (username, email, name) = create_values;
            format!(
                "<section id=\"create\" aria-labelledby=\"create-h\"><h2 id=\"create-h\">Create a user</h2>\
<form method=\"post\" action=\"/admin/users\">{csrf}<div class=\"fields\">\
<div><label for=\"new-username\">Username</label><input id=\"new-username\" name=\"username\" type=\"text\" required maxlength=\"256\" autocomplete=\"off\" value=\"{username}\"></div>\
<div><label for=\"new-email\">Email (optional)</label><input id=\"new-email\" name=\"email\" type=\"email\" maxlength=\"256\" autocomplete=\"off\" value=\"{email}\"></div>\
<div><label for=\"new-name\">Name (optional)</label><input id=\"new-name\" name=\"name\" type=\"text\" maxlength=\"256\" autocomplete=\"off\" value=\"{name}\"></div>\
<div><label for=\"new-password\">Password (optional)</label><input id=\"new-password\" name=\"password\" type=\"password\" minlength=\"8\" autocomplete=\"new-password\"></div>\
</div><div class=\"actions\"><button type=\"submit\" class=\"primary\">Create</button></div></form></section>",
                username = esc(username),
                email = esc(email),
                name = esc(name),
            )
        }
        None => String::new(),
    };
    format!(
        "<div class=\"account console-page\">{alert}\
<form method=\"get\" action=\"/admin/users\" role=\"search\" class=\"search\">\
<label for=\"q\">Username, email or sub</label>\
<input id=\"q\" name=\"q\" type=\"search\" value=\"{q}\">\
<div class=\"actions\"><button type=\"submit\">Search</button></div></form>\
<section id=\"found\" aria-labelledby=\"found-h\"><h2 id=\"found-h\">{heading}</h2>{found}{more}</section>{create}</div>",
        q = esc(q),
        heading = if q.trim().is_empty() {
            "All users".to_string()
        } else {
            format!("Users matching “{}”", esc(q.trim()))
        },
    )
}

/// `GET /admin/users?q=&after=`
async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    let admin = match gate(&app, &headers, &uri).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let params = RawParams::parse(query.as_deref().unwrap_or(""));
    let get = |name: &str| params.single(name).ok().flatten().unwrap_or("").to_string();
    let (q, after) = (get("q"), get("after"));
    render_list(&app, &admin, &q, &after, StatusCode::OK, "", ("", "", "")).await
}

async fn render_list(
    app: &App,
    admin: &Admin,
    q: &str,
    after: &str,
    status: StatusCode,
    alert: &str,
    create_values: (&str, &str, &str),
) -> Response {
    let after = (!after.is_empty()).then_some(after);
    // One more than a page tells whether a next page exists.
    let (users, alert) =
        match manage::users::search(app.store.as_ref(), q, after, PAGE_SIZE + 1).await {
            Ok(users) => (users, alert.to_string()),
            Err(occ) => (Vec::new(), alert_html(&app.config.issuer, &occ)),
        };
    let next = (users.len() > PAGE_SIZE)
        .then(|| users.get(PAGE_SIZE - 1).map(|u| u.username.clone()))
        .flatten();
    let shown = users.get(..PAGE_SIZE.min(users.len())).unwrap_or_default();
    let csrf = admin.can_write.then(|| admin.csrf_field());
    let body = list_body(
        csrf.as_deref(),
        q,
        shown,
        next.as_deref(),
        &alert,
        create_values,
    );
    with_status(page(app, admin, Nav::Users, "Users", &body), status)
}

fn with_status(mut res: Response, status: StatusCode) -> Response {
    if res.status() == StatusCode::OK {
        *res.status_mut() = status;
    }
    res
}

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

/// A form body as a map (a name given twice keeps its last value).
fn form_of(body: &Bytes) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn field<'f>(form: &'f HashMap<String, String>, name: &str) -> &'f str {
    form.get(name).map(String::as_str).unwrap_or("")
}

/// Who did it, for the trail: the signed-in person.
fn actor(admin: &Admin) -> Actor {
    Actor::User(admin.sub.clone())
}

fn address(app: &App, extensions: &axum::http::Extensions, headers: &HeaderMap) -> Option<String> {
    crate::http::client_address::of(extensions, headers, &app.config.trusted_proxies)
        .map(|ip| ip.to_string())
}

/// `POST /admin/users`: create a user from the username and, optionally,
/// an email, a name and a password.
async fn create(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> Response {
    let admin = match gate(&app, &headers, &uri).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let form = form_of(&body);
    if let Err(res) = admin.check(&form, true) {
        return res;
    }
    let username = field(&form, "username").trim();
    let email = field(&form, "email").trim();
    let name = field(&form, "name").trim();
    let password = field(&form, "password");
    let mut claims = Map::new();
    if !email.is_empty() {
        claims.insert("email".into(), json!(email));
    }
    if !name.is_empty() {
        claims.insert("name".into(), json!(name));
    }
    let mut request = json!({ "username": username, "claims": claims });
    if !password.is_empty()
        && let Some(members) = request.as_object_mut()
    {
        members.insert("password".into(), json!(password));
    }
    let fields: Vec<String> = request
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    match manage::users::create(app.store.as_ref(), &app.secrets, request).await {
        Ok(created) => {
            let sub = created
                .get("sub")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let event = AuditEvent::new(
                &actor(&admin),
                kind::ADMIN_USER_CREATED,
                format!("user:{sub}"),
            )
            .address(address(&app, &extensions, &headers))
            .with("fields", fields)
            .with("via", "console");
            crate::audit::record(&app, event).await;
            if crate::mail::verify_new_user(&app.config, app.store.as_ref(), &app.secrets, &created)
                .await
            {
                app.mail_wake.notify_one();
            }
            see_other(&format!("{}?done=created", user_path(&sub)))
        }
        Err(occ) => {
            let alert = alert_html(&app.config.issuer, &occ);
            let status = crate::http::respond::status_of(&occ);
            render_list(
                &app,
                &admin,
                "",
                "",
                status,
                &alert,
                (username, email, name),
            )
            .await
        }
    }
}

// ---------------------------------------------------------------------------
// A user's page

/// What a user's page shows.
pub struct UserView {
    pub user: UserRecord,
    pub identity: u8,
    pub locked_at: Option<i64>,
    /// The administrative roles held (`admin`, `auditor`).
    pub roles: Vec<String>,
    pub totp: bool,
    pub recovery_codes_left: i64,
    pub passkeys: Vec<PasskeyRecord>,
    pub sessions: Vec<SessionRecord>,
    /// Whether a password reset is sent by mail (mail is on and the user
    /// has an address) rather than set here.
    pub reset_by_mail: bool,
}

async fn load(app: &App, sub: &str) -> Result<UserView, Occurrence> {
    let store = app.store.as_ref();
    let user = manage::users::get(store, sub).await?;
    let now = latchkey_core::now_unix();
    let totp = store
        .get_totp(&user.sub)
        .await?
        .is_some_and(|t| t.confirmed_at.is_some());
    let recovery_codes_left = match totp {
        true => store.recovery_codes_left(&user.sub).await?,
        false => 0,
    };
    Ok(UserView {
        identity: store.identity_confidence(&user.sub).await?,
        locked_at: store.user_locked_at(&user.sub).await?,
        roles: manage::users::roles_of(store, &user.sub).await?,
        totp,
        recovery_codes_left,
        passkeys: store.list_passkeys(&user.sub).await?,
        sessions: store.list_sessions(&user.sub, now).await?,
        reset_by_mail: app.config.mail.is_some() && crate::mail::address_of(&user).is_some(),
        user,
    })
}

/// The hidden fields of a form of the user's page: CSRF and action.
fn fields(csrf: &str, action: &str) -> String {
    format!("{csrf}<input type=\"hidden\" name=\"action\" value=\"{action}\">")
}

/// The claims as a form: the standard ones the user has as fields, the
/// others as a JSON object.
fn claims_html(user: &UserRecord, csrf: Option<&str>) -> String {
    let shown_text: Vec<&str> = TEXT_CLAIMS
        .iter()
        .copied()
        .filter(|c| ALWAYS_SHOWN.contains(c) || user.claims.get(*c).is_some_and(Value::is_string))
        .collect();
    let shown_flags: Vec<&str> = FLAG_CLAIMS
        .iter()
        .copied()
        .filter(|c| user.claims.get(*c).is_some_and(Value::is_boolean) || *c == "email_verified")
        .collect();
    let rest: Map<String, Value> = user
        .claims
        .iter()
        .filter(|(k, _)| !shown_text.contains(&k.as_str()) && !shown_flags.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let rest_text = serde_json::to_string_pretty(&Value::Object(rest)).unwrap_or_default();
    let Some(csrf) = csrf else {
        let rows: String = user
            .claims
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                format!("<dt>{}</dt><dd>{}</dd>", esc(k), esc(&value))
            })
            .collect();
        return if rows.is_empty() {
            "<p class=\"muted\">No claims.</p>".to_string()
        } else {
            format!("<dl id=\"claims\">{rows}</dl>")
        };
    };
    let text_inputs: String = shown_text
        .iter()
        .map(|c| {
            let value = user
                .claims
                .get(*c)
                .and_then(Value::as_str)
                .unwrap_or_default();
            format!(
                "<div><label for=\"claim-{c}\">{c}</label><input id=\"claim-{c}\" name=\"claim.{c}\" type=\"text\" maxlength=\"1024\" value=\"{v}\"></div>",
                v = esc(value),
            )
        })
        .collect();
    let flag_inputs: String = shown_flags
        .iter()
        .map(|c| {
            let checked = match user.claims.get(*c) {
                Some(Value::Bool(true)) => " checked",
                _ => "",
            };
            format!(
                "<div class=\"check\"><input id=\"claim-{c}\" name=\"claim.{c}\" type=\"checkbox\" value=\"true\"{checked}><label for=\"claim-{c}\">{c}</label></div>"
            )
        })
        .collect();
    let shown: Vec<&str> = shown_text
        .iter()
        .chain(shown_flags.iter())
        .copied()
        .collect();
    format!(
        "<form method=\"post\" id=\"claims-form\">{f}<input type=\"hidden\" name=\"shown\" value=\"{shown}\">\
<div class=\"fields\">{text_inputs}</div>{flag_inputs}\
<label for=\"claims-json\">Other claims (a JSON object)</label>\
<textarea id=\"claims-json\" name=\"other\" rows=\"6\" spellcheck=\"false\" aria-describedby=\"claims-json-hint\">{rest}</textarea>\
<p class=\"muted\" id=\"claims-json-hint\">An empty field removes its claim; so does a member left out of the JSON object.</p>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\">Save claims</button></div></form>",
        f = fields(csrf, "claims"),
        shown = esc(&shown.join(" ")),
        rest = esc(&rest_text),
    )
}

/// The body of a user's page; `csrf` is `None` for readers (no forms).
pub fn user_body(v: &UserView, csrf: Option<&str>, done: Option<&str>, alert: &str) -> String {
    let u = &v.user;
    let form = |action: &str, inner: &str, button: &str, class: &str| -> String {
        match csrf {
            Some(c) => format!(
                "<form method=\"post\">{f}{inner}<button type=\"submit\"{class}>{button}</button></form>",
                f = fields(c, action),
                class = if class.is_empty() {
                    String::new()
                } else {
                    format!(" class=\"{class}\"")
                },
            ),
            None => String::new(),
        }
    };
    let status = match v.locked_at {
        Some(at) => format!(
            "<p id=\"lock-status\"><span class=\"tag\">Locked</span> since {}: every sign-in is refused.</p>{}",
            esc(&when(at)),
            form("unlock", "", "Unlock", "primary"),
        ),
        None => format!(
            "<p id=\"lock-status\">Active: the user can sign in.</p>{}",
            form("lock", "", "Lock", "danger"),
        ),
    };
    let password = match (csrf, v.reset_by_mail) {
        (None, _) => format!(
            "<p class=\"muted\">{}</p>",
            if u.password_hash.is_some() {
                "The user has a password."
            } else {
                "The user has no password."
            }
        ),
        (Some(_), true) => format!(
            "<p class=\"muted\">A reset link is sent to the user's email address; the link works once.</p>{}",
            form("reset_mail", "", "Send a password reset email", "")
        ),
        (Some(c), false) => format!(
            "<form method=\"post\">{f}<label for=\"new-password\">New password</label>\
<input id=\"new-password\" name=\"password\" type=\"password\" minlength=\"8\" autocomplete=\"new-password\" required>\
<button type=\"submit\">Set the password</button></form>",
            f = fields(c, "password"),
        ),
    };
    let identity = match csrf {
        Some(c) => {
            let options: String = (0..=2u8)
                .map(|l| {
                    format!(
                        "<option value=\"P{l}\"{sel}>P{l}</option>",
                        sel = if l == v.identity { " selected" } else { "" }
                    )
                })
                .collect();
            format!(
                "<form method=\"post\">{f}<label for=\"identity\">Identity confidence (vectors of trust)</label>\
<select id=\"identity\" name=\"identity_confidence\">{options}</select>\
<button type=\"submit\">Save</button></form>",
                f = fields(c, "identity"),
            )
        }
        None => format!("<p id=\"identity\">P{}</p>", v.identity),
    };
    let roles = match csrf {
        Some(c) => {
            let boxes: String = Role::ALL
                .iter()
                .map(|r| {
                    let name = r.as_str();
                    let checked = match v.roles.iter().any(|held| held == name) {
                        true => " checked",
                        false => "",
                    };
                    format!(
                        "<div class=\"check\"><input id=\"role-{name}\" name=\"role.{name}\" type=\"checkbox\" value=\"true\"{checked}><label for=\"role-{name}\">{name}</label></div>"
                    )
                })
                .collect();
            format!(
                "<form method=\"post\">{f}<fieldset><legend>Roles held</legend>{boxes}</fieldset>\
<p class=\"muted\">admin: everything; auditor: reads only. Takes effect at once, also for a console signed in now.</p>\
<button type=\"submit\">Save the roles</button></form>",
                f = fields(c, "roles"),
            )
        }
        None => format!(
            "<p id=\"roles\">{}</p>",
            match v.roles.is_empty() {
                true => "None".to_string(),
                false => esc(&v.roles.join(", ")),
            }
        ),
    };
    let factor = if v.totp {
        format!(
            "<p id=\"totp-status\">An authenticator app is set up ({} recovery codes left).</p>{}",
            v.recovery_codes_left,
            form("totp_remove", "", "Remove the authenticator app", "danger"),
        )
    } else {
        "<p id=\"totp-status\" class=\"muted\">No authenticator app.</p>".to_string()
    };
    let passkeys = if v.passkeys.is_empty() {
        "<p class=\"muted\" id=\"passkeys-none\">No passkey.</p>".to_string()
    } else {
        let items: String = v
            .passkeys
            .iter()
            .map(|p| {
                let used = p
                    .last_used_at
                    .map(|at| format!("last used {}", when(at)))
                    .unwrap_or_else(|| "never used".into());
                let inner = format!(
                    "<input type=\"hidden\" name=\"id\" value=\"{}\">",
                    esc(&p.id)
                );
                format!(
                    "<li class=\"passkey\" data-id=\"{id}\"><div><strong>{name}</strong><br>\
<span class=\"muted\">added {added}, {used}</span></div>{remove}</li>",
                    id = esc(&p.id),
                    name = esc(&p.name),
                    added = esc(&when(p.created_at)),
                    used = esc(&used),
                    remove = form("passkey_remove", &inner, "Remove", "danger"),
                )
            })
            .collect();
        format!("<ul class=\"rows\" id=\"passkeys\">{items}</ul>")
    };
    let sessions = if v.sessions.is_empty() {
        "<p class=\"muted\" id=\"sessions-none\">No browser session.</p>".to_string()
    } else {
        let items: String = v
            .sessions
            .iter()
            .map(|s| {
                let device =
                    latchkey_core::session::Device::parse(s.user_agent.as_deref().unwrap_or("/"));
                let device = match (device.browser, device.system) {
                    (Some(b), Some(sys)) => format!("{b} on {sys}"),
                    (Some(b), None) => b.to_string(),
                    (None, Some(sys)) => sys.to_string(),
                    (None, None) => "Unknown browser".to_string(),
                };
                let inner = format!(
                    "<input type=\"hidden\" name=\"sid\" value=\"{}\">",
                    esc(&s.sid)
                );
                format!(
                    "<li class=\"session\" data-sid=\"{sid}\"><div><strong>{device}</strong><br>\
<span class=\"muted\">from {address}, signed in {at} ({amr}), ends {ends}</span></div>{end}</li>",
                    sid = esc(&s.sid),
                    device = esc(&device),
                    address = esc(s.address.as_deref().unwrap_or("an unknown address")),
                    at = esc(&when(s.auth_time)),
                    amr = esc(&s.amr.join(" ")),
                    ends = esc(&when(s.expires_at)),
                    end = form("session_end", &inner, "End", ""),
                )
            })
            .collect();
        format!(
            "<ul class=\"rows\" id=\"sessions\">{items}</ul>{}",
            form("sessions_end", "", "End every session", "danger")
        )
    };
    let audit_link = format!(
        "/admin/audit?target={}",
        query_value(&format!("user:{}", u.sub))
    );
    format!(
        "<div class=\"account console-page\"><p><a href=\"/admin/users\" class=\"back\">All users</a></p>\
<p class=\"muted\">username <strong id=\"user-username\">{name}</strong> · sub <code id=\"user-sub\">{sub}</code> · created {created} · \
<a href=\"{audit}\">Audit trail</a></p>{notice}{alert}\
<section id=\"status\" aria-labelledby=\"status-h\"><h2 id=\"status-h\">Status</h2>{status}</section>\
<section id=\"profile\" aria-labelledby=\"profile-h\"><h2 id=\"profile-h\">Claims</h2>{claims}</section>\
<section id=\"password\" aria-labelledby=\"password-h\"><h2 id=\"password-h\">Password</h2>{password}</section>\
<section id=\"roles-section\" aria-labelledby=\"roles-h\"><h2 id=\"roles-h\">Roles</h2>{roles}</section>\
<section id=\"identity-confidence\" aria-labelledby=\"identity-h\"><h2 id=\"identity-h\">Identity confidence</h2>{identity}</section>\
<section id=\"second-factor\" aria-labelledby=\"factor-h\"><h2 id=\"factor-h\">Second factor</h2>{factor}</section>\
<section id=\"passkeys-section\" aria-labelledby=\"passkeys-h\"><h2 id=\"passkeys-h\">Passkeys</h2>{passkeys}</section>\
<section id=\"sessions-section\" aria-labelledby=\"sessions-h\"><h2 id=\"sessions-h\">Browser sessions</h2>{sessions}</section></div>",
        name = esc(&u.username),
        sub = esc(&u.sub),
        created = esc(&when(u.created_at)),
        audit = esc(&audit_link),
        notice = notice_html(done),
        claims = claims_html(u, csrf),
    )
}

/// `GET /admin/users/{sub}?done=`
async fn show(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Path(sub): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let admin = match gate(&app, &headers, &uri).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let params = RawParams::parse(query.as_deref().unwrap_or(""));
    let done = params.single("done").ok().flatten();
    render_user(&app, &admin, &sub, done, None).await
}

async fn render_user(
    app: &App,
    admin: &Admin,
    sub: &str,
    done: Option<&str>,
    refused: Option<&Occurrence>,
) -> Response {
    let issuer = &app.config.issuer;
    let alert = refused.map(|o| alert_html(issuer, o)).unwrap_or_default();
    let status = refused.map_or(StatusCode::OK, crate::http::respond::status_of);
    match load(app, sub).await {
        Ok(v) => {
            let csrf = admin.can_write.then(|| admin.csrf_field());
            let body = user_body(&v, csrf.as_deref(), done, &alert);
            let title = format!("User {}", v.user.username);
            with_status(page(app, admin, Nav::Users, &title, &body), status)
        }
        Err(occ) => {
            let body = format!(
                "<div class=\"account console-page\">{}<p><a href=\"/admin/users\">All users</a></p></div>",
                alert_html(issuer, &occ)
            );
            with_status(
                page(app, admin, Nav::Users, "No such user", &body),
                crate::http::respond::status_of(&occ),
            )
        }
    }
}

/// The claims a submitted claims form asks for: the shown fields (empty
/// removes), then the JSON object of the others; as a patch of the
/// current claims (a claim that is gone is `null`).
pub fn claims_patch(
    current: &Map<String, Value>,
    form: &HashMap<String, String>,
) -> Result<Value, Occurrence> {
    use latchkey_core::catalogue::INVALID_USER_ATTRIBUTES;
    let mut wanted = Map::new();
    for name in field(form, "shown").split_whitespace() {
        let value = form.get(&format!("claim.{name}")).map(|v| v.trim());
        if FLAG_CLAIMS.contains(&name) {
            // Unchecked: false, or still absent when the user had none.
            if value == Some("true") || current.contains_key(name) {
                wanted.insert(name.to_string(), json!(value == Some("true")));
            }
        } else if TEXT_CLAIMS.contains(&name)
            && let Some(v) = value.filter(|v| !v.is_empty())
        {
            wanted.insert(name.to_string(), json!(v));
        }
    }
    let other = field(form, "other").trim();
    if !other.is_empty() {
        match serde_json::from_str::<Value>(other) {
            Ok(Value::Object(map)) => {
                for (k, v) in map {
                    if !v.is_null() {
                        wanted.insert(k, v);
                    }
                }
            }
            _ => {
                return Err(INVALID_USER_ATTRIBUTES
                    .with_detail("the other claims must be a JSON object")
                    .field("claims", "must be a JSON object"));
            }
        }
    }
    let mut patch = Map::new();
    for k in current.keys() {
        if !wanted.contains_key(k) {
            patch.insert(k.clone(), Value::Null);
        }
    }
    for (k, v) in wanted {
        if current.get(&k) != Some(&v) {
            patch.insert(k, v);
        }
    }
    Ok(Value::Object(patch))
}

/// `POST /admin/users/{sub}`: one change, named by `action`.
async fn change(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    extensions: axum::http::Extensions,
    Path(sub): Path<String>,
    body: Bytes,
) -> Response {
    let admin = match gate(&app, &headers, &uri).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let form = form_of(&body);
    if let Err(res) = admin.check(&form, true) {
        return res;
    }
    let address = address(&app, &extensions, &headers);
    match perform(&app, &admin, &sub, &form, address).await {
        Ok((sub, done)) => see_other(&format!("{}?done={done}", user_path(&sub))),
        Err(occ) => {
            tracing::info!(error_id = %occ.error_id, cause = occ.cause.id, detail = %occ.description(), "refused in the admin console");
            render_user(&app, &admin, &sub, None, Some(&occ)).await
        }
    }
}

/// Perform the form's action on the user; their `sub` and what was done.
async fn perform(
    app: &App,
    admin: &Admin,
    sub: &str,
    form: &HashMap<String, String>,
    address: Option<String>,
) -> Result<(String, &'static str), Occurrence> {
    let store = app.store.as_ref();
    let user = manage::users::get(store, sub).await?;
    let sub = user.sub.clone();
    let target = format!("user:{sub}");
    let event = |kind: &str| {
        AuditEvent::new(&actor(admin), kind, target.clone())
            .address(address.clone())
            .with("via", "console")
    };
    let update = |patch: Value| manage::users::update(store, &app.secrets, &sub, patch);
    let done = match field(form, "action") {
        "claims" => {
            let patch = claims_patch(&user.claims, form)?;
            let names: Vec<String> = patch
                .as_object()
                .map(|o| o.keys().map(|k| format!("claims.{k}")).collect())
                .unwrap_or_default();
            update(json!({ "claims": patch })).await?;
            crate::audit::record(app, event(kind::ADMIN_USER_UPDATED).with("fields", names)).await;
            "claims"
        }
        "password" => {
            let password = field(form, "password").to_string();
            manage::users::set_password(store, &app.secrets, &sub, password).await?;
            crate::audit::record(
                app,
                event(kind::ADMIN_USER_UPDATED).with("fields", vec!["password"]),
            )
            .await;
            "password"
        }
        "reset_mail" => {
            manage::users::send_reset_mail(&app.config, store, &app.secrets, &user.sub).await?;
            app.mail_wake.notify_one();
            let lang = crate::mail::lang_of(&user);
            crate::audit::record(
                app,
                event(kind::RECOVERY_REQUESTED).with("lang", lang.tag()),
            )
            .await;
            "reset_mail"
        }
        action @ ("lock" | "unlock") => {
            let locking = action == "lock";
            update(json!({ "locked": locking })).await?;
            if locking {
                app.logout_wake.notify_one();
            }
            let e = event(kind::ADMIN_USER_UPDATED)
                .with("fields", vec!["locked"])
                .with("locked", locking);
            crate::audit::record(app, e).await;
            if locking { "locked" } else { "unlocked" }
        }
        "roles" => {
            let wanted: Vec<&str> = Role::ALL
                .iter()
                .map(|r| r.as_str())
                .filter(|name| field(form, &format!("role.{name}")) == "true")
                .collect();
            let previous = manage::users::roles_of(store, &sub).await?;
            let updated = update(json!({ "roles": wanted })).await?;
            if let Some(e) =
                manage::users::roles_event(&actor(admin), address.clone(), &updated, &previous)
            {
                crate::audit::record(app, e.with("via", "console")).await;
            }
            "roles"
        }
        "identity" => {
            let level = field(form, "identity_confidence");
            update(json!({ "identity_confidence": level })).await?;
            crate::audit::record(
                app,
                event(kind::ADMIN_USER_UPDATED).with("fields", vec!["identity_confidence"]),
            )
            .await;
            "identity"
        }
        "totp_remove" => {
            update(json!({ "totp_secret": null })).await?;
            crate::audit::record(
                app,
                event(kind::ADMIN_USER_UPDATED).with("fields", vec!["totp_secret"]),
            )
            .await;
            "totp_removed"
        }
        "passkey_remove" => {
            manage::passkeys::remove(
                store,
                &sub,
                field(form, "id"),
                &actor(admin),
                address.clone(),
            )
            .await?;
            "passkey_removed"
        }
        "session_end" => {
            let sid = field(form, "sid");
            let horizon = crate::backchannel::revocation_horizon(app, latchkey_core::now_unix());
            if manage::users::end_session(store, &sub, sid, horizon).await? > 0 {
                app.logout_wake.notify_one();
            }
            crate::audit::record(app, event(kind::ADMIN_SESSIONS_ENDED).with("sid", sid)).await;
            "session_ended"
        }
        "sessions_end" => {
            let horizon = crate::backchannel::revocation_horizon(app, latchkey_core::now_unix());
            let (ended, told) = manage::users::end_sessions(store, &sub, horizon).await?;
            if told > 0 {
                app.logout_wake.notify_one();
            }
            crate::audit::record(
                app,
                event(kind::ADMIN_SESSIONS_ENDED).with("sessions_ended", ended),
            )
            .await;
            "sessions_ended"
        }
        other => {
            return Err(latchkey_core::catalogue::MALFORMED_BODY
                .with_detail(format!("the console has no user action {other:?}")));
        }
    };
    Ok((sub, done))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn user(claims: Value) -> UserRecord {
        UserRecord {
            sub: "s-1".into(),
            username: "<alice>".into(),
            password_hash: None,
            claims: claims.as_object().cloned().unwrap_or_default(),
            created_at: 0,
            updated_at: 0,
        }
    }

    fn view(claims: Value) -> UserView {
        UserView {
            user: user(claims),
            identity: 1,
            locked_at: None,
            roles: vec!["auditor".into()],
            totp: false,
            recovery_codes_left: 0,
            passkeys: Vec::new(),
            sessions: Vec::new(),
            reset_by_mail: false,
        }
    }

    #[test]
    fn a_user_page_escapes_and_shows_forms_to_writers_only() {
        let v = view(
            json!({"email": "a@b.example", "nickname": "<b>x</b>", "address": {"country": "DE"}}),
        );
        let writer = user_body(&v, Some("<input name=\"csrf\">"), Some("claims"), "");
        assert!(writer.contains("&lt;alice&gt;") && !writer.contains("<alice>"));
        assert!(writer.contains("value=\"&lt;b&gt;x&lt;/b&gt;\""));
        assert!(writer.contains("name=\"claim.nickname\""));
        assert!(writer.contains("&quot;country&quot;"), "{writer}");
        assert!(writer.contains("The claims were saved."));
        assert!(writer.contains("value=\"P1\" selected"));
        assert!(writer.contains("name=\"action\" value=\"lock\""));
        let reader = user_body(&v, None, None, "");
        assert!(!reader.contains("<form"), "{reader}");
        assert!(reader.contains("<dt>nickname</dt>"));
    }

    #[test]
    fn the_claims_form_becomes_a_patch() {
        let current =
            json!({"email": "a@b.example", "nickname": "n", "x": 1, "email_verified": true});
        let current = current.as_object().cloned().unwrap();
        let form: HashMap<String, String> = [
            ("shown", "name email nickname email_verified"),
            ("claim.name", "Alice"),
            ("claim.email", "a@b.example"),
            ("claim.nickname", ""),
            ("other", "{\"y\": [1]}"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let patch = claims_patch(&current, &form).unwrap();
        assert_eq!(
            patch,
            json!({"name": "Alice", "nickname": null, "x": null, "email_verified": false, "y": [1]})
        );
        let mut bad = form.clone();
        bad.insert("other".into(), "[1]".into());
        assert!(claims_patch(&current, &bad).is_err());
    }

    #[test]
    fn the_search_page_links_users_and_the_next_page() {
        let users = vec![user(json!({"email": "a@b.example"}))];
        let html = list_body(
            Some("CSRF"),
            "a&b",
            &users,
            Some("<alice>"),
            "",
            ("", "", ""),
        );
        assert!(html.contains("href=\"/admin/users/s-1\""));
        assert!(html.contains("q=a%26b&amp;after=%3Calice%3E"), "{html}");
        assert!(html.contains("Create a user") && html.contains("CSRF"));
        let reader = list_body(None, "", &[], None, "", ("", "", ""));
        assert!(!reader.contains("method=\"post\""));
        assert!(reader.contains("No user matches."));
    }
}
