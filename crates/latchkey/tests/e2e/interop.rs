//! Real, unmodified client libraries against a real server: openid-client
//! and oauth4webapi (npm), Authlib (PyPI) and the `openidconnect` crate.
//! Each library runs every flow it offers against one server, then the six
//! mistakes developers make most; the test asserts that the library's own
//! error object carries our `error`, our description and, where the library
//! keeps it, our `error_uri`. The README's "Client libraries" section
//! shows the same as a matrix.
//!
//! The Node and Python libraries are installed at the versions pinned in
//! `interop/` by `scripts/interop-install` (which `scripts/test` runs).

use crate::authorize::{Browser, hidden, submit_login};
use crate::oidc_client::http;
use crate::support::{Db, Server};
use latchkey_core::catalogue::{
    CLIENT_AUTH_METHOD_NOT_ALLOWED, CLIENT_SECRET_MISMATCH, CODE_EXPIRED,
    CODE_REDIRECT_URI_MISMATCH, CODE_REUSED, EXCHANGE_TARGET_NOT_ALLOWED, REDIRECT_URI_MISMATCH,
    REFRESH_TOKEN_REUSED, REFRESH_TOKEN_SESSION_ENDED, RESOURCE_UNKNOWN, STEP_UP_ACR_NOT_MET,
    UNKNOWN_SCOPE,
};
use latchkey_core::error::Cause;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreErrorResponseType, CoreTokenResponse,
};
use openidconnect::{
    AuthType, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, StandardErrorResponse,
};
use reqwest::Method;
use serde_json::{Value, json};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const CB: &str = "http://127.0.0.1:9/cb";
const UNREGISTERED: &str = "http://127.0.0.1:9/callback";
const BYE: &str = "http://127.0.0.1:9/bye";
const PASSWORD: &str = "correct horse battery";
const WEB_SECRET: &str = "web-basic-secret-0123456789abcdef";
/// An operator-chosen secret that form-encoding changes: libraries that
/// send it raw in HTTP Basic (Authlib) must still be accepted.
const RAW_SECRET: &str = "raw+basic&secret%3D-0123456789";
const CODE_TTL_MS: u64 = 1000;
/// A resource (RFC 8707) registered for `svc`.
const RESOURCE: &str = "https://resource.example/";

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop")
}

