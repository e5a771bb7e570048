//! The consent page, `/consent`: Allow remembers the grant and completes
//! the sign-in; Deny returns `access_denied`; "Not you?" signs in as
//! someone else in the same sign-in.

use super::pending::{Pending, Submitted};
use super::{achieved, finish, signed_in, to_page};
use crate::app::App;
use crate::http::pages::{html, html_response, layout};
use crate::http::respond::Failure;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use latchkey_core::catalogue::{CONSENT_DENIED, SESSION_LOST};
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::i18n::{Arg, Lang};
use latchkey_core::journey::Page;
use latchkey_core::journey::consent::{self, Action};
use latchkey_core::request::Purpose;
use latchkey_core::session::ConsentGrant;
use std::sync::Arc;

/// Plain words for a scope on the consent page.
fn describe(lang: Lang, scope: &str) -> String {
    match scope {
        "openid" => lang.t("scope-openid"),
        "profile" => lang.t("scope-profile"),
        "email" => lang.t("scope-email"),
        "address" => lang.t("scope-address"),
        "phone" => lang.t("scope-phone"),
        "offline_access" => lang.t("scope-offline-access"),
        other => lang.t_with("scope-other", &[("scope", Arg::Text(other))]),
    }
}

/// `GET /consent?i=…`
pub async fn form(State(app): State<Arc<App>>, p: Pending) -> Result<Response, Failure> {
    let session = signed_in(&app, &p).await?;
    let account = super::username(&app, &session.sub)
        .await
        .map_err(p.back())?;
    let lang = p.view.lang;
    let t = |id: &str| esc(&lang.t(id));
    let purpose = &p.interaction.purpose;
    let mut items: String = purpose
        .scopes()
        .iter()
        .map(|s| format!("<li>{}</li>", esc(&describe(lang, s))))
        .collect();
    // Claims asked for by name that no requested scope releases (OIDC
    // Core §5.5): allowed with the rest, so listed with the rest.
    if let Some(claims) = purpose.claims() {
        for name in claims.beyond(&purpose.scopes().to_string()) {
            let text = lang.t_with("consent-claim", &[("claim", Arg::Text(name))]);
            items.push_str(&format!("<li>{}</li>", esc(&text)));
        }
    }
    // The APIs the tokens will reach (RFC 8707), by the names the
    // operator gave them.
    for identifier in purpose.resources() {
        let resource = app
            .store
            .get_resource(identifier)
            .await
            .map_err(|e| p.back()(e.into()))?;
        let name = resource.map_or_else(|| identifier.clone(), |r| r.name);
        let text = lang.t_with("consent-resource", &[("resource", Arg::Text(&name))]);
        items.push_str(&format!("<li class=\"resource\">{}</li>", esc(&text)));
    }
    let device = matches!(p.interaction.purpose, Purpose::Device { .. });
    let (heading, warning) = if device {
        (
            t("consent-device-heading"),
            format!(
                "<p class=\"warning\" role=\"note\"><strong>{}</strong> {}</p>",
                t("consent-device-warning-strong"),
                t("consent-device-warning")
            ),
        )
    } else {
        (t("consent-heading"), String::new())
    };
    let client = format!("<strong>{}</strong>", esc(p.client_name()));
    let account = format!("<strong>{}</strong>", esc(&account));
    let body = format!(
        "<h1>{heading}</h1>{warning}<p>{would_like}</p><ul class=\"scopes\">{items}</ul>\
<form method=\"post\" action=\"/consent\">\
<input type=\"hidden\" name=\"i\" value=\"{i}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"allow\" class=\"primary\" autofocus>{allow}</button>\
<button type=\"submit\" name=\"action\" value=\"deny\">{deny}</button></div>\
<p class=\"muted account\">{signed_in_as} \
<button type=\"submit\" name=\"action\" value=\"other\" class=\"link\" formnovalidate>{not_you}</button></p></form>",
        would_like = html(lang, "consent-would-like", &[("client", &client)]),
        signed_in_as = html(lang, "consent-signed-in-as", &[("user", &account)]),
        allow = t("consent-allow"),
        deny = t("consent-deny"),
        not_you = t("consent-not-you"),
        i = esc(&p.interaction.id),
        csrf = esc(&p.csrf(&app)),
    );
    Ok(html_response(
        StatusCode::OK,
        layout(&app.brand, &p.view, &lang.t("consent-title"), &body),
    ))
}

/// `POST /consent`
pub async fn submit(
    State(app): State<Arc<App>>,
    extensions: axum::http::Extensions,
    s: Submitted,
) -> Result<Response, Failure> {
    let p = &s.pending;
    let back = p.back();
    let session = signed_in(&app, p).await?;
    match consent::read(&s.form) {
        Action::Other => return Ok(to_page(Page::Login, &p.interaction.id)),
        Action::Deny => {
            if let Purpose::Device { device } = &p.interaction.purpose {
                return super::device::deny(&app, device, &p.interaction.id, p.view.lang).await;
            }
            if app
                .store
                .take_interaction(&p.interaction.id)
                .await
                .map_err(|e| back(e.into()))?
                .is_none()
            {
                return Err(back(
                    SESSION_LOST.with_detail("this sign-in was already completed"),
                ));
            }
            return Err(back(CONSENT_DENIED.occur()));
        }
        Action::Allow => {}
    }
    let purpose = &p.interaction.purpose;
    let granted = app
        .store
        .get_consent(&session.sub, &p.client.client_id)
        .await
        .map_err(|e| back(e.into()))?;
    let scope = consent::remembered(granted.as_ref().map(|g| g.scope.as_str()), purpose.scopes());
    let resources = consent::remembered_resources(granted.as_ref(), purpose.resources());
    let achieved = achieved(&app, purpose, &session).await.map_err(&back)?;
    // The interaction ends, the consent is kept and the code issued in one
    // transaction (a second Allow finds the interaction gone).
    let grant = ConsentGrant {
        sub: &session.sub,
        client_id: &p.client.client_id,
        scope: &scope,
        resources: &resources,
        now: latchkey_core::now_unix(),
    };
    let answer = finish(
        &app,
        purpose,
        &session,
        achieved,
        Some(&p.interaction.id),
        Some(grant),
        p.view.lang,
    )
    .await?;
    // Given: the consent is kept (the answer above is the code or the
    // device's approval).
    let address =
        crate::http::client_address::of(&extensions, &p.headers, &app.config.trusted_proxies)
            .map(|ip| ip.to_string());
    let event = latchkey_core::audit::AuditEvent::new(
        &latchkey_core::audit::Actor::User(session.sub.clone()),
        latchkey_core::audit::kind::CONSENT_GIVEN,
        format!("user:{}", session.sub),
    )
    .address(address)
    .with("client_id", p.client.client_id.as_str())
    .with("scope", scope.as_str());
    crate::audit::record(&app, event).await;
    Ok(answer)
}
