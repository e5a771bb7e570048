//! The account chooser, `/select-account` (OIDC Core §3.1.2.1,
//! `prompt=select_account`): with a session, "Continue as <user>" or "Use
//! another account" (the sign-in page). Same rules as the login page.

use super::authorize;
use super::pages::{html_response, layout};
use super::respond::Failure;
use super::ui::{Form, check_csrf, client_name, csrf, load, signed_in};
use crate::app::App;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::catalogue::USER_CANCELED;
use latchkey_core::error::docs::escape_html as esc;
use std::sync::Arc;

#[derive(serde::Deserialize)]
pub struct Interaction {
    i: Option<String>,
}

/// `GET /select-account?i=…`
pub async fn form(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<Interaction>,
) -> Result<Response, Failure> {
    let (interaction, client, browser) = load(&app, &headers, q.i.as_deref()).await?;
    let back = authorize::to_client(&interaction.request);
    let session = signed_in(&app, &headers, &interaction).await?;
    let user = app
        .store
        .get_user(&session.sub)
        .await
        .map_err(|e| back(e.into()))?
        .map(|u| u.username)
        .unwrap_or_else(|| session.sub.clone());
    let body = format!(
        "<h1>Choose an account</h1><p class=\"muted\">to continue to <strong>{client}</strong></p>\
<form method=\"post\" action=\"/select-account\">\
<input type=\"hidden\" name=\"i\" value=\"{i}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"continue\" class=\"primary\" autofocus>Continue as {user}</button>\
<button type=\"submit\" name=\"action\" value=\"other\">Use another account</button>\
<button type=\"submit\" name=\"action\" value=\"cancel\">Cancel</button></div></form>",
        client = esc(client_name(&client)),
        i = esc(&interaction.id),
        csrf = esc(&csrf(&app, &browser)),
        user = esc(&user),
    );
    Ok(html_response(
        StatusCode::OK,
        layout(&app.brand, "Choose an account", &body),
    ))
}

/// `POST /select-account`: continue with the session, sign in as someone
/// else, or cancel.
pub async fn submit(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let form = Form::parse(&headers, &body)?;
    let (interaction, client, browser) = load(&app, &headers, form.get("i")).await?;
    let req = interaction.request.clone();
    let back = authorize::to_client(&req);
    check_csrf(&app, &form, &browser, &req)?;
    match form.get("action") {
        Some("continue") => {
            signed_in(&app, &headers, &interaction).await?;
            authorize::proceed(&app, &headers, req, &client, Some(interaction)).await
        }
        Some("other") => {
            let mut res = (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, format!("/login?i={}", interaction.id))],
            )
                .into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(res)
        }
        _ => {
            app.store
                .take_interaction(&interaction.id)
                .await
                .map_err(|e| back(e.into()))?;
            Err(back(USER_CANCELED.occur()))
        }
    }
}
