//! The account page's HTML: the page with its sections, and the pages of
//! a second factor being set up, of a passkey being added, of new recovery
//! codes, and of a browser just signed out. In the person's language; all
//! text escaped; the only script is the passkey script, for the passkey
//! forms.

use super::Visit;
use crate::app::App;
use crate::http::pages::{html, layout};
use crate::http::signin::passkey::form as passkey_form;
use crate::http::signin::second_factor::{enrolment_view, recovery_list};
use latchkey_core::Occurrence;
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::i18n::{Arg, Lang};
use latchkey_core::passkey::Started;
use latchkey_core::passkey_record::PasskeyRecord;

/// The message id of what the top of the page says after `?done=`.
pub fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "profile" => "account-notice-profile",
        "password" => "account-notice-password",
        "totp_removed" => "account-notice-totp-removed",
        "session_ended" => "account-notice-session-ended",
        "revoked" => "account-notice-revoked",
        "reauth" => "account-notice-reauth",
        "passkey_added" => "account-notice-passkey-added",
        "passkey_renamed" => "account-notice-passkey-renamed",
        "passkey_removed" => "account-notice-passkey-removed",
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

fn alert_html(app: &App, lang: Lang, occ: &Occurrence) -> String {
    format!(
        "<p class=\"error\" role=\"alert\" id=\"account-error\">{} <a href=\"{}/errors/{}#{}\">{}</a></p>",
        esc(&message(lang, occ)),
        esc(&app.config.issuer),
        occ.cause.code.as_str(),
        occ.cause.id,
        occ.cause.id,
    )
}

/// What the person is told for a refusal: the cause's sentence for people,
/// else the second-factor step's.
fn message(lang: Lang, occ: &Occurrence) -> String {
    if occ.cause.page.is_none()
        && (occ.cause.id.starts_with("totp_") || occ.cause.id.starts_with("recovery_"))
    {
        return latchkey_core::journey::second_factor::refusal(lang, occ.cause.id);
    }
    occ.cause.page_text_in(lang)
}

