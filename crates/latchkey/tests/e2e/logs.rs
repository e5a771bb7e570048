//! What an operator reads in the log: sign-ins and token issuance at INFO
//! with the client and the user, every refusal naming the client when it
//! is known, and possible theft (a code or refresh token used twice) at
//! WARN. Never a secret.

use crate::cluster::{CB, code_across, web_client};
use crate::support::{Db, Server};
use serde_json::Value;

fn lines_with<'a>(logs: &'a str, needle: &str) -> Vec<&'a str> {
    logs.lines().filter(|l| l.contains(needle)).collect()
}

async fn the_log_tells_who_signed_in_what_was_issued_and_what_looks_stolen(db: Db) {
    let s = Server::start(db).await;
    let secret = web_client(&s).await;
    let (code, _) = code_across(&s, &s).await;
    let redeem = || {
        s.http
            .post(s.url("/token"))
            .basic_auth("web", Some(&secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", CB),
            ])
            .send()
    };
    let r = redeem().await.unwrap();
    assert_eq!(r.status(), 200);
    let tokens: Value = r.json().await.unwrap();
    let r = redeem().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth("web", Some("not-the-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let logs = s.logs();
    let signed_in = lines_with(&logs, "signed in");
    assert_eq!(signed_in.len(), 1, "{logs}");
    assert!(
        signed_in[0].contains("INFO")
            && signed_in[0].contains("client_id=\"web\"")
            && signed_in[0].contains("pwd"),
        "{}",
        signed_in[0]
    );
    let issued = lines_with(&logs, "tokens issued");
    assert_eq!(issued.len(), 1, "{logs}");
    assert!(
        issued[0].contains("client_id=\"web\"")
            && issued[0].contains("grant_type=\"authorization_code\"")
            && issued[0].contains("sub="),
        "{}",
        issued[0]
    );
    // The theft's warning (the audit trail's own line, at INFO, is checked
    // with the trail).
    let reused: Vec<&str> = lines_with(&logs, "code_reused")
        .into_iter()
        .filter(|l| !l.contains("latchkey::audit"))
        .collect();
    assert!(
        reused
            .iter()
            .all(|l| l.contains("WARN") && l.contains("client_id=\"web\"")),
        "{reused:?}"
    );
    assert!(!reused.is_empty(), "{logs}");
    let wrong = lines_with(&logs, "client_secret_mismatch");
    assert!(
        !wrong.is_empty() && wrong.iter().all(|l| l.contains("client_id=\"web\"")),
        "{wrong:?}"
    );
    // No secret, code or token in the log.
    for secret_value in [
        secret.as_str(),
        code.as_str(),
        tokens["access_token"].as_str().unwrap(),
    ] {
        assert!(!logs.contains(secret_value), "a secret value is in the log");
    }
}

crate::both!(the_log_tells_who_signed_in_what_was_issued_and_what_looks_stolen);
