//! DPoP (RFC 9449): a client proves with a signed JWT in the `DPoP` header
//! of each request that it holds a private key. Tokens issued on a proof
//! carry the key's thumbprint (`cnf.jkt`) and are then accepted only with
//! a proof made with the same key.
//!
//! Here: checking a proof (§4.3), the thumbprint (RFC 7638), the server's
//! nonces (§8, §9) and the binding of tokens and grants to a key. A proof
//! costs one signature verification and one insert (its `jti`, kept until
//! the proof could no longer be accepted); nothing is fetched.
//!
//! Nonces are derived, not stored: the keyed hash of the number of the
//! current [`NONCE_WINDOW`], so every node with the same `secret` gives and
//! accepts the same values. The current and the previous window's values
//! are accepted.

use crate::Occurrence;
use crate::catalogue::*;
use crate::crypto::{Secrets, b64url, b64url_decode};
use crate::store::GrantStore;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

/// The `typ` of a proof.
pub const TYP: &str = "dpop+jwt";

/// The signature algorithms accepted in proofs (all asymmetric), as
/// advertised in `dpop_signing_alg_values_supported`.
pub const ALGS: &[&str] = &["ES256", "RS256", "PS256", "EdDSA"];

/// `algs` of a `WWW-Authenticate: DPoP` challenge (RFC 9449 §7.1).
pub const ALGS_CHALLENGE: &str = "ES256 RS256 PS256 EdDSA";

/// Seconds a proof is accepted after its `iat`.
pub const MAX_AGE: i64 = 60;

/// Seconds a proof's `iat` may lie ahead of this server's clock.
pub const MAX_AHEAD: i64 = 5;

/// Seconds one server nonce is current; the previous one is still accepted.
pub const NONCE_WINDOW: i64 = 300;

/// The longest proof read (a 4096-bit RSA key in the header fits).
const MAX_PROOF_LEN: usize = 8192;

/// The longest `jti` kept.
const MAX_JTI_LEN: usize = 256;

/// Private members of a JWK (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// What a proof is checked against: the request it came with.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The HTTP method (`htm`).
    pub method: &'a str,
    /// The endpoint's URL as this server publishes it (`htu`).
    pub url: &'a str,
    /// At a resource: the access token sent with the proof (`ath`).
    pub access_token: Option<&'a str>,
    pub now: i64,
}

/// A proof that passed every check of §4.3 but replay and nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// The RFC 7638 SHA-256 thumbprint of its key, base64url.
    pub jkt: String,
    pub jti: String,
    pub iat: i64,
    pub nonce: Option<String>,
    /// The JOSE `alg` it is signed with (a profile may narrow them).
    pub alg: String,
}

#[derive(serde::Deserialize)]
struct Claims {
    jti: Option<String>,
    htm: Option<String>,
    htu: Option<String>,
    iat: Option<i64>,
    ath: Option<String>,
    nonce: Option<String>,
}

fn malformed(detail: &str) -> Occurrence {
    DPOP_PROOF_MALFORMED.with_detail(detail.to_string())
}

/// Whether `s` has the shape of a SHA-256 JWK thumbprint (base64url, 43
/// characters), as `dpop_jkt` must.
pub fn is_jkt(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `ath`: the base64url SHA-256 of an access token.
pub fn ath(access_token: &str) -> String {
    b64url(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes()).as_ref())
}

/// The proof's JWS header, read by itself (the library's header type
/// would drop private key members unseen).
fn header(proof: &str) -> Result<Map<String, Value>, Occurrence> {
    if proof.len() > MAX_PROOF_LEN {
        return Err(malformed("the proof is longer than 8192 bytes"));
    }
    let mut parts = proof.split('.');
    let (Some(head), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("the DPoP header is not a signed JWT"));
    };
    let bytes = b64url_decode(head).ok_or_else(|| malformed("the JWT header is not base64url"))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(malformed("the JWT header is not a JSON object")),
    }
}

/// The algorithm of `alg`, if it is one proofs may use.
fn algorithm(alg: &str) -> Option<Algorithm> {
    match alg {
        "ES256" => Some(Algorithm::ES256),
        "RS256" => Some(Algorithm::RS256),
        "PS256" => Some(Algorithm::PS256),
        "EdDSA" => Some(Algorithm::EdDSA),
        _ => None,
    }
}

