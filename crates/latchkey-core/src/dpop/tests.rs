#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use aws_lc_rs::signature::{self, KeyPair};
use jsonwebtoken::EncodingKey;
use serde_json::json;

const URL: &str = "https://id.example/token";
const NOW: i64 = 1_700_000_000;

enum Signer {
    Jose(EncodingKey, Algorithm),
    Rsa(aws_lc_rs::rsa::KeyPair, &'static dyn signature::RsaEncoding),
}

/// A key pair a client would make: its signing key, alg and public JWK.
struct Client {
    key: Signer,
    name: &'static str,
    jwk: Value,
}

fn es256() -> Client {
    let pair =
        signature::EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let der = pair.to_pkcs8v1().unwrap();
    let point = pair.public_key().as_ref();
    let (x, y) = point[1..].split_at(32);
    Client {
        key: Signer::Jose(EncodingKey::from_ec_der(der.as_ref()), Algorithm::ES256),
        name: "ES256",
        jwk: json!({"kty": "EC", "crv": "P-256", "x": b64url(x), "y": b64url(y)}),
    }
}

fn eddsa() -> Client {
    let der =
        signature::Ed25519KeyPair::generate_pkcs8(&aws_lc_rs::rand::SystemRandom::new()).unwrap();
    let pair = signature::Ed25519KeyPair::from_pkcs8(der.as_ref()).unwrap();
    Client {
        key: Signer::Jose(EncodingKey::from_ed_der(der.as_ref()), Algorithm::EdDSA),
        name: "EdDSA",
        jwk: json!({"kty": "OKP", "crv": "Ed25519", "x": b64url(pair.public_key().as_ref())}),
    }
}

fn rsa(encoding: &'static dyn signature::RsaEncoding, name: &'static str) -> Client {
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let parts = aws_lc_rs::rsa::PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
    Client {
        key: Signer::Rsa(pair, encoding),
        name,
        jwk: json!({"kty": "RSA", "n": b64url(&parts.n), "e": b64url(&parts.e)}),
    }
}

/// A compact JWS of exactly this header and these claims.
fn sign(client: &Client, header: &Value, claims: &Value) -> String {
    let message = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let signature = match &client.key {
        Signer::Jose(key, alg) => {
            jsonwebtoken::crypto::sign(message.as_bytes(), key, *alg).unwrap()
        }
        Signer::Rsa(pair, encoding) => {
            let mut sig = vec![0; pair.public_modulus_len()];
            pair.sign(
                *encoding,
                &aws_lc_rs::rand::SystemRandom::new(),
                message.as_bytes(),
                &mut sig,
            )
            .unwrap();
            b64url(&sig)
        }
    };
    format!("{message}.{signature}")
}

fn header(client: &Client) -> Value {
    json!({"typ": "dpop+jwt", "alg": client.name, "jwk": client.jwk})
}

fn claims() -> Value {
    json!({"jti": "j-1", "htm": "POST", "htu": URL, "iat": NOW})
}

fn expected() -> Expected<'static> {
    Expected {
        method: "POST",
        url: URL,
        access_token: None,
        now: NOW,
    }
}

