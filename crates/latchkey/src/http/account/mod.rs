//! The account page, `/account`: a person's own profile, password, second
//! factor, passkeys, sessions and connected applications.
//!
//! - It needs the browser's session. Without one, a sign-in starts whose
//!   purpose is the account page (`Purpose::Account`): the same journey as
//!   for a client, finished by coming back here instead of issuing a code.
//! - Every change needs a recent sign-in (`account.reauth_after`), with the
//!   second factor when the user has one. Otherwise the change is not made:
//!   the person signs in again (password, then the second factor) and comes
//!   back to the page to make it.
//! - Every form carries the CSRF token of the browser binding, like the
//!   sign-in pages; every change is recorded in the audit trail.
//!
//! [`view`] renders; [`change`] holds the handlers of the forms.

mod change;
mod view;

pub use change::change;

use crate::app::App;
use crate::http::cookies;
use crate::http::language::View;
use crate::http::respond::Failure;
use crate::http::signin;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use latchkey_core::Occurrence;
use latchkey_core::request::{AccountRequest, Purpose};
use latchkey_core::session::SessionRecord;
use latchkey_core::user::UserRecord;
use std::sync::Arc;

/// A signed-in person on the account page.
pub(crate) struct Visit {
    pub session: SessionRecord,
    pub user: UserRecord,
    /// The browser binding the forms' CSRF token derives from.
    pub browser: String,
    /// `Set-Cookie` for a binding made for this answer.
    pub new_browser: Option<HeaderValue>,
    /// The language the pages speak; the switcher comes back to the page.
    pub view: View,
}

impl Visit {
    pub fn csrf(&self, app: &App) -> String {
        signin::pending::csrf(app, &self.browser)
    }

    /// The actor and target of this person's own changes.
    pub fn actor(&self) -> latchkey_core::audit::Actor {
        latchkey_core::audit::Actor::User(self.user.sub.clone())
    }

    pub fn target(&self) -> String {
        format!("user:{}", self.user.sub)
    }
}

/// The signed-in person, or `None` when a sign-in must come first. A
/// session whose user was deleted is ended here (else the sign-in would
/// find it and come straight back).
async fn visitor(app: &App, headers: &HeaderMap, view: View) -> Result<Option<Visit>, Failure> {
    let Some(session) = signin::session(app, headers).await.map_err(Failure::page)? else {
        return Ok(None);
    };
    let user = app
        .store
        .get_user(&session.sub)
        .await
        .map_err(|e| Failure::page(Occurrence::from(e)))?;
    let Some(user) = user else {
        app.store
            .delete_session(&session.id_hash)
            .await
            .map_err(|e| Failure::page(Occurrence::from(e)))?;
        return Ok(None);
    };
    let (browser, new_browser) = match cookies::browser(app, headers) {
        Some(b) => (b, None),
        None => {
            let b = cookies::new_browser(app).map_err(|e| Failure::page(Occurrence::from(e)))?;
            let c = cookies::set(app, cookies::Cookie::Browser, &b, None);
            (b, c)
        }
    };
    Ok(Some(Visit {
        session,
        user,
        browser,
        new_browser,
        view: View {
            here: "/account".into(),
            ..view
        },
    }))
}

/// Start a sign-in for the account page that comes back to
/// `request.return_to`.
pub(crate) async fn sign_in(
    app: &Arc<App>,
    headers: &HeaderMap,
    request: AccountRequest,
) -> Result<Response, Failure> {
    let purpose = Purpose::Account { account: request };
    signin::arrive(app, headers, purpose, &signin::account_client(), None).await
}

#[derive(serde::Deserialize)]
pub struct Shown {
    /// What was just done, to say so at the top of the page.
    done: Option<String>,
}

/// `GET /account`
pub async fn page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    view: View,
    Query(shown): Query<Shown>,
) -> Result<Response, Failure> {
    let Some(visit) = visitor(&app, &headers, view).await? else {
        return sign_in(&app, &headers, AccountRequest::new("/account")).await;
    };
    let notice = shown.done.as_deref().and_then(view::notice);
    let html = view::page(&app, &visit, notice, None)
        .await
        .map_err(Failure::page)?;
    Ok(answer(&visit, StatusCode::OK, html))
}

/// An HTML answer for `visit`, with the browser binding when it is new.
/// The passkey forms run the one passkey script (`script-src 'self'`).
pub(crate) fn answer(visit: &Visit, status: StatusCode, html: String) -> Response {
    let mut res = signin::passkey::with_script(crate::http::pages::html_response(status, html));
    if let Some(c) = &visit.new_browser {
        res.headers_mut().append(header::SET_COOKIE, c.clone());
    }
    res
}

/// A refusal shown on the page itself: logged once with its `error_id`,
/// answered with the cause's status.
pub(crate) async fn refused(app: &App, visit: &Visit, occ: &Occurrence) -> Response {
    tracing::info!(error_id = %occ.error_id, cause = occ.cause.id, sub = %visit.user.sub, detail = %occ.description(), "account change refused");
    let status = crate::http::respond::status_of(occ);
    match view::page(app, visit, None, Some(occ)).await {
        Ok(html) => answer(visit, status, html),
        Err(e) => axum::response::IntoResponse::into_response(Failure::page(e)),
    }
}
