//! TEMPORARY stand-in of the console shell's interface, replaced by the
//! shell itself when it is merged.

use crate::app::App;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

pub mod clients;
pub mod errors;
pub mod keys;

pub fn routes() -> axum::Router<std::sync::Arc<App>> {
    axum::Router::new()
        .merge(clients::routes())
        .merge(keys::routes())
        .merge(errors::routes())
}

pub struct Admin {
    pub sub: String,
    pub username: String,
    pub can_write: bool,
}

impl Admin {
    pub fn csrf_field(&self) -> String {
        String::new()
    }
    #[allow(clippy::result_large_err)]
    pub fn check(&self, _form: &HashMap<String, String>, write: bool) -> Result<(), Response> {
        if write && !self.can_write {
            return Err(axum::http::StatusCode::FORBIDDEN.into_response());
        }
        Ok(())
    }
}

pub async fn gate(
    _app: &App,
    _headers: &axum::http::HeaderMap,
    _uri: &axum::http::Uri,
) -> Result<Admin, Response> {
    Err(axum::http::StatusCode::UNAUTHORIZED.into_response())
}

pub enum Nav {
    Home,
    Clients,
    Users,
    Keys,
    Errors,
    Audit,
}

pub fn page(_app: &App, _admin: &Admin, _nav: Nav, title: &str, body_html: &str) -> Response {
    axum::response::Html(format!("<title>{title}</title>{body_html}")).into_response()
}