/// The test client's key pair (a fixed, test-only key): the scripts sign
/// with it, the server gets its public half.
pub(crate) fn private_jwk() -> Value {
    let text = std::fs::read_to_string(interop_dir().join("client-key.jwk.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A server with the interop clients and user: the main one, and one whose
/// codes live one second (`tokens.code_ttl` has a 1 s minimum).
struct Fixture {
    main: Server,
    short: Server,
    env: String,
}

async fn register(s: &Server) {
    let mut public = private_jwk();
    public.as_object_mut().unwrap().remove("d");
    let clients = [
        json!({"client_id": "web-basic", "client_secret": WEB_SECRET, "client_name": "Interop App",
               "redirect_uris": [CB], "post_logout_redirect_uris": [BYE],
               "grant_types": ["authorization_code", "refresh_token"], "scope": "openid email profile",
               "token_endpoint_auth_method": "client_secret_basic"}),
        json!({"client_id": "svc", "client_secret": "svc-secret-0123456789abcdef",
               "grant_types": ["client_credentials"], "scope": "api:read",
               "token_endpoint_auth_method": "client_secret_post"}),
        json!({"client_id": "raw-basic", "client_secret": RAW_SECRET,
               "grant_types": ["client_credentials"], "scope": "api:read",
               "token_endpoint_auth_method": "client_secret_basic"}),
        json!({"client_id": "csjwt", "client_secret": "csjwt-secret-0123456789abcdef0123456789",
               "grant_types": ["client_credentials"], "scope": "api:read",
               "token_endpoint_auth_method": "client_secret_jwt"}),
        json!({"client_id": "pkjwt", "grant_types": ["client_credentials"], "scope": "api:read",
               "token_endpoint_auth_method": "private_key_jwt", "jwks": {"keys": [public]}}),
        json!({"client_id": "exchanger", "client_secret": "exchanger-secret-0123456789abcdef",
               "grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"],
               "token_endpoint_auth_method": "client_secret_post",
               "token_exchange": {"subject_clients": ["web-basic"], "audiences": ["https://api.example"]}}),
    ];
    for c in clients {
        let r = s
            .admin(Method::POST, "/clients")
            .json(&c)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }
    crate::resources::resource(
        s,
        json!({"resource": RESOURCE, "name": "Interop API", "scope": "api:read",
               "allowed_clients": ["svc"]}),
    )
    .await;
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": PASSWORD,
                      "claims": {"email": "alice@example.com", "email_verified": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

async fn fixture() -> Fixture {
    let ttl = (CODE_TTL_MS / 1000).to_string();
    let short_env = [("LATCHKEY_TOKENS_CODE_TTL", ttl.as_str())];
    let (main, short) = tokio::join!(
        Server::start(Db::Sqlite),
        Server::start_with(Db::Sqlite, &short_env)
    );
    tokio::join!(register(&main), register(&short));
    let env = json!({
        "issuer": main.base, "short_issuer": short.base, "code_ttl_ms": CODE_TTL_MS,
        "redirect_uri": CB, "unregistered_redirect_uri": UNREGISTERED, "post_logout_redirect_uri": BYE,
        "resource": RESOURCE,
        "user": {"username": "alice", "password": PASSWORD},
        "clients": {
            "web_basic": {"client_id": "web-basic", "client_secret": WEB_SECRET},
            "svc": {"client_id": "svc", "client_secret": "svc-secret-0123456789abcdef"},
            "raw_basic": {"client_id": "raw-basic", "client_secret": RAW_SECRET},
            "csjwt": {"client_id": "csjwt", "client_secret": "csjwt-secret-0123456789abcdef0123456789"},
            "pkjwt": {"client_id": "pkjwt"},
            "exchanger": {"client_id": "exchanger", "client_secret": "exchanger-secret-0123456789abcdef"},
        },
        "private_jwk": private_jwk(),
    });
    Fixture {
        main,
        short,
        env: env.to_string(),
    }
}

/// Run one library's script; its JSON report.
async fn run_script(program: &Path, script: &Path, fx: &Fixture) -> Value {
    run(program, script, &fx.env, || {
        format!(
            "--- server log:\n{}\n--- short-code server log:\n{}",
            fx.main.logs(),
            fx.short.logs()
        )
    })
    .await
}

/// A script of interop/node run with `env` (JSON) as `LATCHKEY_INTEROP`:
/// its JSON report. The npm packages must be installed.
pub(crate) async fn node_report(script: &str, env: &Value, logs: impl Fn() -> String) -> Value {
    let dir = interop_dir().join("node");
    assert!(
        dir.join("node_modules/oauth4webapi").exists(),
        "the npm packages are missing: run scripts/interop-install (scripts/test does)"
    );
    run(Path::new("node"), &dir.join(script), &env.to_string(), logs).await
}

/// Run `script` with `env` as `LATCHKEY_INTEROP`; its JSON report. `logs`
/// (the servers' logs) is shown when it fails.
async fn run(program: &Path, script: &Path, env: &str, logs: impl Fn() -> String) -> Value {
    let started = Instant::now();
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new(program)
            .arg(script)
            .current_dir(script.parent().unwrap())
            .env("LATCHKEY_INTEROP", env)
            // The server is on loopback: never through a proxy.
            .env("NO_PROXY", "127.0.0.1")
            .env("no_proxy", "127.0.0.1")
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the script finishes within 2 minutes")
    .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{} failed ({}):\n{stderr}\n{}",
        script.display(),
        out.status,
        logs()
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: no JSON report ({e}):\n{}\n{stderr}",
            script.display(),
            String::from_utf8_lossy(&out.stdout)
        )
    });
    eprintln!(
        "{} ran in {:.1}s",
        report["library"],
        started.elapsed().as_secs_f64()
    );
    report
}

async fn node(script: &str, fx: &Fixture) -> Value {
    let dir = interop_dir().join("node");
    assert!(
        dir.join("node_modules/openid-client").exists(),
        "the npm packages are missing: run scripts/interop-install (scripts/test does)"
    );
    run_script(Path::new("node"), &dir.join(script), fx).await
}

/// A flow that must have worked; its result.
fn flow<'a>(report: &'a Value, name: &str) -> &'a Value {
    let step = &report["steps"][name];
    assert_eq!(
        step["ok"],
        true,
        "{} {name}:\n{}",
        report["library"],
        serde_json::to_string_pretty(step).unwrap()
    );
    step
}

