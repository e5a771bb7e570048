//! JWT client assertions (RFC 7523 §3), shared by `client_secret_jwt` and
//! `private_key_jwt`: `iss` = `sub` = client_id, `aud` names this server
//! (the issuer or the token endpoint), `exp` required and at most
//! [`MAX_LIFETIME`] ahead, `nbf` and `iat` not in the future, `jti` single
//! use until `exp` (a replay is `jti_known`, U18).

use super::{AuthContext, JWT_BEARER_ASSERTION};
use crate::Occurrence;
use crate::catalogue::*;
use crate::client::ClientRecord;
use crate::store::GrantStore;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

/// Tolerated clock difference, seconds.
pub const LEEWAY: u64 = 30;

/// The longest an assertion may be valid, seconds (plus [`LEEWAY`]): from
/// `iat` to `exp`, or from now to `exp` when there is no `iat`. Each
/// accepted `jti` is kept until `exp`, so this also bounds how long (and
/// so how many) jtis a client can make the store keep. One hour: the
/// lifetime Authlib, a widely used client library, gives its assertions
/// by default (a bound of minutes refused its every client_secret_jwt and
/// private_key_jwt request); a year-long assertion is still refused.
pub const MAX_LIFETIME: i64 = 3600;

/// An assertion read but not yet verified: enough to find the client and
/// its method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unverified {
    pub token: crate::secret::Secret<String>,
    pub alg: Algorithm,
    pub kid: Option<String>,
    /// `sub` (which must equal `iss`, checked after the signature).
    pub client_id: String,
    /// `aud` as sent (a string or an array), for a profile that narrows it.
    pub aud: Option<serde_json::Value>,
}

#[derive(serde::Deserialize)]
struct Peek {
    sub: Option<String>,
    iss: Option<String>,
    aud: Option<serde_json::Value>,
}

#[derive(serde::Deserialize)]
struct Claims {
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
    jti: Option<String>,
}

impl Unverified {
    pub fn parse(
        assertion_type: Option<&str>,
        assertion: Option<&str>,
    ) -> Result<Self, Occurrence> {
        match assertion_type {
            Some(JWT_BEARER_ASSERTION) => {}
            Some(_) => {
                return Err(CLIENT_ASSERTION_TYPE_UNSUPPORTED
                    .with_detail(format!("use client_assertion_type={JWT_BEARER_ASSERTION}")));
            }
            None => {
                return Err(
                    CLIENT_ASSERTION_INVALID.with_detail("client_assertion_type is missing")
                );
            }
        }
        let Some(token) = assertion else {
            return Err(CLIENT_ASSERTION_INVALID.with_detail("client_assertion is missing"));
        };
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| CLIENT_ASSERTION_INVALID.with_detail("the JWT header cannot be read"))?;
        let peek: Peek = jsonwebtoken::dangerous::insecure_decode::<Peek>(token)
            .map(|d| d.claims)
            .map_err(|_| CLIENT_ASSERTION_INVALID.with_detail("the JWT claims cannot be read"))?;
        let aud = peek.aud;
        let client_id = peek.sub.or(peek.iss).ok_or_else(|| {
            CLIENT_ASSERTION_INVALID.with_detail("the assertion has neither sub nor iss")
        })?;
        Ok(Unverified {
            token: token.to_string().into(),
            alg: header.alg,
            kid: header.kid,
            client_id,
            aud,
        })
    }

    pub fn is_hmac(&self) -> bool {
        matches!(
            self.alg,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        )
    }
}

/// The JOSE name of an algorithm (`HS256`, `ES256`, `EdDSA`, ...).
pub fn alg_name(alg: Algorithm) -> String {
    format!("{alg:?}")
}

