//! Requests refused before any handler runs, answered through the catalogue.
//!
//! hyper answers some requests by itself, while it reads the request head:
//! a request target over 65534 bytes (414, a limit hyper fixes), a head
//! larger than its read buffer or with more than 100 fields (431), and a
//! request line or header that is not HTTP/1.1 (400). Its answer has an
//! empty body and no content type, and hyper offers no hook to replace it.
//! So every connection is wrapped in [`Guarded`]: it notes how the request
//! being read starts (method, path, length of the request line) and, when
//! hyper writes one of those bare answers, writes in its place the answer
//! [`answers`] gives for a stand-in request with that method and path: the
//! catalogue failure on the channel the path calls for, reported, counted
//! and rendered like every other.
//!
//! What is not replaced: a connection that hyper closes without any answer
//! (an HTTP/2 preface on this HTTP/1 server, a head that is never finished
//! before the client gives up); and, on a connection that pipelines several
//! requests without waiting for answers, the channel of a refused request
//! after the first is the JSON one, because its start was read along with
//! the earlier request and is not known.

use super::respond::{self, Failure};
use crate::app::App;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{Method, Uri, header};
use axum::response::Response;
use latchkey_core::Occurrence;
use latchkey_core::catalogue::{HEADERS_TOO_LARGE, MALFORMED_REQUEST, URI_TOO_LONG};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

/// hyper refuses a longer request target (its `MAX_URI_LEN`, not a setting).
pub const MAX_URI_LEN: usize = 65534;

/// Bytes of a request's start kept to choose the channel: enough for the
/// method and every path `respond::channel_for_path` tells apart.
const START: usize = 64;

/// The router that answers stand-in requests: the outer layers of
/// [`super::router`] that report and render a failure, around a fallback
/// that raises the cause the stand-in carries.
pub fn answers(app: Arc<App>) -> Router {
    Router::new()
        .fallback(raise)
        .layer(axum::middleware::from_fn_with_state(app, respond::finish))
        .layer(axum::middleware::from_fn(super::pages::security_headers))
}

/// The cause a stand-in request carries.
#[derive(Clone)]
struct Refused(Occurrence);

async fn raise(req: Request) -> Failure {
    let occ = req
        .extensions()
        .get::<Refused>()
        .map_or_else(|| MALFORMED_REQUEST.occur(), |r| r.0.clone());
    Failure {
        occ,
        channel: respond::channel_for_path(req.uri().path()),
    }
}

/// A TCP listener whose connections are [`Guarded`].
pub struct Listener {
    tcp: TcpListener,
    answers: Router,
}

impl Listener {
    pub fn new(tcp: TcpListener, answers: Router) -> Listener {
        Listener { tcp, answers }
    }
}

