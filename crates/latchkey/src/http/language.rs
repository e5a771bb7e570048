//! Which language a page speaks, and the switcher on every page.
//!
//! [`View`] is what a page needs to know about the person reading it: the
//! language ([`latchkey_core::i18n::choose`] decides) and the address the
//! page was asked at, where the switcher comes back to. Pages of a sign-in
//! get theirs from [`super::signin::pending::Pending`], which also knows the
//! client's `ui_locales`; every other page extracts it from the request.

use crate::app::App;
use crate::http::cookies::{self, Cookie};
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::i18n::{self, Lang};
use std::convert::Infallible;
use std::sync::Arc;

/// The language a page speaks and where it lives.
#[derive(Debug, Clone)]
pub struct View {
    pub lang: Lang,
    /// Path and query of the page, for the switcher to return to.
    pub here: String,
}

impl Default for View {
    fn default() -> View {
        View {
            lang: Lang::En,
            here: "/".into(),
        }
    }
}

/// The two headers that choose an error page's language, kept from a
/// request before it is handled (clones share the bytes).
pub struct PageHeaders {
    cookie: Vec<HeaderValue>,
    accept_language: Option<HeaderValue>,
}

impl PageHeaders {
    pub fn of(headers: &HeaderMap) -> PageHeaders {
        PageHeaders {
            cookie: headers.get_all(header::COOKIE).iter().cloned().collect(),
            accept_language: headers.get(header::ACCEPT_LANGUAGE).cloned(),
        }
    }

    pub fn view(&self, app: &App, uri: &Uri) -> View {
        let mut headers = HeaderMap::new();
        for c in &self.cookie {
            headers.append(header::COOKIE, c.clone());
        }
        if let Some(a) = &self.accept_language {
            headers.insert(header::ACCEPT_LANGUAGE, a.clone());
        }
        View::of_request(app, &headers, uri)
    }
}

impl View {
    /// A page's view from its request: a language picked earlier, the
    /// `ui_locales` of the address itself (the authorization request's own
    /// error pages), then `Accept-Language`.
    pub fn of_request(app: &App, headers: &HeaderMap, uri: &Uri) -> View {
        let ui_locales = uri.query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "ui_locales")
                .map(|(_, v)| v.into_owned())
        });
        View {
            lang: choose(app, headers, ui_locales.as_deref(), None),
            here: uri
                .path_and_query()
                .map_or_else(|| "/".to_string(), |p| p.as_str().to_string()),
        }
    }
}

/// The language for a request: see [`i18n::choose`]. `started_at` is when
/// the sign-in the page belongs to began.
pub fn choose(
    app: &App,
    headers: &HeaderMap,
    ui_locales: Option<&str>,
    started_at: Option<i64>,
) -> Lang {
    let picked = cookies::get(app, headers, Cookie::Language).and_then(|v| i18n::read_cookie(&v));
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    i18n::choose(picked, ui_locales, started_at, accept)
}

impl FromRequestParts<Arc<App>> for View {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Infallible> {
        Ok(View::of_request(app, &parts.headers, &parts.uri))
    }
}

/// The switcher: every language by its own name, the current one marked.
/// Plain links, so it works without JavaScript.
pub fn switcher(view: &View) -> String {
    let back: String = url::form_urlencoded::byte_serialize(view.here.as_bytes()).collect();
    let items: String = Lang::ALL
        .into_iter()
        .map(|lang| {
            if lang == view.lang {
                format!(
                    "<li><span aria-current=\"true\" lang=\"{tag}\">{name}</span></li>",
                    tag = lang.tag(),
                    name = esc(lang.name())
                )
            } else {
                format!(
                    "<li><a href=\"/language?to={tag}&amp;return={back}\" lang=\"{tag}\" hreflang=\"{tag}\">{name}</a></li>",
                    tag = lang.tag(),
                    name = esc(lang.name()),
                    back = esc(&back),
                )
            }
        })
        .collect();
    format!(
        "<nav class=\"languages\" aria-label=\"{label}\"><ul>{items}</ul></nav>",
        label = esc(&view.lang.t("language"))
    )
}

#[derive(serde::Deserialize)]
pub struct Switch {
    to: Option<String>,
    #[serde(rename = "return")]
    back: Option<String>,
}

/// Seconds the language choice is remembered (a year).
const REMEMBER: i64 = 365 * 24 * 3600;

/// `GET /language?to=de&return=/login?i=…`: remember the choice, then go
/// back to the page. Only a path on this server is a place to go back to.
pub async fn switch(State(app): State<Arc<App>>, Query(q): Query<Switch>) -> Response {
    let back = q
        .back
        .as_deref()
        .filter(|b| is_local_path(b))
        .unwrap_or("/");
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response();
    if let Some(lang) = q.to.as_deref().and_then(Lang::from_tag) {
        let value = i18n::cookie_value(lang, latchkey_core::now_unix());
        if let Some(c) = cookies::set(&app, Cookie::Language, &value, Some(REMEMBER)) {
            res.headers_mut().append(header::SET_COOKIE, c);
        }
    }
    res
}

/// A path on this server: `/…`, not `//host` nor `/\host` (which browsers
/// read as another host), and nothing a header could not carry.
fn is_local_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && !p.starts_with("/\\")
        && p.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert!(is_local_path("/login?i=abc"));
        assert!(is_local_path("/"));
        assert!(!is_local_path("//evil.example/"));
        assert!(!is_local_path("/\\evil.example/"));
        assert!(!is_local_path("https://evil.example/"));
        assert!(!is_local_path("/a b"));
        assert!(!is_local_path("/a\r\nSet-Cookie: x"));
        assert!(!is_local_path(""));
    }

    #[test]
    fn the_switcher_links_the_other_languages_back_here() {
        let html = switcher(&View {
            lang: Lang::En,
            here: "/login?i=a&b".into(),
        });
        assert!(html.contains("<span aria-current=\"true\" lang=\"en\">English</span>"));
        assert!(html.contains(
            "href=\"/language?to=de&amp;return=%2Flogin%3Fi%3Da%26b\" lang=\"de\" hreflang=\"de\">Deutsch</a>"
        ));
        assert!(html.contains("aria-label=\"Language\""));
    }
}
