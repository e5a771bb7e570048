//! Upstream identity providers ("Sign in with ..."): Latchkey as a relying
//! party of another OpenID provider. The decisions live here: what a
//! provider's discovery document must say, the authorization request,
//! translating the upstream's errors into our causes, verifying its ID
//! token, and linking its account to a local user. Fetching and the
//! browser side live in the server crate.

use crate::Occurrence;
use crate::catalogue::{
    MISCONFIGURATION, UPSTREAM_ACCOUNT_NOT_LINKABLE, UPSTREAM_ERROR, UPSTREAM_ID_TOKEN_INVALID,
    UPSTREAM_UNAVAILABLE, USER_CANCELED_REQUEST,
};
use crate::store::{StoreError, UpstreamStore, UserStore};
use crate::user::{UserRecord, check_username};
use jsonwebtoken::Validation;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
pub use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};

/// Tolerated clock difference with the upstream, seconds.
pub const LEEWAY: i64 = 60;

/// How long the upstream has to send the browser back, seconds.
pub const STATE_TTL: i64 = 600;

/// One `[[upstream]]` entry of the configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamConfig {
    /// Path segment of `/upstream/{id}/callback`: `[a-z0-9_-]`, 1 to 64.
    pub id: String,
    /// Shown on the button: "Sign in with {name}".
    pub name: String,
    /// Exactly as the upstream writes it in its ID tokens.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: crate::secret::Secret<String>,
    pub scopes: Vec<String>,
    /// Link a first login to the existing local user with the same
    /// verified email instead of creating a new one.
    pub link_by_email: bool,
}

impl UpstreamConfig {
    /// Our redirect URI at the upstream.
    pub fn redirect_uri(&self, our_issuer: &str) -> String {
        format!("{our_issuer}/upstream/{}/callback", self.id)
    }

    /// OIDC Discovery §4: the issuer plus the well-known path.
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        )
    }
}

/// Upstream ids: safe in a URL path and a log line.
pub fn check_id(id: &str) -> Result<(), &'static str> {
    if id.is_empty() || id.len() > 64 {
        return Err("must be 1 to 64 characters");
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return Err("may contain only a-z, 0-9, - and _");
    }
    Ok(())
}

/// What we use of the upstream's discovery document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub userinfo_endpoint: Option<String>,
    /// Asymmetric algorithms only; RS256 when the document is silent.
    pub id_token_algs: Vec<Algorithm>,
    /// RFC 9207: the upstream puts `iss` in its authorization responses.
    pub iss_in_response: bool,
}

/// Algorithms an ID token may be signed with: never `none`, never HMAC
/// (the client secret is not a signing key we accept).
fn asymmetric(name: &str) -> Option<Algorithm> {
    use Algorithm::*;
    let alg: Algorithm = name.parse().ok()?;
    matches!(
        alg,
        RS256 | RS384 | RS512 | PS256 | PS384 | PS512 | ES256 | ES384 | EdDSA
    )
    .then_some(alg)
}

