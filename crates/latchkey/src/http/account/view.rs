//! The account page's HTML: the page with its five sections, and the
//! pages of a second factor being set up, of new recovery codes, and of a
//! browser just signed out. All text escaped; no script.

use super::Visit;
use crate::app::App;
use crate::http::pages::layout;
use crate::http::signin::second_factor::{enrolment_view, recovery_list};
use latchkey_core::Occurrence;
use latchkey_core::error::docs::escape_html as esc;

/// What the top of the page says after `?done=`.
pub fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "profile" => "Your profile is saved.",
        "password" => "Your password is changed.",
        "totp_removed" => {
            "The authenticator app is removed: signing in asks for your password only."
        }
        "session_ended" => "The session has ended: that browser is signed out.",
        "revoked" => "The application is disconnected: it can no longer use your account.",
        "reauth" => "You signed in again. You can make your change now.",
        _ => return None,
    })
}

/// A time as people read it (UTC).
fn when(at: i64) -> String {
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

/// The hidden fields of every form: the CSRF token and the action.
fn fields(app: &App, v: &Visit, action: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"action\" value=\"{}\">",
        esc(&v.csrf(app)),
        esc(action)
    )
}

fn alert_html(app: &App, occ: &Occurrence) -> String {
    format!(
        "<p class=\"error\" role=\"alert\" id=\"account-error\">{} <a href=\"{}/errors/{}#{}\">{}</a></p>",
        esc(message(occ)),
        esc(&app.config.issuer),
        occ.cause.code.as_str(),
        occ.cause.id,
        occ.cause.id,
    )
}

/// What the person is told for a refusal: the cause's sentence for people,
/// else the one of the second-factor step, else its summary.
fn message(occ: &Occurrence) -> &'static str {
    match occ.cause.page {
        Some(text) => text,
        None if occ.cause.id.starts_with("totp_") || occ.cause.id.starts_with("recovery_") => {
            latchkey_core::journey::second_factor::refusal(occ.cause.id)
        }
        None => occ.cause.summary,
    }
}

/// The account page.
pub async fn page(
    app: &App,
    v: &Visit,
    notice: Option<&str>,
    alert: Option<&Occurrence>,
) -> Result<String, Occurrence> {
    let store = &app.store;
    let sub = &v.user.sub;
    let now = latchkey_core::now_unix();
    let totp = store.get_totp(sub).await?;
    let enrolled = totp.as_ref().is_some_and(|t| t.confirmed_at.is_some());
    let recovery_left = if enrolled {
        store.recovery_codes_left(sub).await?
    } else {
        0
    };
    let sessions = store.list_sessions(sub, now).await?;
    let consents = store.list_consents(sub).await?;

    let notice = notice
        .map(|n| {
            format!(
                "<p class=\"notice\" role=\"status\" id=\"account-notice\">{}</p>",
                esc(n)
            )
        })
        .unwrap_or_default();
    let alert = alert.map(|o| alert_html(app, o)).unwrap_or_default();

    // Profile: the claims the operator lets people edit.
    let editable = &app.config.account_editable_claims;
    let profile = if editable.is_empty() {
        "<p class=\"muted\">Your profile is managed by the operator.</p>".to_string()
    } else {
        let inputs: String = editable
            .iter()
            .map(|claim| {
                let value = match v.user.claims.get(claim) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                format!(
                    "<div><label for=\"claim-{c}\">{label}</label><input id=\"claim-{c}\" name=\"claim.{c}\" type=\"text\" maxlength=\"512\" value=\"{value}\"></div>",
                    c = esc(claim),
                    label = esc(&claim_label(claim)),
                    value = esc(&value),
                )
            })
            .collect();
        format!(
            "<form method=\"post\" action=\"/account\">{f}<div class=\"fields\">{inputs}</div>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\">Save profile</button></div></form>",
            f = fields(app, v, "profile"),
        )
    };
    let email = v
        .user
        .claims
        .get("email")
        .and_then(|e| e.as_str())
        .map(|e| format!("<p class=\"muted\">Email: {}</p>", esc(e)))
        .unwrap_or_default();

    // Password. Proving who you are with the current password is one way;
    // a passkey can take its place (see `change::Proof`).
    let password = format!(
        "<form method=\"post\" action=\"/account\">{f}\
<label for=\"current_password\">Current password</label>\
<input id=\"current_password\" name=\"current_password\" type=\"password\" autocomplete=\"current-password\" required>\
<label for=\"new_password\">New password</label>\
<input id=\"new_password\" name=\"new_password\" type=\"password\" autocomplete=\"new-password\" minlength=\"8\" required>\
<label for=\"confirm_password\">New password again</label>\
<input id=\"confirm_password\" name=\"confirm_password\" type=\"password\" autocomplete=\"new-password\" minlength=\"8\" required>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\">Change password</button></div></form>",
        f = fields(app, v, "password"),
    );

    // Second factor.
    let factor = if enrolled {
        format!(
            "<p id=\"totp-status\">An authenticator app is set up. Signing in asks for a code from it. \
{recovery_left} recovery code(s) left.</p>\
<div class=\"actions\"><form method=\"post\" action=\"/account\">{regen}<button type=\"submit\">New recovery codes</button></form>\
<form method=\"post\" action=\"/account\">{remove}<button type=\"submit\" class=\"danger\">Remove authenticator</button></form></div>",
            regen = fields(app, v, "recovery_codes"),
            remove = fields(app, v, "totp_remove"),
        )
    } else {
        format!(
            "<p id=\"totp-status\">No authenticator app is set up: signing in asks for your password only.</p>\
<form method=\"post\" action=\"/account\">{f}<div class=\"actions\"><button type=\"submit\" class=\"primary\">Set up an authenticator app</button></div></form>",
            f = fields(app, v, "totp_start"),
        )
    };

    // Sessions.
    let session_items: String = sessions
        .iter()
        .map(|s| {
            let current = s.sid == v.session.sid;
            let label = if current { "Sign out" } else { "End session" };
            format!(
                "<li class=\"session\" data-sid=\"{sid}\"><div><strong>{device}</strong>{this}<br>\
<span class=\"muted\">{address} · signed in {at}</span></div>\
<form method=\"post\" action=\"/account\">{f}<input type=\"hidden\" name=\"sid\" value=\"{sid}\">\
<button type=\"submit\">{label}</button></form></li>",
                sid = esc(&s.sid),
                device = esc(s.user_agent.as_deref().unwrap_or("Unknown browser")),
                this = if current {
                    " <span class=\"tag\">this browser</span>"
                } else {
                    ""
                },
                address = esc(s.address.as_deref().unwrap_or("unknown address")),
                at = esc(&when(s.auth_time)),
                f = fields(app, v, "end_session"),
            )
        })
        .collect();

    // Connected applications.
    let mut app_items = String::new();
    for c in &consents {
        let name = match store.get_client(&c.client_id).await? {
            Some(client) => client.metadata.client_name.unwrap_or(c.client_id.clone()),
            None => c.client_id.clone(),
        };
        let used = c.last_used_at.map_or_else(
            || "not used yet".to_string(),
            |t| format!("last used {}", when(t)),
        );
        app_items.push_str(&format!(
            "<li class=\"application\" data-client-id=\"{id}\"><div><strong>{name}</strong><br>\
<span class=\"muted\">{scope} · allowed {allowed} · {used}</span></div>\
<form method=\"post\" action=\"/account\">{f}<input type=\"hidden\" name=\"client_id\" value=\"{id}\">\
<button type=\"submit\">Disconnect</button></form></li>",
            id = esc(&c.client_id),
            name = esc(&name),
            scope = esc(&c.scope),
            allowed = esc(&when(c.updated_at)),
            used = esc(&used),
            f = fields(app, v, "revoke"),
        ));
    }
    let applications = if app_items.is_empty() {
        "<p class=\"muted\">No application has access to your account.</p>".to_string()
    } else {
        format!("<ul class=\"rows\">{app_items}</ul>")
    };

    let body = format!(
        "<h1>Your account</h1><p class=\"muted\">Signed in as <strong id=\"account-username\">{username}</strong></p>{notice}{alert}\
<section id=\"profile\"><h2>Profile</h2>{email}{profile}</section>\
<section id=\"password\"><h2>Password</h2>{password}</section>\
<section id=\"second-factor\"><h2>Two-step sign-in</h2>{factor}</section>\
<section id=\"sessions\"><h2>Where you are signed in</h2><ul class=\"rows\">{session_items}</ul></section>\
<section id=\"applications\"><h2>Connected applications</h2>{applications}</section>",
        username = esc(&v.user.username),
    );
    Ok(layout(&app.brand, "Your account", &wide(&body)))
}

