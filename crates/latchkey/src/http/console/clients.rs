//! The console's clients (`/admin/clients`): the list with a search, a new
//! client, and a client's page (its common fields as a form, its whole
//! metadata as JSON, a secret rotation with a grace period, switching it
//! off and on, deleting it after a confirmation), with its last use and
//! its errors by cause over the last 24 hours. Every change goes through
//! the operations the admin API uses (`manage::clients`) and is kept in
//! the audit trail. The helpers at the end are shared by the console's
//! keys and errors pages.

use super::{Admin, Nav, gate, page};
use crate::app::App;
use crate::http::respond::{Failure, see_other};
use crate::manage;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use latchkey_core::Occurrence;
use latchkey_core::client::{AUTH_METHODS, ClientRecord, GRANT_TYPES};
use latchkey_core::error::docs::escape_html as esc;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/admin/clients", get(list))
        .route("/admin/clients/new", get(new_form).post(create))
        .route("/admin/clients/{client_id}", get(show).post(change))
        .route("/admin/clients/{client_id}/delete", get(confirm_delete))
        .route("/admin/assets/copy.js", get(copy_script))
}

type Answer = Result<Response, Response>;

/// Where a client's page is.
pub(super) fn client_path(client_id: &str) -> String {
    format!("/admin/clients/{}", segment(client_id))
}

