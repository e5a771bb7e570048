//! Secrets: random tokens, keyed hashes for high-entropy secrets, Argon2id
//! for human passwords, and sealing of data at rest.
//!
//! Client secrets, codes and refresh tokens are 256-bit random values, so a
//! keyed SHA-256 (HMAC) is as safe as a slow hash and costs a microsecond;
//! Argon2id is kept for passwords people choose.

use aws_lc_rs::{aead, hmac, rand::SecureRandom};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use subtle::ConstantTimeEq;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the system random generator failed")]
    Random,
    #[error("sealed data could not be opened (wrong LATCHKEY_SECRET or corrupted data)")]
    Open,
    #[error("sealing failed")]
    Seal,
    #[error("password hashing failed: {0}")]
    Password(String),
    #[error("key error: {0}")]
    Key(String),
}

impl From<CryptoError> for crate::Occurrence {
    /// A crypto failure at the edge is a server fault (or a wrong secret).
    fn from(err: CryptoError) -> Self {
        crate::catalogue::INTERNAL_ERROR.occur().source(&err)
    }
}

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut buf = [0u8; N];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| CryptoError::Random)?;
    Ok(buf)
}

/// A 256-bit random token, base64url without padding (43 characters).
pub fn random_token() -> Result<String, CryptoError> {
    Ok(B64.encode(random_bytes::<32>()?))
}

pub fn b64url(data: &[u8]) -> String {
    B64.encode(data)
}

/// The PKCE `S256` challenge of a verifier (RFC 7636 §4.2):
/// base64url(SHA-256(verifier)).
pub fn s256_challenge(verifier: &str) -> String {
    b64url(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()).as_ref())
}

pub fn b64url_decode(data: &str) -> Option<Vec<u8>> {
    B64.decode(data).ok()
}

/// Keys derived from `LATCHKEY_SECRET`: one for keyed hashes, one for
/// sealing data at rest. Derivation is HMAC-SHA256 with fixed labels, so
/// the same secret gives the same keys on every node.
pub struct Secrets {
    hash_key: hmac::Key,
    seal_key: aead::LessSafeKey,
    pairwise_key: hmac::Key,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets([redacted])")
    }
}

impl Secrets {
    pub fn new(master: &str) -> Result<Self, CryptoError> {
        let root = hmac::Key::new(hmac::HMAC_SHA256, master.as_bytes());
        let hash = hmac::sign(&root, b"latchkey/v1/hash");
        let seal = hmac::sign(&root, b"latchkey/v1/seal");
        let pairwise = hmac::sign(&root, b"latchkey/v1/pairwise");
        let unbound = aead::UnboundKey::new(&aead::AES_256_GCM, seal.as_ref())
            .map_err(|_| CryptoError::Seal)?;
        Ok(Secrets {
            hash_key: hmac::Key::new(hmac::HMAC_SHA256, hash.as_ref()),
            seal_key: aead::LessSafeKey::new(unbound),
            pairwise_key: hmac::Key::new(hmac::HMAC_SHA256, pairwise.as_ref()),
        })
    }

    /// A pairwise subject identifier (OIDC Core §8.1): HMAC-SHA-256, under a
    /// key derived from the server secret (the salt), of the sector host and
    /// the local `sub` (a zero byte between them), base64url without
    /// padding (43 characters). The same for every client of one sector,
    /// for as long as `secret` stays; not reversible without the secret.
    pub fn pairwise_sub(&self, sector: &str, sub: &str) -> String {
        let mut input = Vec::with_capacity(sector.len() + 1 + sub.len());
        input.extend_from_slice(sector.as_bytes());
        input.push(0);
        input.extend_from_slice(sub.as_bytes());
        b64url(hmac::sign(&self.pairwise_key, &input).as_ref())
    }

    /// Keyed SHA-256 of a high-entropy secret, base64url.
    pub fn hash(&self, value: &str) -> String {
        B64.encode(hmac::sign(&self.hash_key, value.as_bytes()).as_ref())
    }