/// Verify the signature with one of `keys`, then the claims, then record
/// the `jti` (atomically, in the store) until the assertion expires.
pub async fn verify(
    store: &dyn GrantStore,
    ctx: &AuthContext<'_>,
    client: &ClientRecord,
    unverified: &Unverified,
    keys: &[DecodingKey],
) -> Result<(), Occurrence> {
    let mut validation = Validation::new(unverified.alg);
    // Expiry is checked against `ctx.now` below, not the system clock.
    validation.validate_exp = false;
    validation.set_audience(&[ctx.issuer, ctx.token_endpoint, ctx.endpoint]);
    validation.set_issuer(&[client.client_id.as_str()]);
    validation.sub = Some(client.client_id.clone());
    validation.set_required_spec_claims(&["iss", "sub", "aud"]);
    let mut last = None;
    for key in keys {
        match jsonwebtoken::decode::<Claims>(unverified.token.expose_str(), key, &validation) {
            Ok(data) => {
                let c = data.claims;
                let exp = check_times(c.exp, c.nbf, c.iat, ctx.now)?;
                return record(store, client, exp, c.jti, ctx.now).await;
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last.as_ref().map(|e| e.kind()) {
        Some(ErrorKind::ExpiredSignature) => CLIENT_ASSERTION_EXPIRED.occur(),
        Some(ErrorKind::MissingRequiredClaim(c)) if c == "exp" => {
            CLIENT_ASSERTION_EXPIRED.with_detail("the assertion has no exp")
        }
        Some(ErrorKind::MissingRequiredClaim(c)) => {
            CLIENT_ASSERTION_INVALID.with_detail(format!("the assertion has no {c}"))
        }
        Some(ErrorKind::InvalidAudience) => {
            let also = if ctx.endpoint == ctx.token_endpoint {
                String::new()
            } else {
                format!(", {}", ctx.endpoint)
            };
            CLIENT_ASSERTION_AUDIENCE_MISMATCH.with_detail(format!(
                "aud must be {}, {}{also}",
                ctx.issuer, ctx.token_endpoint
            ))
        }
        Some(ErrorKind::InvalidIssuer | ErrorKind::InvalidSubject) => {
            CLIENT_ASSERTION_ISSUER_MISMATCH.occur()
        }
        Some(ErrorKind::ImmatureSignature) => {
            CLIENT_ASSERTION_NOT_YET_VALID.with_detail("nbf is in the future")
        }
        Some(ErrorKind::Json(_)) => {
            CLIENT_ASSERTION_INVALID.with_detail("the claims have the wrong types")
        }
        Some(ErrorKind::InvalidClaimFormat(c)) => {
            CLIENT_ASSERTION_INVALID.with_detail(format!("the claim {c} has the wrong type"))
        }
        _ => CLIENT_ASSERTION_SIGNATURE_INVALID.occur(),
    })
}

/// The time claims of an assertion whose signature verified, at `now`:
/// `exp` present and not past, `nbf` and `iat` not in the future, and a
/// lifetime of at most [`MAX_LIFETIME`], all with [`LEEWAY`]. A future
/// `iat` is refused too, or it would stretch the lifetime bound. Returns
/// `exp`.
pub(super) fn check_times(
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
    now: i64,
) -> Result<i64, Occurrence> {
    let leeway = LEEWAY as i64;
    let Some(exp) = exp else {
        return Err(CLIENT_ASSERTION_EXPIRED.with_detail("the assertion has no exp"));
    };
    if exp.saturating_add(leeway) < now {
        return Err(CLIENT_ASSERTION_EXPIRED.occur());
    }
    for (name, t) in [("nbf", nbf), ("iat", iat)] {
        if let Some(t) = t
            && t.saturating_sub(leeway) > now
        {
            return Err(CLIENT_ASSERTION_NOT_YET_VALID.with_detail(format!(
                "{name} is {} seconds in the future",
                t.saturating_sub(now)
            )));
        }
    }
    let (from, name) = match iat {
        Some(iat) => (iat, "iat"),
        None => (now, "the current time (there is no iat)"),
    };
    if exp.saturating_sub(from) > MAX_LIFETIME + leeway {
        return Err(CLIENT_ASSERTION_LIFETIME_TOO_LONG.with_detail(format!(
            "exp is {} seconds after {name}; at most {MAX_LIFETIME} are accepted",
            exp.saturating_sub(from)
        )));
    }
    Ok(exp)
}

async fn record(
    store: &dyn GrantStore,
    client: &ClientRecord,
    exp: i64,
    jti: Option<String>,
    now: i64,
) -> Result<(), Occurrence> {
    let Some(jti) = jti.filter(|j| !j.is_empty()) else {
        return Err(CLIENT_ASSERTION_INVALID.with_detail("the assertion has no jti"));
    };
    // Keep the jti at least as long as the assertion could be accepted;
    // `check_times` bounds `exp`, so this is at most minutes.
    let until = exp.max(now) + LEEWAY as i64;
    if !store.record_jti(&client.client_id, &jti, until).await? {
        return Err(JTI_KNOWN.with_detail("each client_assertion must carry a new jti"));
    }
    Ok(())
}