/// A claim's name for people: its translation when it is a standard claim,
/// else the name itself with spaces ("given_name" → "Given name").
fn claim_label(lang: Lang, claim: &str) -> String {
    let key = format!("account-claim-{}", claim.replace('_', "-"));
    if lang.has(&key) {
        return lang.t(&key);
    }
    let spaced = claim.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// The account page.
pub async fn page(
    app: &App,
    v: &Visit,
    notice: Option<&str>,
    alert: Option<&Occurrence>,
) -> Result<String, Occurrence> {
    let lang = v.view.lang;
    let t = |id: &str| esc(&lang.t(id));
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
    // Passkeys: listed, and a ceremony for the password form, only while
    // passkeys are on.
    let passkeys = match app.passkeys.as_ref() {
        Some(_) => Some(store.list_passkeys(sub).await?),
        None => None,
    };
    let proof_ceremony = match (app.passkeys.as_ref(), &passkeys) {
        (Some(rp), Some(list)) if !list.is_empty() => {
            rp.start_second_factor(
                store.as_ref(),
                &app.secrets,
                sub,
                &super::change::passkey_binding(app, v),
                now,
            )
            .await?
        }
        _ => None,
    };
    let consents = store.list_consents(sub).await?;

    let notice = notice
        .map(|id| {
            format!(
                "<p class=\"notice\" role=\"status\" id=\"account-notice\">{}</p>",
                t(id)
            )
        })
        .unwrap_or_default();
    let alert = alert.map(|o| alert_html(app, lang, o)).unwrap_or_default();

    // Profile: the claims the operator lets people edit.
    let editable = &app.config.account_editable_claims;
    let profile = if editable.is_empty() {
        format!("<p class=\"muted\">{}</p>", t("account-profile-managed"))
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
                    label = esc(&claim_label(lang, claim)),
                    value = esc(&value),
                )
            })
            .collect();
        format!(
            "<form method=\"post\" action=\"/account\">{f}<div class=\"fields\">{inputs}</div>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\">{save}</button></div></form>",
            f = fields(app, v, "profile"),
            save = t("account-profile-save"),
        )
    };
    let email = v
        .user
        .claims
        .get("email")
        .and_then(|e| e.as_str())
        .map(|e| {
            format!(
                "<p class=\"muted\">{}</p>",
                html(lang, "account-email", &[("email", &esc(e))])
            )
        })
        .unwrap_or_default();

    // Password. Proving who you are with the current password is one way;
    // one of your passkeys can take its place (see `change::Proof`).
    let password = match &proof_ceremony {
        Some(started) => password_with_passkey(app, v, started),
        None => format!(
            "<form method=\"post\" action=\"/account\">{f}\
<label for=\"current_password\">{current}</label>\
<input id=\"current_password\" name=\"current_password\" type=\"password\" autocomplete=\"current-password\" required>\
<label for=\"new_password\">{new}</label>\
<input id=\"new_password\" name=\"new_password\" type=\"password\" autocomplete=\"new-password\" minlength=\"8\" required>\
<label for=\"confirm_password\">{again}</label>\
<input id=\"confirm_password\" name=\"confirm_password\" type=\"password\" autocomplete=\"new-password\" minlength=\"8\" required>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\">{change}</button></div></form>",
            f = fields(app, v, "password"),
            current = t("account-password-current"),
            new = t("account-password-new"),
            again = t("account-password-again"),
            change = t("account-password-change"),
        ),
    };
    let passkey_section = passkeys
        .map(|list| passkeys_html(app, v, &list))
        .unwrap_or_default();

    // Second factor.
    let factor = if enrolled {
        format!(
            "<p id=\"totp-status\">{on}</p>\
<div class=\"actions\"><form method=\"post\" action=\"/account\">{regen}<button type=\"submit\">{new_codes}</button></form>\
<form method=\"post\" action=\"/account\">{remove}<button type=\"submit\" class=\"danger\">{remove_label}</button></form></div>",
            on = esc(&lang.t_with("account-factor-on", &[("left", Arg::Number(recovery_left))])),
            regen = fields(app, v, "recovery_codes"),
            new_codes = t("account-factor-new-codes"),
            remove = fields(app, v, "totp_remove"),
            remove_label = t("account-factor-remove"),
        )
    } else {
        format!(
            "<p id=\"totp-status\">{off}</p>\
<form method=\"post\" action=\"/account\">{f}<div class=\"actions\"><button type=\"submit\" class=\"primary\">{set_up}</button></div></form>",
            off = t("account-factor-off"),
            f = fields(app, v, "totp_start"),
            set_up = t("account-factor-set-up"),
        )
    };

    // Sessions.
    let session_items: String = sessions
        .iter()
        .map(|s| {
            let current = s.sid == v.session.sid;
            let button = if current {
                t("account-session-sign-out")
            } else {
                t("account-session-end")
            };
            let address = s
                .address
                .clone()
                .unwrap_or_else(|| lang.t("account-session-unknown-address"));
            let line = lang.t_with(
                "account-session-line",
                &[
                    ("address", Arg::Text(&address)),
                    ("when", Arg::Text(&when(s.auth_time))),
                ],
            );
            format!(
                "<li class=\"session\" data-sid=\"{sid}\"><div><strong>{device}</strong>{this}<br>\
<span class=\"muted\">{line}</span></div>\
<form method=\"post\" action=\"/account\">{f}<input type=\"hidden\" name=\"sid\" value=\"{sid}\">\
<button type=\"submit\">{button}</button></form></li>",
                sid = esc(&s.sid),
                device = esc(&device_name(lang, s.user_agent.as_deref().unwrap_or("/"))),
                this = if current {
                    format!(" <span class=\"tag\">{}</span>", t("account-session-this"))
                } else {
                    String::new()
                },
                line = esc(&line),
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
        let used = match c.last_used_at {
            Some(at) => lang.t_with(
                "account-application-used",
                &[("when", Arg::Text(&when(at)))],
            ),
            None => lang.t("account-application-unused"),
        };
        let line = lang.t_with(
            "account-application-line",
            &[
                ("scope", Arg::Text(&c.scope)),
                ("allowed", Arg::Text(&when(c.updated_at))),
                ("used", Arg::Text(&used)),
            ],
        );
        app_items.push_str(&format!(
            "<li class=\"application\" data-client-id=\"{id}\"><div><strong>{name}</strong><br>\
<span class=\"muted\">{line}</span></div>\
<form method=\"post\" action=\"/account\">{f}<input type=\"hidden\" name=\"client_id\" value=\"{id}\">\
<button type=\"submit\">{disconnect}</button></form></li>",
            id = esc(&c.client_id),
            name = esc(&name),
            line = esc(&line),
            f = fields(app, v, "revoke"),
            disconnect = t("account-application-disconnect"),
        ));
    }
    let applications = if app_items.is_empty() {
        format!("<p class=\"muted\">{}</p>", t("account-applications-none"))
    } else {
        format!("<ul class=\"rows\">{app_items}</ul>")
    };

    let user = format!(
        "<strong id=\"account-username\">{}</strong>",
        esc(&v.user.username)
    );
    let body = format!(
        "<div class=\"account\"><h1>{title}</h1><p class=\"muted\">{signed_in}</p>{notice}{alert}\
<section id=\"profile\"><h2>{profile_h}</h2>{email}{profile}</section>\
<section id=\"password\"><h2>{password_h}</h2>{password}</section>\
<section id=\"second-factor\"><h2>{factor_h}</h2>{factor}</section>{passkey_section}\
<section id=\"sessions\"><h2>{sessions_h}</h2><ul class=\"rows\">{session_items}</ul></section>\
<section id=\"applications\"><h2>{applications_h}</h2>{applications}</section></div>",
        title = t("account-title"),
        signed_in = html(lang, "account-signed-in-as", &[("user", &user)]),
        profile_h = t("account-profile"),
        password_h = t("account-password"),
        factor_h = t("account-factor"),
        sessions_h = t("account-sessions"),
        applications_h = t("account-applications"),
    );
    Ok(layout(&app.brand, &v.view, &lang.t("account-title"), &body))
}

/// Setting up an authenticator: the QR code, the key, and the first code.
pub fn enrol(app: &App, v: &Visit, key: &[u8], alert: Option<&Occurrence>) -> String {
    let lang = v.view.lang;
    let t = |id: &str| esc(&lang.t(id));
    let (qr, grouped) = enrolment_view(app, &v.user.username, key);
    let body = format!(
        "<h1>{heading}</h1>{alert}<p>{scan}</p>\
<div class=\"qr\" role=\"img\" aria-label=\"{qr_label}\">{qr}</div>\
<p>{type_key}</p><p><code id=\"totp-key\">{key}</code></p>\
<form method=\"post\" action=\"/account\">{f}\
<label for=\"code\">{code_label}</label>\
<input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" pattern=\"[0-9 ]*\" autocomplete=\"one-time-code\" required autofocus>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\">{turn_on}</button><a href=\"/account\">{cancel}</a></div></form>",
        heading = t("mfa-enrol-heading"),
        alert = alert.map(|o| alert_html(app, lang, o)).unwrap_or_default(),
        scan = t("mfa-enrol-scan"),
        qr_label = t("mfa-enrol-qr-label"),
        type_key = t("mfa-enrol-type-key"),
        key = esc(&grouped),
        f = fields(app, v, "totp_confirm"),
        code_label = t("mfa-enrol-code-label"),
        turn_on = t("account-enrol-turn-on"),
        cancel = t("cancel"),
    );
    layout(&app.brand, &v.view, &lang.t("mfa-enrol-title"), &body)
}

/// New recovery codes, shown once.
pub fn recovery_codes(app: &App, v: &Visit, codes: &[String]) -> String {
    let lang = v.view.lang;
    let t = |id: &str| esc(&lang.t(id));
    let body = format!(
        "<h1>{heading}</h1><p>{explain} {replaced}</p>{list}\
<p><a href=\"/account\" id=\"back-to-account\">{back}</a></p>",
        heading = t("mfa-codes-heading"),
        explain = t("mfa-codes-explain"),
        replaced = t("account-codes-replaced"),
        list = recovery_list(codes),
        back = t("account-codes-back"),
    );
    layout(&app.brand, &v.view, &lang.t("mfa-codes-title"), &body)
}

/// The browser's own session just ended.
pub fn signed_out(app: &App, v: &Visit) -> String {
    let lang = v.view.lang;
    let t = |id: &str| esc(&lang.t(id));
    let body = format!(
        "<h1>{heading}</h1><p>{text}</p><p><a href=\"/account\">{again}</a></p>",
        heading = t("account-signed-out-heading"),
        text = t("account-signed-out"),
        again = t("account-sign-in-again"),
    );
    layout(
        &app.brand,
        &v.view,
        &lang.t("account-signed-out-title"),
        &body,
    )
}

/// The password form when the person has a passkey: the current password,
/// or "Use a passkey instead" (the script runs the ceremony, which stands
/// for the current password).
fn password_with_passkey(app: &App, v: &Visit, started: &Started) -> String {
    let lang = v.view.lang;
    let t = |id: &str| esc(&lang.t(id));
    let hidden = format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"purpose\" value=\"password\">",
        esc(&v.csrf(app))
    );
    let inner = format!(
        "<label for=\"current_password\">{current}</label>\
<input id=\"current_password\" name=\"current_password\" type=\"password\" autocomplete=\"current-password\">\
<label for=\"new_password\">{new}</label>\
<input id=\"new_password\" name=\"new_password\" type=\"password\" autocomplete=\"new-password\" minlength=\"8\" required>\
<label for=\"confirm_password\">{again}</label>\
<input id=\"confirm_password\" name=\"confirm_password\" type=\"password\" autocomplete=\"new-password\" minlength=\"8\" required>\
<p class=\"muted\" data-passkey-only hidden>{note}</p>\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"password\" class=\"primary\">{change}</button>\
<button type=\"submit\" id=\"passkey-password\" data-passkey-start hidden>{with_passkey}</button></div>",
        current = t("account-password-current"),
        new = t("account-password-new"),
        again = t("account-password-again"),
        note = t("account-passkey-password-note"),
        change = t("account-password-change"),
        with_passkey = t("account-passkey-password"),
    );
    format!(
        "{}<script src=\"/assets/passkey.js\"></script>",
        passkey_form(started, "get", "/account", &hidden, false, &inner)
    )
}