/// What a library's error object keeps of our error.
#[derive(Clone, Copy, PartialEq)]
enum Shows {
    /// `error`, `error_description` and `error_uri`.
    All,
    /// `error` and `error_description`; `error_uri` is dropped.
    NoUri,
}

/// A mistake: the library raised an error whose own fields carry the
/// cause's code, its description and (when the library keeps it) the
/// `error_uri` that names the cause.
fn mistake(report: &Value, name: &str, cause: &Cause, shows: Shows) {
    let lib = &report["library"];
    let step = &report["steps"][name];
    let raised = &step["raised"];
    assert!(
        raised.is_object(),
        "{lib} {name}: no error raised: {}",
        serde_json::to_string_pretty(step).unwrap()
    );
    let code = cause.code.as_str();
    assert_eq!(raised["error"], code, "{lib} {name}: {raised}");
    let description = raised["error_description"].as_str().unwrap_or_default();
    assert!(
        description.starts_with(cause.summary),
        "{lib} {name}: the description should start with {:?}: {raised}",
        cause.summary
    );
    let uri = raised["error_uri"].as_str();
    match shows {
        Shows::All => assert!(
            uri.is_some_and(|u| u.ends_with(&format!("/errors/{code}#{}", cause.id))),
            "{lib} {name}: error_uri: {raised}"
        ),
        Shows::NoUri => assert!(uri.is_none(), "{lib} {name} now keeps error_uri: {raised}"),
    }
}

/// The error page a person sees for an unregistered redirect_uri names
/// the error and the cause in its details for the developer.
fn unregistered_page(report: &Value) {
    let page = &flow(report, "redirect_uri_unregistered_page")["page"];
    assert_eq!(page["status"], 400, "{page}");
    assert_eq!(page["error"], REDIRECT_URI_MISMATCH.code.as_str());
    assert_eq!(page["cause"], REDIRECT_URI_MISMATCH.id);
}

/// The error answer's `Link` header, as the script read it from the
/// response the library received: the cause's documentation, `rel="help"`
/// (RFC 8288), also for a library that drops `error_uri`.
fn help_link(report: &Value, name: &str, cause: &Cause) {
    let raised = &report["steps"][name]["raised"];
    let link = raised["link"].as_str().unwrap_or_default();
    assert!(
        link.ends_with(&format!(
            "/errors/{}#{}>; rel=\"help\"",
            cause.code.as_str(),
            cause.id
        )),
        "{} {name}: Link header: {raised}",
        report["library"]
    );
}

/// The mistakes every library is checked for, as each shows them; with
/// `link`, the script also read the answer's `Link` header.
fn common_mistakes(r: &Value, shows: Shows, link: bool) {
    let mistakes: [(&str, &Cause); 5] = [
        ("wrong_secret", &CLIENT_SECRET_MISMATCH),
        ("wrong_auth_method", &CLIENT_AUTH_METHOD_NOT_ALLOWED),
        ("code_reused", &CODE_REUSED),
        ("code_expired", &CODE_EXPIRED),
        ("refresh_reused", &REFRESH_TOKEN_REUSED),
    ];
    for (name, cause) in mistakes {
        mistake(r, name, cause, shows);
        if link {
            help_link(r, name, cause);
        }
    }
    unregistered_page(r);
}