impl axum::serve::Listener for Listener {
    type Io = Guarded;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Guarded, SocketAddr) {
        let (tcp, peer) = axum::serve::Listener::accept(&mut self.tcp).await;
        (
            Guarded {
                tcp,
                peer,
                answers: self.answers.clone(),
                start: Start::default(),
                wrote: false,
                answer: Answer::None,
            },
            peer,
        )
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

/// The start of the request being read.
#[derive(Clone, Copy)]
struct Start {
    head: [u8; START],
    kept: usize,
    /// Length of the request line so far (without CR LF).
    line: usize,
    line_done: bool,
}

impl Default for Start {
    fn default() -> Start {
        Start {
            head: [0; START],
            kept: 0,
            line: 0,
            line_done: false,
        }
    }
}

impl Start {
    fn note(&mut self, mut bytes: &[u8]) {
        if self.line_done {
            return;
        }
        if self.line == 0 {
            // Empty lines before a request line are allowed (RFC 9112 §2.2).
            let skip = bytes.iter().take_while(|b| matches!(b, b'\r' | b'\n'));
            bytes = bytes.get(skip.count()..).unwrap_or_default();
        }
        let mut lines = bytes.splitn(2, |&b| b == b'\n');
        let part = lines.next().unwrap_or_default();
        let done = lines.next().is_some();
        let room = self.head.iter_mut().skip(self.kept);
        let take = room.zip(part).map(|(kept, byte)| *kept = *byte).count();
        self.kept += take;
        self.line += part.len();
        self.line_done = done;
    }

    /// The method and path the request line starts with, as far as they
    /// can be read; GET and `/` otherwise.
    fn request(&self) -> (Method, Uri) {
        let kept = self.head.get(..self.kept).unwrap_or_default();
        let mut words = kept.split(|&b| b == b' ');
        let method = words
            .next()
            .and_then(|m| Method::from_bytes(m).ok())
            // Only the usual methods: a made-up one would become a metrics label.
            .filter(|m| {
                [
                    Method::GET,
                    Method::POST,
                    Method::PUT,
                    Method::DELETE,
                    Method::HEAD,
                    Method::PATCH,
                    Method::OPTIONS,
                ]
                .contains(m)
            })
            .unwrap_or(Method::GET);
        let path = words
            .next()
            .and_then(|target| target.split(|&b| b == b'?' || b == b'#').next())
            .filter(|path| path.starts_with(b"/"))
            .and_then(|path| Uri::try_from(path).ok())
            .unwrap_or_else(|| Uri::from_static("/"));
        (method, path)
    }
}

/// Writing an answer in place of hyper's.
enum Answer {
    None,
    Making(Pin<Box<dyn Future<Output = Vec<u8>> + Send>>),
    Writing { bytes: Vec<u8>, at: usize },
    Written,
}

/// A client connection; see the module documentation.
pub struct Guarded {
    tcp: TcpStream,
    peer: SocketAddr,
    answers: Router,
    start: Start,
    /// An answer went out since the request start was noted: the next
    /// bytes read start a new request.
    wrote: bool,
    answer: Answer,
}

impl Guarded {
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// Take over a write that is hyper's own answer to a request it could
    /// not read; whether it was one.
    fn take_over(&mut self, bytes: &[u8]) -> bool {
        if !matches!(self.answer, Answer::None) {
            // hyper closes the connection after such an answer: nothing
            // else is written.
            return true;
        }
        let Some(occ) = refusal(bytes, &self.start) else {
            return false;
        };
        let (method, path) = self.start.request();
        let request = Request::builder()
            .method(method.clone())
            .uri(path)
            .extension(Refused(occ))
            .extension(ConnectInfo(self.peer))
            .body(Body::empty());
        let answers = self.answers.clone();
        let fallback = bytes.to_vec();
        self.answer = Answer::Making(Box::pin(async move {
            let Ok(request) = request else {
                return fallback;
            };
            let Ok(res) = answers.oneshot(request).await;
            serialize(res, method == Method::HEAD)
                .await
                .unwrap_or(fallback)
        }));
        true
    }

    /// Make and write the answer that replaces hyper's, if there is one.
    fn poll_answer(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            match &mut self.answer {
                Answer::None | Answer::Written => return Poll::Ready(Ok(())),
                Answer::Making(making) => {
                    let bytes = ready!(making.as_mut().poll(cx));
                    self.answer = Answer::Writing { bytes, at: 0 };
                }
                Answer::Writing { bytes, at } => {
                    while *at < bytes.len() {
                        let n = ready!(
                            Pin::new(&mut self.tcp)
                                .poll_write(cx, bytes.get(*at..).unwrap_or_default())
                        )?;
                        if n == 0 {
                            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                        }
                        *at += n;
                    }
                    self.answer = Answer::Written;
                }
            }
        }
    }
}

/// The occurrence behind `bytes` if they are hyper's own answer to a
/// request it could not read: a whole head with its status, `connection:
/// close`, `content-length: 0` and no content type. Handlers never answer
/// that way: every 400 they give goes through the catalogue, with a body.
fn refusal(bytes: &[u8], start: &Start) -> Option<Occurrence> {
    // The status first: every write passes here, most are not refusals.
    let status: u16 = match bytes.get(..13)? {
        b"HTTP/1.1 400 " => 400,
        b"HTTP/1.1 414 " => 414,
        b"HTTP/1.1 431 " => 431,
        _ => return None,
    };
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if !bytes.ends_with(b"\r\n\r\n")
        || !has(b"\r\nconnection: close\r\n")
        || !has(b"\r\ncontent-length: 0\r\n")
        || has(b"\r\ncontent-type:")
    {
        return None;
    }
    let uri_too_long =
        || URI_TOO_LONG.with_detail(format!("a URL may have at most {MAX_URI_LEN} bytes"));
    Some(match status {
        400 => MALFORMED_REQUEST.occur(),
        // A request line that alone is too long fills hyper's buffer before
        // the head is complete: hyper says 431, the URL is at fault.
        431 if start.line <= MAX_URI_LEN => HEADERS_TOO_LARGE.occur(),
        _ => uri_too_long(),
    })
}

