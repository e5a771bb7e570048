//! Start-up, discovery, keys, HTTP basics, health, metrics, shutdown.

use crate::support::{Database, Db, Server, run};
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn discovery_and_jwks(db: Db) {
    let s = Server::start(db).await;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let r = s.http.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let doc: Value = r.json().await.unwrap();
        assert_eq!(doc["issuer"], s.base);
        assert_eq!(doc["jwks_uri"], s.url("/jwks"));
    }
    let r = s.http.get(s.url("/jwks")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let jwks: Value = r.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    let mut algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    algs.sort();
    assert_eq!(algs, ["ES256", "RS256"]);
    for k in keys {
        assert_eq!(k["use"], "sig");
        assert!(k["kid"].as_str().is_some_and(|kid| !kid.is_empty()));
        assert!(
            k.get("d").is_none() && k.get("p").is_none(),
            "no private parts"
        );
    }
    let rsa = keys.iter().find(|k| k["alg"] == "RS256").unwrap();
    // 2048-bit modulus: 256 bytes, 342 base64url characters.
    assert_eq!(rsa["n"].as_str().unwrap().len(), 342);
}

async fn restart_keeps_keys_and_a_wrong_secret_is_refused(db: Db) {
    let s = Server::start(db).await;
    let before: Value = s
        .http
        .get(s.url("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let database = s.stop();
    let s = Server::start_on(database, &[]).await;
    let after: Value = s
        .http
        .get(s.url("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(before, after);
    let database = s.stop();
    let (code, _, err) = run(
        &database,
        &["serve"],
        &[
            (
                "LATCHKEY_SECRET",
                "another-secret-0123456789abcdef-0123456789",
            ),
            ("LATCHKEY_LISTEN", "127.0.0.1:0"),
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("LATCHKEY_SECRET"), "{err}");
}

/// Migrating at start logs each migration applied, and nothing the
/// database says about tables that already exist, on a fresh database and
/// on a restart.
#[tokio::test]
async fn a_start_on_postgresql_logs_no_notices() {
    let s = Server::start(Db::Postgres).await;
    let logs = s.logs();
    assert!(logs.contains("applied database migration"), "{logs}");
    assert!(!logs.contains("already exists, skipping"), "{logs}");
    let s = Server::start_on(s.stop(), &[]).await;
    let logs = s.logs();
    assert!(!logs.contains("applied database migration"), "{logs}");
    assert!(!logs.contains("already exists, skipping"), "{logs}");
}

async fn http_basics_go_through_the_catalogue(db: Db) {
    let s = Server::start(db).await;
    // Unknown route: 404 JSON not_found.
    let r = s.http.get(s.url("/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    assert_eq!(body["error_uri"], s.url("/errors/not_found#not_found"));
    let error_id = body["error_id"].as_str().unwrap().to_string();
    // Wrong method: 405 with Allow.
    let r = s.http.post(s.url("/jwks")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.headers()["allow"].to_str().unwrap().contains("GET"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_uri"]
            .as_str()
            .unwrap()
            .ends_with("#method_not_allowed")
    );
    // Body too large: 413 JSON. (Its own client: the server closes a
    // connection whose body it did not read.)
    let r = reqwest::Client::new()
        .post(s.url("/admin/v1/clients"))
        .bearer_auth(crate::support::ADMIN)
        .header("content-type", "application/json")
        .body(vec![b' '; 200 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errorCode"], "request_too_large");
    // The occurrence is kept for support, with its detail.
    let record = s.kept_error(&error_id).await;
    assert_eq!(record["cause"], "not_found");
    assert_eq!(record["status"], 404);
    assert!(
        record["error_description"]
            .as_str()
            .unwrap()
            .contains("/nope")
    );
    let r = s
        .admin(Method::GET, "/errors/00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "error_id_not_found"
    );
    // Logged once, with the error_id and the cause. (Polling for the record
    // above may log `error_id_not_found` answers that name this id in their
    // description; only the occurrence's own line carries it as its id.)
    let logs = s.logs();
    assert_eq!(
        logs.matches(&format!("error_id={error_id}")).count(),
        1,
        "{logs}"
    );
    assert!(logs.contains("not_found"));
}

async fn health_and_metrics(db: Db) {
    let s = Server::start(db).await;
    let r = s.http.get(s.url("/health/live")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = s.http.get(s.url("/health/ready")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["checks"]["database"], "ok");
    s.http.get(s.url("/missing")).send().await.unwrap();
    s.http.get(s.url("/jwks")).send().await.unwrap();
    let text = s
        .http
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            "latchkey_http_requests_total{endpoint=\"/jwks\",method=\"GET\",status=\"200\"}"
        ),
        "{text}"
    );
    assert!(
        text.contains("latchkey_errors_total{code=\"not_found\",cause=\"not_found\"}"),
        "{text}"
    );
    assert!(
        text.contains("latchkey_http_request_duration_seconds"),
        "{text}"
    );
    // Every family is described; latencies are histograms, which add up
    // across nodes; build, in-flight and process figures are there.
    for family in [
        "latchkey_http_requests_total",
        "latchkey_http_request_duration_seconds",
        "latchkey_errors_total",
        "latchkey_build_info",
        "latchkey_http_requests_in_flight",
    ] {
        assert!(
            text.contains(&format!("# HELP {family} ")),
            "{family}: {text}"
        );
        assert!(
            text.contains(&format!("# TYPE {family} ")),
            "{family}: {text}"
        );
    }
    assert!(
        text.contains("# TYPE latchkey_http_request_duration_seconds histogram")
            && text.contains(
                "latchkey_http_request_duration_seconds_bucket{endpoint=\"/jwks\",le=\"0.005\"}"
            ),
        "{text}"
    );
    let build = text
        .lines()
        .find(|l| l.starts_with("latchkey_build_info{"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        build.contains(&format!("version=\"{}\"", env!("CARGO_PKG_VERSION")))
            && build.contains("commit=\""),
        "{build}"
    );
    assert!(text.contains("latchkey_http_requests_in_flight "), "{text}");
    assert!(text.contains("process_resident_memory_bytes "), "{text}");
}

async fn sigterm_exits_zero(db: Db) {
    let mut s = Server::start(db).await;
    let status = s.terminate();
    assert!(status.success(), "{status:?}");
}

/// Maintenance (G7): 503 temporarily_unavailable with Retry-After on every
/// channel, redirected to the client from /authorize once it is verified;
/// health reports it; the admin API stays reachable.
async fn maintenance_mode(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_MAINTENANCE", "true")]).await;
    let r = s.http.get(s.url("/jwks")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "60");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    assert!(
        body["error_uri"]
            .as_str()
            .unwrap()
            .ends_with("#maintenance")
    );
    assert_eq!(
        s.http
            .get(s.url("/health/live"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Readiness fails through the catalogue too, and keeps the `status`
    // member probes read.
    let r = s.http.get(s.url("/health/ready")).send().await.unwrap();
    assert_eq!(r.headers()["retry-after"], "60");
    let (_, body) =
        crate::support::assert_json_error(r, 503, "temporarily_unavailable", "maintenance").await;
    assert_eq!(body["status"], "maintenance", "{body}");
    // A probe asks every few seconds: its answers are not logged or kept.
    let id = body["error_id"].as_str().unwrap();
    assert!(!s.logs().contains(id), "{}", s.logs());
    let r = s
        .admin(Method::POST, "/clients")
        .json(&serde_json::json!({"client_id": "app", "redirect_uris": ["https://app.example/cb"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = s
        .http
        .get(s.url("/authorize?client_id=app&response_type=code&scope=openid&state=m1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        loc.starts_with("https://app.example/cb?error=temporarily_unavailable"),
        "{loc}"
    );
    assert!(
        loc.contains("state=m1") && loc.contains("%23maintenance"),
        "{loc}"
    );
    let r = s
        .http
        .get(s.url("/authorize?client_id=nobody"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.text().await.unwrap().contains("<code>maintenance</code>"));
}

/// Overload: past limits.max_in_flight a request is refused at once with
/// 503 overloaded and Retry-After, never queued into a timeout.
async fn load_is_shed_past_max_in_flight(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_LIMITS_MAX_IN_FLIGHT", "1")]).await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let req = s
            .admin(Method::POST, "/users")
            .json(&serde_json::json!({"username": format!("user{i}"), "password": "correct horse battery"}));
        tasks.push(tokio::spawn(async move { req.send().await.unwrap() }));
    }
    let (mut created, mut shed) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap();
        match r.status().as_u16() {
            201 => created += 1,
            503 => {
                assert_eq!(r.headers()["retry-after"], "1");
                assert_eq!(r.json::<Value>().await.unwrap()["errorCode"], "overloaded");
                shed += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(created >= 1 && shed >= 1, "created {created}, shed {shed}");
    // Health answers even when the node is saturated.
    assert_eq!(
        s.http
            .get(s.url("/health/live"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// Every error answer names its cause's documentation in a `Link` header
/// (RFC 8288, `rel="help"`), whatever its channel: JSON, bearer, admin,
/// redirect to the client and the error page.
#[tokio::test]
async fn every_error_answer_links_its_documentation() {
    let s = Server::start(Db::Sqlite).await;
    let r = s
        .admin(Method::POST, "/clients")
        .json(&serde_json::json!({"client_id": "app", "redirect_uris": ["https://app.example/cb"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let help = |r: &reqwest::Response, code: &str, cause: &str| {
        let link = r
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(
            link.as_deref(),
            Some(
                format!(
                    "<{}>; rel=\"help\"",
                    s.url(&format!("/errors/{code}#{cause}"))
                )
                .as_str()
            ),
            "{} for {cause}",
            r.status()
        );
    };
    let json = s
        .http
        .post(s.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "nobody"),
        ])
        .send()
        .await
        .unwrap();
    help(&json, "invalid_client", "unknown_client");
    let bearer = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 401);
    help(&bearer, "invalid_token", "token_malformed");
    let admin = s
        .admin(Method::GET, "/clients/nobody")
        .send()
        .await
        .unwrap();
    help(&admin, "not_found", "client_not_found");
    let redirect = s
        .http
        .get(s.url(
            "/authorize?client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=token&scope=openid",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 303);
    help(
        &redirect,
        "unsupported_response_type",
        "unsupported_response_type",
    );
    let page = s
        .http
        .get(s.url("/authorize?client_id=nobody&response_type=code&scope=openid"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    help(&page, "invalid_request", "client_id_unknown");
    // A successful answer has none.
    let ok = s.http.get(s.url("/jwks")).send().await.unwrap();
    assert!(ok.headers().get("link").is_none());
}

crate::both!(
    maintenance_mode,
    load_is_shed_past_max_in_flight,
    discovery_and_jwks,
    restart_keeps_keys_and_a_wrong_secret_is_refused,
    http_basics_go_through_the_catalogue,
    health_and_metrics,
    sigterm_exits_zero,
);

/// A bad setting stops start-up before the port is bound: exit 2, and the
/// message names the key and what it accepts.
#[tokio::test]
async fn bad_settings_exit_2_naming_the_key() {
    let db = Database::new(Db::Sqlite).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    for (key, value, expect) in [
        ("LATCHKEY_LOG_FORMAT", "yaml", "log_format"),
        ("LATCHKEY_ISSUER", "not a url", "issuer"),
        (
            "LATCHKEY_ERRORS_EXTENDED_CODES",
            "perhaps",
            "errors.extended_codes",
        ),
        ("LATCHKEY_LISTEN", "localhost", "listen"),
        ("LATCHKEY_DATABASE_URL", "mysql://x", "database_url"),
    ] {
        let env = [
            (key, value),
            (
                "LATCHKEY_LISTEN",
                if key == "LATCHKEY_LISTEN" {
                    value
                } else {
                    &listen
                },
            ),
        ];
        let (code, _, err) = run(&db, &["serve"], &env);
        assert_eq!(code, 2, "{key}: {err}");
        assert!(err.contains(expect) && err.contains(key), "{err}");
        // Nothing was bound.
        assert!(std::net::TcpListener::bind(&listen).is_ok());
    }
    let (code, _, err) = run(
        &db,
        &["serve", "--config", "/nonexistent/latchkey.toml"],
        &[],
    );
    assert_eq!(code, 2, "{err}");
}

/// An existing empty SQLite file is a fresh database.
#[tokio::test]
async fn an_empty_sqlite_file_is_a_fresh_database() {
    let db = Database::new(Db::Sqlite).await;
    let path = db.url.trim_start_matches("sqlite://").to_string();
    std::fs::write(&path, b"").unwrap();
    let s = Server::start_on(db, &[]).await;
    let r = s.http.get(s.url("/jwks")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// The mode bits of `path` that give access to others than the owner.
#[cfg(unix)]
fn others_access(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o077
}

/// A SQLite database made at start, its WAL and shared-memory files and
/// the directory made for it are the owner's only.
#[cfg(unix)]
#[tokio::test]
async fn sqlite_files_are_private() {
    let mut db = Database::new(Db::Sqlite).await;
    let data = db.dir.join("data");
    db.url = format!("sqlite://{}/latchkey.db", data.display());
    let s = Server::start_on(db, &[]).await;
    // A write through the server, so the WAL holds something.
    let r = s
        .admin(Method::POST, "/users")
        .json(&serde_json::json!({"username": "alice", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(others_access(&data), 0, "the data directory");
    for name in ["latchkey.db", "latchkey.db-wal", "latchkey.db-shm"] {
        let file = data.join(name);
        assert!(file.exists(), "{name} is missing");
        assert_eq!(others_access(&file), 0, "{name}");
    }
}

/// With no settings at all, `serve` creates its data directory, secret and
/// database in the working directory.
#[tokio::test]
async fn runs_with_no_configuration() {
    let db = Database::new(Db::Sqlite).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(crate::support::bin())
        .current_dir(&db.dir)
        .env_clear()
        .env("LATCHKEY_LISTEN", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let mut ok = false;
    for _ in 0..400 {
        if let Ok(r) = http
            .get(format!(
                "http://127.0.0.1:{port}/.well-known/openid-configuration"
            ))
            .send()
            .await
        {
            let doc: Value = r.json().await.unwrap();
            assert_eq!(doc["issuer"], "http://127.0.0.1:8080");
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok, "server did not answer");
    assert!(db.dir.join("latchkey-data/latchkey.db").exists());
    let secret = std::fs::read_to_string(db.dir.join("latchkey-data/secret")).unwrap();
    assert!(secret.trim().len() >= 32);
    #[cfg(unix)]
    for made in [
        "latchkey-data",
        "latchkey-data/secret",
        "latchkey-data/latchkey.db",
    ] {
        assert_eq!(others_access(&db.dir.join(made)), 0, "{made}");
    }
}
