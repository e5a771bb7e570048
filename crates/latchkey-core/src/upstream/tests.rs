use super::*;
use serde_json::json;

fn up() -> UpstreamConfig {
    UpstreamConfig {
        id: "corp".into(),
        name: "Corp".into(),
        issuer: "https://id.corp.example".into(),
        client_id: "latchkey".into(),
        client_secret: "s3cret".into(),
        scopes: vec!["openid".into(), "email".into()],
        link_by_email: false,
    }
}

fn doc() -> Value {
    json!({
        "issuer": "https://id.corp.example",
        "authorization_endpoint": "https://id.corp.example/authorize",
        "token_endpoint": "https://id.corp.example/token",
        "jwks_uri": "https://id.corp.example/jwks",
        "userinfo_endpoint": "https://id.corp.example/userinfo",
        "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
    })
}

#[test]
fn ids_are_path_safe() {
    assert!(check_id("corp-sso_1").is_ok());
    assert!(check_id("").is_err());
    assert!(check_id("Corp").is_err());
    assert!(check_id("a/b").is_err());
    assert!(check_id(&"a".repeat(65)).is_err());
}

#[test]
fn discovery_must_name_the_issuer_and_the_endpoints() {
    let m = parse_metadata("https://id.corp.example", &doc()).unwrap();
    assert_eq!(m.id_token_algs, vec![Algorithm::RS256]);
    assert!(m.iss_in_response);
    assert_eq!(
        m.userinfo_endpoint.as_deref(),
        Some("https://id.corp.example/userinfo")
    );
    let e = parse_metadata("https://other.example", &doc()).unwrap_err();
    assert!(e.contains("issuer"), "{e}");
    let mut d = doc();
    d.as_object_mut().unwrap().remove("token_endpoint");
    assert!(parse_metadata("https://id.corp.example", &d).is_err());
    let mut d = doc();
    d["id_token_signing_alg_values_supported"] = json!(["HS256"]);
    assert!(parse_metadata("https://id.corp.example", &d).is_err());
    let mut d = doc();
    d["code_challenge_methods_supported"] = json!(["plain"]);
    assert!(parse_metadata("https://id.corp.example", &d).is_err());
}

#[test]
fn the_authorization_request_carries_pkce_state_and_nonce() {
    assert_eq!(
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let m = parse_metadata("https://id.corp.example", &doc()).unwrap();
    let u = authorization_url(
        &m,
        &up(),
        "https://me/upstream/corp/callback",
        "st",
        "no",
        "v",
    )
    .unwrap();
    let url = url::Url::parse(&u).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "latchkey");
    assert_eq!(q["scope"], "openid email");
    assert_eq!(q["state"], "st");
    assert_eq!(q["nonce"], "no");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"], pkce_challenge("v"));
}

#[test]
fn upstream_errors_become_our_causes() {
    let c = |e: &str| authorization_error("corp", e, Some("why")).cause.id;
    assert_eq!(c("access_denied"), "user_canceled_request");
    assert_eq!(c("temporarily_unavailable"), "upstream_unavailable");
    assert_eq!(c("unauthorized_client"), "misconfiguration");
    assert_eq!(c("server_error"), "upstream_error");
    let t = |s: u16, e: &str| token_error("corp", s, &json!({"error": e})).cause.id;
    assert_eq!(t(401, "invalid_client"), "misconfiguration");
    assert_eq!(t(400, "invalid_grant"), "upstream_error");
    assert_eq!(t(503, ""), "upstream_unavailable");
    // The upstream's own words go to the log, never to our client.
    let occ = authorization_error("corp", "server_error", Some("secret detail"));
    assert!(!occ.description().contains("secret detail"));
    assert!(occ.debug.as_deref().unwrap_or("").contains("secret detail"));
}

#[test]
fn usernames_prefer_the_upstream_names_and_avoid_collisions() {
    let claims = json!({"preferred_username": "alice", "email": "a@x.example"});
    let c = username_candidates("corp", "123", claims.as_object().unwrap());
    assert_eq!(&c[..3], &["alice", "a@x.example", "corp-123"]);
    assert!(c.contains(&"alice-2".to_string()));
    let c = username_candidates("corp", "123", &Map::new());
    assert_eq!(c[0], "corp-123");
    let claims = json!({"preferred_username": " "});
    let c = username_candidates("corp", "123", claims.as_object().unwrap());
    assert_eq!(c[0], "corp-123");
}

