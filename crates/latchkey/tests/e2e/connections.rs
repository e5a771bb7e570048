//! Keep-alive connections survive requests whose body no handler read: a
//! refused request (too large, no such endpoint, wrong method, refused
//! before reading) leaves the connection usable for the next request, or,
//! when the body is too large or too slow to read, its answer says
//! `Connection: close`. A connection that just ends after an answer that
//! promised to keep it makes the client's next request fail without an
//! answer.

use crate::support::{Db, Server};
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(10);

/// One answer read off the connection.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn closes(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.to_ascii_lowercase().contains("close"))
    }
}

/// The next answer, with its body; `None` when the connection ended (or
/// was reset) first.
async fn read_reply<R: AsyncBufRead + Unpin>(r: &mut R) -> Option<Reply> {
    let mut status_line = String::new();
    if r.read_line(&mut status_line).await.ok()? == 0 {
        return None;
    }
    let status = status_line.split(' ').nth(1)?.parse().ok()?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let reply = Reply { status, headers };
    if let Some(len) = reply.header("content-length") {
        let mut body = vec![0; len.parse().ok()?];
        r.read_exact(&mut body).await.ok()?;
    } else if reply
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).await.ok()?;
            let size = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; size + 2];
            r.read_exact(&mut chunk).await.ok()?;
            if size == 0 {
                break;
            }
        }
    }
    Some(reply)
}

#[tokio::test]
async fn a_connection_outlives_a_body_nobody_read() {
    let s = Server::start(Db::Sqlite).await;
    let addr = s.base.trim_start_matches("http://").to_string();
    let form = "content-type: application/x-www-form-urlencoded\r\n";
    let cases = [
        ("a body over the limit", "POST", "/token", form),
        ("no such endpoint", "POST", "/no-such-endpoint", ""),
        ("a method not allowed", "PUT", "/token", ""),
        ("a GET with a body", "GET", "/jwks", ""),
        (
            "a refusal before the body is read",
            "POST",
            "/admin/v1/keys/rotate",
            "",
        ),
    ];
    for (what, method, path, headers) in cases {
        let (read, mut write) = TcpStream::connect(&addr).await.unwrap().into_split();
        let mut read = BufReader::new(read);
        let body = vec![b'a'; 200 * 1024];
        let head = format!(
            "{method} {path} HTTP/1.1\r\nhost: {addr}\r\n{headers}content-length: {}\r\n\r\n",
            body.len()
        );
        // The body comes in two parts; the server answers between them,
        // as it does whenever the body is still on its way.
        let writer = tokio::spawn(async move {
            write.write_all(head.as_bytes()).await?;
            write.write_all(&body[..80 * 1024]).await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            write.write_all(&body[80 * 1024..]).await?;
            Ok::<_, std::io::Error>(write)
        });
        let first = tokio::time::timeout(WAIT, read_reply(&mut read))
            .await
            .unwrap_or_else(|_| panic!("{what}: no answer within {WAIT:?}"))
            .unwrap_or_else(|| panic!("{what}: the connection ended without an answer"));
        let write = writer.await.unwrap();
        // A body this size is read to its end, so the connection stays.
        assert!(
            !first.closes(),
            "{what}: {} closes the connection",
            first.status
        );
        let mut write = write.unwrap_or_else(|e| {
            panic!(
                "{what}: {} without Connection: close, but the connection broke while the body was sent ({e})",
                first.status
            )
        });
        let next = format!("GET /health/live HTTP/1.1\r\nhost: {addr}\r\n\r\n");
        let sent = write.write_all(next.as_bytes()).await;
        let second = tokio::time::timeout(WAIT, read_reply(&mut read))
            .await
            .unwrap_or_else(|_| panic!("{what}: no answer to the next request within {WAIT:?}"));
        let second = second.unwrap_or_else(|| {
            panic!(
                "{what}: {} without Connection: close, then the next request on the connection got no answer ({sent:?})",
                first.status
            )
        });
        assert_eq!(second.status, 200, "{what}");
    }

    // A body too large to be worth reading: the answer says the connection
    // closes (the client sent only the head).
    let (read, mut write) = TcpStream::connect(&addr).await.unwrap().into_split();
    let mut read = BufReader::new(read);
    let head = format!(
        "POST /no-such-endpoint HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\n\r\n",
        64 * 1024 * 1024
    );
    write.write_all(head.as_bytes()).await.unwrap();
    let reply = tokio::time::timeout(WAIT, read_reply(&mut read))
        .await
        .unwrap()
        .expect("an answer");
    assert_eq!(reply.status, 404);
    assert!(reply.closes(), "{:?}", reply.headers);

    // A body that stops coming: the answer still comes, saying the
    // connection closes.
    let (read, mut write) = TcpStream::connect(&addr).await.unwrap().into_split();
    let mut read = BufReader::new(read);
    let head =
        format!("POST /no-such-endpoint HTTP/1.1\r\nhost: {addr}\r\ncontent-length: 4096\r\n\r\n");
    write.write_all(head.as_bytes()).await.unwrap();
    write.write_all(&[b'a'; 1024]).await.unwrap();
    let reply = tokio::time::timeout(WAIT, read_reply(&mut read))
        .await
        .unwrap()
        .expect("an answer");
    assert_eq!(reply.status, 404);
    assert!(reply.closes(), "{:?}", reply.headers);
}