    /// Constant-time check of a presented secret against its stored hash.
    pub fn verify(&self, presented: &str, stored_hash: &str) -> bool {
        let computed = self.hash(presented);
        computed.as_bytes().ct_eq(stored_hash.as_bytes()).into()
    }

    /// AES-256-GCM; output is nonce || ciphertext || tag. `context` binds the
    /// ciphertext to its use (e.g. the key id) so rows cannot be swapped.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let nonce_bytes = random_bytes::<12>()?;
        let nonce = aead::Nonce::assume_unique_for_key(nonce_bytes);
        let mut data = plaintext.to_vec();
        self.seal_key
            .seal_in_place_append_tag(nonce, aead::Aad::from(context), &mut data)
            .map_err(|_| CryptoError::Seal)?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&data);
        Ok(out)
    }

    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < 12 + 16 {
            return Err(CryptoError::Open);
        }
        let (nonce_bytes, rest) = sealed.split_at(12);
        let nonce =
            aead::Nonce::try_assume_unique_for_key(nonce_bytes).map_err(|_| CryptoError::Open)?;
        let mut data = rest.to_vec();
        let plain = self
            .seal_key
            .open_in_place(nonce, aead::Aad::from(context), &mut data)
            .map_err(|_| CryptoError::Open)?;
        Ok(plain.to_vec())
    }
}

/// Argon2id with the library defaults (m = 19 MiB, t = 2, p = 1: the OWASP
/// minimum), as a PHC string. CPU-heavy: call from a blocking task.
pub fn hash_password(password: &str) -> Result<String, CryptoError> {
    use argon2::password_hash::PasswordHasher;
    let salt = random_bytes::<16>()?;
    argon2::Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CryptoError::Password(e.to_string()))
}

/// Verify a password against a PHC string (constant-time inside argon2).
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::PasswordVerifier;
    match argon2::password_hash::phc::PasswordHash::new(phc) {
        Ok(hash) => argon2::Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit() {
        let t = random_token().unwrap();
        assert_eq!(t.len(), 43);
        assert_ne!(t, random_token().unwrap());
    }

    #[test]
    fn keyed_hash_verifies_and_depends_on_the_secret() {
        let a = Secrets::new("one").unwrap();
        let b = Secrets::new("two").unwrap();
        let h = a.hash("s3cret");
        assert!(a.verify("s3cret", &h));
        assert!(!a.verify("s3cret!", &h));
        assert!(!b.verify("s3cret", &h));
    }

    #[test]
    fn pairwise_subs_are_stable_per_sector_and_secret() {
        let s = Secrets::new("master").unwrap();
        let a = s.pairwise_sub("a.example", "u1");
        assert_eq!(a, s.pairwise_sub("a.example", "u1"));
        assert_eq!(a.len(), 43);
        assert_ne!(a, s.pairwise_sub("b.example", "u1"));
        assert_ne!(a, s.pairwise_sub("a.example", "u2"));
        // The separator keeps sector and sub apart.
        assert_ne!(
            s.pairwise_sub("a.example", "xu1"),
            s.pairwise_sub("a.examplex", "u1")
        );
        assert_ne!(
            a,
            Secrets::new("other")
                .unwrap()
                .pairwise_sub("a.example", "u1")
        );
        assert_ne!(a, s.hash("a.example\0u1"), "not the keyed hash of codes");
    }

    #[test]
    fn sealing_round_trips_and_binds_context() {
        let s = Secrets::new("master").unwrap();
        let sealed = s.seal(b"private key", b"kid-1").unwrap();
        assert_eq!(s.open(&sealed, b"kid-1").unwrap(), b"private key");
        assert!(s.open(&sealed, b"kid-2").is_err());
        assert!(
            Secrets::new("other")
                .unwrap()
                .open(&sealed, b"kid-1")
                .is_err()
        );
        assert!(s.open(&sealed[..10], b"kid-1").is_err());
    }

    #[test]
    fn argon2id_passwords() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong horse", &phc));
        assert!(!verify_password("x", "not a phc string"));
    }
}
