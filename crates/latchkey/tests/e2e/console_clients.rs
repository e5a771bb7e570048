//! The console's clients (`/admin/clients`) in Chromium: an admin creates a
//! client (its secret shown once), finds it by search, sees its last use
//! and its errors by cause, edits it (the common fields and the JSON),
//! rotates its secret with a grace period (both secrets work at `/token`
//! until the grace ends), deactivates and deletes it. An auditor sees the
//! pages without their forms, and a forged change is refused. On both
//! databases; screenshots at 1280 and 390 px wide.

use crate::browser::Driver;
use crate::console::{PASSWORD, console_session, console_sign_in, create_user};
use crate::support::{Db, Server};
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;

/// A client_credentials request of `id` with `secret` (client_secret_post).
pub(crate) async fn token(s: &Server, id: &str, secret: &str) -> reqwest::Response {
    s.http
        .post(s.url("/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "api:read"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap()
}

async fn set_value(d: &Driver, id: &str, value: &str) {
    d.script(&format!(
        "document.getElementById({}).value = {}; return true;",
        serde_json::to_string(id).unwrap(),
        serde_json::to_string(value).unwrap()
    ))
    .await;
}

async fn text_of(d: &Driver, css: &str) -> String {
    d.script(&format!(
        "return document.querySelector({}).textContent;",
        serde_json::to_string(css).unwrap()
    ))
    .await
    .as_str()
    .unwrap()
    .to_string()
}

async fn clients_in_chromium(db: Db) {
    let s = Server::start(db).await;
    create_user(&s, "ada", &["admin"]);
    let d = Driver::start().await;
    console_sign_in(&d, &s, "ada", PASSWORD).await;
    // The console's own client is left out, as from the admin API's list.
    d.goto(&s.url("/admin/clients")).await;
    d.wait_for_text("There are no clients yet.").await;

    // Create: a service with client_credentials and a chosen id.
    d.click("#new-client").await;
    d.wait_for_text("Create client").await;
    d.check_page("console-client-new").await;
    d.type_into("#client_id", "shop").await;
    d.type_into("#client_name", "Shop <backend>").await;
    for grant in ["authorization_code", "refresh_token", "client_credentials"] {
        d.click(&format!("input[name=grant_types][value={grant}]"))
            .await;
    }
    set_value(&d, "token_endpoint_auth_method", "client_secret_post").await;
    set_value(&d, "scope", "api:read").await;
    d.click("form.console-form button.primary").await;
    d.wait_for_text("was created").await;
    let secret = text_of(&d, "#new-secret").await;
    assert_eq!(secret.len(), 43, "{secret}");
    d.check_page("console-client-created").await;
    let copy_shown = d
        .script("return !document.querySelector('button[data-copy]').hidden;")
        .await;
    assert_eq!(copy_shown, Value::Bool(true), "the copy script ran");
    let r = s.admin(Method::GET, "/clients/shop").send().await.unwrap();
    let shown: Value = r.json().await.unwrap();
    assert_eq!(shown["client_name"], "Shop <backend>");
    assert_eq!(
        shown["grant_types"],
        serde_json::json!(["client_credentials"])
    );

    // Search by name, by redirect URI (none here) and by id.
    d.goto(&s.url("/admin/clients?q=BACKEND")).await;
    let page = d.wait_for_text("1 client").await;
    assert!(page.contains("Shop &lt;backend&gt;"), "escaped");
    d.goto(&s.url("/admin/clients?q=nothing-like-it")).await;
    d.wait_for_text("No client matches this search.").await;

    // Its use and its errors: a token, then a wrong secret.
    assert_eq!(token(&s, "shop", &secret).await.status(), 200);
    let r = token(&s, "shop", "not-the-secret").await;
    assert_eq!(r.status(), 401);
    let refused: Value = r.json().await.unwrap();
    let uri = refused["error_uri"].as_str().unwrap().to_string();
    let cause = uri.rsplit_once('#').unwrap().1.to_string();
    let error_id = refused["error_id"].as_str().unwrap().to_string();
    s.kept_error(&error_id).await;
    d.goto(&s.url("/admin/clients")).await;
    d.wait_for_text("1 client").await;
    d.check_page("console-clients").await;
    d.click("#clients a[href='/admin/clients/shop']").await;
    let page = d.wait_for_text("Errors in the last 24 hours").await;
    assert!(
        !page.contains("never (since uses are noted)"),
        "last use shown"
    );
    assert!(page.contains(&format!("href=\"{uri}\"")), "{uri} linked");
    let errors = text_of(&d, "#client-errors").await;
    assert!(errors.contains(&cause) && errors.contains('1'), "{errors}");
    d.check_page("console-client").await;

    // The common fields, then the whole metadata as JSON.
    set_value(&d, "client_name", "Shop backend").await;
    d.click("#fields-form button").await;
    d.wait_for_text("<h1>Shop backend</h1>").await;
    d.wait_for_text("The client was updated.").await;
    let metadata = d
        .script("return document.getElementById('metadata').value;")
        .await;
    let mut metadata: Value = serde_json::from_str(metadata.as_str().unwrap()).unwrap();
    metadata["client_uri"] = "https://shop.example/".into();
    metadata.as_object_mut().unwrap().remove("client_name");
    set_value(&d, "metadata", &metadata.to_string()).await;
    d.click("#metadata-form button").await;
    // Without a name, the page is titled with the client's id.
    d.wait_for_text("<h1>shop</h1>").await;
    d.wait_for_text("The client was updated.").await;
    let shown: Value = s
        .admin(Method::GET, "/clients/shop")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["client_uri"], "https://shop.example/");
    assert!(shown.get("client_name").is_none(), "{shown}");
    // A refusal is shown on the page with its cause.
    set_value(&d, "metadata", "[]").await;
    d.click("#metadata-form button").await;
    let page = d.wait_for_text("form-error").await;
    assert!(page.contains("invalid_client_metadata"), "{page}");

    // Rotate with a grace period of 4 seconds: both secrets work, then
    // only the new one. (Both are tried before the slower page checks, so
    // a busy machine cannot use the grace up first.)
    set_value(&d, "grace", "4").await;
    set_value(&d, "grace_unit", "seconds").await;
    let rotated = std::time::Instant::now();
    d.click("form:has(input[name=action][value=rotate]) button")
        .await;
    let page = d.wait_for_text("has a new secret").await;
    let new_secret = text_of(&d, "#new-secret").await;
    assert_eq!(token(&s, "shop", &new_secret).await.status(), 200);
    assert_eq!(token(&s, "shop", &secret).await.status(), 200);
    assert!(page.contains("keeps working until"), "{page}");
    assert_ne!(new_secret, secret);
    d.check_page("console-client-rotated").await;
    let grace_over = Duration::from_millis(4500);
    tokio::time::sleep(grace_over.saturating_sub(rotated.elapsed())).await;
    assert_eq!(token(&s, "shop", &secret).await.status(), 401);
    assert_eq!(token(&s, "shop", &new_secret).await.status(), 200);

    // Deactivate: no more tokens; reactivate.
    d.goto(&s.url("/admin/clients/shop")).await;
    d.wait_for_text("Deactivate").await;
    d.click("#switch").await;
    d.wait_for_text("The client is deactivated").await;
    assert_ne!(token(&s, "shop", &new_secret).await.status(), 200);
    d.click("#switch").await;
    d.wait_for_text("The client is active again.").await;
    assert_eq!(token(&s, "shop", &new_secret).await.status(), 200);

    // Delete, after the confirmation.
    d.click("#delete").await;
    d.wait_for_text("is deleted for good").await;
    d.check_page("console-client-delete").await;
    d.click("#confirm-delete").await;
    d.wait_for_text("The client was deleted.").await;
    let r = s.admin(Method::GET, "/clients/shop").send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_ne!(token(&s, "shop", &new_secret).await.status(), 200);

    // Every change is in the audit trail, by the person.
    let trail: Value = s
        .admin(Method::GET, "/audit?target=client:shop")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in ["client.created", "client.secret_rotated", "client.deleted"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert!(
        trail["events"][0]["actor"]
            .as_str()
            .unwrap()
            .starts_with("user:"),
        "{trail}"
    );
}

/// An auditor reads every client page but gets no forms, and a change
/// forged with the session's own CSRF token is refused.
async fn auditors_read_only(db: Db) {
    let s = Server::start(db).await;
    create_user(&s, "eve", &["auditor"]);
    let r = s
        .admin(Method::POST, "/clients")
        .json(&serde_json::json!({"client_id": "web", "redirect_uris": ["https://web.example/cb"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (mut b, r) = console_session(&s, "eve", PASSWORD).await;
    assert_eq!(r.status(), 303);
    for path in [
        "/admin/clients",
        "/admin/clients/web",
        "/admin/keys",
        "/admin/errors",
    ] {
        let r = b.get(&s.url(path)).await;
        assert_eq!(r.status(), 200, "{path}");
        let html = r.text().await.unwrap();
        // Only the sign-out form posts.
        assert_eq!(html.matches("method=\"post\"").count(), 1, "{path}: {html}");
    }
    let html = b
        .get(&s.url("/admin/clients/web"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Your role can read clients"), "{html}");
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    for (path, form) in [
        ("/admin/clients/web", vec![("action", "delete")]),
        ("/admin/clients/web", vec![("action", "deactivate")]),
        ("/admin/clients/new", vec![("client_id", "forged")]),
        ("/admin/keys", vec![("alg", "all")]),
    ] {
        let mut form = form;
        form.push(("csrf", &csrf));
        let r = s
            .http
            .post(s.url(path))
            .header("cookie", b.cookie_header())
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
        assert!(
            r.text().await.unwrap().contains("console_read_only"),
            "{path}"
        );
    }
    // The pages of a change are refused the same way, with the cause.
    for path in ["/admin/clients/new", "/admin/clients/web/delete"] {
        let r = s
            .http
            .get(s.url(path))
            .header("cookie", b.cookie_header())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
        assert!(
            r.text().await.unwrap().contains("console_read_only"),
            "{path}"
        );
    }
    let shown: Value = s
        .admin(Method::GET, "/clients/web")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["active"], true);
    let r = s
        .admin(Method::GET, "/clients/forged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let keys: Value = s
        .admin(Method::GET, "/keys")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keys.as_array().unwrap().len(), 2, "no rotation");
}

/// An admin's form without the session's CSRF token is refused; the
/// console's own client cannot be changed.
async fn forged_changes_and_the_built_in_client_are_refused(db: Db) {
    let s = Server::start(db).await;
    create_user(&s, "ada", &["admin"]);
    let r = s
        .admin(Method::POST, "/clients")
        .json(&serde_json::json!({"client_id": "web", "redirect_uris": ["https://web.example/cb"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (b, r) = console_session(&s, "ada", PASSWORD).await;
    assert_eq!(r.status(), 303);
    for csrf in [None, Some("forged")] {
        let mut form = vec![("action", "delete")];
        if let Some(c) = csrf {
            form.push(("csrf", c));
        }
        let r = s
            .http
            .post(s.url("/admin/clients/web"))
            .header("cookie", b.cookie_header())
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{csrf:?}");
        assert!(r.text().await.unwrap().contains("console_form_invalid"));
    }
    let r = s.admin(Method::GET, "/clients/web").send().await.unwrap();
    assert_eq!(r.status(), 200);

    // The console's own client shows no forms, and a change to it is
    // refused as the admin API refuses it.
    let mut b = b;
    let html = b
        .get(&s.url("/admin/clients/latchkey-console"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"built-in\""), "{html}");
    assert_eq!(html.matches("method=\"post\"").count(), 1, "{html}");
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    for action in ["delete", "deactivate", "rotate"] {
        let r = b
            .post(
                "/admin/clients/latchkey-console",
                &[
                    ("action", action),
                    ("csrf", &csrf),
                    ("grace", "0"),
                    ("grace_unit", "days"),
                ],
            )
            .await;
        assert_eq!(r.status(), 409, "{action}");
        assert!(r.text().await.unwrap().contains("built_in_read_only"));
    }
    let r = b
        .get(&s.url("/admin/clients/latchkey-console/delete"))
        .await;
    assert!(r.status().is_client_error());
    assert!(r.text().await.unwrap().contains("built_in_read_only"));
    let r = s
        .admin(Method::GET, "/clients/latchkey-console")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // With the token, the same form deletes another client.
    let r = b
        .post(
            "/admin/clients/web",
            &[("action", "delete"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = s.admin(Method::GET, "/clients/web").send().await.unwrap();
    assert_eq!(r.status(), 404);
}

crate::both!(
    clients_in_chromium,
    auditors_read_only,
    forged_changes_and_the_built_in_client_are_refused,
);
