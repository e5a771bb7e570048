//! Losing the database: a PostgreSQL server stopped under load gives 503
//! `temporarily_unavailable` (cause `store_unavailable`) with Retry-After,
//! never a 500, redirected from /authorize to a client the node has in
//! memory; `/health/ready` fails while `/health/live` passes; the node
//! recovers by itself when the server is back. And a SQLite database locked
//! by another writer is waited for, then 503, never 500.
//!
//! The PostgreSQL test runs its own server (initdb into a temporary
//! directory, its own port), so stopping it disturbs no other test.

use crate::request_objects::CB;
use crate::support::{Database, Db, Server};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A PostgreSQL server of this test's own.
struct PgInstance {
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PgInstance {
    /// The newest installed server's binaries.
    fn bin_dir() -> PathBuf {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries under /usr/lib/postgresql")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("pg_ctl").exists())
            .collect();
        dirs.sort();
        dirs.pop().expect("pg_ctl under /usr/lib/postgresql/*/bin")
    }

    /// PostgreSQL refuses to run as root: run its tools as `postgres` then.
    fn tool(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn new() -> PgInstance {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("latchkey-pg-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .arg("postgres:")
                .arg(&dir)
                .status()
                .unwrap();
            assert!(ok.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = PgInstance {
            dir,
            port,
            bin: Self::bin_dir(),
        };
        let out = pg
            .tool("initdb")
            .arg("-D")
            .arg(pg.dir.join("data"))
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pg.start();
        pg
    }

    fn start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            self.port,
            self.dir.display()
        );
        let out = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .args(["-w", "-t", "30", "-o", &options, "start"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
        );
    }

    /// Stop at once, as a crash or a lost network would: no goodbye to
    /// the connected clients.
    fn stop(&self) {
        let _ = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PgInstance {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn service(s: &Server) -> String {
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "svc", "grant_types": ["client_credentials"], "scope": "api:read"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_string()
}

/// What a caller saw: status, Retry-After, body.
type Answer = (u16, Option<String>, Value);

async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let body = r.json().await.unwrap_or(Value::Null);
    (status, retry, body)
}

async fn introspect(s: &Server, secret: &str, token: &str) -> Answer {
    let r = s
        .http
        .post(s.url("/introspect"))
        .basic_auth("svc", Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    answer(r).await
}

/// Revoke a token nobody holds: 200 while the database answers (looking
/// it up needs the database, unlike introspection of a token already
/// verified, which is answered from memory).
async fn revoke_unknown(s: &Server, secret: &str) -> Answer {
    let r = s
        .http
        .post(s.url("/revoke"))
        .basic_auth("svc", Some(secret))
        .form(&[("token", "no-such-token-0123456789abcdef")])
        .send()
        .await
        .unwrap();
    answer(r).await
}

async fn client_credentials(s: &Server, secret: &str) -> Answer {
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth("svc", Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    answer(r).await
}

/// An authorization request for `client` at the redirect URI `CB`, with
/// state `down`; no browser session, so it needs the database to go on.
async fn authorize(s: &Server, client: &str) -> reqwest::Response {
    let cb: String = url::form_urlencoded::byte_serialize(CB.as_bytes()).collect();
    s.http
        .get(s.url(&format!(
            "/authorize?client_id={client}&response_type=code&scope=openid&state=down&redirect_uri={cb}"
        )))
        .send()
        .await
        .unwrap()
}

async fn status(s: &Server, path: &str) -> u16 {
    s.http
        .get(s.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// 503 `temporarily_unavailable` (cause `store_unavailable`) with Retry-After.
fn assert_store_unavailable(s: &Server, (status, retry, body): &Answer) {
    assert_eq!(*status, 503, "{body}");
    let wait: u64 = retry.as_deref().expect("Retry-After").parse().unwrap();
    assert!(wait >= 1, "{wait}");
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    assert_eq!(
        body["error_uri"],
        format!(
            "{}/errors/temporarily_unavailable#store_unavailable",
            s.base
        ),
        "{body}"
    );
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
}

async fn until(limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not within {limit:?}");
}

#[tokio::test]
async fn postgres_stopped_under_load_is_503_and_the_node_recovers() {
    let pg = PgInstance::new();
    let url = latchkey_store::create_postgres_database(&pg.url(), "latchkey")
        .await
        .unwrap();
    let s = Arc::new(Server::start_on(Database::at(url), &[]).await);
    let secret = service(&s).await;
    // A browser client this node has in memory when the database goes (the
    // change watcher forgets cached clients after a client write: let it
    // see this one first).
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({"client_id": "app", "redirect_uris": [CB]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let r = authorize(&s, "app").await;
    assert_eq!(r.status(), 303);
    let (st, _, body) = client_credentials(&s, &secret).await;
    assert_eq!(st, 200);
    let token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(introspect(&s, &secret, &token).await.2["active"], true);

    // Load: four callers, one request each every 40 ms, alternating a
    // token request and a revocation (which needs the database).
    let stop = Arc::new(AtomicBool::new(false));
    let mut callers = Vec::new();
    for i in 0..4 {
        let (s, secret, stop) = (s.clone(), secret.clone(), stop.clone());
        callers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut n = i;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                seen.push(if n % 2 == 0 {
                    client_credentials(&s, &secret).await
                } else {
                    revoke_unknown(&s, &secret).await
                });
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    pg.stop();
    let stopped = Instant::now();
    // Down: what needs the database is 503 with Retry-After; not ready,
    // still live.
    until(Duration::from_secs(10), async || {
        revoke_unknown(&s, &secret).await.0 == 503
    })
    .await;
    eprintln!("first 503 after {:?}", stopped.elapsed());
    // Once one request has met the outage, the next is cut short rather
    // than waiting for the pool's whole acquire timeout (5 s).
    let asked = Instant::now();
    assert_store_unavailable(&s, &revoke_unknown(&s, &secret).await);
    eprintln!("503 answered in {:?}", asked.elapsed());
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!(status(&s, "/health/ready").await, 503);
    assert_eq!(status(&s, "/health/live").await, 200);
    let r = s.admin(Method::GET, "/users").send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    // /authorize (G7, U30, T7, T16): cut short, and redirected to the
    // cached client's registered redirect URI (a 503 cannot be redirected);
    // a client not in memory gets the 503 page, the database unasked.
    let r = authorize(&s, "app").await;
    crate::request_objects::assert_redirect(
        &s,
        &r,
        "temporarily_unavailable",
        "store_unavailable",
        "down",
    );
    let r = authorize(&s, "nobody").await;
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    let html = r.text().await.unwrap();
    assert!(html.contains("<code>store_unavailable</code>"), "{html}");
    // Down for longer than a request may wait (STORE_DOWN_BUDGET, 1 s):
    // the callers' requests meet the outage instead of outlasting it.
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Back: the node recovers without a restart.
    pg.start();
    until(Duration::from_secs(15), async || {
        status(&s, "/health/ready").await == 200 && revoke_unknown(&s, &secret).await.0 == 200
    })
    .await;
    assert_eq!(introspect(&s, &secret, &token).await.2["active"], true);
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);

    let mut answers = Vec::new();
    for c in callers {
        answers.extend(c.await.unwrap());
    }
    let unavailable = answers.iter().filter(|a| a.0 == 503).count();
    eprintln!("{} answers, {unavailable} of them 503", answers.len());
    assert!(answers.len() >= 50, "{} requests", answers.len());
    assert!(unavailable > 0, "no request met the outage");
    for a in &answers {
        match a.0 {
            200 => {}
            503 => assert_store_unavailable(&s, a),
            other => panic!("{other} during the outage: {}", a.2),
        }
    }
    let logs = s.logs();
    assert!(!logs.contains("panic"), "{logs}");
    assert!(!logs.contains("internal_error"), "{logs}");
}

/// Another SQLite writer holding the lock briefly is waited for (the busy
/// timeout), so the write succeeds; one that holds it past the timeout
/// gets 503 `store_unavailable`, not 500.
#[tokio::test]
async fn a_locked_sqlite_database_is_waited_for_then_503() {
    let s = Server::start(Db::Sqlite).await;
    let path = s.db.url.strip_prefix("sqlite://").unwrap().to_string();
    let other = rusqlite::Connection::open(&path).unwrap();
    let create = |id: &'static str| {
        s.admin(Method::POST, "/clients")
            .json(&json!({"client_id": id, "grant_types": ["client_credentials"]}))
            .send()
    };

    // Held for one second: the write waits and succeeds.
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let release = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        other.execute_batch("COMMIT").unwrap();
    };
    let (r, ()) = tokio::join!(create("one"), release);
    assert_eq!(r.unwrap().status(), 201);

    // Held past the busy timeout (5 s): 503 with Retry-After.
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let r = create("two").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    let e: Value = r.json().await.unwrap();
    assert!(
        e["errorLink"]
            .as_str()
            .unwrap()
            .ends_with("/errors/temporarily_unavailable#store_unavailable"),
        "{e}"
    );
    other.execute_batch("COMMIT").unwrap();
    // Released: writes work again.
    assert_eq!(create("three").await.unwrap().status(), 201);
}
