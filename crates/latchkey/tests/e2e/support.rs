//! Test support: a real `latchkey` process on a free loopback port, with its
//! own SQLite file or its own PostgreSQL database.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ADMIN: &str = "admin-token-0123456789abcdef";
pub const READONLY: &str = "readonly-token-0123456789abcdef";
pub const SECRET: &str = "test-secret-0123456789abcdef-0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_server() -> String {
    std::env::var("LATCHKEY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh database of the given kind: (database_url, working directory).
pub struct Database {
    pub url: String,
    pub dir: PathBuf,
    pg_name: Option<String>,
}

impl Database {
    pub async fn new(db: Db) -> Database {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("latchkey-e2e-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        match db {
            Db::Sqlite => Database {
                url: format!("sqlite://{}/latchkey.db", dir.display()),
                dir,
                pg_name: None,
            },
            Db::Postgres => {
                let name = format!("lk_e2e_{id}");
                let url = latchkey_store::create_postgres_database(&postgres_server(), &name)
                    .await
                    .expect("PostgreSQL must be running for the PostgreSQL tests (see README)");
                Database {
                    url,
                    dir,
                    pg_name: Some(name),
                }
            }
        }
    }
}

impl Database {
    /// A database at `url` that the test manages itself (dropping this
    /// leaves it alone).
    pub fn at(url: String) -> Database {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("latchkey-e2e-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        Database {
            url,
            dir,
            pg_name: None,
        }
    }

    /// The same database seen from another node: its own working directory,
    /// and dropping it leaves the database alone.
    pub fn alias(&self) -> Database {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("latchkey-e2e-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        Database {
            url: self.url.clone(),
            dir,
            pg_name: None,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(name) = self.pg_name.take() {
            // Best effort, on a runtime of its own (Drop cannot await).
            let server = postgres_server();
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    let _ = rt.block_on(latchkey_store::drop_postgres_database(&server, &name));
                }
            })
            .join();
        }
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_latchkey")
}

