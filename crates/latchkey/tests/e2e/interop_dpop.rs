//! DPoP through a real library: oauth4webapi's `DPoP` handle
//! (`interop/node/dpop.mjs`) on the code flow with `dpop_jkt`, /userinfo,
//! a protected resource request, refresh and client_credentials; its nonce
//! retry against a server with `dpop.require_nonce`; and mistakes whose
//! `error` and `error_description` the library's error objects carry.

use crate::support::{Db, Server};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use latchkey_core::catalogue::{
    DPOP_BOUND_TOKEN_AS_BEARER, DPOP_GRANT_KEY_MISMATCH, DPOP_PROOF_METHOD_MISMATCH,
};
use latchkey_core::error::Cause;
use reqwest::Method;
use serde_json::{Value, json};

const CB: &str = "http://127.0.0.1:9/cb";
const PASSWORD: &str = "correct horse battery";
const SVC_SECRET: &str = "svc-secret-0123456789abcdef";

async fn register(s: &Server) {
    for c in [
        json!({"client_id": "dpop-app", "redirect_uris": [CB], "token_endpoint_auth_method": "none",
               "skip_consent": true, "grant_types": ["authorization_code", "refresh_token"],
               "scope": "openid email"}),
        json!({"client_id": "dpop-svc", "client_secret": SVC_SECRET,
               "grant_types": ["client_credentials"], "scope": "api:read",
               "token_endpoint_auth_method": "client_secret_post"}),
    ] {
        let r = s
            .admin(Method::POST, "/clients")
            .json(&c)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": PASSWORD,
                      "claims": {"email": "alice@example.com", "email_verified": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

fn step<'a>(report: &'a Value, name: &str) -> &'a Value {
    let step = &report["steps"][name];
    assert_eq!(
        step["ok"],
        true,
        "{name}:\n{}",
        serde_json::to_string_pretty(step).unwrap()
    );
    step
}

/// The library raised an error carrying the cause's code, its description
/// and the `error_uri` naming it.
fn mistake(report: &Value, name: &str, cause: &Cause, shows: &str) {
    let step = &report["steps"][name];
    let raised = &step["raised"];
    assert!(
        raised.is_object(),
        "{name}: no error: {}",
        serde_json::to_string_pretty(step).unwrap()
    );
    assert_eq!(raised["type"], shows, "{name}: {raised}");
    assert_eq!(raised["error"], cause.code.as_str(), "{name}: {raised}");
    assert!(
        raised["error_description"]
            .as_str()
            .unwrap_or_default()
            .starts_with(cause.summary),
        "{name}: {raised}"
    );
    assert!(
        raised["error_uri"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("#{}", cause.id))),
        "{name}: {raised}"
    );
}

fn cnf_jkt(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&B64.decode(payload).unwrap()).unwrap();
    claims["cnf"]["jkt"].clone()
}

#[tokio::test]
async fn oauth4webapi_dpop() {
    let (s, nonce) = tokio::join!(
        Server::start(Db::Sqlite),
        Server::start_with(Db::Sqlite, &[("LATCHKEY_DPOP_REQUIRE_NONCE", "true")])
    );
    tokio::join!(register(&s), register(&nonce));
    let env = json!({
        "issuer": s.base, "nonce_issuer": nonce.base, "redirect_uri": CB,
        "user": {"username": "alice", "password": PASSWORD},
        "clients": {
            "app": {"client_id": "dpop-app"},
            "svc": {"client_id": "dpop-svc", "client_secret": SVC_SECRET},
        },
    });
    let r = crate::interop::node_report("dpop.mjs", &env, || {
        format!("{}\n--- nonce server log:\n{}", s.logs(), nonce.logs())
    })
    .await;

    // The code flow with dpop_jkt: a DPoP token bound to the library's key.
    let code = step(&r, "code_flow");
    assert_eq!(code["token_type"], "dpop");
    assert_eq!(code["refresh_token"], true);
    let jkt = &code["jkt"];
    assert_eq!(&cnf_jkt(code["access_token"].as_str().unwrap()), jkt);
    assert_eq!(step(&r, "userinfo")["email"], "alice@example.com");
    let resource = step(&r, "protected_resource");
    assert_eq!(
        (&resource["status"], &resource["email"]),
        (&json!(200), &json!("alice@example.com"))
    );
    let refreshed = step(&r, "refresh");
    assert_eq!(refreshed["token_type"], "dpop");
    assert_eq!(&cnf_jkt(refreshed["access_token"].as_str().unwrap()), jkt);
    let cc = step(&r, "client_credentials");
    assert_eq!(cc["token_type"], "dpop");
    assert_eq!(cnf_jkt(cc["access_token"].as_str().unwrap()), cc["jkt"]);

    // Nonces: the library retried once with the nonce it was given, and
    // kept it for the next requests to the same server.
    let n = step(&r, "nonce_retry");
    assert_eq!(n["client_credentials"], "dpop");
    assert_eq!(n["client_credentials_retries"], 1);
    assert_eq!(n["code_flow"], "dpop");
    assert_eq!(n["code_flow_retries"], 1);
    assert_eq!(n["email"], "alice@example.com");
    assert!(nonce.logs().contains("dpop_nonce_required"));

    // The mistakes reach the developer through the library's errors.
    mistake(
        &r,
        "bound_token_as_bearer",
        &DPOP_BOUND_TOKEN_AS_BEARER,
        "WWWAuthenticateChallengeError",
    );
    assert_eq!(
        r["steps"]["bound_token_as_bearer"]["raised"]["scheme"],
        "dpop"
    );
    mistake(
        &r,
        "refresh_with_another_key",
        &DPOP_GRANT_KEY_MISMATCH,
        "ResponseBodyError",
    );
    mistake(
        &r,
        "proof_for_another_method",
        &DPOP_PROOF_METHOD_MISMATCH,
        "ResponseBodyError",
    );
}
