//! `classify`: which single method a request used (no store needed).
#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;
use crate::secret::Secret;
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
                c.authorization = Some(Secret::new(basic("a", "s")));
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
                c.authorization = Some(Secret::new(basic("a", "s")));
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
        c.authorization = Some(Secret::new(basic("my%20app", "p%3Ass+w")))
    }))
    .unwrap();
    assert_eq!(
        a,
        Attempt::Basic {
            client_id: "my app".into(),
            secret: client_secret_basic::BasicSecret {
                decoded: Some("p:ss w".into()),
                raw: "p%3Ass+w".into()
            }
        }
    );
    // Neither reading of the secret is shown in debug output.
    assert!(!format!("{a:?}").contains("ss"), "{a:?}");
    assert_eq!(a.method(), "client_secret_basic");
    assert_eq!(a.scheme(), Some("Basic"));
    // The same client_id in the body is not a second mechanism.
    let a = classify(&creds(|c| {
        c.authorization = Some(Secret::new(basic("app", "s")));
        c.client_id = Some("app".into());
    }))
    .unwrap();
    assert_eq!(a.client_id(), "app");
}

/// RFC 6749 §2.3.1: the whole password is one form-urlencoded value, so
/// `&` and `=` are part of the secret (they once ended it) and every
/// `%XX` and `+` is decoded.
#[test]
fn basic_secret_is_decoded_whole() {
    let secret_of =
        |header: String| match classify(&creds(|c| c.authorization = Some(Secret::new(header)))) {
            Ok(Attempt::Basic { secret, .. }) => secret.decoded.unwrap(),
            other => panic!("not Basic: {other:?}"),
        };
    let given = "a&b=c+d%e:f g";
    let encoded: String = url::form_urlencoded::byte_serialize(given.as_bytes()).collect();
    assert_eq!(secret_of(basic("app", &encoded)), given);
    // Every character as %XX.
    let all: String = given.bytes().map(|b| format!("%{b:02X}")).collect();
    assert_eq!(secret_of(basic("app", &all)), given);
    // A raw `&` stays in the secret: "s&more" is not "s".
    assert_eq!(secret_of(basic("app", "s&more")), "s&more");
    assert_eq!(secret_of(basic("app", "s&")), "s&");
    // A `%` not followed by two hex digits is kept as it is.
    assert_eq!(secret_of(basic("app", "100%")), "100%");
    assert_eq!(secret_of(basic("app", "%zz%4")), "%zz%4");
    // The client_id too.
    let a = classify(&creds(|c| {
        c.authorization = Some(Secret::new(basic("a%26b", "s")))
    }))
    .unwrap();
    assert_eq!(a.client_id(), "a&b");
    // Bytes that are not UTF-8 once decoded are not replaced: that secret
    // has only its raw reading.
    match classify(&creds(|c| {
        c.authorization = Some(Secret::new(basic("app", "%FF")))
    })) {
        Ok(Attempt::Basic { secret, .. }) => {
            assert_eq!((secret.decoded, secret.raw.as_str()), (None, "%FF"))
        }
        other => panic!("not Basic: {other:?}"),
    }
    match classify(&creds(|c| {
        c.authorization = Some(Secret::new(basic("%FF", "s")))
    })) {
        Err(occ) => assert_eq!(occ.cause.id, "authorization_header_malformed"),
        Ok(a) => panic!("accepted as {a:?}"),
    }
}

fn basic_check(stored: &str, header: String) -> Result<(), Occurrence> {
    use crate::client::{ClientMetadata, ClientRecord};
    let secrets = Secrets::new("test-only").unwrap();
    let client = ClientRecord {
        client_id: "app".into(),
        secret_hash: Some(secrets.hash(stored)),
        previous_secret: None,
        active: true,
        metadata: ClientMetadata::default(),
        created_at: 0,
        updated_at: 0,
    };
    match classify(&creds(|c| c.authorization = Some(Secret::new(header)))) {
        Ok(Attempt::Basic { secret, .. }) => {
            client_secret_basic::verify(&client, &secret, &secrets, 0)
        }
        other => panic!("not Basic: {other:?}"),
    }
}

/// Libraries that send the secret without form-encoding it (Authlib,
/// requests-oauthlib) are accepted: the raw reading of the password is a
/// reading of the same secret. Nothing else is.
#[test]
fn a_raw_secret_matches_too() {
    let stored = "a+b%3D&c %";
    let encoded: String = url::form_urlencoded::byte_serialize(stored.as_bytes()).collect();
    assert!(basic_check(stored, basic("app", &encoded)).is_ok());
    assert!(basic_check(stored, basic("app", stored)).is_ok());
    assert!(basic_check("%FF", basic("app", "%FF")).is_ok());
    assert!(basic_check("a b", basic("app", "a+b")).is_ok());
    for (stored, presented) in [
        ("a+b", "a b"),
        ("a+b", "a%20b"),
        ("a b", "a%2Bb"),
        ("a%3D", "a="),
        ("a%3D", "a%253Dx"),
        ("s", "s+"),
    ] {
        match basic_check(stored, basic("app", presented)) {
            Err(occ) => assert_eq!(occ.cause.id, "client_secret_mismatch", "{presented}"),
            Ok(()) => panic!("{presented} accepted for {stored}"),
        }
    }
}