/// The passkeys section: each passkey with its name, when it was added
/// and last used, rename and remove; then "Add a passkey".
fn passkeys_html(app: &App, v: &Visit, list: &[PasskeyRecord]) -> String {
    let lang = v.view.lang;
    let t = |id: &str| esc(&lang.t(id));
    let items: String = list
        .iter()
        .map(|p| {
            let used = match p.last_used_at {
                Some(at) => lang.t_with("account-passkey-used", &[("when", Arg::Text(&when(at)))]),
                None => lang.t("account-passkey-unused"),
            };
            let line = lang.t_with(
                "account-passkey-line",
                &[("added", Arg::Text(&when(p.created_at))), ("used", Arg::Text(&used))],
            );
            format!(
                "<li class=\"passkey\" data-passkey-id=\"{id}\"><div><strong>{name}</strong><br>\
<span class=\"muted\">{line}</span></div><div class=\"actions\">\
<form method=\"post\" action=\"/account\" class=\"inline\">{rename}<input type=\"hidden\" name=\"id\" value=\"{id}\">\
<label for=\"passkey-name-{id}\">{name_label}</label>\
<input id=\"passkey-name-{id}\" name=\"name\" type=\"text\" maxlength=\"{max}\" value=\"{name}\" required>\
<button type=\"submit\">{rename_label}</button></form>\
<form method=\"post\" action=\"/account\">{remove}<input type=\"hidden\" name=\"id\" value=\"{id}\">\
<button type=\"submit\" class=\"danger\" aria-label=\"{remove_aria}\">{remove_label}</button></form></div></li>",
                id = esc(&p.id),
                name = esc(&p.name),
                line = esc(&line),
                rename = fields(app, v, "passkey_rename"),
                remove = fields(app, v, "passkey_remove"),
                name_label = t("account-passkey-name"),
                max = latchkey_core::passkey::MAX_NAME,
                rename_label = t("account-passkey-rename"),
                remove_label = t("account-passkey-remove"),
                remove_aria = esc(&lang.t_with("account-passkey-remove-named", &[("name", Arg::Text(&p.name))])),
            )
        })
        .collect();
    let listed = if items.is_empty() {
        format!(
            "<p class=\"muted\" id=\"passkeys-none\">{}</p>",
            t("account-passkeys-none")
        )
    } else {
        format!("<ul class=\"rows\">{items}</ul>")
    };
    format!(
        "<section id=\"passkeys\"><h2>{heading}</h2><p class=\"muted\">{explain}</p>{listed}\
<form method=\"post\" action=\"/account\">{f}<div class=\"actions\"><button type=\"submit\" id=\"passkey-start\">{add}</button></div></form></section>",
        heading = t("account-passkeys"),
        explain = t("account-passkeys-explain"),
        f = fields(app, v, "passkey_start"),
        add = t("passkey-add"),
    )
}

