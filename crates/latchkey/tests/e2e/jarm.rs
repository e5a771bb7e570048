//! JARM (JWT Secured Authorization Response Mode): with `response_mode`
//! `jwt`, `query.jwt`, `fragment.jwt` or `form_post.jwt` the authorization
//! response, errors included, is one JWT signed with the client's
//! `authorization_signed_response_alg`, sent as `response`. Checked here
//! against the JWKS; the oauth4webapi report in `interop` reads them as a
//! client would.

use crate::authorize::{Browser, hidden, location, login_page, query_of, setup, submit_login};
use crate::support::{Db, Server};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
use reqwest::Method;
use serde_json::{Value, json};

const CB: &str = "https://app.example/cb";

/// The claims of a JARM response, after its signature (by a key of
/// `/jwks`, with `alg`), issuer, audience and expiry are checked.
async fn verified(s: &Server, jwt: &str, alg: &str) -> Value {
    let header = decode_header(jwt).unwrap();
    assert_eq!(format!("{:?}", header.alg), alg);
    let jwks: JwkSet = s
        .http
        .get(s.url("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = jwks.find(header.kid.as_deref().unwrap()).unwrap();
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&["app"]);
    validation.set_issuer(&[s.base.as_str()]);
    validation.set_required_spec_claims(&["exp", "aud", "iss"]);
    let claims = decode::<Value>(jwt, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
        .unwrap()
        .claims;
    let exp = claims["exp"].as_i64().unwrap();
    let now = latchkey_core::now_unix();
    assert!(exp > now && exp <= now + 600, "{claims}");
    claims
}

/// Sign in (the client skips consent); the answer that goes back to it.
async fn signed_in(s: &Server, mode: &str) -> reqwest::Response {
    let mut b = Browser::new(s);
    let start = format!(
        "/authorize?client_id=app&response_type=code&scope=openid+email&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=st4te&response_mode={mode}"
    );
    let html = login_page(&mut b, &start).await;
    submit_login(&mut b, &html, "alice", "correct horse battery").await
}

async fn jwt_responses_in_every_carrier(db: Db) {
    let s = Server::start(db).await;
    setup(
        &s,
        json!({"skip_consent": true, "authorization_signed_response_alg": "ES256"}),
    )
    .await;
    let d: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for mode in ["jwt", "query.jwt", "fragment.jwt", "form_post.jwt"] {
        assert!(
            d["response_modes_supported"]
                .as_array()
                .unwrap()
                .contains(&json!(mode)),
            "{d}"
        );
    }
    assert_eq!(
        d["authorization_signing_alg_values_supported"],
        json!(["RS256", "ES256"])
    );
    // No encryption of any kind is advertised.
    assert!(
        !d.to_string().contains("encryption_alg_values_supported"),
        "{d}"
    );

    // `jwt` is the query for a code; the response is the one parameter.
    for mode in ["jwt", "query.jwt"] {
        let r = signed_in(&s, mode).await;
        assert_eq!(r.status(), 303);
        let loc = location(&r);
        assert!(loc.starts_with(&format!("{CB}?response=")), "{loc}");
        let q = query_of(&loc);
        assert_eq!(q.len(), 1, "{q:?}");
        let claims = verified(&s, &q["response"], "ES256").await;
        assert_eq!(claims["state"], "st4te");
        assert_eq!(claims["iss"], s.base);
        assert!(claims["code"].as_str().unwrap().len() >= 43, "{claims}");
        // The code in it is a working code.
        let r = s
            .http
            .post(s.url("/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", claims["code"].as_str().unwrap()),
                ("redirect_uri", CB),
                ("client_id", "app"),
            ])
            .send()
            .await
            .unwrap();
        // `app` is a confidential client: the code is known, the client
        // must still authenticate.
        assert_eq!(r.status(), 401, "{}", r.text().await.unwrap());
    }

    let r = signed_in(&s, "fragment.jwt").await;
    let loc = location(&r);
    let fragment = loc
        .strip_prefix(&format!("{CB}#response="))
        .unwrap_or_else(|| panic!("{loc}"));
    assert!(!fragment.contains('&'), "{loc}");
    let claims = verified(&s, fragment, "ES256").await;
    assert_eq!(claims["state"], "st4te");

    let r = signed_in(&s, "form_post.jwt").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("action=\"{CB}\"")), "{html}");
    assert!(!html.contains("name=\"code\""), "{html}");
    let claims = verified(&s, &hidden(&html, "response"), "ES256").await;
    assert!(claims["code"].is_string());

    // An error after the client is known travels the same way.
    let mut b = Browser::new(&s);
    let r = b
        .get("/authorize?client_id=app&response_type=code&scope=openid+launch_missiles&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=st4te&response_mode=query.jwt")
        .await;
    assert_eq!(r.status(), 303);
    let q = query_of(&location(&r));
    let claims = verified(&s, &q["response"], "ES256").await;
    assert_eq!(claims["error"], "invalid_scope", "{claims}");
    assert_eq!(claims["state"], "st4te");
    assert_eq!(
        claims["error_uri"],
        s.url("/errors/invalid_scope#unknown_scope")
    );
    assert!(claims.get("code").is_none());
    // An unknown mode is refused in the plain query, naming the JARM ones.
    let r = b
        .get("/authorize?client_id=app&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=st4te&response_mode=jwt.query")
        .await;
    let q = query_of(&location(&r));
    assert_eq!(q["error"], "unsupported_response_mode");
    assert!(q["error_description"].contains("form_post.jwt"), "{q:?}");
}

crate::both!(jwt_responses_in_every_carrier);

/// RS256 by default; the algorithm is checked at registration, and
/// encryption of any kind, which is not offered, is refused there rather
/// than ignored.
#[tokio::test]
async fn the_signing_algorithm_is_the_clients_and_encryption_is_refused() {
    let s = Server::start(Db::Sqlite).await;
    setup(&s, json!({"skip_consent": true})).await;
    let r = signed_in(&s, "jwt").await;
    let q = query_of(&location(&r));
    verified(&s, &q["response"], "RS256").await;
    for (field, value) in [
        ("authorization_signed_response_alg", "HS256"),
        ("authorization_encrypted_response_alg", "RSA-OAEP-256"),
        ("authorization_encrypted_response_enc", "A128GCM"),
        ("request_object_encryption_alg", "RSA-OAEP"),
        ("id_token_encrypted_response_alg", "RSA-OAEP"),
        ("userinfo_encrypted_response_enc", "A256GCM"),
    ] {
        let r = s
            .admin(Method::POST, "/clients")
            .json(&json!({"redirect_uris": [CB], field: value}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{field}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["errorSummary"].as_str().unwrap().contains(field),
            "{body}"
        );
    }
}
