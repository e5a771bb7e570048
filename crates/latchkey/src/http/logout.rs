//! `/logout`: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).
//! With a valid `id_token_hint` for the signed-in user the session ends at
//! once; otherwise the user confirms on a page first, so no third party can
//! sign someone out with a bare link. The clients that received tokens in
//! the session are told through back-channel logout ([`crate::backchannel`]).

use super::cookies::{self, Cookie};
use super::language::View;
use super::pages::{html, html_response, layout};
use super::respond::Failure;
use crate::app::App;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use latchkey_core::Occurrence;
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{CSRF_TOKEN_INVALID, ID_TOKEN_HINT_INVALID, REPEATED_PARAMETER};
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::logout::{check_post_logout_uri, verify_hint};
use std::sync::Arc;

pub async fn get(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    view: View,
    RawQuery(q): RawQuery,
) -> Result<Response, Failure> {
    logout(
        &app,
        &headers,
        &extensions,
        &view,
        RawParams::parse(q.as_deref().unwrap_or("")),
    )
    .await
}

pub async fn post(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    view: View,
    body: Bytes,
) -> Result<Response, Failure> {
    if !super::is_form(&headers) {
        return Err(Failure::page(
            latchkey_core::catalogue::UNSUPPORTED_CONTENT_TYPE.occur(),
        ));
    }
    logout(
        &app,
        &headers,
        &extensions,
        &view,
        RawParams::parse(&String::from_utf8_lossy(&body)),
    )
    .await
}

fn csrf(app: &App, session_token: &str) -> String {
    app.secrets.hash(&format!("logout:{session_token}"))
}

async fn logout(
    app: &App,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
    view: &View,
    raw: RawParams,
) -> Result<Response, Failure> {
    if let Some(name) = raw.first_repeated() {
        return Err(Failure::page(
            REPEATED_PARAMETER.with_detail(name.to_string()),
        ));
    }
    let get = |name: &str| raw.single(name).ok().flatten();
    let keys = app.keys();
    let hint = get("id_token_hint")
        .map(|t| verify_hint(t, &keys, &app.config.issuer))
        .transpose()
        .map_err(Failure::page)?;
    let client_id = match (get("client_id"), &hint) {
        (Some(a), Some(h)) if a != h.client_id => {
            return Err(Failure::page(
                ID_TOKEN_HINT_INVALID.with_detail("it was issued to another client than client_id"),
            ));
        }
        (Some(a), _) => Some(a.to_string()),
        (None, Some(h)) => Some(h.client_id.clone()),
        (None, None) => None,
    };
    let client = match &client_id {
        Some(id) => app
            .store
            .get_client(id)
            .await
            .map_err(|e| Failure::page(Occurrence::from(e)))?,
        None => None,
    };
    // An ID token names a client of ours as its audience.
    if hint.is_some() && client.is_none() {
        return Err(Failure::page(
            ID_TOKEN_HINT_INVALID.with_detail("its audience is no client of this server"),
        ));
    }
    let target = get("post_logout_redirect_uri")
        .map(|u| check_post_logout_uri(u, client.as_ref()))
        .transpose()
        .map_err(Failure::page)?;
    let state = get("state");

    let token = cookies::get(app, headers, Cookie::Session);
    let session = super::signin::session(app, headers)
        .await
        .map_err(Failure::page)?;
    if let (Some(session), Some(token)) = (&session, &token) {
        // The hint names the user as its client knows them: the pairwise
        // `sub` of a pairwise client (OIDC Core §8).
        let hinted = match (&hint, &client) {
            (Some(h), Some(c)) => h.sub == c.subject(&app.secrets, &session.sub),
            _ => false,
        };
        let confirmed = get("confirm") == Some("yes");
        if confirmed {
            let ok = get("csrf").is_some_and(|c| {
                use subtle::ConstantTimeEq;
                c.as_bytes().ct_eq(csrf(app, token).as_bytes()).into()
            });
            if !ok {
                return Err(Failure::page(CSRF_TOKEN_INVALID.occur()));
            }
        }
        if !hinted && !confirmed {
            return Ok(confirm_page(
                app,
                view,
                token,
                client_id.as_deref(),
                target.as_deref(),
                state,
                client.as_ref(),
            ));
        }
        let ending =
            crate::backchannel::before_end(app.store.as_ref(), &session.sub, Some(&session.sid))
                .await;
        // Its grants without offline_access end with it (OIDC Core §11).
        let now = latchkey_core::now_unix();
        app.store
            .end_session(
                &session.sub,
                &session.sid,
                now,
                crate::backchannel::revocation_horizon(app, now),
            )
            .await
            .map_err(|e| Failure::page(Occurrence::from(e)))?;
        crate::backchannel::after_end(app, ending).await;
        let address = super::client_address::of(extensions, headers, &app.config.trusted_proxies)
            .map(|ip| ip.to_string());
        let mut event = latchkey_core::audit::AuditEvent::new(
            &latchkey_core::audit::Actor::User(session.sub.clone()),
            latchkey_core::audit::kind::LOGOUT,
            format!("user:{}", session.sub),
        )
        .address(address)
        .with("sid", session.sid.as_str())
        .with("id_token_hint", hinted);
        if let Some(client_id) = &client_id {
            event = event.with("client_id", client_id.as_str());
        }
        crate::audit::record(app, event).await;
    }
    let mut res = match target {
        Some(uri) => {
            let mut location = uri;
            if let Some(state) = state {
                let sep = if location.contains('?') { '&' } else { '?' };
                let encoded: String = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("state", state)
                    .finish();
                location = format!("{location}{sep}{encoded}");
            }
            super::respond::see_other(&location)
        }
        None => {
            let t = |id: &str| esc(&view.lang.t(id));
            let body = format!(
                "<h1>{}</h1><p>{}</p>",
                t("logout-done-heading"),
                t("logout-done")
            );
            let title = view.lang.t("logout-done-title");
            html_response(StatusCode::OK, layout(&app.brand, view, &title, &body))
        }
    };
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    if token.is_some()
        && let Some(c) = cookies::set(app, Cookie::Session, "", Some(0))
    {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

fn confirm_page(
    app: &App,
    view: &View,
    token: &str,
    client_id: Option<&str>,
    target: Option<&str>,
    state: Option<&str>,
    client: Option<&latchkey_core::client::ClientRecord>,
) -> Response {
    let hidden = |name: &str, value: Option<&str>| {
        value
            .map(|v| {
                format!(
                    "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                    esc(v)
                )
            })
            .unwrap_or_default()
    };
    let from = client
        .map(|c| {
            let name = c.metadata.client_name.as_deref().unwrap_or(&c.client_id);
            let name = format!("<strong>{}</strong>", esc(name));
            format!(
                "<p class=\"muted\">{}</p>",
                html(view.lang, "logout-requested-by", &[("client", &name)])
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1>{heading}</h1><p>{explain}</p>{from}\
<form method=\"post\" action=\"/logout\">{}{}{}{}\
<input type=\"hidden\" name=\"confirm\" value=\"yes\">\
<div class=\"actions\"><button type=\"submit\" class=\"primary\" autofocus>{button}</button></div></form>",
        hidden("csrf", Some(&csrf(app, token))),
        hidden("client_id", client_id),
        hidden("post_logout_redirect_uri", target),
        hidden("state", state),
        heading = esc(&view.lang.t("logout-heading")),
        explain = esc(&view.lang.t("logout-explain")),
        button = esc(&view.lang.t("logout-title")),
    );
    let title = view.lang.t("logout-title");
    html_response(StatusCode::OK, layout(&app.brand, view, &title, &body))
}
