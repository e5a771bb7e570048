//! Requests refused while their head is read (a URL over the limit,
//! headers too large or too many, a request that is not HTTP/1.1) are
//! answered through the catalogue like every other error: their cause, on
//! the channel of their path, with an `error_id` that finds the log line.

use crate::support::{Db, Server, assert_json_error};
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An answer read off a raw connection.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// Everything the server sends on a connection after `request`, until it
/// closes the connection: the answers, in order.
/// The request is written while the answer is read: the server may answer
/// and close before it has read all of it.
async fn exchange(s: &Server, request: &[u8]) -> Vec<Raw> {
    let tcp = TcpStream::connect(s.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let (mut read, mut write) = tcp.into_split();
    let request = request.to_vec();
    let writer = tokio::spawn(async move {
        // A write after the server stopped reading may fail: the answer
        // is what counts.
        let _ = write.write_all(&request).await;
        write
    });
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), read.read_to_end(&mut out))
        .await
        .expect("the server closes the connection after the answer")
        .unwrap();
    drop(writer.await);
    parse(&String::from_utf8(out).unwrap())
}

/// Whether `bytes` hold one whole answer.
fn parse_whole(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let len: usize = head
        .split("\r\n")
        .find_map(|l| l.strip_prefix("content-length: "))
        .map_or(0, |v| v.parse().unwrap());
    body.len() >= len
}

fn parse(mut text: &str) -> Vec<Raw> {
    let mut answers = Vec::new();
    while !text.is_empty() {
        let (head, rest) = text.split_once("\r\n\r\n").expect("a whole head");
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap();
                (k.trim().to_string(), v.trim().to_string())
            })
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        answers.push(Raw {
            status: status.parse().unwrap(),
            headers,
            body: rest[..len].to_string(),
        });
        text = &rest[len..];
    }
    answers
}

/// The JSON channel's answer for `cause`, logged under its `error_id`.
fn assert_catalogued(s: &Server, r: &Raw, status: u16, cause: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("connection"), Some("close"));
    assert!(r.header("date").is_some_and(|d| d.ends_with(" GMT")));
    let body = r.json();
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert_eq!(
        body["error_uri"],
        format!("{}/errors/invalid_request#{cause}", s.base)
    );
    let id = body["error_id"].as_str().unwrap();
    assert!(
        s.logs()
            .contains(&format!("error_id={id} cause=\"{cause}\"")),
        "{}",
        s.logs()
    );
}

/// 414 (sent raw: the URL is longer than an HTTP client library lets a
/// URL be) and 431: hyper used to answer them with an empty body and no
/// content type.
#[tokio::test]
async fn urls_and_headers_over_the_limits_get_their_cause() {
    let s = Server::start(Db::Sqlite).await;
    let long = "a".repeat(100 * 1024);

    // A JSON endpoint: the JSON channel.
    let request = format!("GET /token?x={long} HTTP/1.1\r\nHost: x\r\n\r\n");
    let answers = exchange(&s, request.as_bytes()).await;
    assert_eq!(answers.len(), 1);
    assert_catalogued(&s, &answers[0], 414, "uri_too_long");
    let description = answers[0].json()["error_description"].to_string();
    assert!(description.contains("at most 65534 bytes"), "{description}");

    // /authorize: the error page, as for any request it cannot trust.
    let request =
        format!("GET /authorize?client_id={long} HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n");
    let page = &exchange(&s, request.as_bytes()).await[0];
    assert_eq!(page.status, 400);
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    assert!(page.header("content-security-policy").is_some());
    assert!(
        page.body.contains("<code>uri_too_long</code>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("/errors/invalid_request#uri_too_long"));

    // More header fields than hyper reads (100), from an ordinary client.
    let mut many = s.http.get(s.url("/jwks"));
    for i in 0..120 {
        many = many.header(format!("x-field-{i}"), "1");
    }
    let r = many.send().await.unwrap();
    assert_json_error(r, 431, "invalid_request", "headers_too_large").await;

    // The node serves on.
    let r = s.http.get(s.url("/jwks")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

/// Raw requests: a request line that is not HTTP, a refusal after an
/// answered request on the same connection, HEAD, and a request line so
/// long that it fills hyper's buffer.
#[tokio::test]
async fn requests_hyper_cannot_read_get_their_cause() {
    let s = Server::start(Db::Sqlite).await;

    let answers = exchange(&s, b"GARBAGE\r\n\r\n").await;
    assert_eq!(answers.len(), 1);
    assert_catalogued(&s, &answers[0], 400, "malformed_request");

    // A space in the path: the page channel of /authorize.
    let answers = exchange(&s, b"GET /authorize?state=a b HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(answers[0].status, 400);
    assert!(answers[0].body.contains("<code>malformed_request</code>"));

    // An ordinary request first: the refused one is told apart from it.
    let long = "a".repeat(70 * 1024);
    let request = format!(
        "GET /jwks HTTP/1.1\r\nHost: x\r\n\r\nGET /jwks?{long} HTTP/1.1\r\nHost: x\r\n\r\n"
    );
    let mut tcp = TcpStream::connect(s.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let (first, second) = request.split_at(request.find("GET /jwks?").unwrap());
    tcp.write_all(first.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    while !parse_whole(&seen) {
        let mut buf = [0; 4096];
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(n > 0, "the connection stays open after the first answer");
        seen.extend_from_slice(&buf[..n]);
    }
    assert!(seen.starts_with(b"HTTP/1.1 200 "));
    tcp.write_all(second.as_bytes()).await.unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut rest))
        .await
        .unwrap()
        .unwrap();
    let answers = parse(&String::from_utf8(rest).unwrap());
    assert_catalogued(&s, &answers[0], 414, "uri_too_long");

    // HEAD: the head alone.
    let answers = exchange(
        &s,
        format!("HEAD /jwks?{long} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
    )
    .await;
    assert_eq!(answers[0].status, 414);
    assert!(answers[0].body.is_empty());
    assert_eq!(answers[0].header("content-length"), None);

    // Headers beyond hyper's read buffer (about 400 KB; a head that
    // arrives whole in the read that crosses it still passes), written
    // while the answer is read: the server stops reading and answers.
    let large = format!(
        "GET /jwks HTTP/1.1\r\nHost: x\r\nX-Large: {}\r\n\r\n",
        "b".repeat(1024 * 1024)
    );
    let answers = exchange(&s, large.as_bytes()).await;
    assert_catalogued(&s, &answers[0], 431, "headers_too_large");

    // A request line longer than hyper's whole buffer: still the URL.
    let longer = "a".repeat(410 * 1024);
    let answers = exchange(
        &s,
        format!("GET /jwks?{longer} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
    )
    .await;
    assert_catalogued(&s, &answers[0], 414, "uri_too_long");
}