#[test]
fn only_verified_emails_count() {
    let v = json!({"email": "a@x.example", "email_verified": true});
    assert_eq!(verified_email(v.as_object().unwrap()), Some("a@x.example"));
    let v = json!({"email": "a@x.example", "email_verified": false});
    assert_eq!(verified_email(v.as_object().unwrap()), None);
    let v = json!({"email": "a@x.example"});
    assert_eq!(verified_email(v.as_object().unwrap()), None);
}

#[test]
fn merged_claims_copy_only_profile_claims() {
    let id = IdClaims {
        sub: "u1".into(),
        claims: json!({"sub": "u1", "iss": "x", "name": "From token", "nonce": "n"})
            .as_object()
            .unwrap()
            .clone(),
    };
    let info = json!({"sub": "u1", "email": "a@x.example", "email_verified": true, "name": "From userinfo"});
    let m = merge_claims(&id, info.as_object());
    assert_eq!(m["name"], "From userinfo");
    assert_eq!(m["email"], "a@x.example");
    assert!(!m.contains_key("sub") && !m.contains_key("nonce") && !m.contains_key("iss"));
}

/// An upstream key pair (ES256) and its JWKS.
fn upstream_key() -> (crate::keys::SigningKey, Value) {
    let secrets = crate::crypto::Secrets::new("upstream test").unwrap();
    let record = crate::keys::generate(crate::keys::Alg::Es256, &secrets, 1).unwrap();
    let key = crate::keys::SigningKey::load(&record, &secrets).unwrap();
    (key, json!({"keys": [record.public_jwk]}))
}

#[test]
fn id_tokens_are_verified_completely() {
    let (signer, jwks) = upstream_key();
    let mut meta = parse_metadata("https://id.corp.example", &doc()).unwrap();
    meta.id_token_algs = vec![Algorithm::ES256];
    let now = 1_000_000;
    let good = json!({"iss": "https://id.corp.example", "sub": "u1", "aud": "latchkey",
                      "exp": now + 300, "iat": now, "nonce": "n0nce", "email": "a@x.example"});
    let check = |claims: &Value| {
        let token = signer.sign_jwt("JWT", claims).unwrap();
        let (alg, kid) = id_token_header("corp", &meta, &token)?;
        let key = signing_key(&jwks, kid.as_deref(), alg).unwrap();
        verify_id_token(&up(), &token, alg, &key, "n0nce", now)
    };
    let ok = check(&good).unwrap();
    assert_eq!(ok.sub, "u1");
    assert_eq!(ok.claims["email"], "a@x.example");
    let bad = |change: Value| {
        let mut c = good.clone();
        for (k, v) in change.as_object().unwrap() {
            c[k] = v.clone();
        }
        check(&c).unwrap_err()
    };
    for change in [
        json!({"iss": "https://evil.example"}),
        json!({"aud": "someone-else"}),
        json!({"aud": ["latchkey", "other"]}),
        json!({"aud": ["latchkey", "other"], "azp": "other"}),
        json!({"exp": now - 600}),
        json!({"iat": now + 600}),
        json!({"nonce": "replayed"}),
        json!({"sub": ""}),
    ] {
        let occ = bad(change.clone());
        assert_eq!(occ.cause.id, "upstream_id_token_invalid", "{change}");
    }
    // Several audiences with our azp are accepted.
    let mut c = good.clone();
    c["aud"] = json!(["latchkey", "other"]);
    c["azp"] = json!("latchkey");
    assert!(check(&c).is_ok());
    // An algorithm it does not announce is refused before any key is used.
    meta.id_token_algs = vec![Algorithm::RS256];
    let token = signer.sign_jwt("JWT", &good).unwrap();
    assert!(id_token_header("corp", &meta, &token).is_err());
    // A signature by another key does not verify.
    let (other, _) = upstream_key();
    let token = other.sign_jwt("JWT", &good).unwrap();
    let (_, kid) = jsonwebtoken::decode_header(&token)
        .map(|h| (h.alg, h.kid))
        .unwrap();
    assert!(signing_key(&jwks, kid.as_deref(), Algorithm::ES256).is_none());
    let key = signing_key(&jwks, None, Algorithm::ES256).unwrap();
    assert!(verify_id_token(&up(), &token, Algorithm::ES256, &key, "n0nce", now).is_err());
}
