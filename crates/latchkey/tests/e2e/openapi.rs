//! The admin API's OpenAPI document (`/admin/v1/openapi.json`,
//! `docs/admin-openapi.json`), and the API fuzzed against it with
//! schemathesis (pinned in `interop/python/requirements.txt`, installed by
//! `scripts/interop-install`): no answer is a server error, every answer
//! has a documented status, content type and body, and the read-only token
//! never gets a write through.

use crate::support::{ADMIN, Db, READONLY, Server};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// The checks every answer is held to.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance";

fn schemathesis() -> PathBuf {
    let bin =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/interop-venv/bin/schemathesis");
    assert!(
        bin.exists(),
        "schemathesis is missing: run scripts/interop-install (scripts/test does)"
    );
    bin
}

/// A few records for the fuzzer to find next to what it makes up: the
/// document's examples of path parameters name them.
async fn seed(s: &Server) {
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({
            "client_id": "my-app",
            "redirect_uris": ["https://app.example/cb"],
            "scope": "openid profile email",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({
            "username": "alice",
            "password": "correct horse battery staple",
            "claims": {"email": "alice@example.com", "email_verified": true},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = s
        .admin(Method::POST, "/resources")
        .json(&json!({"resource": "https://api.example/", "name": "Example API", "scope": "read write"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

/// Run schemathesis against the server's document with `token`; its
/// output on failure. Bounded: few examples per operation, one worker, and
/// a deadline.
async fn fuzz(s: &Server, token: &str, checks: &str, hooks: Option<&Path>) -> Result<(), String> {
    let mut cmd = tokio::process::Command::new(schemathesis());
    let report = s.db.dir.join("schemathesis");
    cmd.arg("run")
        .arg(s.url("/admin/v1/openapi.json"))
        .args(["--checks", checks])
        .args(["--max-examples", "8"])
        .args(["--workers", "1"])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--seed", "1"])
        .args(["--request-timeout", "10"])
        .args(["--generation-database", "none"])
        // Paths that name a resource are drawn from strings of which many
        // cannot be a path segment; that is expected, not a flaw.
        .args(["--suppress-health-check", "filter_too_much"])
        .arg("--no-color")
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .arg("--report-dir")
        .arg(&report)
        .current_dir(&s.db.dir)
        .env_remove("SCHEMATHESIS_HOOKS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(hooks) = hooks {
        cmd.env("SCHEMATHESIS_HOOKS", hooks.file_stem().unwrap())
            .env("PYTHONPATH", hooks.parent().unwrap());
    }
    let child = cmd.spawn().unwrap();
    let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .map_err(|_| "schemathesis ran longer than 120 s".to_string())?
        .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    match out.status.success() {
        true => Ok(()),
        false => Err(text),
    }
}

/// The last lines of a log.
fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

async fn fuzzed(db: Db) {
    let s = Server::start(db).await;
    seed(&s).await;
    if let Err(out) = fuzz(&s, ADMIN, CHECKS, None).await {
        panic!(
            "schemathesis failed with the admin token:\n{out}\n--- server log (end):\n{}",
            tail(&s.logs())
        );
    }
    let hooks = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/schemathesis/read_only.py");
    let checks = format!("{CHECKS},read_only_token_cannot_write");
    if let Err(out) = fuzz(&s, READONLY, &checks, Some(&hooks)).await {
        panic!(
            "schemathesis failed with the read-only token:\n{out}\n--- server log (end):\n{}",
            tail(&s.logs())
        );
    }
}

/// The document is served without a token, with the issuer's `/admin/v1`
/// as its server; otherwise it is the committed one.
async fn document_is_served(db: Db) {
    let s = Server::start(db).await;
    let r = s
        .http
        .get(s.url("/admin/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let mut served: Value = r.json().await.unwrap();
    assert_eq!(served["openapi"], "3.1.0");
    assert_eq!(served["servers"], json!([{"url": s.url("/admin/v1")}]));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/admin-openapi.json");
    let mut committed: Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    served["servers"] = Value::Null;
    committed["servers"] = Value::Null;
    assert_eq!(served, committed);
    // Asking for it is not a refused admin request.
    let denied = s
        .sql_count("SELECT COUNT(*) FROM audit_events WHERE kind = 'admin.access_denied'")
        .await;
    assert_eq!(denied, 0);
}

/// Without the static tokens, people's access tokens still work, so the
/// document is served; a route without a token is refused as off.
async fn document_is_served_without_the_static_tokens(db: Db) {
    let s = Server::start_with(
        db,
        &[
            ("LATCHKEY_ADMIN_TOKEN", ""),
            ("LATCHKEY_ADMIN_READONLY_TOKEN", ""),
        ],
    )
    .await;
    let r = s
        .http
        .get(s.url("/admin/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    let r = s.http.get(s.url("/admin/v1/clients")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "admin_api_disabled"
    );
}

/// A NUL character (U+0000) in a body, a path or a filter is refused or
/// not found, on either database: PostgreSQL refuses one in any text, so
/// these were server errors there.
async fn nul_characters_are_not_server_errors(db: Db) {
    let s = Server::start(db).await;
    seed(&s).await;
    let bodies = [
        (
            Method::POST,
            "/resources",
            json!({"resource": "https://nul.example/", "name": "a\u{0}b"}),
            "name",
        ),
        (
            Method::PATCH,
            "/resources/https%3A%2F%2Fapi.example%2F",
            json!({"name": "a\u{0}b"}),
            "name",
        ),
        (
            Method::POST,
            "/users",
            json!({"username": "bob", "claims": {"email": "b\u{0}@example.com", "email_verified": true}}),
            "claims.email",
        ),
        (
            Method::PATCH,
            "/users/alice",
            json!({"claims": {"nickname": ["x", "\u{0}"]}}),
            "claims.nickname[1]",
        ),
        (
            Method::PATCH,
            "/clients/my-app",
            json!({"client_name": "a\u{0}"}),
            "client_name",
        ),
        (
            Method::PATCH,
            "/clients/my-app",
            json!({"x\u{0}": 1}),
            "x\\u0000",
        ),
        (
            Method::PUT,
            "/maintenance",
            json!({"enabled": false, "note": "\u{0}"}),
            "note",
        ),
    ];
    for (method, path, body, field) in bodies {
        let r = s
            .admin(method.clone(), path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{method} {path}");
        let answer: Value = r.json().await.unwrap();
        assert_eq!(
            answer["errorCode"], "malformed_body",
            "{method} {path}: {answer}"
        );
        assert_eq!(answer["errorCauses"][0]["field"], field, "{answer}");
    }
    let lookups = [
        (Method::GET, "/clients/a%00b", "client_not_found"),
        (Method::DELETE, "/clients/a%00b", "client_not_found"),
        (Method::POST, "/clients/a%00b/secret", "client_not_found"),
        (Method::GET, "/resources/a%00b", "resource_not_found"),
        (Method::DELETE, "/resources/a%00b", "resource_not_found"),
        (Method::GET, "/users/a%00b", "user_not_found"),
        (Method::DELETE, "/users/a%00b/sessions", "user_not_found"),
        (
            Method::DELETE,
            "/users/alice/passkeys/a%00b",
            "passkey_not_found",
        ),
        (Method::GET, "/errors/a%00b", "error_id_not_found"),
    ];
    for (method, path, cause) in lookups {
        let r = s.admin(method.clone(), path).send().await.unwrap();
        assert_eq!(r.status(), 404, "{method} {path}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["errorCode"],
            cause,
            "{method} {path}"
        );
    }
    let r = s
        .admin(Method::GET, "/audit?actor=a%00b")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "audit_query_invalid"
    );
    assert!(!s.logs().contains("internal_error"), "{}", tail(&s.logs()));
}

/// A body over the limit is refused with the documented 413, in the
/// admin API's error shape.
async fn oversized_body_is_documented(db: Db) {
    let s = Server::start(db).await;
    let big =
        json!({"client_name": "x".repeat(70 * 1024), "redirect_uris": ["https://app.example/cb"]});
    let r = s
        .admin(Method::POST, "/clients")
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "request_too_large"
    );
    let doc = latchkey::http::openapi::document("/admin/v1");
    assert!(doc["paths"]["/clients"]["post"]["responses"]["413"].is_object());
}

crate::both!(
    oversized_body_is_documented,
    fuzzed,
    document_is_served,
    document_is_served_without_the_static_tokens,
    nul_characters_are_not_server_errors
);
