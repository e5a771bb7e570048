//! The command line works on the configured database directly.

use crate::support::{Database, Db, Server, run};
use serde_json::Value;

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

async fn clients_and_users_before_the_server_runs(db: Db) {
    let db = Database::new(db).await;
    let (code, out, err) = run(
        &db,
        &[
            "client",
            "create",
            "--client-id",
            "web",
            "--name",
            "Web",
            "--redirect-uri",
            "https://app.example/cb",
            "--scope",
            "openid email",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let created = json(&out);
    let secret = created["client_secret"].as_str().unwrap().to_string();
    assert_eq!(created["client_name"], "Web");
    let (code, out, _) = run(&db, &["client", "show", "web"], &[]);
    assert_eq!(code, 0);
    assert!(json(&out).get("client_secret").is_none());
    let (code, out, _) = run(
        &db,
        &[
            "client",
            "update",
            "web",
            "--metadata",
            r#"{"logo_uri":"https://app.example/l.png"}"#,
        ],
        &[],
    );
    assert_eq!(code, 0);
    assert_eq!(json(&out)["logo_uri"], "https://app.example/l.png");
    // Request objects and PAR.
    let (code, out, err) = run(
        &db,
        &[
            "client",
            "update",
            "web",
            "--require-par",
            "--request-object-alg",
            "ES256",
            "--request-uri",
            "https://app.example/r.jwt",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let updated = json(&out);
    assert_eq!(updated["require_pushed_authorization_requests"], true);
    assert_eq!(updated["request_object_signing_alg"], "ES256");
    assert_eq!(updated["request_uris"][0], "https://app.example/r.jwt");
    let (code, _, err) = run(
        &db,
        &["client", "update", "web", "--request-object-alg", "HS256"],
        &[],
    );
    assert_eq!(code, 1);
    assert!(err.contains("request_object_signing_alg"), "{err}");
    let (code, out, _) = run(&db, &["client", "deactivate", "web"], &[]);
    assert_eq!(code, 0);
    assert_eq!(json(&out)["active"], false);
    let (code, out, _) = run(&db, &["client", "list"], &[]);
    assert_eq!(code, 0);
    assert_eq!(json(&out).as_array().unwrap().len(), 1);
    // Invalid metadata: exit 1, the cause and the field on stderr.
    let (code, _, err) = run(
        &db,
        &["client", "create", "--redirect-uri", "https://x.example/#f"],
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("invalid_redirect_uri") && err.contains("redirect_uris[0]"),
        "{err}"
    );

    // Users, with the password on standard input.
    let (code, out, err) = crate::support::run_with_stdin(
        &db,
        &[
            "user",
            "create",
            "--username",
            "alice",
            "--password-stdin",
            "--claims",
            r#"{"email":"alice@example.com"}"#,
        ],
        "correct horse battery\n",
    );
    assert_eq!(code, 0, "{err}");
    let user = json(&out);
    assert_eq!(user["username"], "alice");
    assert_eq!(user["has_password"], true);
    let (code, out, _) = run(
        &db,
        &["user", "update", "alice", "--claims", r#"{"name":"Alice"}"#],
        &[],
    );
    assert_eq!(code, 0);
    assert_eq!(json(&out)["claims"]["name"], "Alice");
    let (code, _, err) = run(
        &db,
        &[
            "user",
            "set-password",
            "alice",
            "--password",
            "another long password",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = run(
        &db,
        &["user", "set-password", "alice", "--password", "short"],
        &[],
    );
    assert_eq!(code, 1);
    let (code, out, _) = run(&db, &["user", "list"], &[]);
    assert_eq!(code, 0);
    assert_eq!(json(&out).as_array().unwrap().len(), 1);

    // Secrets are stored hashed: the SQLite files never hold them.
    if db.url.starts_with("sqlite:") {
        for entry in std::fs::read_dir(&db.dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "client secret stored in clear"
            );
            assert!(
                !bytes.windows(21).any(|w| w == b"correct horse battery"),
                "password stored in clear"
            );
        }
    }

    // The server sees what the CLI made.
    let s = Server::start_on(db, &[]).await;
    let r = s
        .admin(reqwest::Method::GET, "/clients/web")
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["active"], false);
    let (code, _, _) = s.run(&["user", "delete", "alice"]);
    assert_eq!(code, 0);
    let (code, _, _) = s.run(&["client", "delete", "web"]);
    assert_eq!(code, 0);
    let (code, _, err) = s.run(&["client", "show", "web"]);
    assert_eq!(code, 1);
    assert!(err.contains("client_not_found"), "{err}");
}

async fn keys_rotate_and_list(db: Db) {
    let db = Database::new(db).await;
    let (code, out, err) = run(&db, &["keys", "list"], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out).as_array().unwrap().len(), 2);
    let (code, out, _) = run(&db, &["keys", "rotate", "--alg", "ES256"], &[]);
    assert_eq!(code, 0);
    assert_eq!(json(&out)["rotated"][0]["alg"], "ES256");
    let (code, out, _) = run(&db, &["keys", "list"], &[]);
    assert_eq!(code, 0);
    let keys = json(&out);
    assert_eq!(keys.as_array().unwrap().len(), 3);
    assert!(
        keys.as_array()
            .unwrap()
            .iter()
            .all(|k| k["published"] == true)
    );
    let (code, _, err) = run(&db, &["keys", "rotate", "--alg", "HS256"], &[]);
    assert_eq!(code, 2, "{err}");
    let s = Server::start_on(db, &[]).await;
    let jwks: Value = s
        .http
        .get(s.url("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 3);
}

async fn migrate_command(db: Db) {
    let db = Database::new(db).await;
    let (code, out, err) = run(&db, &["migrate"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("applied") || out.contains("up to date"),
        "{out}"
    );
    let (code, out, _) = run(&db, &["migrate"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("up to date"), "{out}");
}

crate::both!(
    clients_and_users_before_the_server_runs,
    keys_rotate_and_list,
    migrate_command
);

#[test]
fn errors_explain() {
    let out = std::process::Command::new(crate::support::bin())
        .args(["errors", "explain", "invalid_grant"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("code_reused"), "{text}");

    let out = std::process::Command::new(crate::support::bin())
        .args(["errors", "explain", "code_reused"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("invalid_grant"), "{text}");

    let out = std::process::Command::new(crate::support::bin())
        .args([
            "errors",
            "explain",
            "https://app.example/cb?error=access_denied&error_description=The+user+cancelled&state=xyz",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("access_denied") && text.contains("The user cancelled"),
        "{text}"
    );

    let out = std::process::Command::new(crate::support::bin())
        .args(["errors", "explain", "definitely-not-an-error"])
        .output()
        .unwrap();
    assert!(!out.status.success());

    let out = std::process::Command::new(crate::support::bin())
        .args(["errors", "list"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("jti_known"));
}

/// `settings docs` needs no settings: it prints the reference table, and
/// with `--readme` rewrites the table between the markers of that file,
/// leaving the rest as it was; a file without the markers is refused.
#[test]
fn settings_docs_prints_and_rewrites_the_reference() {
    let out = std::process::Command::new(crate::support::bin())
        .args(["settings", "docs"])
        .env("LATCHKEY_TOKENS_CODE_TTL", "not a number")
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(table, latchkey::config::markdown());
    assert!(table.contains("| `tokens.code_ttl` | `LATCHKEY_TOKENS_CODE_TTL` | `60` |"));

    let dir = std::env::temp_dir().join(format!("lk-readme-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let readme = dir.join("README.md");
    std::fs::write(
        &readme,
        "# Title\n<!-- settings:begin -->\n| old |\n<!-- settings:end -->\nAfter.\n",
    )
    .unwrap();
    let rewrite = |path: &std::path::Path| {
        std::process::Command::new(crate::support::bin())
            .args(["settings", "docs", "--readme"])
            .arg(path)
            .output()
            .unwrap()
    };
    assert!(rewrite(&readme).status.success());
    assert_eq!(
        std::fs::read_to_string(&readme).unwrap(),
        format!("# Title\n<!-- settings:begin -->\n{table}<!-- settings:end -->\nAfter.\n")
    );
    let plain = dir.join("PLAIN.md");
    std::fs::write(&plain, "no table here\n").unwrap();
    let out = rewrite(&plain);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no settings table"));
    assert_eq!(std::fs::read_to_string(&plain).unwrap(), "no table here\n");
}

/// Every command and subcommand, found by walking `--help` itself, shows
/// examples in its help, as the README promises.
#[test]
fn help_everywhere() {
    let help = |path: &[String]| {
        let out = std::process::Command::new(crate::support::bin())
            .args(path)
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "{path:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut pending: Vec<Vec<String>> = vec![Vec::new()];
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        let text = help(&path);
        assert!(
            text.contains("Example"),
            "no example in `latchkey {} --help`:\n{text}",
            path.join(" ")
        );
        seen += 1;
        let commands = text
            .split("Commands:\n")
            .nth(1)
            .map(|rest| rest.split("\n\n").next().unwrap_or(""))
            .unwrap_or("");
        for line in commands.lines() {
            let name = line.split_whitespace().next().unwrap_or("");
            if !name.is_empty() && name != "help" {
                let mut next = path.clone();
                next.push(name.to_string());
                pending.push(next);
            }
        }
    }
    assert!(seen > 20, "walked only {seen} commands");
}

/// A variable in our namespace that names no setting is reported with the
/// closest setting; a config file that cannot be read is reported as the
/// option and its path.
#[tokio::test]
async fn settings_typos_and_a_missing_config_file_are_named() {
    let db = Database::new(Db::Sqlite).await;
    let (code, _, err) = run(
        &db,
        &["client", "list"],
        &[("LATCHKEY_LISTN", "0.0.0.0:80")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("LATCHKEY_LISTN names no setting")
            && err.contains("did you mean LATCHKEY_LISTEN?"),
        "{err}"
    );
    let (code, _, err) = run(
        &db,
        &["--config", "/nonexistent/latchkey.toml", "client", "list"],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("invalid option --config: cannot read /nonexistent/latchkey.toml"),
        "{err}"
    );
    assert!(!err.contains("LATCHKEY_--CONFIG"), "{err}");
}

/// `latchkey try` plays the client of the quickstart: it prints the
/// sign-in address, takes the browser's return on its loopback redirect
/// URI, redeems the code and prints the verified ID token's claims and the
/// userinfo answer; an error answer is printed with its cause.
#[tokio::test]
async fn try_plays_a_client_from_address_to_claims() {
    use crate::authorize::{Browser, location, login_page, submit_login};
    use std::io::{BufRead, Write};
    let s = Server::start(Db::Sqlite).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cb = format!("http://127.0.0.1:{port}/cb");
    let (code, out, err) = s.run(&[
        "client",
        "create",
        "--client-id",
        "my-app",
        "--redirect-uri",
        &cb,
        "--scope",
        "openid email profile",
        "--skip-consent",
    ]);
    assert_eq!(code, 0, "{err}");
    let secret = json(&out)["client_secret"].as_str().unwrap().to_string();
    let (code, _, err) = crate::support::run_with_stdin(
        &s.db,
        &[
            "user",
            "create",
            "--username",
            "alice",
            "--password-stdin",
            "--claims",
            r#"{"email":"alice@example.com","email_verified":true,"name":"Alice"}"#,
        ],
        "correct horse battery",
    );
    assert_eq!(code, 0, "{err}");

    let play = |secret: &str| {
        let mut child = crate::support::command(&s.db, &[("LATCHKEY_ISSUER", &s.base)])
            .args(["try", "my-app", "--secret-stdin", "--wait", "60"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(secret.as_bytes())
            .unwrap();
        // The address is printed before it listens for the browser.
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut address = String::new();
        let mut line = String::new();
        while stderr.read_line(&mut line).unwrap() > 0 {
            if let Some(url) = line.trim().strip_prefix(&format!("{}/authorize?", s.base)) {
                address = format!("/authorize?{url}");
                break;
            }
            line.clear();
        }
        assert!(!address.is_empty(), "no address printed");
        (child, address, stderr)
    };

    let (child, address, _stderr) = play(&secret);
    let mut b = Browser::new(&s);
    let html = login_page(&mut b, &address).await;
    let r = submit_login(&mut b, &html, "alice", "correct horse battery").await;
    let back = location(&r);
    assert!(back.starts_with(&cb), "{back}");
    // The browser arrives at the terminal's listener.
    let page = reqwest::get(&back).await.unwrap().text().await.unwrap();
    assert!(page.contains("You can close this window"), "{page}");
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(shown["id_token_claims"]["aud"], "my-app");
    assert_eq!(shown["id_token_claims"]["iss"], s.base.as_str());
    assert_eq!(shown["userinfo"]["email"], "alice@example.com");
    assert_eq!(shown["userinfo"]["sub"], shown["id_token_claims"]["sub"]);

    // A wrong secret: the code comes back, /token refuses, and the cause is shown.
    let (child, address, mut stderr) = play("not-the-secret");
    let r = b.get(&address).await;
    let back = location(&r);
    assert!(back.starts_with(&cb), "signed in already: {back}");
    reqwest::get(&back).await.unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut err).unwrap();
    assert!(
        err.contains("invalid_client") && err.contains("client_secret_mismatch"),
        "{err}"
    );
}

/// The error reference a page or answer shows is looked up in the
/// deployment's database: what happened, where, to which client, and what
/// the cause means, with documentation links on the issuer's host.
#[tokio::test]
async fn errors_explain_finds_an_error_reference() {
    let s = Server::start(Db::Sqlite).await;
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth("nobody", Some("secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    let reference = body["error_id"].as_str().unwrap().to_string();
    // Occurrences are written off the request path: give it a moment.
    let mut found = None;
    for _ in 0..40 {
        let (code, out, err) = crate::support::run(
            &s.db,
            &["errors", "explain", &reference],
            &[("LATCHKEY_ISSUER", &s.base)],
        );
        if code == 0 {
            found = Some(out);
            break;
        }
        assert!(err.contains("no error with the reference"), "{err}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let out = found.expect("the occurrence was recorded");
    assert!(out.contains(&reference) && out.contains("/token"), "{out}");
    assert!(
        out.contains("unknown_client") && out.contains("nobody"),
        "{out}"
    );
    assert!(
        out.contains(&format!("{}/errors/invalid_client#unknown_client", s.base)),
        "{out}"
    );
    let (code, _, err) = crate::support::run(
        &s.db,
        &["errors", "explain", "01a2415a-0000-7000-8000-000000000000"],
        &[],
    );
    assert_eq!(code, 1);
    assert!(err.contains("no error with the reference"), "{err}");
}