/// Adding a passkey: its name, then the browser makes it.
pub fn passkey_add(app: &App, v: &Visit, started: &Started, alert: Option<&Occurrence>) -> String {
    let lang = v.view.lang;
    let t = |id: &str| esc(&lang.t(id));
    let hidden = format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"purpose\" value=\"add\">",
        esc(&v.csrf(app))
    );
    let inner = format!(
        "<label for=\"passkey-name\">{label}</label>\
<input id=\"passkey-name\" name=\"name\" type=\"text\" maxlength=\"{max}\" autocomplete=\"off\" value=\"Passkey\">\
<div class=\"actions\"><button type=\"submit\" class=\"primary\" id=\"passkey-add\" data-passkey-start hidden>{add}</button>\
<a href=\"/account\">{cancel}</a></div>",
        max = latchkey_core::passkey::MAX_NAME,
        label = t("passkey-name-label"),
        add = t("passkey-add"),
        cancel = t("cancel"),
    );
    let body = format!(
        "<h1>{heading}</h1>{alert}<p>{explain}</p><p class=\"muted\">{how}</p>\
{form}<script src=\"/assets/passkey.js\"></script>",
        heading = t("passkey-offer-title"),
        alert = alert.map(|o| alert_html(app, lang, o)).unwrap_or_default(),
        explain = t("passkey-offer-explain"),
        how = t("account-passkey-add-how"),
        form = passkey_form(started, "create", "/account", &hidden, false, &inner),
    );
    layout(&app.brand, &v.view, &lang.t("passkey-offer-title"), &body)
}

/// A session's browser and system in the page's language.
fn device_name(lang: Lang, stored: &str) -> String {
    let d = latchkey_core::session::Device::parse(stored);
    match (d.browser, d.system) {
        (Some(browser), Some(system)) => lang.t_with(
            "account-session-device",
            &[
                ("browser", Arg::Text(browser)),
                ("system", Arg::Text(system)),
            ],
        ),
        (Some(browser), None) => browser.to_string(),
        (None, Some(system)) => lang.t_with(
            "account-session-device-system",
            &[("system", Arg::Text(system))],
        ),
        (None, None) => lang.t("account-session-device-unknown"),
    }
}