/// A value as one percent-encoded path segment or query value.
pub(super) fn segment(value: &str) -> String {
    // Only a space becomes `+`, which a path would keep as a plus.
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

// ---------------------------------------------------------------------------
// Handlers

/// `GET /admin/clients?q=`: every client, or those matching the search.
async fn list(State(app): State<Arc<App>>, headers: HeaderMap, uri: axum::http::Uri) -> Answer {
    let admin = gate(&app, &headers, &uri).await?;
    let query = query_value(&uri, "q").unwrap_or_default();
    let mut clients = manage::clients::search(app.store.as_ref(), &query)
        .await
        .map_err(failed)?;
    // Built-in clients are left out, as from the admin API's list (their
    // pages still show them).
    clients.retain(|c| crate::builtin::guard_client(&c.client_id).is_ok());
    let uses: HashMap<String, i64> = app
        .store
        .list_client_uses()
        .await
        .map_err(|e| failed(e.into()))?
        .into_iter()
        .collect();
    let notice = query_value(&uri, "done").and_then(|d| notice_text(&d));
    let body = list_body(&admin, &clients, &uses, &query, notice);
    Ok(page(&app, &admin, Nav::Clients, "Clients", &body))
}

/// `GET /admin/clients/new`: the form for a new client.
async fn new_form(State(app): State<Arc<App>>, headers: HeaderMap, uri: axum::http::Uri) -> Answer {
    let admin = gate(&app, &headers, &uri).await?;
    admin.require_write()?;
    let body = new_body(&app, &admin, &Fields::default(), None);
    Ok(page(&app, &admin, Nav::Clients, "New client", &body))
}

/// `POST /admin/clients/new`: create the client; its secret is shown on
/// the answer, once.
async fn create(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> Answer {
    let admin = gate(&app, &headers, &uri).await?;
    let form = FormData::parse(&body);
    admin.check(&form.first, true)?;
    let fields = Fields::from_form(&form);
    let created = manage::clients::create(
        app.store.as_ref(),
        &app.secrets,
        &app.fetcher,
        app.config.client_limits(),
        fields.create_body(),
    )
    .await;
    let created = match created {
        Ok(created) => created,
        Err(occ) => {
            crate::http::respond::report(&app, &occ, "/admin/clients/new");
            let body = new_body(&app, &admin, &fields, Some(&occ));
            return Ok(with_status(
                page(&app, &admin, Nav::Clients, "New client", &body),
                &occ,
            ));
        }
    };
    let event = crate::audit::client_created(
        &actor(&admin),
        address(&app, &extensions, &headers),
        &created,
    );
    crate::audit::record(&app, event).await;
    let body = created_body(&created);
    Ok(with_script(page(
        &app,
        &admin,
        Nav::Clients,
        "Client created",
        &body,
    )))
}

/// `GET /admin/clients/{client_id}`: the client's page.
async fn show(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Path(client_id): Path<String>,
) -> Answer {
    let admin = gate(&app, &headers, &uri).await?;
    let notice = query_value(&uri, "done").and_then(|d| notice_text(&d));
    client_page(&app, &admin, &client_id, notice, None, StatusCode::OK).await
}

/// The client's page, with a notice or a refusal at the top.
async fn client_page(
    app: &App,
    admin: &Admin,
    client_id: &str,
    notice: Option<&str>,
    alert: Option<&Refusal>,
    status: StatusCode,
) -> Answer {
    let store = app.store.as_ref();
    let record = manage::clients::get(store, client_id)
        .await
        .map_err(failed)?;
    let last_use = manage::clients::last_use(store, client_id)
        .await
        .map_err(failed)?;
    let now = latchkey_core::now_unix();
    let errors = manage::errors::totals(store, now - 86_400, Some(client_id))
        .await
        .map_err(failed)?;
    let facts = Facts {
        last_use,
        errors: &errors,
        now,
    };
    let body = client_body(app, admin, &record, &facts, notice, alert);
    let title = record
        .metadata
        .client_name
        .clone()
        .unwrap_or_else(|| record.client_id.clone());
    let mut res = page(app, admin, Nav::Clients, &title, &body);
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /admin/clients/{client_id}/delete`: are you sure?
async fn confirm_delete(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Path(client_id): Path<String>,
) -> Answer {
    let admin = gate(&app, &headers, &uri).await?;
    admin.require_write()?;
    crate::builtin::guard_client(&client_id).map_err(failed)?;
    let record = manage::clients::get(app.store.as_ref(), &client_id)
        .await
        .map_err(failed)?;
    let body = delete_body(&admin, &record);
    let title = format!("Delete the client {client_id}?");
    Ok(page(&app, &admin, Nav::Clients, &title, &body))
}

/// `POST /admin/clients/{client_id}`: the change its `action` names.
async fn change(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    extensions: axum::http::Extensions,
    Path(client_id): Path<String>,
    body: Bytes,
) -> Answer {
    let admin = gate(&app, &headers, &uri).await?;
    let form = FormData::parse(&body);
    admin.check(&form.first, true)?;
    let store = app.store.as_ref();
    let actor = actor(&admin);
    let address = address(&app, &extensions, &headers);
    let here = client_path(&client_id);
    let action = form.get("action");
    let fields = Fields::from_form(&form);
    // The console's own client is refused as the admin API refuses it.
    let outcome: Result<Response, Occurrence> = match crate::builtin::guard_client(&client_id)
        .map(|()| action)
    {
        Err(occ) => Err(occ),
        Ok(action) => match action {
            "fields" | "metadata" | "deactivate" | "reactivate" => {
                let patch = match action {
                    "fields" => Ok(fields.update_patch()),
                    "metadata" => manage::clients::get(store, &client_id)
                        .await
                        .and_then(|record| metadata_patch(&record, form.get("metadata"))),
                    "deactivate" => Ok(json!({"active": false})),
                    _ => Ok(json!({"active": true})),
                };
                match patch {
                    Err(occ) => Err(occ),
                    Ok(patch) => update(&app, &client_id, patch, &actor, address)
                        .await
                        .map(|()| {
                            let done = match action {
                                "deactivate" => "deactivated",
                                "reactivate" => "reactivated",
                                _ => "updated",
                            };
                            see_other(&format!("{here}?done={done}"))
                        }),
                }
            }
            "rotate" => match grace_seconds(form.get("grace"), form.get("grace_unit")) {
                Err(occ) => Err(occ),
                Ok(grace) => {
                    match manage::clients::rotate_secret(store, &app.secrets, &client_id, grace)
                        .await
                    {
                        Err(occ) => Err(occ),
                        Ok(rotated) => {
                            let event = crate::audit::client_secret_rotated(
                                &actor, address, &client_id, grace,
                            );
                            crate::audit::record(&app, event).await;
                            let body = rotated_body(&rotated, latchkey_core::now_unix());
                            Ok(with_script(page(
                                &app,
                                &admin,
                                Nav::Clients,
                                "Secret rotated",
                                &body,
                            )))
                        }
                    }
                }
            },
            "delete" => match manage::clients::delete(store, &client_id).await {
                Err(occ) => Err(occ),
                Ok(()) => {
                    let event = latchkey_core::audit::AuditEvent::new(
                        &actor,
                        latchkey_core::audit::kind::CLIENT_DELETED,
                        format!("client:{client_id}"),
                    )
                    .address(address);
                    crate::audit::record(&app, event).await;
                    Ok(see_other("/admin/clients?done=deleted"))
                }
            },
            other => Err(latchkey_core::catalogue::MALFORMED_BODY
                .with_detail(format!("no console action named {other:?}"))),
        },
    };
    match outcome {
        Ok(res) => Ok(res),
        Err(occ) if occ.cause.id == latchkey_core::catalogue::CLIENT_NOT_FOUND.id => {
            Err(failed(occ))
        }
        Err(occ) if occ.cause.status >= 500 => Err(failed(occ)),
        Err(occ) => {
            crate::http::respond::report(&app, &occ, "/admin/clients/{client_id}");
            let status = crate::http::respond::status_of(&occ);
            // What was typed stays in its form.
            let refusal = Refusal {
                fields: (action == "fields").then_some(fields),
                metadata: (action == "metadata").then(|| form.get("metadata").to_string()),
                occ,
            };
            client_page(&app, &admin, &client_id, None, Some(&refusal), status).await
        }
    }
}

/// An update through `manage::clients::update`, kept in the audit trail
/// as the admin API keeps it.
async fn update(
    app: &App,
    client_id: &str,
    patch: Value,
    actor: &latchkey_core::audit::Actor,
    address: Option<String>,
) -> Result<(), Occurrence> {
    let store = app.store.as_ref();
    let fields: Vec<String> = patch
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let was_active = manage::clients::get(store, client_id).await?.active;
    let updated = manage::clients::update(
        store,
        &app.secrets,
        &app.fetcher,
        app.config.client_limits(),
        client_id,
        patch,
    )
    .await?;
    let events = crate::audit::client_updated(actor, address, was_active, fields, &updated);
    crate::audit::append_all(store, events).await;
    Ok(())
}

/// `GET /admin/assets/copy.js`: the copy buttons beside a secret shown
/// once (the only script of the console's client pages).
async fn copy_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        COPY_SCRIPT,
    )
        .into_response()
}

const COPY_SCRIPT: &str = "// Copy buttons: copy the text of the element a button names.
document.querySelectorAll('button[data-copy]').forEach(function (button) {
  var status = document.getElementById(button.getAttribute('data-status'));
  button.hidden = false;
  button.addEventListener('click', function () {
    var text = document.getElementById(button.getAttribute('data-copy')).textContent;
    navigator.clipboard.writeText(text).then(function () {
      if (status) { status.textContent = 'Copied.'; }
    }, function () {
      if (status) { status.textContent = 'Could not copy: select the text and copy it.'; }
    });
  });
});
";

/// A page that runs the copy script: the page policy with `script-src
/// 'self'` added (console pages that show a secret only).
pub(super) fn with_script(mut res: Response) -> Response {
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self' {}; img-src 'self' data: https:; frame-ancestors 'none'; base-uri 'none'",
        latchkey_core::error::docs::style_source()
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        res.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    res
}

// ---------------------------------------------------------------------------
// The form

/// A submitted form: every value of every name, and the first of each (for
/// the CSRF check).
pub(super) struct FormData {
    pub(super) first: HashMap<String, String>,
    all: Vec<(String, String)>,
}

impl FormData {
    pub(super) fn parse(body: &[u8]) -> FormData {
        let all: Vec<(String, String)> = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut first = HashMap::new();
        for (k, v) in &all {
            first.entry(k.clone()).or_insert_with(|| v.clone());
        }
        FormData { first, all }
    }

    pub(super) fn get(&self, name: &str) -> &str {
        self.first.get(name).map(String::as_str).unwrap_or("")
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.all
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// The common fields of a client, as the form shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fields {
    client_id: String,
    client_name: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    grant_types: Vec<String>,
    token_endpoint_auth_method: String,
    scope: String,
    application_type: String,
    client_uri: String,
}

impl Default for Fields {
    fn default() -> Fields {
        Fields {
            client_id: String::new(),
            client_name: String::new(),
            redirect_uris: String::new(),
            post_logout_redirect_uris: String::new(),
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
            token_endpoint_auth_method: "client_secret_basic".into(),
            scope: "openid".into(),
            application_type: "web".into(),
            client_uri: String::new(),
        }
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

impl Fields {
    fn from_form(form: &FormData) -> Fields {
        Fields {
            client_id: form.get("client_id").trim().to_string(),
            client_name: form.get("client_name").trim().to_string(),
            redirect_uris: form.get("redirect_uris").to_string(),
            post_logout_redirect_uris: form.get("post_logout_redirect_uris").to_string(),
            grant_types: form.all("grant_types"),
            token_endpoint_auth_method: form.get("token_endpoint_auth_method").to_string(),
            scope: form.get("scope").trim().to_string(),
            application_type: form.get("application_type").to_string(),
            client_uri: form.get("client_uri").trim().to_string(),
        }
    }

    fn from_record(record: &ClientRecord) -> Fields {
        let m = &record.metadata;
        Fields {
            client_id: record.client_id.clone(),
            client_name: m.client_name.clone().unwrap_or_default(),
            redirect_uris: m.redirect_uris.join("\n"),
            post_logout_redirect_uris: m.post_logout_redirect_uris.join("\n"),
            grant_types: m.grant_types.clone(),
            token_endpoint_auth_method: m.token_endpoint_auth_method.clone(),
            scope: m.scope.clone().unwrap_or_default(),
            application_type: m.application_type.clone(),
            client_uri: m.client_uri.clone().unwrap_or_default(),
        }
    }

    /// The fields as JSON metadata; `clear` sends an empty text field as
    /// `null` (back to its default) instead of leaving it out.
    fn metadata(&self, clear: bool) -> Map<String, Value> {
        let mut out = Map::new();
        let mut text = |name: &str, value: &str| {
            if !value.is_empty() {
                out.insert(name.into(), json!(value));
            } else if clear {
                out.insert(name.into(), Value::Null);
            }
        };
        text("client_name", &self.client_name);
        text("scope", &self.scope);
        text("client_uri", &self.client_uri);
        text(
            "token_endpoint_auth_method",
            &self.token_endpoint_auth_method,
        );
        text("application_type", &self.application_type);
        out.insert("redirect_uris".into(), json!(lines(&self.redirect_uris)));
        out.insert(
            "post_logout_redirect_uris".into(),
            json!(lines(&self.post_logout_redirect_uris)),
        );
        out.insert("grant_types".into(), json!(self.grant_types));
        let code = self.grant_types.iter().any(|g| g == "authorization_code");
        out.insert(
            "response_types".into(),
            json!(if code { vec!["code"] } else { vec![] }),
        );
        out
    }

    fn create_body(&self) -> Value {
        let mut body = self.metadata(false);
        if !self.client_id.is_empty() {
            body.insert("client_id".into(), json!(self.client_id));
        }
        Value::Object(body)
    }

    fn update_patch(&self) -> Value {
        Value::Object(self.metadata(true))
    }
}

/// The whole metadata as edited in JSON: what it names replaces the
/// stored value, and a field taken out returns to its default (`null`).
fn metadata_patch(record: &ClientRecord, text: &str) -> Result<Value, Occurrence> {
    use latchkey_core::catalogue::INVALID_CLIENT_METADATA;
    let Ok(Value::Object(mut sent)) = serde_json::from_str::<Value>(text) else {
        return Err(INVALID_CLIENT_METADATA
            .with_detail("the metadata must be a JSON object")
            .field("metadata", "must be a JSON object"));
    };
    if let Ok(Value::Object(stored)) = serde_json::to_value(&record.metadata) {
        for name in stored.keys() {
            sent.entry(name.clone()).or_insert(Value::Null);
        }
    }
    Ok(Value::Object(sent))
}

/// The grace period chosen: a whole number of seconds, minutes, hours or
/// days.
fn grace_seconds(amount: &str, unit: &str) -> Result<i64, Occurrence> {
    use latchkey_core::catalogue::SECRET_ROTATION_INVALID;
    let per = match unit {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3600,
        "days" => 86_400,
        other => {
            return Err(SECRET_ROTATION_INVALID
                .with_detail(format!("no unit of time named {other:?}"))
                .field("grace_unit", "seconds, minutes, hours or days"));
        }
    };
    let amount = amount.trim();
    let n: i64 = if amount.is_empty() {
        0
    } else {
        amount.parse().map_err(|_| {
            SECRET_ROTATION_INVALID
                .with_detail(format!("the grace period {amount:?} is not a whole number"))
                .field("grace", "a whole number")
        })?
    };
    n.checked_mul(per).ok_or_else(|| {
        SECRET_ROTATION_INVALID
            .with_detail("the grace period is too long")
            .field("grace", "at most 30 days")
    })
}

// ---------------------------------------------------------------------------
// Page bodies

fn notice_text(done: &str) -> Option<&'static str> {
    Some(match done {
        "updated" => "The client was updated.",
        "deactivated" => "The client is deactivated: it gets no tokens until it is reactivated.",
        "reactivated" => "The client is active again.",
        "deleted" => "The client was deleted.",
        _ => return None,
    })
}

fn list_body(
    admin: &Admin,
    clients: &[ClientRecord],
    uses: &HashMap<String, i64>,
    query: &str,
    notice: Option<&str>,
) -> String {
    let rows: String = clients
        .iter()
        .map(|c| {
            let name = c.metadata.client_name.as_deref().unwrap_or("");
            let uris = match c.metadata.redirect_uris.as_slice() {
                [] => String::from("<span class=\"muted\">none</span>"),
                [one] => format!("<code>{}</code>", esc(one)),
                [first, rest @ ..] => format!(
                    "<code>{}</code> <span class=\"muted\">and {} more</span>",
                    esc(first),
                    rest.len()
                ),
            };
            let last = uses
                .get(&c.client_id)
                .map_or_else(|| "never".to_string(), |at| when(*at));
            format!(
                "<tr><th scope=\"row\"><a href=\"{href}\">{id}</a></th><td>{name}</td><td>{state}</td>\
<td class=\"uris\">{uris}</td><td>{last}</td></tr>",
                href = esc(&client_path(&c.client_id)),
                id = esc(&c.client_id),
                name = esc(name),
                state = state_tag(c.active),
                last = esc(&last),
            )
        })
        .collect();
    let table = if clients.is_empty() {
        let none = if query.trim().is_empty() {
            "There are no clients yet."
        } else {
            "No client matches this search."
        };
        format!("<p id=\"clients-none\">{none}</p>")
    } else {
        format!(
            "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"clients-caption\" tabindex=\"0\">\
<table id=\"clients\"><caption id=\"clients-caption\">{n} {word}</caption>\
<thead><tr><th scope=\"col\">Client ID</th><th scope=\"col\">Name</th><th scope=\"col\">Status</th>\
<th scope=\"col\">Redirect URIs</th><th scope=\"col\">Last use</th></tr></thead><tbody>{rows}</tbody></table></div>",
            n = clients.len(),
            word = if clients.len() == 1 {
                "client"
            } else {
                "clients"
            },
        )
    };
    let new = if admin.can_write {
        "<p><a class=\"button\" href=\"/admin/clients/new\" id=\"new-client\">New client</a></p>"
    } else {
        ""
    };
    format!(
        "{notice}{new}\
<form method=\"get\" action=\"/admin/clients\" role=\"search\" class=\"search\">\
<label for=\"q\">Search by client ID, name or redirect URI</label>\
<div class=\"inline\"><input type=\"search\" id=\"q\" name=\"q\" value=\"{q}\">\
<button type=\"submit\">Search</button></div></form>{table}",
        notice = notice_html(notice),
        q = esc(query),
    )
}

fn state_tag(active: bool) -> &'static str {
    if active {
        "<span class=\"tag\">active</span>"
    } else {
        "<span class=\"tag off\">deactivated</span>"
    }
}

/// The inputs of the common fields (shared by the new client's form and
/// the client's page).
fn field_inputs(fields: &Fields, with_id: bool, occ: Option<&Occurrence>) -> String {
    let invalid = |name: &str| {
        if occ.is_some_and(|o| o.fields.iter().any(|f| f.field == name)) {
            " aria-invalid=\"true\" aria-describedby=\"form-error\""
        } else {
            ""
        }
    };
    let id = if with_id {
        format!(
            "<label for=\"client_id\">Client ID <span class=\"muted\">(optional: one is made when empty)</span></label>\
<input type=\"text\" id=\"client_id\" name=\"client_id\" value=\"{}\" autocomplete=\"off\"{}>",
            esc(&fields.client_id),
            invalid("client_id"),
        )
    } else {
        String::new()
    };
    let grant_boxes: String = GRANT_TYPES
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let checked = if fields.grant_types.iter().any(|x| x == g) {
                " checked"
            } else {
                ""
            };
            format!(
                "<div class=\"check\"><input type=\"checkbox\" id=\"grant-{i}\" name=\"grant_types\" value=\"{v}\"{checked}>\
<label for=\"grant-{i}\">{v}</label></div>",
                v = esc(g),
            )
        })
        .collect();
    let options = |values: &[&str], chosen: &str| -> String {
        values
            .iter()
            .map(|v| {
                let selected = if *v == chosen { " selected" } else { "" };
                format!("<option value=\"{v}\"{selected}>{v}</option>", v = esc(v))
            })
            .collect()
    };
    format!(
        "{id}<label for=\"client_name\">Name</label>\
<input type=\"text\" id=\"client_name\" name=\"client_name\" value=\"{name}\"{name_invalid}>\
<label for=\"redirect_uris\">Redirect URIs <span class=\"muted\">(one a line)</span></label>\
<textarea id=\"redirect_uris\" name=\"redirect_uris\" rows=\"3\"{redirect_invalid}>{redirect}</textarea>\
<label for=\"post_logout_redirect_uris\">Post-logout redirect URIs <span class=\"muted\">(one a line)</span></label>\
<textarea id=\"post_logout_redirect_uris\" name=\"post_logout_redirect_uris\" rows=\"2\"{logout_invalid}>{logout}</textarea>\
<fieldset{grants_invalid}><legend>Grant types</legend>{grant_boxes}</fieldset>\
<label for=\"token_endpoint_auth_method\">Authentication at the token endpoint</label>\
<select id=\"token_endpoint_auth_method\" name=\"token_endpoint_auth_method\">{methods}</select>\
<label for=\"scope\">Scope <span class=\"muted\">(space-separated)</span></label>\
<input type=\"text\" id=\"scope\" name=\"scope\" value=\"{scope}\"{scope_invalid}>\
<label for=\"application_type\">Application type</label>\
<select id=\"application_type\" name=\"application_type\">{app_types}</select>\
<label for=\"client_uri\">Home page</label>\
<input type=\"url\" id=\"client_uri\" name=\"client_uri\" value=\"{client_uri}\"{uri_invalid}>",
        name = esc(&fields.client_name),
        name_invalid = invalid("client_name"),
        redirect = esc(&fields.redirect_uris),
        redirect_invalid = invalid("redirect_uris"),
        logout = esc(&fields.post_logout_redirect_uris),
        logout_invalid = invalid("post_logout_redirect_uris"),
        grants_invalid = if invalid("grant_types").is_empty() {
            ""
        } else {
            " aria-describedby=\"form-error\""
        },
        methods = options(AUTH_METHODS, &fields.token_endpoint_auth_method),
        scope = esc(&fields.scope),
        scope_invalid = invalid("scope"),
        app_types = options(&["web", "native"], &fields.application_type),
        client_uri = esc(&fields.client_uri),
        uri_invalid = invalid("client_uri"),
    )
}

fn new_body(app: &App, admin: &Admin, fields: &Fields, occ: Option<&Occurrence>) -> String {
    format!(
        "<p><a class=\"back\" href=\"/admin/clients\">← Clients</a></p>{alert}\
<form method=\"post\" action=\"/admin/clients/new\" class=\"console-form\">{csrf}{inputs}\
<p class=\"muted\">Other metadata (keys, logout, token lifetimes, ...) can be set on the client's page once it exists.</p>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\">Create client</button></div></form>",
        alert = occ.map(|o| alert_html(app, o)).unwrap_or_default(),
        csrf = admin.csrf_field(),
        inputs = field_inputs(fields, true, occ),
    )
}

/// A secret shown this once, with a copy button (shown by the script).
fn secret_html(secret: &str) -> String {
    format!(
        "<div class=\"secret\"><p><strong>Client secret</strong> <span class=\"muted\">(shown this once: keep it now)</span></p>\
<p><code id=\"new-secret\">{}</code></p>\
<p><button type=\"button\" data-copy=\"new-secret\" data-status=\"copy-status\" hidden>Copy the secret</button> \
<span id=\"copy-status\" role=\"status\"></span></p></div>\
<script src=\"/admin/assets/copy.js\" defer></script>",
        esc(secret)
    )
}

fn created_body(created: &Value) -> String {
    let id = created["client_id"].as_str().unwrap_or_default();
    let secret = created["client_secret"]
        .as_str()
        .map(secret_html)
        .unwrap_or_else(|| "<p>This client authenticates without a secret.</p>".to_string());
    let warnings: String = created["warnings"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|w| {
                    format!(
                        "<li>{}</li>",
                        esc(w["message"].as_str().or(w.as_str()).unwrap_or_default())
                    )
                })
                .collect::<String>()
        })
        .filter(|s| !s.is_empty())
        .map(|items| format!("<div class=\"warning\"><p>Warnings</p><ul>{items}</ul></div>"))
        .unwrap_or_default();
    format!(
        "<p class=\"notice\" role=\"status\">The client <code id=\"created-id\">{id}</code> was created.</p>\
{secret}{warnings}<p><a href=\"{href}\">Go to the client's page</a></p>",
        id = esc(id),
        href = esc(&client_path(id)),
    )
}

