//! Signing keys: generation, sealing at rest, the published JWKS, and JWS
//! signing with pre-parsed key pairs (no per-signature key parsing).
//!
//! Rotation keeps a retired key published until every token it signed has
//! expired (`publish_until`), so verifiers holding a cached JWKS keep working.

use crate::crypto::{CryptoError, Secrets, b64url};
pub use crate::key_record::{KeyRecord, KeyState};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{self, KeyPair};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Algorithms we sign with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Alg {
    Es256,
    Rs256,
}

impl Alg {
    /// The algorithms whose keys exist on every deployment.
    pub const ALL: &'static [Alg] = &[Alg::Es256, Alg::Rs256];

    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Es256 => "ES256",
            Alg::Rs256 => "RS256",
        }
    }

    pub fn parse(s: &str) -> Option<Alg> {
        match s {
            "ES256" => Some(Alg::Es256),
            "RS256" => Some(Alg::Rs256),
            _ => None,
        }
    }
}

/// Create a new key for `alg`, sealed with `secrets`.
pub fn generate(alg: Alg, secrets: &Secrets, now: i64) -> Result<KeyRecord, CryptoError> {
    let (pkcs8, mut jwk) = match alg {
        Alg::Es256 => {
            let pair =
                signature::EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING)
                    .map_err(|_| CryptoError::Key("P-256 generation failed".into()))?;
            let der = pair
                .to_pkcs8v1()
                .map_err(|_| CryptoError::Key("P-256 export failed".into()))?;
            (der.as_ref().to_vec(), ec_jwk(pair.public_key().as_ref())?)
        }
        Alg::Rs256 => {
            let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(|_| CryptoError::Key("RSA generation failed".into()))?;
            let der = pair
                .as_der()
                .map_err(|_| CryptoError::Key("RSA export failed".into()))?;
            (der.as_ref().to_vec(), rsa_jwk(pair.public_key()))
        }
    };
    let kid = thumbprint(&jwk);
    if let Some(obj) = jwk.as_object_mut() {
        obj.insert("kid".into(), json!(kid));
        obj.insert("use".into(), json!("sig"));
        obj.insert("alg".into(), json!(alg.as_str()));
    }
    Ok(KeyRecord {
        private_sealed: secrets.seal(&pkcs8, kid.as_bytes())?,
        kid,
        alg: alg.as_str().to_string(),
        state: KeyState::Active,
        public_jwk: jwk,
        created_at: now,
        retired_at: None,
        publish_until: None,
    })
}

fn ec_jwk(uncompressed_point: &[u8]) -> Result<Value, CryptoError> {
    // SEC1 uncompressed: 0x04 || X (32) || Y (32)
    match uncompressed_point {
        [0x04, rest @ ..] if rest.len() == 64 => {
            let (x, y) = rest.split_at(32);
            Ok(json!({"kty": "EC", "crv": "P-256", "x": b64url(x), "y": b64url(y)}))
        }
        _ => Err(CryptoError::Key(
            "unexpected P-256 public key encoding".into(),
        )),
    }
}

fn rsa_jwk(public: &aws_lc_rs::rsa::PublicKey) -> Value {
    let parts = aws_lc_rs::rsa::PublicKeyComponents::<Vec<u8>>::from(public);
    json!({"kty": "RSA", "n": b64url(&parts.n), "e": b64url(&parts.e)})
}

/// RFC 7638 JWK thumbprint (SHA-256, base64url): a stable, meaningful kid.
pub fn thumbprint(jwk: &Value) -> String {
    let members: &[&str] = match jwk.get("kty").and_then(Value::as_str) {
        Some("EC") => &["crv", "kty", "x", "y"],
        Some("RSA") => &["e", "kty", "n"],
        Some("OKP") => &["crv", "kty", "x"],
        _ => &["kty"],
    };
    // Required members in lexicographic order, no white space (RFC 7638 §3).
    let ordered: BTreeMap<&str, &Value> = members
        .iter()
        .filter_map(|m| jwk.get(*m).map(|v| (*m, v)))
        .collect();
    let canonical = serde_json::to_string(&ordered).unwrap_or_default();
    b64url(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes()).as_ref())
}

/// A key ready to sign: parsed once when loaded.
pub struct SigningKey {
    pub kid: String,
    pub alg: Alg,
    pair: Pair,
}