/// A `latchkey` command with a clean environment pointing at `db`.
pub fn command(db: &Database, extra_env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.current_dir(&db.dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LATCHKEY_DATABASE_URL", &db.url)
        .env("LATCHKEY_SECRET", SECRET)
        .env("LATCHKEY_ADMIN_TOKEN", ADMIN)
        .env("LATCHKEY_ADMIN_READONLY_TOKEN", READONLY);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd
}

/// [`run`] with `input` on standard input (secrets kept out of argv).
pub fn run_with_stdin(db: &Database, args: &[&str], input: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = command(db, &[])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Run a management command to completion: (exit code, stdout, stderr).
pub fn run(db: &Database, args: &[&str], extra_env: &[(&str, &str)]) -> (i32, String, String) {
    let out = command(db, extra_env).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub struct Server {
    child: Option<Child>,
    pub base: String,
    pub log: PathBuf,
    pub http: reqwest::Client,
    pub db: Database,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    pub async fn start(db: Db) -> Server {
        Server::start_with(db, &[]).await
    }

    pub async fn start_with(db: Db, extra_env: &[(&str, &str)]) -> Server {
        let db = Database::new(db).await;
        Server::start_on(db, extra_env).await
    }

    /// Start on an existing database (e.g. after a restart). A port taken
    /// between choosing and binding it is retried with another.
    pub async fn start_on(db: Database, extra_env: &[(&str, &str)]) -> Server {
        Server::start_at(db, "127.0.0.1", extra_env).await
    }

    /// Start with the issuer on `host` (listening on 127.0.0.1): passkeys
    /// need a host name, so their tests use `localhost`.
    pub async fn start_at(mut db: Database, host: &str, extra_env: &[(&str, &str)]) -> Server {
        for _attempt in 0..3 {
            let port = free_port();
            let base = format!("http://{host}:{port}");
            let listen = format!("127.0.0.1:{port}");
            let log = db.dir.join(format!("server-{port}.log"));
            let log_file = std::fs::File::create(&log).unwrap();
            let mut env: Vec<(&str, &str)> =
                vec![("LATCHKEY_ISSUER", &base), ("LATCHKEY_LISTEN", &listen)];
            env.extend_from_slice(extra_env);
            let child = command(&db, &env)
                .arg("serve")
                .stdout(Stdio::null())
                .stderr(log_file)
                .spawn()
                .unwrap();
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let mut server = Server {
                child: Some(child),
                base,
                log,
                http,
                db,
            };
            if server.wait_ready().await {
                return server;
            }
            let logs = server.logs();
            assert!(
                logs.contains("Address already in use"),
                "latchkey did not start:\n{logs}"
            );
            server.kill();
            db = server.take_db();
        }
        panic!("no free port after 3 attempts");
    }

    fn take_db(mut self) -> Database {
        let placeholder = Database {
            url: String::new(),
            dir: PathBuf::new(),
            pg_name: None,
        };
        std::mem::replace(&mut self.db, placeholder)
    }

    async fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(_)) = child.try_wait()
            {
                return false;
            }
            if let Ok(r) = self.http.get(self.url("/health/live")).send().await
                && r.status().is_success()
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        false
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Run `sql` on the server's database (tests that age or break rows).
    pub async fn sql(&self, sql: &str) {
        use sqlx::Connection;
        if self.db.url.starts_with("postgres") {
            let mut c = sqlx::PgConnection::connect(&self.db.url).await.unwrap();
            let sql = sqlx::AssertSqlSafe(sql.to_string());
            sqlx::query(sql).execute(&mut c).await.unwrap();
        } else {
            self.sqlite().execute_batch(sql).unwrap();
        }
    }

    /// A connection to the server's SQLite file (it must exist).
    fn sqlite(&self) -> rusqlite::Connection {
        let path = self.db.url.strip_prefix("sqlite://").unwrap();
        let c = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
        )
        .unwrap();
        c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
        c
    }

    /// The single number `sql` answers, read from the server's database.
    pub async fn sql_count(&self, sql: &str) -> i64 {
        use sqlx::Connection;
        if self.db.url.starts_with("postgres") {
            let mut c = sqlx::PgConnection::connect(&self.db.url).await.unwrap();
            let sql = sqlx::AssertSqlSafe(sql.to_string());
            sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
        } else {
            self.sqlite().query_row(sql, [], |r| r.get(0)).unwrap()
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Send SIGTERM and wait for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().unwrap();
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("latchkey did not stop within 15 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill(&mut self) -> Option<()> {
        let mut child = self.child.take()?;
        let _ = child.kill();
        let _ = child.wait();
        Some(())
    }

    /// Kill the server with SIGKILL (no draining, no clean-up) and hand
    /// back its database for a restart.
    pub fn crash(mut self) -> Database {
        self.kill();
        self.take_db()
    }

    /// Stop the server and hand back its database for a restart.
    pub fn stop(mut self) -> Database {
        self.terminate();
        self.take_db()
    }

    /// Another node on the same database, serving the same issuer (as
    /// behind one load balancer).
    pub async fn join(&self, extra_env: &[(&str, &str)]) -> Server {
        let mut env = vec![("LATCHKEY_ISSUER", self.base.as_str())];
        env.extend_from_slice(extra_env);
        Server::start_on(self.db.alias(), &env).await
    }

    pub fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(&format!("/admin/v1{path}")))
            .bearer_auth(ADMIN)
    }

    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        run(&self.db, args, &[])
    }

    /// The record `GET /admin/v1/errors/{error_id}` shows, once kept:
    /// occurrences are written off the request path, so this waits for it
    /// (up to 5 s).
    pub async fn kept_error(&self, error_id: &str) -> serde_json::Value {
        for _ in 0..100 {
            let r = self
                .admin(reqwest::Method::GET, &format!("/errors/{error_id}"))
                .send()
                .await
                .unwrap();
            if r.status() == 200 {
                return r.json().await.unwrap();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the occurrence {error_id} was never kept");
    }

    /// [`Server::run`] with `input` on standard input.
    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> (i32, String, String) {
        run_with_stdin(&self.db, args, input)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Assert an admin API refusal: its status and `errorCode` (the cause);
/// the body. `context` names the request in a failure.
pub async fn assert_admin_error(
    r: reqwest::Response,
    status: u16,
    cause: &str,
    context: &str,
) -> serde_json::Value {
    assert_eq!(r.status(), status, "{context}");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["errorCode"], cause, "{context}: {body}");
    body
}

/// Assert the JSON error channel: status, `no-store`, `error`, the cause in
/// `error_uri` (also as the `Link` header's `help`), a description and an
/// `error_id`. Returns the headers and
/// the body.
pub async fn assert_json_error(
    r: reqwest::Response,
    status: u16,
    error: &str,
    cause: &str,
) -> (reqwest::header::HeaderMap, serde_json::Value) {
    assert_eq!(r.status(), status, "for cause {cause}");
    let headers = r.headers().clone();
    assert_eq!(headers["cache-control"], "no-store", "{cause}");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert!(
        body["error_uri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/errors/{error}#{cause}")),
        "{body}"
    );
    assert!(!body["error_description"].as_str().unwrap().is_empty());
    assert!(body["error_id"].is_string());
    assert_eq!(
        headers["link"],
        format!("<{}>; rel=\"help\"", body["error_uri"].as_str().unwrap()),
        "{cause}"
    );
    (headers, body)
}

/// Define one test per database from an `async fn(Db)`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name($crate::support::Db::Sqlite).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name($crate::support::Db::Postgres).await } )* }
    };
}

/// Poll `check` until it holds; the time it took. For what a node learns
/// from another through the database: nodes look every 250 ms, so it holds
/// within a second, and the bound allows three for a machine busy with
/// other tests (timing is for benchmarks; this checks that it arrives).
pub async fn within_a_second<F, Fut>(mut check: F) -> std::time::Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(3) {
        if check().await {
            return start.elapsed();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the change did not reach the other node in time");
}
