//! The admin console's audit trail (`/admin/audit`): the events, newest
//! first, filtered by actor, target and kind, page by page. The filters
//! and the pages are the admin API's (`manage::audit`, read from the same
//! query string as `GET /admin/v1/audit`).

use super::users::{alert_html, when};
use super::{Nav, gate, page};
use crate::app::App;
use crate::manage;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use latchkey_core::audit::{AuditQuery, AuditRecord, KINDS, Outcome};
use latchkey_core::authorize::RawParams;
use latchkey_core::error::docs::escape_html as esc;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/admin/audit", get(list))
}

fn encoded(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The link to the trail filtered as `q`, from `before` on.
fn link(q: &AuditQuery, before: Option<i64>) -> String {
    let mut parts = Vec::new();
    for (name, value) in [
        ("actor", &q.actor),
        ("target", &q.target),
        ("kind", &q.kind),
    ] {
        if let Some(v) = value {
            parts.push(format!("{name}={}", encoded(v)));
        }
    }
    if let Some(b) = before {
        parts.push(format!("before={b}"));
    }
    match parts.is_empty() {
        true => "/admin/audit".into(),
        false => format!("/admin/audit?{}", parts.join("&")),
    }
}

/// `user:{sub}` as a link to the user's page, anything else as text.
fn party(value: &str) -> String {
    match value.strip_prefix("user:") {
        Some(sub) if !sub.is_empty() => format!(
            "<a href=\"/admin/users/{}\"><code>{}</code></a>",
            esc(&encoded(sub)),
            esc(value)
        ),
        _ => format!("<code>{}</code>", esc(value)),
    }
}

fn event_html(e: &AuditRecord) -> String {
    let ev = &e.event;
    let outcome = match ev.outcome {
        Outcome::Success => String::new(),
        Outcome::Failure => " <span class=\"tag\">failed</span>".into(),
    };
    let detail = match &ev.detail {
        serde_json::Value::Object(map) if map.is_empty() => String::new(),
        other => format!(
            "<br><code class=\"detail\">{}</code>",
            esc(&other.to_string())
        ),
    };
    let address = ev
        .address
        .as_deref()
        .map(|a| format!(" from {}", esc(a)))
        .unwrap_or_default();
    format!(
        "<li class=\"event\" data-id=\"{id}\" data-kind=\"{kind}\"><div><strong>{kind}</strong>{outcome} \
<span class=\"muted\">{at}</span><br>by {actor}{address} on {target}{detail}</div></li>",
        id = e.id,
        kind = esc(&ev.kind),
        at = esc(&when(ev.at)),
        actor = party(&ev.actor),
        target = party(&ev.target),
    )
}

/// The trail page's body: the filters, the events, the next page's link.
pub fn body(q: &AuditQuery, events: &[AuditRecord], next: Option<i64>, alert: &str) -> String {
    let value = |v: &Option<String>| esc(v.as_deref().unwrap_or(""));
    let kinds: String = KINDS
        .iter()
        .map(|k| {
            let selected = if q.kind.as_deref() == Some(*k) {
                " selected"
            } else {
                ""
            };
            format!("<option value=\"{k}\"{selected}>{k}</option>", k = esc(k))
        })
        .collect();
    let any = if q.kind.is_none() { " selected" } else { "" };
    let list = if events.is_empty() {
        "<p class=\"muted\" id=\"events-none\">No event matches.</p>".to_string()
    } else {
        format!(
            "<ul class=\"rows\" id=\"events\">{}</ul>",
            events.iter().map(event_html).collect::<String>()
        )
    };
    let more = next
        .map(|b| {
            format!(
                "<p><a id=\"events-next\" href=\"{}\">Older events</a></p>",
                esc(&link(q, Some(b)))
            )
        })
        .unwrap_or_default();
    format!(
        "<div class=\"account console-page\">{alert}\
<form method=\"get\" action=\"/admin/audit\" role=\"search\" aria-label=\"Filter the audit trail\"><div class=\"fields\">\
<div><label for=\"kind\">Kind</label><select id=\"kind\" name=\"kind\"><option value=\"\"{any}>Any kind</option>{kinds}</select></div>\
<div><label for=\"actor\">Actor (e.g. user:SUB, admin:admin_token, system)</label><input id=\"actor\" name=\"actor\" type=\"text\" value=\"{actor}\"></div>\
<div><label for=\"target\">Target (e.g. user:SUB, a client id)</label><input id=\"target\" name=\"target\" type=\"text\" value=\"{target}\"></div>\
</div><div class=\"actions\"><button type=\"submit\" class=\"primary\">Filter</button> <a href=\"/admin/audit\">Clear</a></div></form>\
<section id=\"trail\" aria-labelledby=\"trail-h\"><h2 id=\"trail-h\">Events, newest first</h2>{list}{more}</section></div>",
        actor = value(&q.actor),
        target = value(&q.target),
    )
}

/// `GET /admin/audit?kind=&actor=&target=&before=`
async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    let admin = match gate(&app, &headers, &uri).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let params = RawParams::parse(query.as_deref().unwrap_or(""));
    let outcome = match manage::audit::query(&params) {
        Ok(q) => manage::audit::page(app.store.as_ref(), &q)
            .await
            .map(|(events, next)| (q, events, next)),
        Err(occ) => Err(occ),
    };
    let (html, status) = match outcome {
        Ok((q, events, next)) => (body(&q, &events, next, ""), StatusCode::OK),
        Err(occ) => {
            let alert = alert_html(&app.config.issuer, &occ);
            let status = crate::http::respond::status_of(&occ);
            (body(&AuditQuery::default(), &[], None, &alert), status)
        }
    };
    let mut res = page(&app, &admin, Nav::Audit, "Audit trail", &html);
    if res.status() == StatusCode::OK {
        *res.status_mut() = status;
    }
    res
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use latchkey_core::audit::{Actor, AuditEvent, kind};

    #[test]
    fn events_link_users_escape_and_page_with_their_filters() {
        let q = AuditQuery {
            actor: Some("user:a&b".into()),
            kind: Some(kind::SIGN_IN.into()),
            limit: 50,
            ..Default::default()
        };
        let e = AuditRecord {
            id: 7,
            event: AuditEvent::new(&Actor::User("a&b".into()), kind::SIGN_IN, "<x>")
                .failed()
                .with("cause", "user_locked"),
        };
        let html = body(&q, &[e], Some(7), "");
        assert!(html.contains("href=\"/admin/users/a%26b\""), "{html}");
        assert!(html.contains("&lt;x&gt;") && !html.contains("<x>"));
        assert!(html.contains("failed"));
        assert!(html.contains("value=\"sign_in\" selected"));
        assert!(
            html.contains("/admin/audit?actor=user%3Aa%26b&amp;kind=sign_in&amp;before=7"),
            "{html}"
        );
        assert!(html.contains("&quot;cause&quot;:&quot;user_locked&quot;"));
        let none = body(&AuditQuery::default(), &[], None, "");
        assert!(none.contains("No event matches.") && !none.contains("events-next"));
    }
}