enum Pair {
    Ec(signature::EcdsaKeyPair),
    Rsa(aws_lc_rs::rsa::KeyPair),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SigningKey({} {}, [redacted])",
            self.alg.as_str(),
            self.kid
        )
    }
}

impl SigningKey {
    /// Open a stored key with `secrets`.
    pub fn load(record: &KeyRecord, secrets: &Secrets) -> Result<SigningKey, CryptoError> {
        let alg = Alg::parse(&record.alg)
            .ok_or_else(|| CryptoError::Key(format!("unknown alg {}", record.alg)))?;
        let der =
            zeroize::Zeroizing::new(secrets.open(&record.private_sealed, record.kid.as_bytes())?);
        let pair = match alg {
            Alg::Es256 => Pair::Ec(
                signature::EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    &der,
                )
                .map_err(|e| CryptoError::Key(e.to_string()))?,
            ),
            Alg::Rs256 => Pair::Rsa(
                aws_lc_rs::rsa::KeyPair::from_pkcs8(&der)
                    .map_err(|e| CryptoError::Key(e.to_string()))?,
            ),
        };
        Ok(SigningKey {
            kid: record.kid.clone(),
            alg,
            pair,
        })
    }

    /// Sign `claims` as a compact JWS with header `{alg, kid, typ}`.
    pub fn sign_jwt(
        &self,
        typ: &str,
        claims: &impl serde::Serialize,
    ) -> Result<String, CryptoError> {
        let header = json!({"alg": self.alg.as_str(), "kid": self.kid, "typ": typ});
        let header = serde_json::to_vec(&header).map_err(|e| CryptoError::Key(e.to_string()))?;
        let payload = serde_json::to_vec(claims).map_err(|e| CryptoError::Key(e.to_string()))?;
        let mut out = b64url(&header);
        out.push('.');
        out.push_str(&b64url(&payload));
        let sig = self.sign(out.as_bytes())?;
        out.push('.');
        out.push_str(&b64url(&sig));
        Ok(out)
    }

    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        match &self.pair {
            Pair::Ec(pair) => pair
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| CryptoError::Key("ES256 signing failed".into())),
            Pair::Rsa(pair) => {
                let mut sig = vec![0u8; pair.public_modulus_len()];
                pair.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(|_| CryptoError::Key("RS256 signing failed".into()))?;
                Ok(sig)
            }
        }
    }
}

/// The keys in use: one active signing key per algorithm, and the JWKS
/// document, serialized once.
#[derive(Debug, Clone)]
pub struct KeySet {
    pub active: BTreeMap<Alg, Arc<SigningKey>>,
    pub jwks_json: Arc<str>,
    /// Every published key, parsed once for verifying our own tokens, by kid.
    pub verifiers: Arc<BTreeMap<String, (Alg, jsonwebtoken::DecodingKey)>>,
    /// Access tokens whose signature and claims these keys already
    /// verified: a new key set (rotation, a key leaving the JWKS) starts
    /// with none.
    pub verified: VerifiedTokens,
}

impl KeySet {
    /// Build from stored records (newest first, as the store lists them).
    pub fn from_records(
        records: &[KeyRecord],
        secrets: &Secrets,
        now: i64,
    ) -> Result<KeySet, CryptoError> {
        let mut active = BTreeMap::new();
        for record in records.iter().filter(|r| r.state == KeyState::Active) {
            if let Some(alg) = Alg::parse(&record.alg)
                && let std::collections::btree_map::Entry::Vacant(slot) = active.entry(alg)
            {
                slot.insert(Arc::new(SigningKey::load(record, secrets)?));
            }
        }
        // Newest first, then by kid: the same document on every node.
        let mut published: Vec<&KeyRecord> =
            records.iter().filter(|r| r.is_published(now)).collect();
        published.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| a.kid.cmp(&b.kid))
        });
        let mut verifiers = BTreeMap::new();
        for record in &published {
            let Some(alg) = Alg::parse(&record.alg) else {
                continue;
            };
            let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(record.public_jwk.clone())
                .map_err(|e| CryptoError::Key(format!("public JWK of {}: {e}", record.kid)))?;
            let key = jsonwebtoken::DecodingKey::from_jwk(&jwk)
                .map_err(|e| CryptoError::Key(format!("public JWK of {}: {e}", record.kid)))?;
            verifiers.insert(record.kid.clone(), (alg, key));
        }
        let keys: Vec<&Value> = published.iter().map(|r| &r.public_jwk).collect();
        let jwks = serde_json::to_string(&json!({ "keys": keys }))
            .map_err(|e| CryptoError::Key(e.to_string()))?;
        Ok(KeySet {
            active,
            jwks_json: jwks.into(),
            verifiers: Arc::new(verifiers),
            verified: VerifiedTokens::new(VERIFIED_TOKENS),
        })
    }

    pub fn signer(&self, alg: Alg) -> Option<&Arc<SigningKey>> {
        self.active.get(&alg)
    }

    /// The published key `kid`, for verifying a token we signed.
    pub fn verifier(&self, kid: &str) -> Option<&(Alg, jsonwebtoken::DecodingKey)> {
        self.verifiers.get(kid)
    }
}