/// Read a discovery document (OIDC Discovery §3, §4.3). A document for
/// another issuer, or without the endpoints the code flow needs, is a
/// misconfiguration: the reason is returned for the log.
pub fn parse_metadata(issuer: &str, doc: &Value) -> Result<Metadata, String> {
    let text = |name: &str| doc.get(name).and_then(Value::as_str);
    match text("issuer") {
        Some(i) if i == issuer => {}
        Some(i) => {
            return Err(format!(
                "its discovery document names the issuer {i:?}, not {issuer:?}"
            ));
        }
        None => return Err("its discovery document has no issuer".into()),
    }
    let url = |name: &str| -> Result<String, String> {
        let v = text(name).ok_or_else(|| format!("its discovery document has no {name}"))?;
        url::Url::parse(v).map_err(|_| format!("its {name} is not a URL"))?;
        Ok(v.to_string())
    };
    let id_token_algs = match doc.get("id_token_signing_alg_values_supported") {
        Some(Value::Array(list)) => {
            let algs: Vec<Algorithm> = list
                .iter()
                .filter_map(Value::as_str)
                .filter_map(asymmetric)
                .collect();
            if algs.is_empty() {
                return Err("it signs ID tokens with no algorithm we accept".into());
            }
            algs
        }
        _ => vec![Algorithm::RS256],
    };
    if let Some(Value::Array(methods)) = doc.get("code_challenge_methods_supported")
        && !methods.iter().any(|m| m.as_str() == Some("S256"))
    {
        return Err("it does not support PKCE with S256".into());
    }
    Ok(Metadata {
        authorization_endpoint: url("authorization_endpoint")?,
        token_endpoint: url("token_endpoint")?,
        jwks_uri: url("jwks_uri")?,
        userinfo_endpoint: match text("userinfo_endpoint") {
            Some(_) => Some(url("userinfo_endpoint")?),
            None => None,
        },
        id_token_algs,
        iss_in_response: doc
            .get("authorization_response_iss_parameter_supported")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// RFC 7636 §4.2: `S256` challenge of a verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    crate::crypto::b64url(digest.as_ref())
}

/// The authorization request sent to the upstream (OIDC Core §3.1.2.1).
pub fn authorization_url(
    meta: &Metadata,
    up: &UpstreamConfig,
    redirect_uri: &str,
    state: &str,
    nonce: &str,
    verifier: &str,
) -> Result<String, String> {
    let mut url = url::Url::parse(&meta.authorization_endpoint)
        .map_err(|_| "its authorization_endpoint is not a URL".to_string())?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &up.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &up.scopes.join(" "))
        .append_pair("state", state)
        .append_pair("nonce", nonce)
        .append_pair("code_challenge", &pkce_challenge(verifier))
        .append_pair("code_challenge_method", "S256");
    Ok(url.to_string())
}

/// The upstream's description, shortened, for the log only (it is not
/// ours to show, and may not keep to the RFC 6749 character set).
fn quoted(description: Option<&str>) -> String {
    description
        .map(|d| format!(": {:?}", d.chars().take(200).collect::<String>()))
        .unwrap_or_default()
}

/// An error the upstream sent back to our callback (RFC 6749 §4.1.2.1),
/// as our cause: the user's refusal stays the user's, an unavailable
/// upstream stays temporary, and codes that mean our registration there is
/// wrong are a misconfiguration.
pub fn authorization_error(up: &str, error: &str, description: Option<&str>) -> Occurrence {
    let debug = format!(
        "upstream {up} answered error={error:?}{}",
        quoted(description)
    );
    let occ = match error {
        "access_denied" | "user_canceled_request" => USER_CANCELED_REQUEST.occur(),
        "temporarily_unavailable" => UPSTREAM_UNAVAILABLE.occur().retry_after(30),
        "unauthorized_client"
        | "invalid_client"
        | "invalid_scope"
        | "invalid_request"
        | "unsupported_response_type"
        | "invalid_request_uri"
        | "registration_not_supported" => MISCONFIGURATION.with_detail(format!(
            "the upstream identity provider {up} refused our registration there"
        )),
        _ => UPSTREAM_ERROR.with_detail(format!("the upstream identity provider {up} failed")),
    };
    occ.debug(debug)
}

/// An error answer of the upstream's token endpoint (RFC 6749 §5.2).
pub fn token_error(up: &str, status: u16, body: &Value) -> Occurrence {
    let error = body.get("error").and_then(Value::as_str).unwrap_or("");
    let description = body.get("error_description").and_then(Value::as_str);
    let debug = format!(
        "upstream {up} token endpoint answered HTTP {status} error={error:?}{}",
        quoted(description)
    );
    let occ = match (status, error) {
        (_, "invalid_client" | "unauthorized_client" | "unsupported_grant_type")
        | (_, "invalid_request" | "invalid_scope") => MISCONFIGURATION.with_detail(format!(
            "the upstream identity provider {up} refused our client credentials or request"
        )),
        (502..=504, _) | (_, "temporarily_unavailable") => {
            UPSTREAM_UNAVAILABLE.occur().retry_after(30)
        }
        _ => UPSTREAM_ERROR.with_detail(format!(
            "the upstream identity provider {up} did not redeem the code"
        )),
    };
    occ.debug(debug)
}

/// The claims of a verified upstream ID token.
#[derive(Debug, Clone, PartialEq)]
pub struct IdClaims {
    pub sub: String,
    pub claims: Map<String, Value>,
}

fn invalid(up: &str, why: impl std::fmt::Display) -> Occurrence {
    UPSTREAM_ID_TOKEN_INVALID
        .with_detail(format!("the ID token of {up} did not verify"))
        .debug(format!("upstream {up} ID token: {why}"))
}

/// The key of `jwks` that signed a token with this header: by `kid`, or
/// the only key of the right type when there is no `kid`. `None` when
/// none fits (the caller may fetch the key set again once).
pub fn signing_key(jwks: &Value, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
    let set: JwkSet = serde_json::from_value(jwks.clone()).ok()?;
    let fits = |k: &Jwk| {
        let kind = matches!(
            (&k.algorithm, alg),
            (
                AlgorithmParameters::RSA(_),
                Algorithm::RS256
                    | Algorithm::RS384
                    | Algorithm::RS512
                    | Algorithm::PS256
                    | Algorithm::PS384
                    | Algorithm::PS512
            ) | (
                AlgorithmParameters::EllipticCurve(_),
                Algorithm::ES256 | Algorithm::ES384
            ) | (AlgorithmParameters::OctetKeyPair(_), Algorithm::EdDSA)
        );
        let usable = !matches!(
            k.common.public_key_use,
            Some(jsonwebtoken::jwk::PublicKeyUse::Encryption)
        );
        kind && usable
    };
    let key = match kid {
        Some(kid) => set.find(kid).filter(|k| fits(k))?,
        None => {
            let mut candidates = set.keys.iter().filter(|k| fits(k));
            let only = candidates.next()?;
            if candidates.next().is_some() {
                return None;
            }
            only
        }
    };
    DecodingKey::from_jwk(key).ok()
}

/// The header of an ID token, checked against the algorithms the upstream
/// announced: (alg, kid).
pub fn id_token_header(
    up: &str,
    meta: &Metadata,
    token: &str,
) -> Result<(Algorithm, Option<String>), Occurrence> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| invalid(up, e))?;
    if !meta.id_token_algs.contains(&header.alg) {
        return Err(invalid(
            up,
            format!("signed with {:?}, which it does not announce", header.alg),
        ));
    }
    Ok((header.alg, header.kid))
}

