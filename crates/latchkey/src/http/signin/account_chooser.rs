//! The account chooser, `/select-account` (OIDC Core §3.1.2.1,
//! `prompt=select_account`): with a session, "Continue as <user>" or "Use
//! another account" (the sign-in page). Same rules as the login page.

use super::pending::{Pending, Submitted};
use super::{arrive, end, signed_in, to_page};
use crate::app::App;
use crate::http::pages::{html, html_response, layout};
use crate::http::respond::Failure;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use latchkey_core::catalogue::USER_CANCELED;
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::i18n::Arg;
use latchkey_core::journey::Page;
use latchkey_core::journey::select_account::{self, Action};
use std::sync::Arc;

/// `GET /select-account?i=…`
pub async fn form(State(app): State<Arc<App>>, p: Pending) -> Result<Response, Failure> {
    let session = signed_in(&app, &p).await?;
    let user = super::username(&app, &session.sub)
        .await
        .map_err(p.back())?;
    let lang = p.view.lang;
    let t = |id: &str| esc(&lang.t(id));
    let client = format!("<strong>{}</strong>", esc(p.client_name()));
    let body = format!(
        "<h1>{title}</h1><p class=\"muted\">{to_continue}</p>\
<form method=\"post\" action=\"/select-account\">\
<input type=\"hidden\" name=\"i\" value=\"{i}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"continue\" class=\"primary\" autofocus>{continue_as}</button>\
<button type=\"submit\" name=\"action\" value=\"other\">{other}</button>\
<button type=\"submit\" name=\"action\" value=\"cancel\">{cancel}</button></div></form>",
        title = t("select-account-title"),
        to_continue = html(lang, "to-continue-to", &[("client", &client)]),
        continue_as =
            esc(&lang.t_with("select-account-continue-as", &[("user", Arg::Text(&user))])),
        other = t("select-account-other"),
        cancel = t("cancel"),
        i = esc(&p.interaction.id),
        csrf = esc(&p.csrf(&app)),
    );
    Ok(html_response(
        StatusCode::OK,
        layout(&app.brand, &p.view, &lang.t("select-account-title"), &body),
    ))
}

/// `POST /select-account`
pub async fn submit(State(app): State<Arc<App>>, s: Submitted) -> Result<Response, Failure> {
    let p = s.pending;
    match select_account::read(&s.form) {
        Action::Continue => {
            signed_in(&app, &p).await?;
            let purpose = p.interaction.purpose.clone();
            arrive(&app, &p.headers, purpose, &p.client, Some(p.interaction)).await
        }
        Action::Other => Ok(to_page(Page::Login, &p.interaction.id)),
        Action::Cancel => Err(end(&app, &p.interaction, USER_CANCELED.occur()).await),
    }
}
