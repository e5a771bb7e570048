//! `latchkey try`: a client in the terminal, so a newcomer sees a whole
//! sign-in without writing one. It plays a web application registered with
//! a loopback redirect URI: listens there, prints the authorization URL
//! (code flow with PKCE, `state` and `nonce`), waits for the browser to come
//! back, redeems the code, verifies the ID token against the server's JWKS
//! and prints its claims and the userinfo answer.
//!
//! It talks to the server at the configured issuer over HTTP, as any client
//! does; the database is read only to find the client's redirect URI and
//! authentication method.

use latchkey_core::client::ClientRecord;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What went wrong, for the person at the terminal.
pub type Outcome<T> = Result<T, String>;

pub struct Options {
    pub issuer: String,
    pub client: ClientRecord,
    pub secret: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: String,
    pub wait: Duration,
}

/// The loopback redirect URI to listen on: the one asked for, else the
/// client's first `http://127.0.0.1` / `http://[::1]` / `http://localhost`.
fn redirect_uri(opts: &Options) -> Outcome<url::Url> {
    let registered = &opts.client.metadata.redirect_uris;
    let chosen = match &opts.redirect_uri {
        Some(u) => u.clone(),
        None => registered
            .iter()
            .find(|u| {
                url::Url::parse(u).is_ok_and(|p| p.scheme() == "http" && is_loopback(&p))
            })
            .cloned()
            .ok_or_else(|| {
                format!(
                    "the client {} has no loopback redirect URI to listen on; register one, e.g. `latchkey client update {} --redirect-uri http://127.0.0.1:9999/cb`",
                    opts.client.client_id, opts.client.client_id
                )
            })?,
    };
    let url = url::Url::parse(&chosen).map_err(|e| format!("{chosen} is not a URL: {e}"))?;
    if url.scheme() != "http" || !is_loopback(&url) {
        return Err(format!(
            "{chosen} is not on this machine: latchkey try listens on an http loopback address"
        ));
    }
    Ok(url)
}

fn is_loopback(url: &url::Url) -> bool {
    matches!(url.host_str(), Some("127.0.0.1" | "[::1]" | "localhost"))
}

pub async fn run(opts: Options) -> Outcome<Value> {
    let redirect = redirect_uri(&opts)?;
    let method = opts.client.metadata.token_endpoint_auth_method.as_str();
    if !matches!(
        method,
        "client_secret_basic" | "client_secret_post" | "none"
    ) {
        return Err(format!(
            "the client authenticates with {method}; latchkey try can play clients that use client_secret_basic, client_secret_post or none"
        ));
    }
    if method != "none" && opts.secret.is_none() {
        return Err("this client has a secret: pass it with --secret-stdin".into());
    }
    let port = redirect.port_or_known_default().unwrap_or(80);
    let host = redirect
        .host_str()
        .unwrap_or("127.0.0.1")
        .trim_matches(['[', ']']);
    let listener = tokio::net::TcpListener::bind((host, port))
        .await
        .map_err(|e| format!("cannot listen on {host}:{port} for the redirect: {e}"))?;

    let verifier = latchkey_core::crypto::random_token().map_err(|e| e.to_string())?;
    let challenge = latchkey_core::upstream::pkce_challenge(&verifier);
    let state = latchkey_core::crypto::random_token().map_err(|e| e.to_string())?;
    let nonce = latchkey_core::crypto::random_token().map_err(|e| e.to_string())?;
    let mut authorize = url::Url::parse(&format!("{}/authorize", opts.issuer))
        .map_err(|e| format!("the issuer {} does not make a URL: {e}", opts.issuer))?;
    authorize
        .query_pairs_mut()
        .append_pair("client_id", &opts.client.client_id)
        .append_pair("response_type", "code")
        .append_pair("scope", &opts.scope)
        .append_pair("redirect_uri", redirect.as_str())
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    eprintln!("Open this address in a browser and sign in:\n\n  {authorize}\n");
    eprintln!(
        "Waiting up to {} s for the browser to come back to {redirect} ...",
        opts.wait.as_secs()
    );

    let query = tokio::time::timeout(opts.wait, receive(&listener, redirect.path()))
        .await
        .map_err(|_| {
            "no browser came back in time; run it again and open the address".to_string()
        })??;
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if get("state").as_deref() != Some(state.as_str()) {
        return Err(
            "the redirect carries another state: it is not the answer to this request".into(),
        );
    }
    if let Some(error) = get("error") {
        return Err(format!(
            "the server answered {error}: {}\n  {}",
            get("error_description").unwrap_or_default(),
            get("error_uri").unwrap_or_default()
        ));
    }
    if get("iss").as_deref() != Some(opts.issuer.as_str()) {
        return Err(format!(
            "the redirect names the issuer {:?}, not {} (RFC 9207)",
            get("iss"),
            opts.issuer
        ));
    }
    let code = get("code").ok_or("the redirect carries neither a code nor an error")?;

    let http = reqwest::Client::new();
    let mut form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("code", code),
        ("redirect_uri", redirect.to_string()),
        ("code_verifier", verifier),
    ];
    let mut request = http.post(format!("{}/token", opts.issuer));
    match (method, &opts.secret) {
        ("client_secret_basic", Some(secret)) => {
            // RFC 6749 §2.3.1: each part form-encoded before Basic.
            let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            request = request.basic_auth(enc(&opts.client.client_id), Some(enc(secret)));
        }
        (_, secret) => {
            form.push(("client_id", opts.client.client_id.clone()));
            if let Some(secret) = secret {
                form.push(("client_secret", secret.clone()));
            }
        }
    }
    let tokens = answer(request.form(&form).send().await, "/token").await?;
    let id_token = tokens
        .get("id_token")
        .and_then(Value::as_str)
        .ok_or("the token answer has no id_token (was openid in the scope?)")?;
    let jwks = answer(
        http.get(format!("{}/jwks", opts.issuer)).send().await,
        "/jwks",
    )
    .await?;
    let claims = verify_id_token(
        id_token,
        &jwks,
        &opts.issuer,
        &opts.client.client_id,
        &nonce,
    )?;
    let access_token = tokens
        .get("access_token")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let userinfo = answer(
        http.get(format!("{}/userinfo", opts.issuer))
            .bearer_auth(access_token)
            .send()
            .await,
        "/userinfo",
    )
    .await?;
    Ok(json!({
        "id_token_claims": claims,
        "userinfo": userinfo,
        "scope": tokens.get("scope"),
        "expires_in": tokens.get("expires_in"),
        "refresh_token_issued": tokens.get("refresh_token").is_some(),
    }))
}

