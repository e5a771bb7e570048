//! Keep-alive after a body nobody read.
//!
//! Many answers come before the request body is read, or without reading
//! it at all: 413 past the body limit, 404, 405, a refusal before the body
//! is parsed, a GET that carries a body. hyper then reads what has already
//! arrived and, if the body is not complete, closes the connection after
//! the answer; but by then the answer may have gone out without
//! `Connection: close`, and the client's next request on that connection
//! ends without an answer. So the rest of such a body is read here, within
//! bounds, before the answer goes out; a body that cannot be read within
//! them gets `Connection: close` on its answer instead.

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderValue, Version, header};
use axum::middleware::Next;
use axum::response::Response;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

/// At most this much of an unread body is read and discarded.
const DRAIN_LIMIT: u64 = 1024 * 1024;
/// For at most this long.
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// Outer layer: see the module documentation.
pub async fn drain(req: Request, next: Next) -> Response {
    // HTTP/1 only (a refused HTTP/2 stream is reset on its own), and only
    // requests that have a body.
    if !matches!(req.version(), Version::HTTP_10 | Version::HTTP_11) || req.body().is_end_stream() {
        return next.run(req).await;
    }
    // With `Expect: 100-continue` the client may not send a body the server
    // never asked for: asking for it now only to discard it is no better.
    let expects_continue = req
        .headers()
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let (parts, body) = req.into_parts();
    let slot = Slot::new(body);
    let mut res = next
        .run(Request::from_parts(parts, Body::new(Tracked(slot.clone()))))
        .await;
    let kept = match slot.take() {
        Left::Nothing => true,
        Left::Broken => false,
        Left::Rest(_) if expects_continue => false,
        Left::Rest(rest) => discard(rest).await,
    };
    if !kept {
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

/// Read `body` to its end within the bounds; whether it ended.
async fn discard(mut body: Body) -> bool {
    if body.size_hint().lower() > DRAIN_LIMIT {
        return false;
    }
    let read = async {
        let mut seen: u64 = 0;
        loop {
            match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
                None => return true,
                Some(Err(_)) => return false,
                Some(Ok(frame)) => {
                    seen += frame.data_ref().map_or(0, |d| d.len() as u64);
                    if seen > DRAIN_LIMIT {
                        return false;
                    }
                }
            }
        }
    };
    tokio::time::timeout(DRAIN_TIME, read)
        .await
        .unwrap_or(false)
}

/// The request body, shared between the handler's side ([`Tracked`]) and
/// this layer, which takes back what is left once the handler is done
/// (the handler may have dropped its side).
#[derive(Clone)]
struct Slot(Arc<Mutex<State>>);

struct State {
    body: Option<Body>,
    /// The body was read to its end.
    ended: bool,
    /// Reading it failed: the connection cannot be trusted with another
    /// request.
    failed: bool,
}

/// What the handler left of the body.
enum Left {
    Nothing,
    Broken,
    Rest(Body),
}

impl Slot {
    fn new(body: Body) -> Slot {
        Slot(Arc::new(Mutex::new(State {
            body: Some(body),
            ended: false,
            failed: false,
        })))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Only a body and a flag are behind it: usable after a panic.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Take back what is left of the body.
    fn take(&self) -> Left {
        let mut state = self.lock();
        match state.body.take() {
            _ if state.failed => Left::Broken,
            Some(body) if !state.ended && !body.is_end_stream() => Left::Rest(body),
            _ => Left::Nothing,
        }
    }
}

/// The handler's side of the body.
struct Tracked(Slot);

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let mut state = self.0.lock();
        let Some(body) = state.body.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(body).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => state.ended = true,
            Poll::Ready(Some(Err(_))) => state.failed = true,
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        let state = self.0.lock();
        state.ended || state.failed || state.body.as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.0
            .lock()
            .body
            .as_ref()
            .map_or_else(|| http_body::SizeHint::with_exact(0), HttpBody::size_hint)
    }
}