/// The account page is wider than the sign-in pages.
fn wide(body: &str) -> String {
    format!("<div class=\"account\">{body}</div>")
}

/// A claim's name for people ("given_name" → "Given name").
fn claim_label(claim: &str) -> String {
    let spaced = claim.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// Setting up an authenticator: the QR code, the key, and the first code.
pub fn enrol(app: &App, v: &Visit, key: &[u8], alert: Option<&Occurrence>) -> String {
    let (qr, grouped) = enrolment_view(app, &v.user.username, key);
    let body = format!(
        "<h1>Set up an authenticator app</h1>{alert}\
<p>Scan this QR code with an authenticator app (for example one on your phone).</p>\
<div class=\"qr\" role=\"img\" aria-label=\"QR code for your authenticator app\">{qr}</div>\
<p>Or type this key into the app:</p><p><code id=\"totp-key\">{key}</code></p>\
<form method=\"post\" action=\"/account\">{f}\
<label for=\"code\">Then enter the 6-digit code the app shows</label>\
<input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" pattern=\"[0-9 ]*\" autocomplete=\"one-time-code\" required autofocus>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\">Turn on</button><a href=\"/account\">Cancel</a></div></form>",
        alert = alert.map(|o| alert_html(app, o)).unwrap_or_default(),
        key = esc(&grouped),
        f = fields(app, v, "totp_confirm"),
    );
    layout(&app.brand, "Set up an authenticator", &body)
}

/// New recovery codes, shown once.
pub fn recovery_codes(app: &App, codes: &[String]) -> String {
    let body = format!(
        "<h1>Save your recovery codes</h1>\
<p>If you lose your phone, each of these codes lets you sign in once instead of a code from the app. \
Keep them somewhere safe: they are shown only now, and any earlier codes no longer work.</p>{list}\
<p><a href=\"/account\" id=\"back-to-account\">I have saved them, back to your account</a></p>",
        list = recovery_list(codes),
    );
    layout(&app.brand, "Recovery codes", &body)
}

/// The browser's own session just ended.
pub fn signed_out(app: &App) -> String {
    layout(
        &app.brand,
        "Signed out",
        "<h1>You are signed out</h1><p>This browser's session has ended.</p>\
<p><a href=\"/account\">Sign in again</a></p>",
    )
}