/// The public key of the `jwk` header: no private member, of the type the
/// algorithm needs, with its required members as strings. Returns the key
/// and its thumbprint.
fn public_key(
    jwk: &Map<String, Value>,
    alg: Algorithm,
    alg_name: &str,
) -> Result<(DecodingKey, String), Occurrence> {
    let kty = jwk.get("kty").and_then(Value::as_str).unwrap_or_default();
    if kty == "oct" || PRIVATE_MEMBERS.iter().any(|m| jwk.contains_key(*m)) {
        return Err(DPOP_PROOF_PRIVATE_KEY.occur());
    }
    let crv = jwk.get("crv").and_then(Value::as_str);
    let (fits, members, needs): (bool, &[&str], &str) = match alg {
        Algorithm::ES256 => (
            kty == "EC" && crv == Some("P-256"),
            &["crv", "kty", "x", "y"],
            "an EC key on P-256",
        ),
        Algorithm::EdDSA => (
            kty == "OKP" && crv == Some("Ed25519"),
            &["crv", "kty", "x"],
            "an OKP key on Ed25519",
        ),
        _ => (kty == "RSA", &["e", "kty", "n"], "an RSA key"),
    };
    if !fits {
        return Err(DPOP_PROOF_ALG_UNSUPPORTED
            .with_detail(format!("alg {alg_name} needs {needs} in the jwk header")));
    }
    if members
        .iter()
        .any(|m| !jwk.get(*m).is_some_and(Value::is_string))
    {
        return Err(malformed(&format!(
            "the jwk header needs the members {}",
            members.join(", ")
        )));
    }
    let value = Value::Object(jwk.clone());
    let parsed: jsonwebtoken::jwk::Jwk = serde_json::from_value(value.clone())
        .map_err(|_| malformed("the jwk header is not a JWK"))?;
    let key = DecodingKey::from_jwk(&parsed)
        .map_err(|_| malformed("the jwk header is not a usable public key"))?;
    Ok((key, crate::keys::thumbprint(&value)))
}

/// RFC 3986 §6.2.2 and §6.2.3 normalisation (case of scheme and host,
/// default port, dot segments, an empty path), without query and fragment.
fn normalised(url: &str) -> Option<String> {
    let mut parsed = url::Url::parse(url).ok()?;
    parsed.set_query(None);
    parsed.set_fragment(None);
    Some(parsed.to_string())
}

/// Check a proof against the request it came with (RFC 9449 §4.3, steps
/// 1 to 11 but replay and nonce, which need the store and the secret).
pub fn verify(proof: &str, expected: &Expected<'_>) -> Result<Proof, Occurrence> {
    let header = header(proof)?;
    let typ = header.get("typ").and_then(Value::as_str);
    if !typ.is_some_and(|t| t.eq_ignore_ascii_case(TYP)) {
        return Err(DPOP_PROOF_WRONG_TYPE.with_detail(match typ {
            Some(t) => format!("typ is {t}"),
            None => "typ is missing".to_string(),
        }));
    }
    let alg_name = header.get("alg").and_then(Value::as_str).unwrap_or("none");
    let Some(alg) = algorithm(alg_name) else {
        return Err(DPOP_PROOF_ALG_UNSUPPORTED
            .with_detail(format!("alg {alg_name}; use one of {}", ALGS.join(", "))));
    };
    let Some(Value::Object(jwk)) = header.get("jwk") else {
        return Err(malformed("the jwk header with the public key is missing"));
    };
    let (key, jkt) = public_key(jwk, alg, alg_name)?;
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(proof, &key, &validation)
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => DPOP_PROOF_SIGNATURE_INVALID.occur(),
            ErrorKind::InvalidAlgorithm => DPOP_PROOF_ALG_UNSUPPORTED.with_detail(format!(
                "alg {alg_name} does not fit the key of the jwk header"
            )),
            ErrorKind::Json(_) => malformed("the claims are not a JSON object of the right types"),
            _ => malformed("the proof cannot be read"),
        })?
        .claims;
    let (Some(jti), Some(htm), Some(htu), Some(iat)) =
        (claims.jti, claims.htm, claims.htu, claims.iat)
    else {
        return Err(malformed("the claims jti, htm, htu and iat are required"));
    };
    if jti.is_empty() || jti.len() > MAX_JTI_LEN {
        return Err(malformed("jti must have 1 to 256 characters"));
    }
    if htm != expected.method {
        return Err(DPOP_PROOF_METHOD_MISMATCH
            .with_detail(format!("htm is {htm}; this request is {}", expected.method)));
    }
    if normalised(&htu).is_none_or(|h| Some(h) != normalised(expected.url)) {
        return Err(DPOP_PROOF_URL_MISMATCH.with_detail(format!("htu must be {}", expected.url)));
    }
    if iat < expected.now - MAX_AGE || iat > expected.now + MAX_AHEAD {
        return Err(DPOP_PROOF_IAT_OUTSIDE_WINDOW.with_detail(format!(
            "iat is {} seconds from this server's clock",
            iat - expected.now
        )));
    }
    if let Some(token) = expected.access_token {
        let ok = claims
            .ath
            .as_deref()
            .is_some_and(|a| bool::from(a.as_bytes().ct_eq(ath(token).as_bytes())));
        if !ok {
            return Err(
                DPOP_PROOF_ATH_MISMATCH.with_detail(if claims.ath.is_some() {
                    "ath is not the hash of the access token sent"
                } else {
                    "ath is missing"
                }),
            );
        }
    }
    Ok(Proof {
        jkt,
        jti,
        iat,
        nonce: claims.nonce,
        alg: alg_name.to_string(),
    })
}