/// The comparison covers the whole decoded secret: nothing after a `&`
/// is dropped, on either side.
#[test]
fn secret_differing_after_an_ampersand_is_refused() {
    let check = basic_check;
    assert!(check("s&t", basic("app", "s%26t")).is_ok());
    assert!(check("s&t", basic("app", "s&t")).is_ok());
    let wrong = [
        ("s&t", "s%26u"),
        ("s&t", "s&u"),
        ("s&t", "s"),
        ("s&t", "s%26t%26"),
        ("s", "s&t"),
        ("s", "s&"),
        ("s", "s%26t"),
    ];
    for (stored, presented) in wrong {
        match check(stored, basic("app", presented)) {
            Err(occ) => assert_eq!(occ.cause.id, "client_secret_mismatch", "{presented}"),
            Ok(()) => panic!("{presented} accepted for {stored}"),
        }
    }
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

/// RFC 7523 §3 time claims: `nbf`/`iat` not in the future, `exp` not past
/// and at most an hour after `iat` (or now), each with the leeway.
#[test]
fn assertion_time_claims() {
    use super::assertion::{LEEWAY, MAX_LIFETIME, check_times};
    let now = 1_000_000;
    let l = LEEWAY as i64;
    let max = MAX_LIFETIME;
    let refused = vec![
        ("no exp", None, None, None, "client_assertion_expired"),
        (
            "exp past",
            Some(now - l - 1),
            None,
            None,
            "client_assertion_expired",
        ),
        (
            "nbf ahead",
            Some(now + 60),
            Some(now + l + 1),
            None,
            "client_assertion_not_yet_valid",
        ),
        (
            "iat ahead",
            Some(now + 60),
            None,
            Some(now + l + 1),
            "client_assertion_not_yet_valid",
        ),
        (
            "far iat, short span",
            Some(now + 86_460),
            None,
            Some(now + 86_400),
            "client_assertion_not_yet_valid",
        ),
        (
            "exp far, no iat",
            Some(now + max + l + 1),
            None,
            None,
            "client_assertion_lifetime_too_long",
        ),
        (
            "exp a year ahead",
            Some(now + 31_536_000),
            None,
            None,
            "client_assertion_lifetime_too_long",
        ),
        (
            "long span from iat",
            Some(now + 60),
            None,
            Some(now + 60 - max - l - 1),
            "client_assertion_lifetime_too_long",
        ),
        (
            "i64 extremes",
            Some(i64::MAX),
            Some(i64::MIN),
            Some(i64::MIN),
            "client_assertion_lifetime_too_long",
        ),
    ];
    for (name, exp, nbf, iat, cause) in refused {
        match check_times(exp, nbf, iat, now) {
            Err(occ) => assert_eq!(occ.cause.id, cause, "{name}"),
            Ok(_) => panic!("{name}: accepted"),
        }
    }
    let accepted = vec![
        ("a minute", Some(now + 60), None, Some(now)),
        ("just expired, within leeway", Some(now - l), None, None),
        (
            "nbf and iat within leeway",
            Some(now + 60),
            Some(now + l),
            Some(now + l),
        ),
        ("longest from iat", Some(now + max + l), None, Some(now)),
        ("longest without iat", Some(now + max + l), None, None),
        (
            "old iat, short span",
            Some(now + 10),
            Some(now - 200),
            Some(now - 200),
        ),
    ];
    for (name, exp, nbf, iat) in accepted {
        assert_eq!(check_times(exp, nbf, iat, now).ok(), exp, "{name}");
    }
}

/// While a rotation's grace period lasts, the previous secret matches too,
/// by either method; at its deadline it stops, and a client without one
/// matches its current secret only.
#[test]
fn a_previous_secret_matches_until_its_deadline() {
    use crate::client::{ClientMetadata, ClientRecord, PreviousSecret};
    let secrets = Secrets::new("test-only").unwrap();
    let mut client = ClientRecord {
        client_id: "app".into(),
        secret_hash: Some(secrets.hash("new-secret")),
        previous_secret: Some(PreviousSecret {
            hash: secrets.hash("old-secret"),
            expires_at: 100,
        }),
        active: true,
        metadata: ClientMetadata::default(),
        created_at: 0,
        updated_at: 0,
    };
    let basic_with = |client: &ClientRecord, secret: &str, now: i64| {
        let secret = client_secret_basic::BasicSecret {
            decoded: Some(secret.to_string()),
            raw: secret.to_string(),
        };
        client_secret_basic::verify(client, &secret, &secrets, now).is_ok()
    };
    let post_with = |client: &ClientRecord, secret: &str, now: i64| {
        client_secret_post::verify(client, secret, &secrets, now).is_ok()
    };
    for check in [
        &basic_with as &dyn Fn(&ClientRecord, &str, i64) -> bool,
        &post_with,
    ] {
        assert!(check(&client, "new-secret", 99));
        assert!(check(&client, "old-secret", 99));
        assert!(!check(&client, "other", 99));
        assert!(check(&client, "new-secret", 100));
        assert!(!check(&client, "old-secret", 100));
    }
    client.previous_secret = None;
    for check in [
        &basic_with as &dyn Fn(&ClientRecord, &str, i64) -> bool,
        &post_with,
    ] {
        assert!(check(&client, "new-secret", 0));
        assert!(!check(&client, "old-secret", 0));
    }
}
