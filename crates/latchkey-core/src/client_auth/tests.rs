//! `classify`: which single method a request used (no store needed).
#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;
use base64::Engine;

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

fn creds(f: impl FnOnce(&mut Credentials)) -> Credentials {
    let mut c = Credentials::default();
    f(&mut c);
    c
}

#[test]
fn refusals_name_their_cause() {
    let table: Vec<(&str, Credentials, &str)> = vec![
        (
            "nothing at all",
            Credentials::default(),
            "client_auth_missing",
        ),
        (
            "header and body secret (H5)",
            creds(|c| {
                c.authorization = Some(basic("a", "s"));
                c.client_id = Some("a".into());
                c.client_secret = Some("s".into());
            }),
            "multiple_client_auth_methods",
        ),
        (
            "body secret and assertion (H5)",
            creds(|c| {
                c.client_id = Some("a".into());
                c.client_secret = Some("s".into());
                c.client_assertion_type = Some(JWT_BEARER_ASSERTION.into());
                c.client_assertion = Some("x.y.z".into());
            }),
            "multiple_client_auth_methods",
        ),
        (
            "basic for another client than the body",
            creds(|c| {
                c.authorization = Some(basic("a", "s"));
                c.client_id = Some("b".into());
            }),
            "client_id_conflict",
        ),
        (
            "secret without id",
            creds(|c| c.client_secret = Some("s".into())),
            "client_auth_missing",
        ),
        (
            "not Basic",
            creds(|c| c.authorization = Some("Bearer abc".into())),
            "authorization_header_malformed",
        ),
        (
            "not base64",
            creds(|c| c.authorization = Some("Basic !!!".into())),
            "authorization_header_malformed",
        ),
        (
            "wrong assertion type",
            creds(|c| {
                c.client_assertion_type = Some("urn:other".into());
                c.client_assertion = Some("x.y.z".into());
            }),
            "client_assertion_type_unsupported",
        ),
        (
            "assertion that is not a JWT",
            creds(|c| {
                c.client_assertion_type = Some(JWT_BEARER_ASSERTION.into());
                c.client_assertion = Some("nope".into());
            }),
            "client_assertion_invalid",
        ),
    ];
    for (name, c, cause) in table {
        match classify(&c) {
            Err(occ) => assert_eq!(occ.cause.id, cause, "{name}"),
            Ok(a) => panic!("{name}: accepted as {a:?}"),
        }
    }
}

#[test]
fn basic_credentials_are_form_decoded() {
    let a = classify(&creds(|c| {
        c.authorization = Some(basic("my%20app", "p%3Ass+w"))
    }))
    .unwrap();
    assert_eq!(
        a,
        Attempt::Basic {
            client_id: "my app".into(),
            secret: "p:ss w".into()
        }
    );
    assert_eq!(a.method(), "client_secret_basic");
    assert_eq!(a.scheme(), Some("Basic"));
    // The same client_id in the body is not a second mechanism.
    let a = classify(&creds(|c| {
        c.authorization = Some(basic("app", "s"));
        c.client_id = Some("app".into());
    }))
    .unwrap();
    assert_eq!(a.client_id(), "app");
}

#[test]
fn body_and_public_methods() {
    let a = classify(&creds(|c| {
        c.client_id = Some("app".into());
        c.client_secret = Some("s".into());
    }))
    .unwrap();
    assert_eq!(a.method(), "client_secret_post");
    let a = classify(&creds(|c| c.client_id = Some("app".into()))).unwrap();
    assert_eq!(a.method(), "none");
    assert_eq!(a.scheme(), None);
}