/// OIDC Core §3.1.3.7: signature, `iss` exactly, our client_id in `aud`
/// (and `azp` when there are several audiences), `exp`, and the `nonce`
/// we sent.
pub fn verify_id_token(
    up: &UpstreamConfig,
    token: &str,
    alg: Algorithm,
    key: &DecodingKey,
    nonce: &str,
    now: i64,
) -> Result<IdClaims, Occurrence> {
    let mut validation = Validation::new(alg);
    validation.validate_exp = false; // against `now` below
    validation.validate_aud = false; // with azp below
    validation.set_issuer(&[up.issuer.as_str()]);
    validation.set_required_spec_claims(&["iss", "sub", "aud", "exp"]);
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation)
        .map_err(|e| invalid(&up.id, e))?;
    let claims = data.claims;
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !audiences.contains(&up.client_id.as_str()) {
        return Err(invalid(&up.id, "aud does not contain our client_id"));
    }
    let azp = claims.get("azp").and_then(Value::as_str);
    if (audiences.len() > 1 || azp.is_some()) && azp != Some(up.client_id.as_str()) {
        return Err(invalid(&up.id, "azp is not our client_id"));
    }
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp + LEEWAY >= now => {}
        Some(_) => return Err(invalid(&up.id, "it has expired")),
        None => return Err(invalid(&up.id, "exp is not a number")),
    }
    if claims
        .get("iat")
        .and_then(Value::as_i64)
        .is_some_and(|iat| iat > now + LEEWAY)
    {
        return Err(invalid(&up.id, "iat is in the future"));
    }
    if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
        return Err(invalid(&up.id, "the nonce is not the one we sent"));
    }
    let sub = match claims.get("sub").and_then(Value::as_str) {
        Some(s) if !s.is_empty() && s.len() <= 255 => s.to_string(),
        _ => return Err(invalid(&up.id, "sub is missing or too long")),
    };
    Ok(IdClaims { sub, claims })
}

/// Claims copied to a new local user (OIDC Core §5.1). Identifiers and
/// token fields (`sub`, `iss`, `aud`, ...) are never copied.
pub const COPIED_CLAIMS: &[&str] = &[
    "email",
    "email_verified",
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
];

/// The user's claims: the ID token's, completed by UserInfo's.
pub fn merge_claims(id: &IdClaims, userinfo: Option<&Map<String, Value>>) -> Map<String, Value> {
    let mut out = Map::new();
    for name in COPIED_CLAIMS {
        let value = userinfo
            .and_then(|u| u.get(*name))
            .or_else(|| id.claims.get(*name));
        if let Some(v) = value.filter(|v| !v.is_null()) {
            out.insert((*name).to_string(), v.clone());
        }
    }
    out
}

/// The email the upstream vouches for: present and `email_verified` true.
pub use crate::user::verified_email;

/// Usernames to try for a new user, best first: `preferred_username`,
/// then the email, then one made of the upstream id and subject.
pub fn username_candidates(
    up: &str,
    upstream_sub: &str,
    claims: &Map<String, Value>,
) -> Vec<String> {
    let mut bases: Vec<String> = ["preferred_username", "email"]
        .iter()
        .filter_map(|c| claims.get(*c).and_then(Value::as_str))
        .map(|s| {
            s.trim()
                .chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
        })
        .filter(|s| check_username(s).is_ok() && s.chars().count() <= 200)
        .collect();
    let short: String = upstream_sub.chars().take(40).collect();
    bases.push(format!("{up}-{short}"));
    bases.dedup();
    let mut out = bases.clone();
    // Collisions: "alice" is taken, so "alice-2", "alice-3", ...
    if let Some(first) = bases.first() {
        for n in 2..=9 {
            out.push(format!("{first}-{n}"));
        }
    }
    out.retain(|u| check_username(u).is_ok());
    out
}