fn rotated_body(rotated: &Value, now: i64) -> String {
    let id = rotated["client_id"].as_str().unwrap_or_default();
    let secret = rotated["client_secret"]
        .as_str()
        .map(secret_html)
        .unwrap_or_default();
    let previous = match rotated["previous_secret_expires_at"].as_i64() {
        Some(at) => format!(
            "<p id=\"previous-secret\">The previous secret keeps working until <strong>{}</strong> ({}).</p>",
            esc(&when(at)),
            esc(&from_now(at, now)),
        ),
        None => {
            "<p id=\"previous-secret\">The previous secret stopped working at once.</p>".to_string()
        }
    };
    format!(
        "<p class=\"notice\" role=\"status\">The client <code>{id_html}</code> has a new secret.</p>\
{secret}{previous}<p><a href=\"{href}\">Back to the client's page</a></p>",
        id_html = esc(id),
        href = esc(&client_path(id)),
    )
}

/// A refused change: the client page shows it at the top, and keeps what
/// was typed into the form that was sent.
struct Refusal {
    occ: Occurrence,
    fields: Option<Fields>,
    metadata: Option<String>,
}

/// What the client page shows beside the record.
struct Facts<'a> {
    last_use: Option<i64>,
    errors: &'a [(String, String, i64)],
    now: i64,
}

