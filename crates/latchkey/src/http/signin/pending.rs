//! The sign-in in progress, loaded once for every page of the journey:
//! [`Pending`] for a page shown (`GET …?i=`), [`Submitted`] for a form sent
//! back (`POST`, with its CSRF token checked). Both check that the sign-in
//! belongs to this browser and is still live, and load its client.

use super::{cookies, refuse};
use crate::app::App;
use crate::http::language::{self, View};
use crate::http::respond::Failure;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use latchkey_core::Occurrence;
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{
    CLIENT_ID_UNKNOWN, CSRF_TOKEN_INVALID, MALFORMED_BODY, REQUEST_TOO_LARGE, SESSION_LOST,
    UNSUPPORTED_CONTENT_TYPE,
};
use latchkey_core::client::ClientRecord;
use latchkey_core::session::InteractionRecord;
use std::sync::Arc;

/// A sign-in in progress, checked against this browser.
pub struct Pending {
    pub interaction: InteractionRecord,
    pub client: ClientRecord,
    /// The browser binding (the cookie's value).
    pub browser: String,
    pub headers: HeaderMap,
    /// The page's language (the client's `ui_locales` count) and address.
    pub view: View,
}

impl Pending {
    /// The CSRF token for the forms of this page.
    pub fn csrf(&self, app: &App) -> String {
        csrf(app, &self.browser)
    }

    /// The client's name for people.
    pub fn client_name(&self) -> &str {
        client_name(&self.client)
    }

    /// A refusal on this sign-in's channel.
    pub fn refuse(&self, occ: Occurrence) -> Failure {
        refuse(&self.interaction.purpose, occ)
    }

    /// [`Pending::refuse`] as a closure, for `map_err`.
    pub fn back(&self) -> impl Fn(Occurrence) -> Failure + use<> {
        super::back(&self.interaction.purpose)
    }
}

/// A form sent back from a page of the sign-in, its CSRF token checked.
pub struct Submitted {
    pub pending: Pending,
    pub form: RawParams,
}

impl Submitted {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.form.single(name).ok().flatten()
    }
}

/// The CSRF token for this browser.
pub fn csrf(app: &App, browser: &str) -> String {
    app.secrets.hash(&format!("csrf:{browser}"))
}

/// Whether `form` carries this browser's CSRF token (compared in
/// constant time).
pub fn csrf_matches(app: &App, browser: &str, form: &RawParams) -> bool {
    let expected = csrf(app, browser);
    form.single("csrf").ok().flatten().is_some_and(|t| {
        use subtle::ConstantTimeEq;
        t.as_bytes().ct_eq(expected.as_bytes()).into()
    })
}

pub fn client_name(client: &ClientRecord) -> &str {
    client
        .metadata
        .client_name
        .as_deref()
        .unwrap_or(&client.client_id)
}

#[derive(serde::Deserialize)]
struct Id {
    i: Option<String>,
}

impl FromRequestParts<Arc<App>> for Pending {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Failure> {
        let Query(id) = Query::<Id>::try_from_uri(&parts.uri).unwrap_or(Query(Id { i: None }));
        let mut p = load(app, &parts.headers, id.i.as_deref()).await?;
        if let Some(here) = parts.uri.path_and_query() {
            p.view.here = here.as_str().to_string();
        }
        Ok(p)
    }
}

impl FromRequest<Arc<App>> for Submitted {
    type Rejection = Failure;

    async fn from_request(req: Request, app: &Arc<App>) -> Result<Self, Failure> {
        let headers = req.headers().clone();
        let path = req.uri().path().to_string();
        if !crate::http::is_form(&headers) {
            return Err(Failure::page(UNSUPPORTED_CONTENT_TYPE.occur()));
        }
        let body = Bytes::from_request(req, app).await.map_err(|e| {
            Failure::page(if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                REQUEST_TOO_LARGE.occur()
            } else {
                MALFORMED_BODY.with_detail(e.body_text())
            })
        })?;
        let form = RawParams::parse(&String::from_utf8_lossy(&body));
        let mut pending = load(app, &headers, form.single("i").ok().flatten()).await?;
        // A page answering this form switches language back to its own
        // form, the address of the same path with the sign-in's id.
        let id: String =
            url::form_urlencoded::byte_serialize(pending.interaction.id.as_bytes()).collect();
        pending.view.here = format!("{path}?i={id}");
        if !csrf_matches(app, &pending.browser, &form) {
            return Err(pending.refuse(CSRF_TOKEN_INVALID.occur()));
        }
        Ok(Submitted { pending, form })
    }
}

/// The sign-in `id` and its client, checked against this browser. One
/// whose interaction or browser binding is gone ends with `session_lost`:
/// redirected to the client when we still know where it came from.
pub async fn load(app: &App, headers: &HeaderMap, id: Option<&str>) -> Result<Pending, Failure> {
    let lost = |detail: &str| Failure::page(SESSION_LOST.with_detail(detail.to_string()));
    let id = id.ok_or_else(|| lost("the link does not name a sign-in in progress"))?;
    let interaction = app
        .store
        .get_interaction(id)
        .await
        .map_err(|e| Failure::page(Occurrence::from(e)))?
        .ok_or_else(|| lost("this sign-in is unknown or long finished"))?;
    let back = super::back(&interaction.purpose);
    let browser = cookies::browser(app, headers)
        .filter(|b| app.secrets.verify(b, &interaction.browser_hash))
        .ok_or_else(|| back(SESSION_LOST.with_detail("the browser that started this sign-in is not this one, or its cookies were cleared")))?;
    if interaction.expires_at <= latchkey_core::now_unix() {
        return Err(back(
            SESSION_LOST.with_detail("the sign-in took too long and expired"),
        ));
    }
    let client = app
        .store
        .get_client(interaction.purpose.client_id())
        .await
        .map_err(|e| back(e.into()))?
        .ok_or_else(|| back(CLIENT_ID_UNKNOWN.occur()))?;
    let view = View {
        lang: language::choose(
            app,
            headers,
            interaction.purpose.ui_locales(),
            Some(interaction.created_at),
        ),
        here: "/".into(),
    };
    Ok(Pending {
        interaction,
        client,
        browser,
        headers: headers.clone(),
        view,
    })
}