/// How an upstream account became a local user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linked {
    /// Linked before.
    Known,
    /// Linked now to an existing user with the same verified email.
    ByEmail,
    /// A new local user was created.
    Created,
}

fn email_matches(user: &UserRecord, email: &str) -> bool {
    user.claims
        .get("email")
        .and_then(Value::as_str)
        .is_some_and(|e| e.eq_ignore_ascii_case(email))
}

/// Find or create the local user for an upstream account. A known link
/// wins; with `link_by_email`, a first login joins the one local user whose
/// email matches and is verified on both sides; otherwise a new user is
/// created with a fresh `sub`.
pub async fn resolve_user<S: UpstreamStore + UserStore + ?Sized>(
    store: &S,
    up: &UpstreamConfig,
    upstream_sub: &str,
    claims: &Map<String, Value>,
    now: i64,
) -> Result<(UserRecord, Linked), Occurrence> {
    if let Some(sub) = store.get_upstream_link(&up.id, upstream_sub).await? {
        if let Some(user) = store.get_user(&sub).await? {
            store.touch_upstream_link(&up.id, upstream_sub, now).await?;
            return Ok((user, Linked::Known));
        }
        // The local user was deleted: the account starts afresh.
        store.delete_upstream_link(&up.id, upstream_sub).await?;
    }
    if up.link_by_email
        && let Some(email) = claims.get("email").and_then(Value::as_str)
    {
        let matching: Vec<UserRecord> = store
            .find_users_by_email(email)
            .await?
            .into_iter()
            .filter(|u| email_matches(u, email))
            .collect();
        if !matching.is_empty() {
            let not_linkable = |why: &str| {
                UPSTREAM_ACCOUNT_NOT_LINKABLE
                    .occur()
                    .debug(format!("upstream {} account {upstream_sub}: {why}", up.id))
            };
            if verified_email(claims).is_none() {
                return Err(not_linkable("its email is not verified upstream"));
            }
            let [user] = matching.as_slice() else {
                return Err(not_linkable("several local users have this email"));
            };
            if verified_email(&user.claims).is_none() {
                return Err(not_linkable("the local user's email is not verified"));
            }
            if store
                .get_upstream_link_of_user(&up.id, &user.sub)
                .await?
                .is_some()
            {
                return Err(not_linkable(
                    "the local user is linked to another account of this upstream",
                ));
            }
            if !store
                .insert_upstream_link(&up.id, upstream_sub, &user.sub, now)
                .await?
            {
                return Err(not_linkable("linked concurrently"));
            }
            return Ok((user.clone(), Linked::ByEmail));
        }
    }
    create_user(store, up, upstream_sub, claims, now).await
}

async fn create_user<S: UpstreamStore + UserStore + ?Sized>(
    store: &S,
    up: &UpstreamConfig,
    upstream_sub: &str,
    claims: &Map<String, Value>,
    now: i64,
) -> Result<(UserRecord, Linked), Occurrence> {
    let mut candidates = username_candidates(&up.id, upstream_sub, claims);
    // Last resort: a random suffix cannot collide in practice.
    let random = crate::crypto::random_token()?;
    candidates.push(format!("{}-{}", up.id, &random[..12]));
    for username in candidates {
        let user = UserRecord {
            sub: uuid::Uuid::new_v4().to_string(),
            username,
            password_hash: None,
            claims: claims.clone(),
            created_at: now,
            updated_at: now,
        };
        match store.create_user(&user).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
        if store
            .insert_upstream_link(&up.id, upstream_sub, &user.sub, now)
            .await?
        {
            return Ok((user, Linked::Created));
        }
        // Another node linked this account in the meantime: use its user.
        let _ = store.delete_user(&user.sub, now, now).await;
        if let Some(sub) = store.get_upstream_link(&up.id, upstream_sub).await?
            && let Some(existing) = store.get_user(&sub).await?
        {
            return Ok((existing, Linked::Known));
        }
        return Err(crate::catalogue::INTERNAL_ERROR
            .occur()
            .debug("an upstream link vanished while it was created"));
    }
    Err(crate::catalogue::INTERNAL_ERROR
        .occur()
        .debug("no free username for an upstream user"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