fn cause(proof: &str, expected: &Expected<'_>) -> &'static str {
    verify(proof, expected).unwrap_err().cause.id
}

#[test]
fn a_proof_of_each_advertised_algorithm_verifies_and_names_its_key() {
    for client in [
        es256(),
        eddsa(),
        rsa(&signature::RSA_PKCS1_SHA256, "RS256"),
        rsa(&signature::RSA_PSS_SHA256, "PS256"),
    ] {
        let proof = verify(&sign(&client, &header(&client), &claims()), &expected()).unwrap();
        assert_eq!(
            proof.jkt,
            crate::keys::thumbprint(&client.jwk),
            "{}",
            client.name
        );
        assert_eq!(proof.jti, "j-1");
        assert_eq!(proof.iat, NOW);
        assert_eq!(proof.nonce, None);
    }
    assert_eq!(ALGS.join(" "), ALGS_CHALLENGE);
}

#[test]
fn the_thumbprint_is_rfc_7638s() {
    // RFC 7638 §3.1's example key and thumbprint.
    let jwk = json!({
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29"
    });
    assert_eq!(
        crate::keys::thumbprint(&jwk),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
    assert!(is_jkt("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"));
    assert!(!is_jkt("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9X="));
    assert!(!is_jkt("short"));
}

#[test]
fn a_proof_that_is_not_one_jwt_is_malformed() {
    let e = expected();
    for proof in [
        "",
        "a.b",
        "a.b.c.d",
        "!!!.e30.sig",
        &format!("{}.e30.sig", b64url(b"[1]")),
        &"x".repeat(9000),
    ] {
        assert_eq!(cause(proof, &e), "dpop_proof_malformed", "{proof:.40}");
    }
    let client = es256();
    let mut h = header(&client);
    h.as_object_mut().unwrap().remove("jwk");
    assert_eq!(
        cause(&sign(&client, &h, &claims()), &e),
        "dpop_proof_malformed"
    );
    for missing in ["jti", "htm", "htu", "iat"] {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(missing);
        let occ = verify(&sign(&client, &header(&client), &c), &e).unwrap_err();
        assert!(occ.is(&DPOP_PROOF_MALFORMED), "{missing}");
    }
    let mut c = claims();
    c["iat"] = json!("now");
    assert_eq!(
        cause(&sign(&client, &header(&client), &c), &e),
        "dpop_proof_malformed"
    );
    c = claims();
    c["jti"] = json!("j".repeat(300));
    assert_eq!(
        cause(&sign(&client, &header(&client), &c), &e),
        "dpop_proof_malformed"
    );
    let mut h = header(&client);
    h["jwk"].as_object_mut().unwrap().remove("y");
    assert_eq!(
        cause(&sign(&client, &h, &claims()), &e),
        "dpop_proof_malformed"
    );
}

#[test]
fn the_type_must_be_dpop_jwt() {
    let client = es256();
    for typ in [json!("JWT"), json!("at+jwt"), Value::Null] {
        let mut h = header(&client);
        h["typ"] = typ.clone();
        assert_eq!(
            cause(&sign(&client, &h, &claims()), &expected()),
            "dpop_proof_wrong_type",
            "{typ}"
        );
    }
    let mut h = header(&client);
    h["typ"] = json!("DPoP+JWT");
    assert!(verify(&sign(&client, &h, &claims()), &expected()).is_ok());
}

#[test]
fn symmetric_none_and_mismatched_algorithms_are_refused() {
    let client = es256();
    let message = |alg: &str| {
        let mut h = header(&client);
        h["alg"] = json!(alg);
        format!(
            "{}.{}.c2ln",
            b64url(h.to_string().as_bytes()),
            b64url(claims().to_string().as_bytes())
        )
    };
    for alg in ["none", "HS256", "ES384", "RS512"] {
        assert_eq!(
            cause(&message(alg), &expected()),
            "dpop_proof_alg_unsupported",
            "{alg}"
        );
    }
    // An RS256 header over an EC key: the key does not fit the algorithm.
    let occ = verify(&message("RS256"), &expected()).unwrap_err();
    assert!(occ.is(&DPOP_PROOF_ALG_UNSUPPORTED));
    assert!(
        occ.description().contains("needs an RSA key"),
        "{}",
        occ.description()
    );
}

#[test]
fn a_private_key_in_the_header_is_refused() {
    let client = es256();
    let mut h = header(&client);
    h["jwk"]["d"] = json!("c2VjcmV0");
    assert_eq!(
        cause(&sign(&client, &h, &claims()), &expected()),
        "dpop_proof_private_key"
    );
    let mut h = header(&client);
    h["jwk"] = json!({"kty": "oct", "k": "c2VjcmV0"});
    assert_eq!(
        cause(&sign(&client, &h, &claims()), &expected()),
        "dpop_proof_private_key"
    );
}

#[test]
fn the_signature_must_be_the_header_keys() {
    let client = es256();
    let other = es256();
    let forged = sign(&other, &header(&client), &claims());
    assert_eq!(cause(&forged, &expected()), "dpop_proof_signature_invalid");
    let good = sign(&client, &header(&client), &claims());
    let (message, _) = good.rsplit_once('.').unwrap();
    let tampered = format!("{message}.{}", b64url(&[0u8; 64]));
    assert_eq!(
        cause(&tampered, &expected()),
        "dpop_proof_signature_invalid"
    );
}

#[test]
fn method_and_url_must_be_this_requests() {
    let client = es256();
    let proof = |htm: &str, htu: &str| {
        let mut c = claims();
        c["htm"] = json!(htm);
        c["htu"] = json!(htu);
        sign(&client, &header(&client), &c)
    };
    let e = expected();
    assert_eq!(cause(&proof("GET", URL), &e), "dpop_proof_method_mismatch");
    assert_eq!(cause(&proof("post", URL), &e), "dpop_proof_method_mismatch");
    for wrong in [
        "https://id.example/userinfo",
        "https://other.example/token",
        "http://id.example/token",
        "https://id.example:8443/token",
        "/token",
    ] {
        assert_eq!(
            cause(&proof("POST", wrong), &e),
            "dpop_proof_url_mismatch",
            "{wrong}"
        );
    }
    // RFC 9449 §4.3: query and fragment are ignored; syntax- and
    // scheme-based normalisation applies.
    for same in [
        "https://id.example/token?x=1",
        "https://id.example/token#f",
        "HTTPS://ID.EXAMPLE/token",
        "https://id.example:443/token",
        "https://id.example/a/../token",
    ] {
        assert!(verify(&proof("POST", same), &e).is_ok(), "{same}");
    }
}

#[test]
fn iat_must_be_within_the_window() {
    let client = es256();
    let at = |iat: i64| {
        let mut c = claims();
        c["iat"] = json!(iat);
        sign(&client, &header(&client), &c)
    };
    let e = expected();
    assert!(verify(&at(NOW - MAX_AGE), &e).is_ok());
    assert!(verify(&at(NOW + MAX_AHEAD), &e).is_ok());
    assert_eq!(
        cause(&at(NOW - MAX_AGE - 1), &e),
        "dpop_proof_iat_outside_window"
    );
    assert_eq!(
        cause(&at(NOW + MAX_AHEAD + 1), &e),
        "dpop_proof_iat_outside_window"
    );
}

#[test]
fn at_a_resource_ath_must_hash_the_access_token() {
    let client = es256();
    let token = "the.access.token";
    let resource = Expected {
        method: "GET",
        url: "https://id.example/userinfo",
        access_token: Some(token),
        now: NOW,
    };
    let with_ath = |ath_value: Option<&str>| {
        let mut c = json!({"jti": "j", "htm": "GET", "htu": resource.url, "iat": NOW});
        if let Some(a) = ath_value {
            c["ath"] = json!(a);
        }
        sign(&client, &header(&client), &c)
    };
    assert!(verify(&with_ath(Some(&ath(token))), &resource).is_ok());
    assert_eq!(cause(&with_ath(None), &resource), "dpop_proof_ath_mismatch");
    assert_eq!(
        cause(&with_ath(Some(&ath("another"))), &resource),
        "dpop_proof_ath_mismatch"
    );
    // RFC 9449 §4.2's example: ath of its access token.
    assert_eq!(
        ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
        "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
    );
}

#[test]
fn nonces_change_with_the_window_and_the_previous_one_still_counts() {
    let secrets = Secrets::new("test").unwrap();
    let proof = |nonce: Option<String>| Proof {
        jkt: "k".into(),
        jti: "j".into(),
        iat: NOW,
        nonce,
        alg: "ES256".into(),
    };
    let current = nonce(&secrets, NOW);
    assert_eq!(
        current,
        nonce(&Secrets::new("test").unwrap(), NOW),
        "same on every node"
    );
    assert_ne!(current, nonce(&Secrets::new("other").unwrap(), NOW));
    assert!(check_nonce(&secrets, &proof(Some(current.clone())), NOW).unwrap());
    let later = NOW + NONCE_WINDOW;
    assert_ne!(nonce(&secrets, later), current);
    assert!(!check_nonce(&secrets, &proof(Some(current.clone())), later).unwrap());
    let occ = check_nonce(&secrets, &proof(Some(current)), later + NONCE_WINDOW).unwrap_err();
    assert!(occ.is(&DPOP_NONCE_STALE));
    let occ = check_nonce(&secrets, &proof(None), NOW).unwrap_err();
    assert!(occ.is(&DPOP_NONCE_REQUIRED));
    assert_eq!(occ.cause.code, crate::ErrorCode::UseDpopNonce);
}

#[test]
fn bindings_need_the_same_key() {
    assert!(check_token_binding(None, None).is_ok());
    assert!(check_token_binding(None, Some("k")).is_ok());
    assert!(check_token_binding(Some("k"), Some("k")).is_ok());
    assert!(
        check_token_binding(Some("k"), None)
            .unwrap_err()
            .is(&DPOP_BOUND_TOKEN_AS_BEARER)
    );
    assert!(
        check_token_binding(Some("k"), Some("j"))
            .unwrap_err()
            .is(&DPOP_KEY_MISMATCH)
    );
    assert!(check_grant_binding(None, Some("k"), "code").is_ok());
    assert!(check_grant_binding(Some("k"), Some("k"), "code").is_ok());
    assert!(
        check_grant_binding(Some("k"), None, "code")
            .unwrap_err()
            .is(&DPOP_PROOF_MISSING)
    );
    let occ = check_grant_binding(Some("k"), Some("j"), "refresh token").unwrap_err();
    assert!(occ.is(&DPOP_GRANT_KEY_MISMATCH));
    assert!(occ.description().contains("refresh token"));
}