#[tokio::test]
async fn openid_client() {
    let fx = fixture().await;
    let r = node("openid-client.mjs", &fx).await;
    let issuer = fx.main.base.as_str();
    assert_eq!(flow(&r, "discovery")["issuer"], issuer);
    let code = flow(&r, "code_pkce");
    assert_eq!(code["iss_parameter"], issuer);
    assert_eq!(code["forged_iss_refused"], "OAUTH_INVALID_RESPONSE");
    assert_eq!(code["nonce_checked"], true);
    assert_eq!(code["refresh_token"], true);
    let sub = code["sub"].clone();
    let info = flow(&r, "userinfo");
    assert_eq!(
        (&info["sub"], &info["email"]),
        (&sub, &json!("alice@example.com"))
    );
    assert_eq!(flow(&r, "refresh")["rotated"], true);
    let i = flow(&r, "introspection");
    assert_eq!(
        (&i["active"], &i["client_id"]),
        (&json!(true), &json!("web-basic"))
    );
    assert_eq!(flow(&r, "revocation")["active_after"], false);
    let end = flow(&r, "end_session");
    assert_eq!(end["endpoint"], format!("{issuer}/logout"));
    assert_eq!(end["redirected_to"], BYE);
    assert_eq!(end["state_returned"], true);
    assert_eq!(flow(&r, "client_credentials")["scope"], "api:read");
    let par = flow(&r, "par");
    assert_eq!((&par["request_uri"], &par["sub"]), (&json!(true), &sub));
    assert_eq!(flow(&r, "private_key_jwt")["scope"], "api:read");

    common_mistakes(&r, Shows::All, true);
    // Basic authentication: the library reports the challenge, which
    // carries the same error.
    mistake(
        &r,
        "wrong_secret_basic",
        &CLIENT_SECRET_MISMATCH,
        Shows::All,
    );
    assert_eq!(
        r["steps"]["wrong_secret_basic"]["raised"]["type"],
        "WWWAuthenticateChallengeError"
    );
    help_link(&r, "wrong_secret_basic", &CLIENT_SECRET_MISMATCH);
    // The default method (client_secret_post) against a client_secret_basic
    // client: the body's error, not a bare challenge; the body (the
    // error's `cause`) has the error_id too.
    let raised = &r["steps"]["wrong_auth_method"]["raised"];
    assert_eq!(raised["type"], "ResponseBodyError");
    assert!(raised["error_id"].is_string(), "{raised}");
    mistake(
        &r,
        "redirect_uri_unregistered",
        &REDIRECT_URI_MISMATCH,
        Shows::All,
    );
}