/// The server nonce of the window `now` falls in.
pub fn nonce(secrets: &Secrets, now: i64) -> String {
    nonce_of_window(secrets, now.div_euclid(NONCE_WINDOW))
}

fn nonce_of_window(secrets: &Secrets, window: i64) -> String {
    secrets.hash(&format!("latchkey/dpop-nonce/{window}"))
}

/// Whether the proof carries a nonce of the current or the previous
/// window. `Ok(true)`: the current one (no new nonce to send).
pub fn check_nonce(secrets: &Secrets, proof: &Proof, now: i64) -> Result<bool, Occurrence> {
    let Some(given) = proof.nonce.as_deref() else {
        return Err(DPOP_NONCE_REQUIRED.occur());
    };
    let window = now.div_euclid(NONCE_WINDOW);
    let matches = |w: i64| {
        bool::from(
            given
                .as_bytes()
                .ct_eq(nonce_of_window(secrets, w).as_bytes()),
        )
    };
    if matches(window) {
        Ok(true)
    } else if matches(window - 1) {
        Ok(false)
    } else {
        Err(DPOP_NONCE_STALE.occur())
    }
}

/// The nonce policy of a request: `None` when nonces are not required.
#[derive(Debug, Clone, Copy)]
pub struct Nonces<'a> {
    pub secrets: &'a Secrets,
}

/// A proof that passed every check, and whether the answer should carry a
/// new nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub proof: Proof,
    /// The proof's nonce is the previous window's: send the current one.
    pub renew_nonce: bool,
}

/// Everything RFC 9449 §4.3 asks: [`verify`], the nonce when `nonces` is
/// set, and the `jti` seen once across all nodes (kept until the proof
/// could no longer be accepted).
pub async fn check(
    store: &dyn GrantStore,
    proof: &str,
    expected: &Expected<'_>,
    nonces: Option<Nonces<'_>>,
) -> Result<Checked, Occurrence> {
    let proof = verify(proof, expected)?;
    let renew_nonce = match nonces {
        Some(n) => !check_nonce(n.secrets, &proof, expected.now)?,
        None => false,
    };
    let until = proof.iat.max(expected.now) + MAX_AGE + 1;
    if !store.record_dpop_jti(&proof.jkt, &proof.jti, until).await? {
        return Err(DPOP_PROOF_REPLAYED.with_detail("every proof is accepted once"));
    }
    Ok(Checked { proof, renew_nonce })
}

/// An access token's binding against the request's proof: a bound token
/// needs a proof of its key (never the Bearer scheme); an unbound token
/// may come either way.
pub fn check_token_binding(bound: Option<&str>, presented: Option<&str>) -> Result<(), Occurrence> {
    match (bound, presented) {
        (Some(_), None) => Err(DPOP_BOUND_TOKEN_AS_BEARER.occur()),
        (Some(bound), Some(key)) if !bool::from(bound.as_bytes().ct_eq(key.as_bytes())) => {
            Err(DPOP_KEY_MISMATCH.occur())
        }
        _ => Ok(()),
    }
}

/// A code's or refresh token's binding against the token request's
/// proof; `what` names the grant for the description.
pub fn check_grant_binding(
    bound: Option<&str>,
    presented: Option<&str>,
    what: &str,
) -> Result<(), Occurrence> {
    match (bound, presented) {
        (Some(_), None) => Err(DPOP_PROOF_MISSING.with_detail(format!(
            "the {what} is bound to a DPoP key; send a proof made with that key"
        ))),
        (Some(bound), Some(key)) if !bool::from(bound.as_bytes().ct_eq(key.as_bytes())) => {
            Err(DPOP_GRANT_KEY_MISMATCH
                .with_detail(format!("the {what} is bound to another DPoP key")))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
