//! `private_key_jwt` (OIDC Core §9, RFC 7523 §2.2): a JWT signed with a key
//! from the client's registered `jwks`, or from its `jwks_uri` (fetched
//! through `AuthContext::jwks`, fetched again once when no key matches, in
//! case the client rotated).

use super::{AuthContext, assertion};
use crate::Occurrence;
use crate::catalogue::{
    CLIENT_ASSERTION_ALG_NOT_ALLOWED, CLIENT_ASSERTION_SIGNATURE_INVALID, CLIENT_JWKS_UNAVAILABLE,
};
use crate::client::{CLIENT_SIGNING_ALGS, ClientRecord};
use crate::store::GrantStore;
use jsonwebtoken::jwk::JwkSet;

/// The keys of a client's JWKS that could have signed a JWS with this
/// `kid` (every key when the JWS names none); `None` when the set cannot
/// be read. Shared with request objects.
pub fn keys_for_kid(
    jwks: &serde_json::Value,
    kid: Option<&str>,
) -> Option<Vec<jsonwebtoken::DecodingKey>> {
    let set: JwkSet = serde_json::from_value(jwks.clone()).ok()?;
    Some(
        set.keys
            .iter()
            .filter(|k| match (kid, &k.common.key_id) {
                (Some(want), Some(have)) => want == have,
                _ => true,
            })
            .filter_map(|k| jsonwebtoken::DecodingKey::from_jwk(k).ok())
            .collect(),
    )
}

/// The keys of a JWKS that could have signed this assertion (by `kid`).
fn usable_keys(
    jwks: &serde_json::Value,
    unverified: &assertion::Unverified,
) -> Result<Vec<jsonwebtoken::DecodingKey>, Occurrence> {
    keys_for_kid(jwks, unverified.kid.as_deref()).ok_or_else(|| {
        CLIENT_ASSERTION_SIGNATURE_INVALID.with_detail("the client's key set could not be read")
    })
}

pub async fn verify(
    store: &dyn GrantStore,
    ctx: &AuthContext<'_>,
    client: &ClientRecord,
    unverified: &assertion::Unverified,
) -> Result<(), Occurrence> {
    let alg = assertion::alg_name(unverified.alg);
    let allowed = match &client.metadata.token_endpoint_auth_signing_alg {
        Some(pinned) => *pinned == alg,
        None => alg != "HS256" && CLIENT_SIGNING_ALGS.contains(&alg.as_str()),
    };
    if !allowed {
        return Err(CLIENT_ASSERTION_ALG_NOT_ALLOWED.with_detail(format!(
            "{alg} is not accepted for this client{}",
            client
                .metadata
                .token_endpoint_auth_signing_alg
                .as_deref()
                .map(|p| format!("; it registered {p}"))
                .unwrap_or_default()
        )));
    }
    let keys = match (&client.metadata.jwks, &client.metadata.jwks_uri, ctx.jwks) {
        (Some(jwks), _, _) => usable_keys(jwks, unverified)?,
        (None, Some(uri), Some(fetcher)) => {
            let keys = usable_keys(&fetcher.fetch(uri, false).await?, unverified)?;
            if keys.is_empty() {
                usable_keys(&fetcher.fetch(uri, true).await?, unverified)?
            } else {
                keys
            }
        }
        (None, Some(_), None) => {
            return Err(CLIENT_JWKS_UNAVAILABLE.with_detail(
                "keys at a jwks_uri are not fetched here; register them inline as jwks",
            ));
        }
        (None, None, _) => Vec::new(),
    };
    if keys.is_empty() {
        return Err(
            CLIENT_ASSERTION_SIGNATURE_INVALID.with_detail(match &unverified.kid {
                Some(_) => "no registered key has the kid of the assertion",
                None => "the client has no usable registered key",
            }),
        );
    }
    assertion::verify(store, ctx, client, unverified, &keys).await
}
