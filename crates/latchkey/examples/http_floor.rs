//! The HTTP floor: a bare axum server that answers `POST /token` with a
//! stored client_credentials answer (the same body and headers Latchkey
//! sent) and does nothing else: no client lookup, no signature. bench/run
//! drives it with the same wrk script as `cc16`, so the report shows how
//! close `/token` comes to what HTTP on loopback costs by itself. Not a
//! provider: for benchmarks only.
//!
//! `cargo run --release --example http_floor -- 127.0.0.1:PORT ANSWER_FILE`
//!
//! ANSWER_FILE holds `Name: value` header lines, an empty line, then the
//! body (bench/run writes it from a real answer; `Date`, `Content-Length`
//! and connection headers are left out, the server sets those itself).

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::routing::{get, post};

/// The headers and body of the stored answer.
fn read_answer(path: &str) -> Result<(HeaderMap, Bytes), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let (head, body) = text
        .split_once("\n\n")
        .ok_or_else(|| format!("{path}: no empty line between headers and body"))?;
    let mut headers = HeaderMap::new();
    for line in head.lines().filter(|l| !l.trim().is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("{path}: not a header line: {line}"))?;
        let name =
            HeaderName::from_bytes(name.trim().as_bytes()).map_err(|e| format!("{line}: {e}"))?;
        let value = HeaderValue::from_str(value.trim()).map_err(|e| format!("{line}: {e}"))?;
        headers.append(name, value);
    }
    Ok((headers, Bytes::from(body.to_string())))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:8097".into());
    let answer = args.next().ok_or("usage: http_floor ADDRESS ANSWER_FILE")?;
    let (headers, body) = read_answer(&answer)?;
    // The request body is read, as a token endpoint would, and dropped.
    let app = Router::new()
        .route(
            "/token",
            post(move |_form: Bytes| {
                let (headers, body) = (headers.clone(), body.clone());
                async move { (headers, body) }
            }),
        )
        .route("/health/ready", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("{listen}: {e}"))?;
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}
