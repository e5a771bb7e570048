//! Micro-benchmarks of what a token request costs besides HTTP: the ES256
//! signature, verifying our own access token (cached and not), the RS256 ID
//! token, client_secret_basic, and whole client_credentials and
//! authorization_code issuances, and the repeated-parameter check on a large
//! unauthenticated request (`cargo bench -p latchkey-core`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use latchkey_core::authorize::RawParams;
use latchkey_core::client::{ClientMetadata, ClientRecord};
use latchkey_core::client_auth::client_secret_basic;
use latchkey_core::crypto::Secrets;
use latchkey_core::keys::{self, Alg, KeySet};
use latchkey_core::token::access::{self, AccessClaims};
use latchkey_core::token::client_credentials;
use latchkey_core::token::{GrantInfo, TokenContext, issue_user_tokens};
use std::hint::black_box;

const ISSUER: &str = "http://127.0.0.1:8080";
const NOW: i64 = 1_800_000_000;

fn fixture() -> (Secrets, KeySet, ClientRecord) {
    let secrets = Secrets::new("a benchmark secret of at least thirty-two characters").unwrap();
    let records = vec![
        keys::generate(Alg::Es256, &secrets, NOW).unwrap(),
        keys::generate(Alg::Rs256, &secrets, NOW).unwrap(),
    ];
    let keys = KeySet::from_records(&records, &secrets, NOW).unwrap();
    let client = ClientRecord {
        client_id: "bench-cc".into(),
        secret_hash: Some(secrets.hash("bench-cc-secret")),
        previous_secret: None,
        active: true,
        metadata: ClientMetadata {
            scope: Some("api:read api:write".into()),
            grant_types: vec!["client_credentials".into()],
            ..ClientMetadata::default()
        },
        created_at: NOW,
        updated_at: NOW,
    };
    (secrets, keys, client)
}

fn context<'a>(secrets: &'a Secrets, keys: &'a KeySet) -> TokenContext<'a> {
    TokenContext {
        issuer: ISSUER,
        keys,
        secrets,
        access_token_alg: Alg::Es256,
        access_token_ttl: 900,
        refresh_token_ttl: 2_592_000,
        refresh_grace: 0,
        now: NOW,
        dpop_jkt: None,
    }
}

fn claims() -> AccessClaims {
    AccessClaims {
        iss: ISSUER.into(),
        sub: "bench-cc".into(),
        aud: ISSUER.into(),
        client_id: "bench-cc".into(),
        scope: "api:read".into(),
        iat: NOW,
        exp: NOW + 900,
        jti: "S0m3-jti-value-of-forty-three-characters-xx".into(),
        auth_time: None,
        acr: None,
        amr: None,
        grant_id: None,
        cnf: None,
        act: None,
        userinfo_claims: None,
        sub_sealed: None,
    }
}

fn hot_paths(c: &mut Criterion) {
    let (secrets, keys, client) = fixture();
    let ctx = context(&secrets, &keys);
    let claims = claims();
    let token = access::sign(&ctx, &claims).unwrap();

    c.bench_function("es256_sign_access_token", |b| {
        b.iter(|| access::sign(&ctx, black_box(&claims)).unwrap())
    });
    c.bench_function("es256_verify_access_token", |b| {
        b.iter(|| access::verify_signed(&keys, ISSUER, black_box(&token)).unwrap())
    });
    c.bench_function("es256_verify_access_token_cached", |b| {
        b.iter(|| access::verify(&keys, ISSUER, black_box(&token), NOW, true).unwrap())
    });
    // Basic base64("bench-cc:bench-cc-secret")
    let header = "Basic YmVuY2gtY2M6YmVuY2gtY2Mtc2VjcmV0";
    c.bench_function("client_secret_basic", |b| {
        b.iter(|| {
            let (_, secret) = client_secret_basic::parse_header(black_box(header)).unwrap();
            // Both readings of the secret are compared.
            client_secret_basic::verify(&client, &secret, &secrets, 0).unwrap()
        })
    });
    c.bench_function("client_credentials_issue_and_serialize", |b| {
        b.iter(|| {
            let params =
                RawParams::parse(black_box("grant_type=client_credentials&scope=api%3Aread"));
            let res = client_credentials::issue(&ctx, &client, &params, None).unwrap();
            serde_json::to_vec(&res).unwrap()
        })
    });
    // What /token signs for a code of an `openid` grant: an ES256 access
    // token and an RS256 ID token (the OIDC default alg).
    let amr = vec!["pwd".to_string()];
    let grant = GrantInfo {
        grant_id: "0192f1a0-7c3e-7b11-9d2e-3f4a5b6c7d8e",
        sub: "0192f1a0-7c3e-7b11-9d2e-3f4a5b6c7d8f",
        scope: "openid offline_access api:read",
        auth_time: Some(NOW - 10),
        acr: Some("Cl"),
        amr: &amr,
        sid: Some("sid-value"),
        nonce: Some("nonce-value"),
        claims: None,
        id_claims: None,
        resources: &[],
        target: None,
    };
    c.bench_function("authorization_code_issue_es256_at_rs256_id_token", |b| {
        b.iter(|| issue_user_tokens(&ctx, &client, black_box(&grant), None).unwrap())
    });
}

/// 64 KB of distinct parameters, what an unauthenticated caller can send to
/// /authorize, /token or /logout: the repeated-parameter check must stay
/// linear in their number.
fn distinct_params_64k() -> String {
    let mut query = String::new();
    let mut i = 0;
    while query.len() < 64 * 1024 {
        if i > 0 {
            query.push('&');
        }
        query.push_str(&format!("p{i}=v"));
        i += 1;
    }
    query
}

fn large_requests(c: &mut Criterion) {
    let query = distinct_params_64k();
    let params = RawParams::parse(&query);
    c.bench_function("first_repeated_64k_distinct_params", |b| {
        b.iter(|| assert!(black_box(&params).first_repeated().is_none()))
    });
}

criterion_group!(benches, hot_paths, large_requests);
criterion_main!(benches);
