//! The error documentation served from the catalogue.

use crate::support::{Db, Server};
use serde_json::Value;

#[tokio::test]
async fn error_docs_pages() {
    let s = Server::start(Db::Sqlite).await;
    let r = s.http.get(s.url("/errors")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = r.text().await.unwrap();
    for id in [
        "invalid_grant",
        "code_reused",
        "jti_known",
        "client_deactivated",
        "not_found",
        "request_forbidden",
    ] {
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "missing anchor {id}"
        );
    }
    for provider in ["Okta", "GOV.UK One Login", "JetBrains Hub", "Fosite"] {
        assert!(html.contains(provider), "missing provider {provider}");
    }
    let r = s
        .http
        .get(s.url("/errors/invalid_grant"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .http
        .get(s.url("/errors/code_reused"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/errors/invalid_grant#code_reused");
    let r = s
        .http
        .get(s.url("/errors/no_such_thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "not_found");
    let r = s.http.get(s.url("/errors.json")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    let codes = doc["codes"].as_array().unwrap();
    assert!(codes.iter().any(|c| {
        c["code"] == "invalid_grant"
            && c["causes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["id"] == "code_reused")
    }));
}

/// `docs/errors.md` is generated from the catalogue; this fails when the
/// committed file is stale. Regenerate with `latchkey errors docs > docs/errors.md`.
#[test]
fn committed_error_reference_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/errors.md");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = latchkey_core::error::docs::markdown();
    assert!(
        committed == generated,
        "docs/errors.md is stale: run `cargo run -q -- errors docs > docs/errors.md`"
    );
}

/// `docs/admin-openapi.json` is generated from the admin API's handlers and
/// types; this fails when the committed file is stale. Regenerate with
/// `latchkey admin openapi > docs/admin-openapi.json`.
#[test]
fn committed_admin_openapi_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/admin-openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == latchkey::http::openapi::committed(),
        "docs/admin-openapi.json is stale: run `cargo run -q -p latchkey -- admin openapi > docs/admin-openapi.json`"
    );
}

/// The README's settings table is generated from the settings'
/// declarations; this fails when the committed table is stale. Regenerate
/// with `latchkey settings docs --readme README.md`.
#[test]
fn committed_settings_reference_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let table = latchkey::config::markdown();
    let current = latchkey::config::replace_in_readme(&committed, &table);
    assert!(
        current.as_deref() == Some(committed.as_str()),
        "the README's settings table is stale or its markers are missing: run `cargo run -q -p latchkey -- settings docs --readme README.md`"
    );
}

/// Every endpoint the catalogue names is a route of the server: a request
/// to it is answered by that route (any status), never by the fallback's
/// `not_found`. Path parameters get a sample value.
#[tokio::test]
async fn every_endpoint_the_catalogue_names_is_a_route() {
    let s = Server::start_with(Db::Sqlite, &[("LATCHKEY_REGISTRATION_MODE", "open")]).await;
    let mut paths: Vec<&str> = latchkey_core::catalogue::ALL
        .iter()
        .flat_map(|c| c.endpoints.iter().copied())
        .filter(|e| *e != "*")
        .collect();
    paths.sort_unstable();
    paths.dedup();
    // The sign-in pages are named by their routes (not a /ui/ prefix).
    for page in ["/login", "/consent", "/mfa", "/select-account"] {
        assert!(paths.contains(&page), "{page} is not named: {paths:?}");
    }
    assert!(!paths.iter().any(|p| p.starts_with("/ui")), "{paths:?}");
    for path in paths {
        // The admin API is named by its base; its routes sit below it.
        let concrete = match path {
            "/admin/v1" => "/admin/v1/clients".to_string(),
            p => p.replace("{client_id}", "sample").replace("{id}", "sample"),
        };
        for method in [reqwest::Method::GET, reqwest::Method::POST] {
            let r = s
                .http
                .request(method.clone(), s.url(&concrete))
                .send()
                .await
                .unwrap();
            let status = r.status();
            let body = r.text().await.unwrap();
            // The fallback's cause is `not_found` itself.
            let fallback = status == 404 && body.contains("/errors/not_found#not_found");
            assert!(
                !fallback,
                "the catalogue names {path}, but {method} {concrete} is not a route: {body}"
            );
        }
    }
}

/// `/errors/{code}` is that code's own page, small enough to read, with
/// its causes as anchors and the way to the whole catalogue; `/` says what
/// the server is; `/favicon.ico` is answered without counting an error.
#[tokio::test]
async fn a_code_has_its_own_page_and_the_root_says_what_this_is() {
    let s = Server::start(Db::Sqlite).await;
    let whole = s
        .http
        .get(s.url("/errors"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = s
        .http
        .get(s.url("/errors/invalid_grant"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"invalid_grant\"") && page.contains("id=\"code_reused\""));
    assert!(!page.contains("id=\"invalid_client\""), "only its own code");
    assert!(page.contains(&format!("href=\"{}/errors\"", s.base)));
    assert!(
        page.len() * 5 < whole.len(),
        "{} of {}",
        page.len(),
        whole.len()
    );

    let r = s.http.get(s.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let home = r.text().await.unwrap();
    for link in ["/.well-known/openid-configuration", "/jwks", "/errors"] {
        assert!(
            home.contains(&format!("href=\"{}{link}\"", s.base)),
            "{link}: {home}"
        );
    }

    for _ in 0..3 {
        let r = s.http.get(s.url("/favicon.ico")).send().await.unwrap();
        assert_eq!(r.status(), 204);
    }
    let metrics = s
        .http
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!metrics.contains("cause=\"not_found\""), "{metrics}");
}