fn client_body(
    app: &App,
    admin: &Admin,
    record: &ClientRecord,
    facts: &Facts<'_>,
    notice: Option<&str>,
    alert: Option<&Refusal>,
) -> String {
    let id = &record.client_id;
    let here = esc(&client_path(id));
    let m = &record.metadata;
    let last_use = match facts.last_use {
        Some(at) => format!("{} ({})", esc(&when(at)), esc(&from_now(at, facts.now))),
        None => "never (since uses are noted)".to_string(),
    };
    let previous = record
        .previous_secret
        .as_ref()
        .filter(|p| p.expires_at > facts.now)
        .map(|p| {
            format!(
                "<dt>Previous secret</dt><dd id=\"previous-secret\">works until {} ({})</dd>",
                esc(&when(p.expires_at)),
                esc(&from_now(p.expires_at, facts.now))
            )
        })
        .unwrap_or_default();
    let summary = format!(
        "<dl class=\"facts\"><dt>Client ID</dt><dd><code>{id_html}</code></dd>\
<dt>Status</dt><dd id=\"client-state\">{state}</dd>\
<dt>Authentication</dt><dd><code>{method}</code></dd>\
<dt>Created</dt><dd>{created}</dd><dt>Updated</dt><dd>{updated}</dd>\
<dt>Last use</dt><dd id=\"last-use\">{last_use}</dd>{previous}</dl>",
        id_html = esc(id),
        state = state_tag(record.active),
        method = esc(&m.token_endpoint_auth_method),
        created = esc(&when(record.created_at)),
        updated = esc(&when(record.updated_at)),
    );
    let errors = client_errors_html(app, facts.errors);
    let occ = alert.map(|a| &a.occ);
    let shown_fields = alert
        .and_then(|a| a.fields.clone())
        .unwrap_or_else(|| Fields::from_record(record));
    let alert_html = occ.map(|o| alert_html(app, o)).unwrap_or_default();
    let stored_json = serde_json::to_string_pretty(&m).unwrap_or_default();
    let metadata_json = alert
        .and_then(|a| a.metadata.clone())
        .unwrap_or_else(|| stored_json.clone());
    let built_in = crate::builtin::guard_client(id).is_err();
    let writes = if built_in {
        format!(
            "<section aria-labelledby=\"metadata-h\"><h2 id=\"metadata-h\">All metadata (JSON)</h2>\
<pre class=\"code\" tabindex=\"0\" aria-labelledby=\"metadata-h\">{}</pre>\
<p class=\"muted\" id=\"built-in\">This is the console's own client: it cannot be changed or deleted.</p></section>",
            esc(&stored_json)
        )
    } else if admin.can_write {
        let csrf = admin.csrf_field();
        let rotate = if m.uses_secret() && record.secret_hash.is_some() {
            format!(
                "<section aria-labelledby=\"rotate-h\"><h2 id=\"rotate-h\">Rotate the secret</h2>\
<p>A new secret is made and shown once. The old one can keep working for a while, so the client's deployments can switch without downtime.</p>\
<form method=\"post\" action=\"{here}\" class=\"console-form\">{csrf}<input type=\"hidden\" name=\"action\" value=\"rotate\">\
<fieldset><legend>The old secret keeps working for</legend><div class=\"inline\">\
<label for=\"grace\" class=\"visually-hidden\">Amount</label>\
<input type=\"number\" id=\"grace\" name=\"grace\" min=\"0\" value=\"1\" inputmode=\"numeric\">\
<label for=\"grace_unit\" class=\"visually-hidden\">Unit</label>\
<select id=\"grace_unit\" name=\"grace_unit\"><option value=\"seconds\">seconds</option><option value=\"minutes\">minutes</option>\
<option value=\"hours\">hours</option><option value=\"days\" selected>days</option></select></div>\
<p class=\"muted\">0 stops it at once; at most 30 days.</p></fieldset>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\">Rotate the secret</button></div></form></section>"
            )
        } else {
            String::new()
        };
        let (switch_action, switch_label, switch_note) = if record.active {
            (
                "deactivate",
                "Deactivate",
                "A deactivated client gets no tokens and cannot sign anyone in; nothing is deleted.",
            )
        } else {
            (
                "reactivate",
                "Reactivate",
                "The client is deactivated: it gets no tokens until it is reactivated.",
            )
        };
        format!(
            "<section aria-labelledby=\"fields-h\"><h2 id=\"fields-h\">Common fields</h2>\
<form method=\"post\" action=\"{here}\" class=\"console-form\" id=\"fields-form\">{csrf}<input type=\"hidden\" name=\"action\" value=\"fields\">\
{inputs}<div class=\"actions\"><button type=\"submit\" class=\"primary\">Save the fields</button></div></form></section>\
<section aria-labelledby=\"metadata-h\"><h2 id=\"metadata-h\">All metadata (JSON)</h2>\
<form method=\"post\" action=\"{here}\" class=\"console-form\" id=\"metadata-form\">{csrf}<input type=\"hidden\" name=\"action\" value=\"metadata\">\
<label for=\"metadata\">Metadata</label>\
<p class=\"muted\" id=\"metadata-note\">What you write replaces the stored metadata; a field taken out returns to its default.</p>\
<textarea id=\"metadata\" name=\"metadata\" rows=\"14\" class=\"code\" spellcheck=\"false\" aria-describedby=\"metadata-note\">{json}</textarea>\
<div class=\"actions\"><button type=\"submit\">Save the metadata</button></div></form></section>\
{rotate}\
<section aria-labelledby=\"state-h\"><h2 id=\"state-h\">Status</h2><p>{switch_note}</p>\
<form method=\"post\" action=\"{here}\">{csrf}<input type=\"hidden\" name=\"action\" value=\"{switch_action}\">\
<button type=\"submit\" id=\"switch\">{switch_label}</button></form></section>\
<section aria-labelledby=\"delete-h\"><h2 id=\"delete-h\">Delete</h2>\
<p>Deleting the client ends its use for good; its refresh tokens stop working.</p>\
<p><a class=\"button danger\" href=\"{here}/delete\" id=\"delete\">Delete this client…</a></p></section>",
            inputs = field_inputs(&shown_fields, false, occ),
            json = esc(&metadata_json),
        )
    } else {
        format!(
            "<section aria-labelledby=\"metadata-h\"><h2 id=\"metadata-h\">All metadata (JSON)</h2>\
<pre class=\"code\" tabindex=\"0\" aria-labelledby=\"metadata-h\">{}</pre>\
<p class=\"muted\">Your role can read clients, not change them.</p></section>",
            esc(&stored_json)
        )
    };
    format!(
        "<p><a class=\"back\" href=\"/admin/clients\">← Clients</a></p>\
{notice}{alert_html}{summary}{errors}{writes}",
        notice = notice_html(notice),
    )
}