/// The claims of an access token we issue (RFC 9068), as signed and as
/// read back when verified.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// The grant the token came from (absent for client_credentials), so
    /// revoking the grant makes the token inactive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    /// Who acts for `sub` (RFC 8693 §4.1): set by token exchange with an
    /// actor token; earlier actors nest inside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<serde_json::Value>,
    /// The user claims the grant's `claims` parameter asked for at the
    /// UserInfo endpoint (OIDC Core §5.5), beyond those its scope releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_claims: Option<Vec<String>>,
    /// For a pairwise client, whose `sub` is its own (OIDC Core §8.1): the
    /// user's local `sub`, sealed under the server secret (base64url), so
    /// this server finds the user and nobody else can link the two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_sealed: Option<String>,
}

/// Access tokens already verified by a key set, so a resource server that
/// introspects the same token again costs a lookup, not an ES256
/// verification. Only what passed every check but expiry is kept, and
/// expiry is checked on every use.
pub type VerifiedTokens = crate::cache::Cache<AccessClaims>;

/// How many verified tokens a key set remembers.
pub const VERIFIED_TOKENS: usize = 4096;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation, jwk::Jwk};

    fn verify(token: &str, jwk: &Value, alg: jsonwebtoken::Algorithm) -> Value {
        let jwk: Jwk = serde_json::from_value(jwk.clone()).unwrap();
        let key = DecodingKey::from_jwk(&jwk).unwrap();
        let mut v = Validation::new(alg);
        v.validate_exp = false;
        v.required_spec_claims.clear();
        jsonwebtoken::decode::<Value>(token, &key, &v)
            .unwrap()
            .claims
    }

    #[test]
    fn generated_keys_sign_tokens_a_standard_library_verifies() {
        let secrets = Secrets::new("test").unwrap();
        for (alg, jalg) in [
            (Alg::Es256, jsonwebtoken::Algorithm::ES256),
            (Alg::Rs256, jsonwebtoken::Algorithm::RS256),
        ] {
            let record = generate(alg, &secrets, 100).unwrap();
            assert_eq!(record.public_jwk["kid"], json!(record.kid));
            assert_eq!(record.public_jwk["use"], json!("sig"));
            assert_eq!(record.public_jwk["alg"], json!(alg.as_str()));
            assert!(
                !record
                    .private_sealed
                    .windows(8)
                    .any(|w| w == b"\x30\x82\x04"),
                "sealed"
            );
            let key = SigningKey::load(&record, &secrets).unwrap();
            let token = key.sign_jwt("JWT", &json!({"sub": "x"})).unwrap();
            assert_eq!(verify(&token, &record.public_jwk, jalg)["sub"], "x");
            assert!(SigningKey::load(&record, &Secrets::new("other").unwrap()).is_err());
        }
    }

    #[test]
    fn thumbprint_matches_rfc_7638_example() {
        // RFC 7638 §3.1
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(
            thumbprint(&jwk),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn keyset_publishes_active_and_unexpired_retired_keys() {
        let secrets = Secrets::new("test").unwrap();
        let new = generate(Alg::Es256, &secrets, 200).unwrap();
        let mut old = generate(Alg::Es256, &secrets, 100).unwrap();
        old.state = KeyState::Retired;
        old.retired_at = Some(200);
        old.publish_until = Some(1000);
        let set = KeySet::from_records(&[new.clone(), old.clone()], &secrets, 500).unwrap();
        assert_eq!(set.signer(Alg::Es256).unwrap().kid, new.kid);
        assert!(set.jwks_json.contains(&old.kid) && set.jwks_json.contains(&new.kid));
        let later = KeySet::from_records(&[new.clone(), old.clone()], &secrets, 1000).unwrap();
        assert!(!later.jwks_json.contains(&old.kid));
    }
}
