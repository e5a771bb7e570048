//! `client_secret_jwt` (OIDC Core §9, RFC 7523 §2.2): a JWT signed with
//! HS256 using the client secret. The secret is stored as a keyed hash for
//! every other method; clients registered for this method also keep it
//! sealed (`Secrets::seal`, context: the client_id), since an HMAC cannot
//! be verified from a hash.

use super::{AuthContext, assertion};
use crate::Occurrence;
use crate::catalogue::{CLIENT_ASSERTION_ALG_NOT_ALLOWED, CLIENT_SECRET_MISMATCH};
use crate::client::ClientRecord;
use crate::store::Store;

pub async fn verify(
    store: &dyn Store,
    ctx: &AuthContext<'_>,
    client: &ClientRecord,
    unverified: &assertion::Unverified,
) -> Result<(), Occurrence> {
    if unverified.alg != jsonwebtoken::Algorithm::HS256 {
        return Err(CLIENT_ASSERTION_ALG_NOT_ALLOWED
            .with_detail(format!("{:?} is not accepted; use HS256", unverified.alg)));
    }
    let Some(sealed) = store.get_client_secret_sealed(&client.client_id).await? else {
        return Err(CLIENT_SECRET_MISMATCH.with_detail(
            "no secret is kept for this client; set a new secret to use client_secret_jwt",
        ));
    };
    let secret = zeroize::Zeroizing::new(
        ctx.secrets
            .open(&sealed, client.client_id.as_bytes())
            .map_err(Occurrence::from)?,
    );
    let mut keys = vec![jsonwebtoken::DecodingKey::from_secret(&secret)];
    // While a rotation's grace period lasts, the previous secret's
    // assertions are accepted too.
    let mut previous = None;
    if client.previous_secret_hash(ctx.now).is_some()
        && let Some(sealed) = store
            .get_client_previous_secret_sealed(&client.client_id)
            .await?
    {
        previous = Some(zeroize::Zeroizing::new(
            ctx.secrets
                .open(&sealed, client.client_id.as_bytes())
                .map_err(Occurrence::from)?,
        ));
    }
    if let Some(previous) = &previous {
        keys.push(jsonwebtoken::DecodingKey::from_secret(previous));
    }
    assertion::verify(store, ctx, client, unverified, &keys).await
}