/// The client's errors by cause over the last 24 hours.
fn client_errors_html(app: &App, errors: &[(String, String, i64)]) -> String {
    let body = if errors.is_empty() {
        "<p id=\"client-errors-none\">No errors in the last 24 hours.</p>".to_string()
    } else {
        let rows: String = errors
            .iter()
            .map(|(code, cause, n)| {
                format!(
                    "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{n}</td></tr>",
                    esc(code),
                    cause_link(app, cause),
                )
            })
            .collect();
        format!(
            "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"errors-h\" tabindex=\"0\">\
<table id=\"client-errors\"><thead><tr><th scope=\"col\">Error</th><th scope=\"col\">Cause</th>\
<th scope=\"col\" class=\"num\">Count</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
    };
    format!(
        "<section aria-labelledby=\"errors-h\"><h2 id=\"errors-h\">Errors in the last 24 hours</h2>{body}</section>"
    )
}

fn delete_body(admin: &Admin, record: &ClientRecord) -> String {
    let id = &record.client_id;
    let here = esc(&client_path(id));
    format!(
        "<p>The client <code>{id_html}</code>{name} is deleted for good: it gets no more tokens, its refresh tokens stop working, \
and its ID can be taken again. To stop it for a while instead, deactivate it.</p>\
<form method=\"post\" action=\"{here}\">{csrf}<input type=\"hidden\" name=\"action\" value=\"delete\">\
<div class=\"actions\"><button type=\"submit\" class=\"danger\" id=\"confirm-delete\">Delete the client</button>\
<a class=\"button\" href=\"{here}\">Cancel</a></div></form>",
        id_html = esc(id),
        name = record
            .metadata
            .client_name
            .as_deref()
            .map(|n| format!(" ({})", esc(n)))
            .unwrap_or_default(),
        csrf = admin.csrf_field(),
    )
}

// ---------------------------------------------------------------------------
// Helpers shared by the console's pages

/// The signed-in person, as the audit trail names the actor of a change
/// (as the admin API names a person whose token it took).
pub(super) fn actor(admin: &Admin) -> latchkey_core::audit::Actor {
    latchkey_core::audit::Actor::User(admin.sub.clone())
}

/// A time as people read it (UTC, to the minute).
pub(super) fn when(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_else(|_| at.to_string())
}

/// How far `at` is from `now`, roughly: "in 3 days", "5 minutes ago".
pub(super) fn from_now(at: i64, now: i64) -> String {
    let delta = at.saturating_sub(now);
    let secs = delta.unsigned_abs();
    let (n, unit) = match secs {
        0..60 if delta > 0 => return "in less than a minute".into(),
        0..60 => return "just now".into(),
        60..3600 => (secs / 60, "minute"),
        3600..86_400 => (secs / 3600, "hour"),
        _ => (secs / 86_400, "day"),
    };
    let plural = if n == 1 { "" } else { "s" };
    if delta > 0 {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// One query parameter of the request, decoded.
pub(super) fn query_value(uri: &axum::http::Uri, name: &str) -> Option<String> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub(super) fn notice_html(notice: Option<&str>) -> String {
    notice
        .map(|n| {
            format!(
                "<p class=\"notice\" role=\"status\" id=\"notice\">{}</p>",
                esc(n)
            )
        })
        .unwrap_or_default()
}

/// A refusal at the top of a page: what went wrong, its cause (linked to
/// its documentation) and its `error_id`.
pub(super) fn alert_html(app: &App, occ: &Occurrence) -> String {
    let fields: String = occ
        .fields
        .iter()
        .map(|f| {
            format!(
                "<li><code>{}</code>: {}</li>",
                esc(&f.field),
                esc(&f.summary)
            )
        })
        .collect();
    let fields = if fields.is_empty() {
        String::new()
    } else {
        format!("<ul>{fields}</ul>")
    };
    format!(
        "<div class=\"error\" role=\"alert\" id=\"form-error\"><p>{desc}</p>{fields}\
<p class=\"muted\">Cause {cause} · error_id <code>{id}</code></p></div>",
        desc = esc(&occ.description()),
        cause = cause_link(app, occ.cause.id),
        id = esc(&occ.error_id.to_string()),
    )
}

/// A cause named by its id, linked to its section of the error docs
/// (`{issuer}/errors/{code}#{cause}`).
pub(super) fn cause_link(app: &App, cause: &str) -> String {
    match crate::manage::errors::docs_url(&app.config.issuer, cause) {
        Some(url) => format!("<a href=\"{}\"><code>{}</code></a>", esc(&url), esc(cause)),
        None => format!("<code>{}</code>", esc(cause)),
    }
}

/// A refusal the page cannot show in place: the page channel renders it.
pub(super) fn failed(occ: Occurrence) -> Response {
    Failure::page(occ).into_response()
}

/// The answer to a refused form keeps the refusal's status.
fn with_status(mut res: Response, occ: &Occurrence) -> Response {
    *res.status_mut() = crate::http::respond::status_of(occ);
    res
}

/// The request's client address, as text, for the audit trail.
pub(super) fn address(
    app: &App,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
) -> Option<String> {
    crate::http::client_address::of(extensions, headers, &app.config.trusted_proxies)
        .map(|ip| ip.to_string())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    fn record() -> ClientRecord {
        ClientRecord {
            client_id: "web<1>".into(),
            secret_hash: Some("h".into()),
            previous_secret: None,
            active: true,
            metadata: latchkey_core::client::ClientMetadata {
                client_name: Some("Example <Web>".into()),
                redirect_uris: vec!["https://app.example/cb".into()],
                ..Default::default()
            },
            created_at: 0,
            updated_at: 0,
        }
    }

    pub(in crate::http::console) fn admin(can_write: bool) -> Admin {
        Admin {
            sub: "sub-1".into(),
            username: "ada".into(),
            can_write,
            roles: vec![if can_write { "admin" } else { "auditor" }.into()],
            csrf: "token-1".into(),
        }
    }

    #[test]
    fn the_list_is_escaped_and_offers_a_new_client_to_writers_only() {
        let uses = HashMap::from([("web<1>".to_string(), 86_400)]);
        let html = list_body(&admin(true), &[record()], &uses, "<q>", Some("done"));
        assert!(html.contains("Example &lt;Web&gt;") && !html.contains("<Web>"));
        assert!(
            html.contains("href=\"/admin/clients/web%3C1%3E\""),
            "{html}"
        );
        assert!(html.contains("value=\"&lt;q&gt;\""));
        assert!(html.contains("1970-01-02 00:00 UTC"));
        assert!(html.contains("id=\"new-client\""));
        let html = list_body(&admin(false), &[record()], &HashMap::new(), "", None);
        assert!(!html.contains("id=\"new-client\"") && html.contains(">never<"));
        let none = list_body(&admin(false), &[], &HashMap::new(), "x", None);
        assert!(none.contains("No client matches this search."));
    }

    #[test]
    fn the_delete_confirmation_posts_with_the_csrf_token() {
        let html = delete_body(&admin(true), &record());
        assert!(html.contains("name=\"csrf\" value=\"token-1\""));
        assert!(html.contains("value=\"delete\""));
        assert!(html.contains("action=\"/admin/clients/web%3C1%3E\""));
    }

    #[test]
    fn a_rotation_says_when_the_old_secret_stops() {
        let html = rotated_body(
            &json!({"client_id": "web", "client_secret": "s<e>cret", "previous_secret_expires_at": 7200}),
            3600,
        );
        assert!(html.contains("s&lt;e&gt;cret") && html.contains("in 1 hour"));
        assert!(html.contains("src=\"/admin/assets/copy.js\""));
        let html = rotated_body(&json!({"client_id": "web", "client_secret": "s"}), 3600);
        assert!(html.contains("stopped working at once"));
    }

    #[test]
    fn clients_match_by_id_name_or_redirect_uri_ignoring_case() {
        let r = record();
        for q in ["", "  ", "WEB<", "example <", "APP.example/cb"] {
            assert!(manage::clients::matches(&r, q), "{q}");
        }
        assert!(!manage::clients::matches(&r, "other"));
    }

    #[test]
    fn the_common_fields_become_metadata() {
        let form = FormData::parse(
            b"client_id=&client_name=+App+&redirect_uris=https%3A%2F%2Fa.example%2Fcb%0D%0A%0D%0Ahttps%3A%2F%2Fb.example%2Fcb\
&grant_types=client_credentials&token_endpoint_auth_method=client_secret_post&scope=&application_type=web&client_uri=",
        );
        let fields = Fields::from_form(&form);
        let created = fields.create_body();
        assert_eq!(
            created,
            json!({"client_name": "App", "redirect_uris": ["https://a.example/cb", "https://b.example/cb"],
                   "post_logout_redirect_uris": [], "grant_types": ["client_credentials"], "response_types": [],
                   "token_endpoint_auth_method": "client_secret_post", "application_type": "web"})
        );
        let patch = fields.update_patch();
        assert_eq!(patch["scope"], Value::Null);
        assert_eq!(patch["client_uri"], Value::Null);
        assert_eq!(
            Fields::from_record(&record()).redirect_uris,
            "https://app.example/cb"
        );
    }

    #[test]
    fn edited_json_replaces_the_metadata() {
        let patch = metadata_patch(&record(), r#"{"client_name": "New"}"#).unwrap();
        assert_eq!(patch["client_name"], "New");
        assert_eq!(patch["redirect_uris"], Value::Null);
        assert!(metadata_patch(&record(), "[1]").is_err());
        assert!(metadata_patch(&record(), "{").is_err());
    }

    #[test]
    fn grace_periods_are_read_in_their_unit() {
        assert_eq!(grace_seconds("2", "hours").unwrap(), 7200);
        assert_eq!(grace_seconds("", "days").unwrap(), 0);
        assert!(grace_seconds("x", "days").is_err());
        assert!(grace_seconds("1", "weeks").is_err());
        assert!(grace_seconds("99999999999999999", "days").is_err());
    }

    #[test]
    fn times_read_as_people_read_them() {
        assert_eq!(when(86_400 + 3661), "1970-01-02 01:01 UTC");
        assert_eq!(from_now(1000, 1000), "just now");
        assert_eq!(from_now(1000 + 7200, 1000), "in 2 hours");
        assert_eq!(from_now(1000, 1000 + 86_400), "1 day ago");
        assert_eq!(segment("a b/c+"), "a%20b%2Fc%2B");
    }
}
