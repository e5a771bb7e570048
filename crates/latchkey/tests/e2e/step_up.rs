//! Step-up at /userinfo (RFC 9470): a caller asks that the user's sign-in
//! meet `acr_values` or be no older than `max_age`; a token that falls
//! short gets 401 `insufficient_user_authentication` with a challenge
//! repeating what was asked. oauth4webapi reads it in `interop`.

use crate::authorize::{Browser, location, login_page, query_of, submit_login};
use crate::support::{Db, Server, assert_json_error};
use reqwest::Method;
use serde_json::{Value, json};

const CB: &str = "https://app.example/cb";

async fn password_token(s: &Server) -> String {
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": "web", "client_secret": "web-secret-0123456789abcdef",
            "redirect_uris": [CB], "scope": "openid email", "skip_consent": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    s.admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    let mut b = Browser::new(s);
    let html = login_page(
        &mut b,
        "/authorize?client_id=web&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s",
    )
    .await;
    let r = submit_login(&mut b, &html, "alice", "correct horse battery").await;
    let code = query_of(&location(&r))["code"].clone();
    let t: Value = s
        .http
        .post(s.url("/token"))
        .basic_auth("web", Some("web-secret-0123456789abcdef"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    t["access_token"].as_str().unwrap().to_string()
}

async fn userinfo(s: &Server, token: &str, query: &str) -> reqwest::Response {
    s.http
        .get(s.url(&format!("/userinfo{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn a_resource_asks_for_more_than_the_sign_in_gave(db: Db) {
    let s = Server::start(db).await;
    let token = password_token(&s).await;

    // A password sign-in (Cl) meets Cl, not Cl.Cm.
    assert_eq!(userinfo(&s, &token, "?acr_values=Cl").await.status(), 200);
    assert_eq!(
        userinfo(&s, &token, "?acr_values=Cl.Cm.P1+Cl")
            .await
            .status(),
        200
    );
    let r = userinfo(&s, &token, "?acr_values=Cl.Cm").await;
    let (headers, body) = assert_json_error(
        r,
        401,
        "insufficient_user_authentication",
        "step_up_acr_not_met",
    )
    .await;
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.starts_with("Bearer ")
            && challenge.contains("error=\"insufficient_user_authentication\"")
            && challenge.ends_with(", acr_values=\"Cl.Cm\""),
        "{challenge}"
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("achieved Cl"),
        "{body}"
    );

    // max_age counts from the sign-in.
    assert_eq!(userinfo(&s, &token, "?max_age=3600").await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = userinfo(&s, &token, "?max_age=0&acr_values=Cl").await;
    let (headers, _) = assert_json_error(
        r,
        401,
        "insufficient_user_authentication",
        "step_up_too_old",
    )
    .await;
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.ends_with(", acr_values=\"Cl\", max_age=0"),
        "{challenge}"
    );
    // In a form body too.
    let r = s
        .http
        .post(s.url("/userinfo"))
        .bearer_auth(&token)
        .form(&[("acr_values", "Cl.Cm")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // What cannot be read is the caller's mistake. (An empty value is an
    // absent one, as everywhere: RFC 6749 §3.1.)
    assert_eq!(userinfo(&s, &token, "?acr_values=").await.status(), 200);
    for query in ["?max_age=soon", "?max_age=-1", "?max_age=1&max_age=2"] {
        let r = userinfo(&s, &token, query).await;
        assert_json_error(r, 400, "invalid_request", "step_up_demand_malformed").await;
    }
}

crate::both!(a_resource_asks_for_more_than_the_sign_in_gave);