/// An HTTP/1.1 response in bytes, closing the connection.
async fn serialize(res: Response, head_only: bool) -> Option<Vec<u8>> {
    let (parts, body) = res.into_parts();
    let body = axum::body::to_bytes(body, 1024 * 1024).await.ok()?;
    let status = parts.status;
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    for (name, value) in &parts.headers {
        if [
            header::CONTENT_LENGTH,
            header::CONNECTION,
            header::TRANSFER_ENCODING,
            header::DATE,
        ]
        .contains(name)
        {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    // The answer to HEAD has no body, and its length is not known: the
    // stand-in request was answered as HEAD too.
    if !head_only {
        out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(
        format!(
            "connection: close\r\ndate: {}\r\n\r\n",
            http_date(time::OffsetDateTime::now_utc())
        )
        .as_bytes(),
    );
    if !head_only {
        out.extend_from_slice(&body);
    }
    Some(out)
}

/// IMF-fixdate (RFC 9110 §5.6.7), as hyper writes `Date`.
fn http_date(t: time::OffsetDateTime) -> String {
    let weekday = t.weekday().to_string();
    let month = t.month().to_string();
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        weekday.get(..3).unwrap_or(""),
        t.day(),
        month.get(..3).unwrap_or(""),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.tcp).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            if this.wrote {
                this.start = Start::default();
                this.wrote = false;
            }
            this.start
                .note(buf.filled().get(before..).unwrap_or_default());
        }
        polled
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.take_over(buf) {
            return Poll::Ready(Ok(buf.len()));
        }
        this.wrote = true;
        Pin::new(&mut this.tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // hyper's own answer is a head alone, in one slice.
        let mut written = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(only), None) = (written.next(), written.next())
            && this.take_over(only)
        {
            return Poll::Ready(Ok(only.len()));
        }
        this.wrote = true;
        Pin::new(&mut this.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_answer(cx))?;
        Pin::new(&mut this.tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_answer(cx))?;
        Pin::new(&mut this.tcp).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(bytes: &[&[u8]]) -> Start {
        let mut s = Start::default();
        for b in bytes {
            s.note(b);
        }
        s
    }

    #[test]
    fn the_start_of_a_request_gives_method_and_path() {
        let s = start(&[b"\r\nPOST /tok", b"en?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"]);
        assert_eq!(s.request(), (Method::POST, Uri::from_static("/token")));
        assert_eq!(s.line, "POST /token?x=1 HTTP/1.1\r".len());
        assert!(s.line_done);
        // A long line is counted in full and kept in part.
        let long = format!(
            "GET /authorize?client_id={} HTTP/1.1\r\n",
            "a".repeat(100_000)
        );
        let s = start(&[long.as_bytes()]);
        assert_eq!(s.request(), (Method::GET, Uri::from_static("/authorize")));
        assert_eq!(s.line, long.len() - 1);
        // Garbage: GET and the root.
        let s = start(&[b"\x16\x03\x01 junk"]);
        assert_eq!(s.request(), (Method::GET, Uri::from_static("/")));
        let s = start(&[b"BREW /pot HTTP/1.1\r\n"]);
        assert_eq!(s.request(), (Method::GET, Uri::from_static("/pot")));
    }

    #[test]
    fn only_hyper_s_bare_answers_are_taken_over() {
        let s = start(&[b"GET / HTTP/1.1\r\n"]);
        let bare = |status: &str| {
            format!(
                "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: 0\r\ndate: Fri, 04 Dec 2026 14:18:41 GMT\r\n\r\n"
            )
        };
        let cause = |bytes: &str| refusal(bytes.as_bytes(), &s).map(|o| o.cause.id);
        assert_eq!(cause(&bare("414 URI Too Long")), Some("uri_too_long"));
        assert_eq!(
            cause(&bare("431 Request Header Fields Too Large")),
            Some("headers_too_large")
        );
        assert_eq!(cause(&bare("400 Bad Request")), Some("malformed_request"));
        assert_eq!(cause(&bare("404 Not Found")), None);
        // An answer with a body or a content type is a handler's.
        assert_eq!(
            cause(
                "HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n"
            ),
            None
        );
        assert_eq!(
            cause("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n{}"),
            None
        );
        // A request line over the URL limit: 414 even when hyper says 431.
        let long = format!("GET /?{} HTTP/1.1", "a".repeat(MAX_URI_LEN));
        let s = start(&[long.as_bytes()]);
        let occ = refusal(bare("431 Request Header Fields Too Large").as_bytes(), &s);
        assert_eq!(occ.map(|o| o.cause.id), Some("uri_too_long"));
    }

    #[test]
    fn dates_are_imf_fixdate() {
        let t = time::OffsetDateTime::from_unix_timestamp(784_111_777).unwrap();
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    }
}
