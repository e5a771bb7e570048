//! The console's signing keys (`/admin/keys`): every key with its
//! algorithm, state, age and whether `/jwks` publishes it, and a rotation
//! (of every algorithm, as the admin API's `POST /keys/rotate`, or of one).

use super::clients::{actor, address, failed, notice_html, query_value, when};
use super::{Admin, Nav, gate, page};
use crate::app::App;
use crate::http::respond::see_other;
use crate::manage;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::keys::{Alg, KeyRecord};
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/admin/keys", get(list).post(rotate))
}

type Answer = Result<Response, Response>;

/// `GET /admin/keys`
async fn list(State(app): State<Arc<App>>, headers: HeaderMap, uri: axum::http::Uri) -> Answer {
    let admin = gate(&app, &headers, &uri).await?;
    let keys = app.store.list_keys().await.map_err(|e| failed(e.into()))?;
    let rotated = query_value(&uri, "rotated");
    let notice = rotated.map(|kids| format!("New active keys: {kids}."));
    let body = keys_body(&admin, &keys, latchkey_core::now_unix(), notice.as_deref());
    Ok(page(&app, &admin, Nav::Keys, "Signing keys", &body))
}

/// `POST /admin/keys`: rotate the keys of `alg` (`all`, or one algorithm);
/// this node signs with the new keys at once, other nodes at their next
/// key refresh (as after the admin API's rotation).
async fn rotate(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> Answer {
    let admin = gate(&app, &headers, &uri).await?;
    let form = super::clients::FormData::parse(&body);
    admin.check(&form.first, true)?;
    let algs = manage::keys::algorithms(Some(form.get("alg"))).map_err(failed)?;
    let store = app.store.as_ref();
    let new = manage::keys::rotate(store, &app.secrets, &algs, app.config.access_token_ttl)
        .await
        .map_err(failed)?;
    let keys = manage::keys::load(store, &app.secrets)
        .await
        .map_err(failed)?;
    app.set_keys(keys);
    let event = crate::audit::keys_rotated(&actor(&admin), &new).address(address(
        &app,
        &extensions,
        &headers,
    ));
    crate::audit::record(&app, event).await;
    let kids: Vec<&str> = new.iter().map(|k| k.kid.as_str()).collect();
    Ok(see_other(&format!(
        "/admin/keys?rotated={}",
        super::clients::segment(&kids.join(", "))
    )))
}

fn keys_body(admin: &Admin, keys: &[KeyRecord], now: i64, notice: Option<&str>) -> String {
    let rows: String = keys
        .iter()
        .map(|k| {
            let published = if k.is_published(now) {
                match (k.state, k.publish_until) {
                    (latchkey_core::keys::KeyState::Retired, Some(until)) => {
                        format!("yes, until {}", esc(&when(until)))
                    }
                    _ => "yes".to_string(),
                }
            } else {
                "no".to_string()
            };
            format!(
                "<tr><th scope=\"row\"><code>{kid}</code></th><td>{alg}</td><td><span class=\"tag{off}\">{state}</span></td>\
<td>{created}</td><td>{published}</td></tr>",
                kid = esc(&k.kid),
                alg = esc(&k.alg),
                off = if k.state == latchkey_core::keys::KeyState::Active { "" } else { " off" },
                state = esc(k.state.as_str()),
                created = esc(&when(k.created_at)),
            )
        })
        .collect();
    let forms = if admin.can_write {
        let csrf = admin.csrf_field();
        let one = |alg: &str, label: &str| {
            format!(
                "<form method=\"post\" action=\"/admin/keys\">{csrf}<input type=\"hidden\" name=\"alg\" value=\"{alg}\">\
<button type=\"submit\" id=\"rotate-{id}\">{label}</button></form>",
                id = alg.to_lowercase(),
            )
        };
        let mut buttons = one("all", "Rotate every algorithm");
        for alg in Alg::ALL {
            buttons.push_str(&one(alg.as_str(), &format!("Rotate {}", alg.as_str())));
        }
        format!(
            "<section aria-labelledby=\"rotate-h\"><h2 id=\"rotate-h\">Rotate</h2>\
<p>A rotation makes a new active key; the key it replaces stays published until every token it signed has expired.</p>\
<div class=\"actions wrap\">{buttons}</div></section>"
        )
    } else {
        String::new()
    };
    format!(
        "{notice}\
<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"keys-caption\" tabindex=\"0\">\
<table id=\"keys\"><caption id=\"keys-caption\">Keys, newest first</caption>\
<thead><tr><th scope=\"col\">Key ID (kid)</th><th scope=\"col\">Algorithm</th><th scope=\"col\">State</th>\
<th scope=\"col\">Created</th><th scope=\"col\">Published</th></tr></thead><tbody>{rows}</tbody></table></div>{forms}",
        notice = notice_html(notice),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::keys::KeyState;

    fn key(kid: &str, state: KeyState, publish_until: Option<i64>) -> KeyRecord {
        KeyRecord {
            kid: kid.into(),
            alg: "ES256".into(),
            state,
            private_sealed: Vec::new(),
            public_jwk: serde_json::Value::Null,
            created_at: 0,
            retired_at: None,
            publish_until,
        }
    }

    #[test]
    fn keys_show_their_publication_and_rotation_forms_to_writers_only() {
        let keys = [
            key("new<", KeyState::Active, None),
            key("old", KeyState::Retired, Some(7200)),
            key("gone", KeyState::Retired, Some(10)),
        ];
        let html = keys_body(
            &super::super::clients::tests::admin(true),
            &keys,
            3600,
            None,
        );
        assert!(html.contains("new&lt;") && !html.contains("new<"));
        assert!(html.contains("yes, until 1970-01-01 02:00 UTC"));
        assert_eq!(html.matches("<td>no</td>").count(), 1);
        assert_eq!(html.matches("method=\"post\"").count(), 1 + Alg::ALL.len());
        let html = keys_body(
            &super::super::clients::tests::admin(false),
            &keys,
            3600,
            None,
        );
        assert!(!html.contains("method=\"post\""));
    }
}