/// Accept connections until one asks for `path`; answer it with a short
/// page and return its query.
async fn receive(listener: &tokio::net::TcpListener, path: &str) -> Outcome<Vec<(String, String)>> {
    loop {
        let (mut socket, _) = listener
            .accept()
            .await
            .map_err(|e| format!("the redirect listener failed: {e}"))?;
        let mut head = Vec::new();
        let mut buf = [0u8; 2048];
        // The request line is all that is needed; 16 KiB bounds a stray client.
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(buf.get(..n).unwrap_or_default()),
            }
        }
        let text = String::from_utf8_lossy(&head);
        let target = text.split_whitespace().nth(1).unwrap_or("");
        let (got_path, query) = target.split_once('?').unwrap_or((target, ""));
        if got_path != path {
            let _ = socket
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
            continue;
        }
        let page = "<!doctype html><title>Latchkey</title><p>The sign-in came back to the terminal. You can close this window.</p>";
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
            page.len()
        );
        let _ = socket.write_all(response.as_bytes()).await;
        return Ok(form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect());
    }
}

/// The JSON of a successful answer, or what the server said went wrong.
async fn answer(sent: reqwest::Result<reqwest::Response>, what: &str) -> Outcome<Value> {
    let response = sent.map_err(|e| format!("{what} could not be reached: {e}"))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| format!("{what} answered {status} without JSON: {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "{what} answered {status} {}: {}\n  {}",
            body.get("error").and_then(Value::as_str).unwrap_or("?"),
            body.get("error_description")
                .and_then(Value::as_str)
                .unwrap_or(""),
            body.get("error_uri").and_then(Value::as_str).unwrap_or("")
        ));
    }
    Ok(body)
}

/// Check the ID token as a client must (OIDC Core §3.1.3.7): signed by a
/// key of the issuer's JWKS, issuer, audience, expiry and nonce.
fn verify_id_token(
    token: &str,
    jwks: &Value,
    issuer: &str,
    client_id: &str,
    nonce: &str,
) -> Outcome<Value> {
    let header = jsonwebtoken::decode_header(token)
        .map_err(|e| format!("the ID token is not a JWT: {e}"))?;
    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(jwks.clone())
        .map_err(|e| format!("the JWKS cannot be read: {e}"))?;
    let jwk = header
        .kid
        .as_deref()
        .and_then(|kid| set.find(kid))
        .ok_or("the ID token's key (kid) is not in the issuer's JWKS")?;
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk)
        .map_err(|e| format!("the JWKS key cannot be used: {e}"))?;
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[client_id]);
    let data = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map_err(|e| format!("the ID token does not verify: {e}"))?;
    if data.claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
        return Err("the ID token's nonce is not this request's".into());
    }
    Ok(data.claims)
}
