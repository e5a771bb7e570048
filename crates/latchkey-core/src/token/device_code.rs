//! `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4, §3.5):
//! the device polls with its device code until the user has decided at
//! `/device`. Each poll is one atomic store call; the tokens of an
//! approved grant are handed out once, to the client the code was issued
//! to, and every later poll of the code is refused.

use super::{
    GrantInfo, TokenContext, TokenResponse, issue_user_tokens, keep_refresh, param, refresh_for,
};
use crate::Occurrence;
use crate::authorize::RawParams;
use crate::catalogue::*;
use crate::client::ClientRecord;
use crate::device::{DeviceApproval, DeviceGrant, DevicePoll, DeviceState};
use crate::store::Store;

pub async fn exchange(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    params: &RawParams,
) -> Result<TokenResponse, Occurrence> {
    let Some(device_code) = param(params, "device_code")? else {
        return Err(MISSING_PARAMETER.with_detail("device_code"));
    };
    // The resources the device authorization request named (RFC 8707
    // §2); which one this token is for is checked once the grant is read.
    let named = crate::resource::named_at_token(params)?;
    // The tokens of one device grant form one grant (the refresh family);
    // its refresh token is kept in the transaction that redeems it.
    let grant_id = format!(
        "{}{}",
        crate::grant::DEVICE_GRANT_PREFIX,
        crate::crypto::random_token()?
    );
    let mut refresh: Result<Option<String>, Occurrence> = Ok(None);
    let poll = store
        .poll_device_grant_then(
            &ctx.secrets.hash(device_code),
            &client.client_id,
            ctx.now,
            &mut |grant| {
                let DeviceState::Approved(approval) = &grant.state else {
                    return None;
                };
                // A resource the grant does not hold is refused before any
                // token is made (the grant is spent either way, as a code is).
                let made = match named == Some(ctx.issuer) {
                    true => Ok(()),
                    false => crate::resource::check_granted(&grant.resources, named),
                }
                .and_then(|()| refresh_for(ctx, client, &grant_info(grant, approval, &grant_id)));
                keep_refresh(made, &mut refresh)
            },
        )
        .await?;
    let grant = match poll {
        DevicePoll::Approved(grant) => grant,
        DevicePoll::Pending => return Err(AUTHORIZATION_PENDING.occur()),
        DevicePoll::SlowDown => {
            return Err(SLOW_DOWN.with_detail(format!(
                "the interval grew by {} seconds",
                crate::device::SLOW_DOWN_STEP
            )));
        }
        DevicePoll::Expired => return Err(EXPIRED_TOKEN.occur()),
        DevicePoll::Denied => return Err(DEVICE_ACCESS_DENIED.occur()),
        DevicePoll::Unknown => return Err(DEVICE_CODE_UNKNOWN.occur()),
        DevicePoll::OtherClient => return Err(DEVICE_CODE_CLIENT_MISMATCH.occur()),
        DevicePoll::Redeemed => return Err(DEVICE_CODE_REUSED.occur()),
    };
    let DeviceState::Approved(approval) = &grant.state else {
        return Err(INTERNAL_ERROR
            .occur()
            .debug("the store answered Approved for a grant without an approval"));
    };
    let refresh = refresh?;
    let target = crate::resource::for_grant(
        store,
        ctx.issuer,
        &client.client_id,
        &grant.resources,
        named,
        &crate::scope::Scope::split(&grant.scope),
        false,
    )
    .await?;
    let info = GrantInfo {
        target: target.as_ref(),
        ..grant_info(&grant, approval, &grant_id)
    };
    issue_user_tokens(ctx, client, &info, refresh)
}

fn grant_info<'a>(
    grant: &'a DeviceGrant,
    approval: &'a DeviceApproval,
    grant_id: &'a str,
) -> GrantInfo<'a> {
    GrantInfo {
        grant_id,
        sub: &approval.sub,
        scope: &grant.scope,
        auth_time: Some(approval.auth_time),
        acr: approval.acr.as_deref(),
        amr: &approval.amr,
        sid: approval.sid.as_deref(),
        // No authorization request carried one (RFC 8628 has no nonce,
        // nor a claims parameter).
        nonce: None,
        claims: None,
        id_claims: None,
        resources: &grant.resources,
        target: None,
    }
}