#[tokio::test]
async fn oauth4webapi() {
    let fx = fixture().await;
    let r = node("oauth4webapi.mjs", &fx).await;
    let code = flow(&r, "code_pkce");
    assert_eq!(code["iss_parameter"], fx.main.base);
    assert_eq!(code["nonce_checked"], true);
    assert_eq!(code["refresh_token"], true);
    let at = flow(&r, "jwt_access_token");
    assert_eq!(
        (&at["client_id"], &at["sub"]),
        (&json!("web-basic"), &code["sub"])
    );
    assert_eq!(flow(&r, "client_credentials")["scope"], "api:read");
    // JARM in every carrier: the library verified the signed response and
    // redeemed the code in it.
    for mode in ["jwt", "query.jwt", "fragment.jwt", "form_post.jwt"] {
        let step = flow(&r, &format!("jarm_{mode}"));
        assert_eq!(step["sub"], code["sub"], "{mode}");
        assert_eq!(step["iss_parameter"], fx.main.base, "{mode}");
    }
    mistake(&r, "jarm_error", &UNKNOWN_SCOPE, Shows::All);
    // Step-up (RFC 9470): the challenge, and what it asks for.
    mistake(&r, "step_up", &STEP_UP_ACR_NOT_MET, Shows::All);
    assert_eq!(r["steps"]["step_up"]["raised"]["acr_values"], "Cl.Cm");
    // Token exchange (RFC 8693) through the library's generic grant.
    let exchanged = flow(&r, "token_exchange");
    assert_eq!(
        exchanged["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert_eq!(exchanged["aud"], "https://api.example");
    assert_eq!(exchanged["sub"], code["sub"]);
    mistake(
        &r,
        "token_exchange_target",
        &EXCHANGE_TARGET_NOT_ALLOWED,
        Shows::All,
    );

    // Resource indicators (RFC 8707): the library checked the token's
    // audience as the API would; an unregistered resource reaches the
    // developer as invalid_target with its cause.
    let indicated = flow(&r, "resource_indicator");
    assert_eq!(
        (&indicated["aud"], &indicated["scope"]),
        (&json!(RESOURCE), &json!("api:read"))
    );
    mistake(&r, "resource_unknown", &RESOURCE_UNKNOWN, Shows::All);

    common_mistakes(&r, Shows::All, true);
    mistake(
        &r,
        "wrong_secret_basic",
        &CLIENT_SECRET_MISMATCH,
        Shows::All,
    );
    assert_eq!(
        r["steps"]["wrong_secret_basic"]["raised"]["type"],
        "WWWAuthenticateChallengeError"
    );
    mistake(
        &r,
        "redirect_uri_unregistered",
        &REDIRECT_URI_MISMATCH,
        Shows::All,
    );
    // A refresh token asked for without offline_access, after the logout
    // of its session: the library shows why.
    mistake(
        &r,
        "refresh_after_logout",
        &REFRESH_TOKEN_SESSION_ENDED,
        Shows::All,
    );
}

#[tokio::test]
async fn authlib() {
    let fx = fixture().await;
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/interop-venv/bin/python");
    assert!(
        python.exists(),
        "the PyPI packages are missing: run scripts/interop-install (scripts/test does)"
    );
    let r = run_script(&python, &interop_dir().join("python/authlib_flows.py"), &fx).await;
    let code = flow(&r, "code_pkce");
    assert_eq!(code["at_hash"], true);
    assert_eq!(code["nonce_checked"], true);
    assert_eq!(code["refresh_token"], true);
    // Scope claims are at /userinfo; asked for by name (OIDC Core §5.5),
    // they are in the ID token the library verified.
    assert_eq!(code["email"], Value::Null);
    let asked = flow(&r, "claims_parameter");
    assert_eq!(
        (&asked["email"], &asked["email_verified"]),
        (&json!("alice@example.com"), &json!(true)),
        "{asked}"
    );
    assert_eq!(
        flow(&r, "id_token_at_hash_checked")["refused"],
        "InvalidClaimError"
    );
    let info = flow(&r, "userinfo");
    assert_eq!(
        (&info["sub"], &info["email"]),
        (&code["sub"], &json!("alice@example.com"))
    );
    assert_eq!(flow(&r, "refresh")["rotated"], true);
    // Authlib sends the secret raw in HTTP Basic, not form-encoded.
    assert_eq!(flow(&r, "client_secret_basic_raw")["sent_raw"], true);
    for f in [
        "client_credentials",
        "client_secret_basic_raw",
        "client_secret_jwt",
        "private_key_jwt",
    ] {
        assert_eq!(flow(&r, f)["scope"], "api:read", "{f}");
    }

    // Authlib drops error_uri; the Link header carries it (read with a
    // requests response hook).
    common_mistakes(&r, Shows::NoUri, true);
    // Authlib has no PAR call: the unregistered URI reaches the server at
    // the code exchange.
    mistake(
        &r,
        "redirect_uri_unregistered",
        &CODE_REDIRECT_URI_MISMATCH,
        Shows::NoUri,
    );
}

type Rp = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

async fn rp(s: &Server, secret: &str) -> Rp {
    let metadata = openidconnect::core::CoreProviderMetadata::discover_async(
        IssuerUrl::new(s.base.clone()).unwrap(),
        &http,
    )
    .await
    .unwrap();
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("web-basic".into()),
        Some(ClientSecret::new(secret.into())),
    )
    .set_redirect_uri(RedirectUrl::new(CB.into()).unwrap())
}

/// Follow the authorization request through the login and consent pages:
/// the callback URL, or the status and HTML of the error page.
async fn through_pages(b: &mut Browser<'_>, start: &str) -> Result<String, (u16, String)> {
    let mut r = b.get(start).await;
    for _ in 0..12 {
        if let Some(location) = r.headers().get("location") {
            let location = location.to_str().unwrap().to_string();
            if location.starts_with("http://127.0.0.1:9/") {
                return Ok(location);
            }
            r = b.get(&location).await;
            continue;
        }
        let status = r.status().as_u16();
        let html = r.text().await.unwrap();
        r = if html.contains("action=\"/login\"") {
            submit_login(b, &html, "alice", PASSWORD).await
        } else if html.contains("action=\"/consent\"") {
            let (i, csrf) = (hidden(&html, "i"), hidden(&html, "csrf"));
            b.post(
                "/consent",
                &[("i", &i), ("csrf", &csrf), ("action", "allow")],
            )
            .await
        } else {
            return Err((status, html));
        };
    }
    panic!("too many redirects from {start}");
}

/// An authorization with PKCE through the pages: the code and verifier.
async fn authorize(
    b: &mut Browser<'_>,
    client: &Rp,
) -> Result<(String, PkceCodeVerifier), (u16, String)> {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    let callback = through_pages(b, url.as_str()).await?;
    let q = crate::authorize::query_of(&callback);
    assert_eq!(&q["state"], state.secret());
    Ok((q["code"].clone(), verifier))
}

type TokenError = RequestTokenError<reqwest::Error, StandardErrorResponse<CoreErrorResponseType>>;

/// What the crate's error value carries.
fn describe(e: &TokenError) -> Value {
    match e {
        RequestTokenError::ServerResponse(r) => json!({
            "type": "ServerResponse",
            "error": r.error().as_ref(),
            "error_description": r.error_description(),
            "error_uri": r.error_uri(),
        }),
        other => json!({"type": "other", "message": other.to_string()}),
    }
}

/// Redeem a code, at `redirect` if given (else the client's redirect URI).
async fn redeem(
    c: &Rp,
    code: &str,
    verifier: PkceCodeVerifier,
    redirect: Option<&RedirectUrl>,
) -> Result<CoreTokenResponse, TokenError> {
    let mut request = c
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .unwrap()
        .set_pkce_verifier(verifier);
    if let Some(redirect) = redirect {
        request = request.set_redirect_uri(Cow::Borrowed(redirect));
    }
    request.request_async(&http).await
}

fn raised<T>(result: Result<T, TokenError>) -> Value {
    match result {
        Ok(_) => json!({"raised": null}),
        Err(e) => json!({"raised": describe(&e)}),
    }
}

/// The crate's sign-in flows are in oidc_client.rs and par.rs; here, the
/// mistakes, in the same report shape as the scripts'.
async fn openidconnect_report(fx: &Fixture) -> Value {
    let s = &fx.main;
    let client = rp(s, WEB_SECRET).await;
    let mut b = Browser::new(s);
    let mut steps = serde_json::Map::new();

    let (code, verifier) = authorize(&mut b, &client).await.unwrap();
    let wrong = rp(s, "not-the-secret").await;
    steps.insert(
        "wrong_secret".into(),
        raised(redeem(&wrong, &code, verifier, None).await),
    );

    let (code, verifier) = authorize(&mut b, &client).await.unwrap();
    let post = client.clone().set_auth_type(AuthType::RequestBody);
    steps.insert(
        "wrong_auth_method".into(),
        raised(redeem(&post, &code, verifier, None).await),
    );

    let elsewhere = client
        .clone()
        .set_redirect_uri(RedirectUrl::new(UNREGISTERED.into()).unwrap());
    let (status, html) = authorize(&mut b, &elsewhere).await.unwrap_err();
    let dd = |name: &str| {
        let marker = format!("<dt>{name}</dt><dd><code>");
        html.split_once(&marker)
            .and_then(|(_, rest)| rest.split_once('<'))
            .map(|(v, _)| v.to_string())
    };
    steps.insert(
        "redirect_uri_unregistered_page".into(),
        json!({"ok": true, "page": {"status": status, "error": dd("error"), "cause": dd("cause")}}),
    );

    // No PAR call in the crate: the unregistered URI reaches the server at
    // the code exchange.
    let (code, verifier) = authorize(&mut b, &client).await.unwrap();
    let unregistered = RedirectUrl::new(UNREGISTERED.into()).unwrap();
    steps.insert(
        "redirect_uri_unregistered".into(),
        raised(redeem(&client, &code, verifier, Some(&unregistered)).await),
    );

    let (code, verifier) = authorize(&mut b, &client).await.unwrap();
    let verifier2 = PkceCodeVerifier::new(verifier.secret().clone());
    redeem(&client, &code, verifier, None).await.unwrap();
    steps.insert(
        "code_reused".into(),
        raised(redeem(&client, &code, verifier2, None).await),
    );

    let (code, verifier) = authorize(&mut b, &client).await.unwrap();
    let tokens = redeem(&client, &code, verifier, None).await.unwrap();
    let refresh = tokens.refresh_token().unwrap();
    client
        .exchange_refresh_token(refresh)
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    steps.insert(
        "refresh_reused".into(),
        raised(
            client
                .exchange_refresh_token(refresh)
                .unwrap()
                .request_async(&http)
                .await,
        ),
    );

    let short = rp(&fx.short, WEB_SECRET).await;
    let mut b = Browser::new(&fx.short);
    let (code, verifier) = authorize(&mut b, &short).await.unwrap();
    tokio::time::sleep(Duration::from_millis(CODE_TTL_MS + 100)).await;
    steps.insert(
        "code_expired".into(),
        raised(redeem(&short, &code, verifier, None).await),
    );
    json!({"library": "openidconnect", "steps": steps})
}

#[tokio::test]
async fn openidconnect_crate() {
    let fx = fixture().await;
    let r = openidconnect_report(&fx).await;
    // The crate's error keeps no response headers.
    common_mistakes(&r, Shows::All, false);
    mistake(
        &r,
        "redirect_uri_unregistered",
        &CODE_REDIRECT_URI_MISMATCH,
        Shows::All,
    );
}
