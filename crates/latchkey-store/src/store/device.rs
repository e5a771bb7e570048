//! [`DeviceStore`]: device grants (RFC 8628).
//!
//! A poll is one conditional UPDATE keyed by the device code hash, in a
//! transaction that also keeps the refresh token of a grant it hands out.
//! Every SET expression reads the row as it was, and the statement records
//! what it decided in `last_outcome`, which RETURNING hands back. Two polls
//! of the same row are serialized by the database (SQLite's single writer,
//! PostgreSQL's row lock, where the second re-reads the row the first
//! wrote), so an approved grant is answered `Approved` exactly once.

use super::{SqlStore, grants, to_json};
use crate::db::{Db, DbRow, On};
use crate::error::{corrupt, map_err};
use latchkey_core::device::{DeviceApproval, DeviceGrant, DevicePoll, DeviceState, SLOW_DOWN_STEP};
use latchkey_core::grant::RefreshRecord;
use latchkey_core::store::{DeviceStore, StoreResult};

/// How long an expired grant is kept, so a late poll is told
/// `expired_token` rather than that the code is unknown.
const DEVICE_GRACE: i64 = 3600;

mod sql {
    pub const INSERT: &str = "INSERT INTO device_grants \
        (device_code_hash, user_code_hash, client_id, scope, created_at, expires_at, poll_interval, \
        last_polled_at, state, sub, auth_time, acr, amr, sid, resources) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
    pub const BY_USER_CODE: &str = "SELECT device_code_hash, user_code_hash, client_id, scope, \
        created_at, expires_at, poll_interval, last_polled_at, state, sub, auth_time, acr, amr, sid, \
        resources FROM device_grants WHERE user_code_hash = $1";
    /// The conditional update is the decide-once guarantee.
    pub const DECIDE: &str = "UPDATE device_grants SET state = $2, sub = $3, auth_time = $4, \
        acr = $5, amr = $6, sid = $7, decided_at = $8 \
        WHERE user_code_hash = $1 AND state = 'pending' AND expires_at > $8";
    /// One poll (`$3` is now, `$4` the slow-down step). Too soon means
    /// sooner than the interval after the last answered poll, for a grant
    /// neither redeemed nor expired; such a poll only grows the interval.
    /// Any other poll is recorded, and turns an approved grant redeemed.
    pub const POLL: &str = "UPDATE device_grants SET \
        last_outcome = CASE \
            WHEN state = 'redeemed' THEN 'redeemed' \
            WHEN expires_at <= $3 THEN 'expired' \
            WHEN last_polled_at IS NOT NULL AND $3 - last_polled_at < poll_interval THEN 'slow_down' \
            ELSE state END, \
        poll_interval = CASE \
            WHEN state <> 'redeemed' AND expires_at > $3 \
                AND last_polled_at IS NOT NULL AND $3 - last_polled_at < poll_interval \
            THEN poll_interval + $4 ELSE poll_interval END, \
        last_polled_at = CASE \
            WHEN state <> 'redeemed' AND expires_at > $3 \
                AND last_polled_at IS NOT NULL AND $3 - last_polled_at < poll_interval \
            THEN last_polled_at ELSE $3 END, \
        state = CASE \
            WHEN state = 'approved' AND expires_at > $3 \
                AND (last_polled_at IS NULL OR $3 - last_polled_at >= poll_interval) \
            THEN 'redeemed' ELSE state END \
        WHERE device_code_hash = $1 AND client_id = $2 \
        RETURNING device_code_hash, user_code_hash, client_id, scope, created_at, expires_at, \
        poll_interval, last_polled_at, state, sub, auth_time, acr, amr, sid, resources, last_outcome";
    /// Only read when the poll matched no row: tells an unknown code from
    /// another client's (neither changes anything).
    pub const OWNER: &str = "SELECT client_id FROM device_grants WHERE device_code_hash = $1";
    pub const PURGE: &str = "DELETE FROM device_grants WHERE device_code_hash IN (SELECT device_code_hash \
        FROM device_grants WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
}

fn state_name(state: &DeviceState) -> &'static str {
    match state {
        DeviceState::Pending => "pending",
        DeviceState::Approved(_) => "approved",
        DeviceState::Denied => "denied",
        DeviceState::Redeemed => "redeemed",
    }
}

/// The approval columns as stored, for a state that carries one.
struct ApprovalColumns {
    sub: Option<String>,
    auth_time: Option<i64>,
    acr: Option<String>,
    amr: Option<String>,
    sid: Option<String>,
}

impl ApprovalColumns {
    fn of(approval: Option<&DeviceApproval>) -> StoreResult<Self> {
        Ok(match approval {
            Some(a) => ApprovalColumns {
                sub: Some(a.sub.clone()),
                auth_time: Some(a.auth_time),
                acr: a.acr.clone(),
                amr: Some(to_json("amr", &a.amr)?),
                sid: a.sid.clone(),
            },
            None => ApprovalColumns {
                sub: None,
                auth_time: None,
                acr: None,
                amr: None,
                sid: None,
            },
        })
    }

    /// The approval of an approved (or redeemed) row.
    fn approval(self, key: &str) -> StoreResult<DeviceApproval> {
        let (Some(sub), Some(auth_time)) = (self.sub, self.auth_time) else {
            return Err(corrupt(
                "sub",
                key,
                "an approved device grant names no user",
            ));
        };
        let amr = match self.amr {
            Some(text) => serde_json::from_str(&text).map_err(|e| corrupt("amr", key, e))?,
            None => Vec::new(),
        };
        Ok(DeviceApproval {
            sub,
            auth_time,
            acr: self.acr,
            amr,
            sid: self.sid,
        })
    }
}

/// A row as a grant; `approved_as` decodes the approval even when the row
/// says redeemed (the poll that just redeemed it).
fn device_grant(row: &impl DbRow, approved_as: bool) -> StoreResult<DeviceGrant> {
    let key: String = row.try_get("device_code_hash").map_err(map_err)?;
    let state_text: String = row.try_get("state").map_err(map_err)?;
    let columns = ApprovalColumns {
        sub: row.try_get("sub").map_err(map_err)?,
        auth_time: row.try_get("auth_time").map_err(map_err)?,
        acr: row.try_get("acr").map_err(map_err)?,
        amr: row.try_get("amr").map_err(map_err)?,
        sid: row.try_get("sid").map_err(map_err)?,
    };
    let state = match state_text.as_str() {
        _ if approved_as => DeviceState::Approved(columns.approval(&key)?),
        "pending" => DeviceState::Pending,
        "approved" => DeviceState::Approved(columns.approval(&key)?),
        "denied" => DeviceState::Denied,
        "redeemed" => DeviceState::Redeemed,
        other => {
            return Err(corrupt("state", &key, format!("unknown state {other:?}")));
        }
    };
    Ok(DeviceGrant {
        user_code_hash: row.try_get("user_code_hash").map_err(map_err)?,
        client_id: row.try_get("client_id").map_err(map_err)?,
        scope: row.try_get("scope").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        expires_at: row.try_get("expires_at").map_err(map_err)?,
        interval: row.try_get("poll_interval").map_err(map_err)?,
        last_polled_at: row.try_get("last_polled_at").map_err(map_err)?,
        resources: super::grants::resources_of(row, &key)?,
        device_code_hash: key,
        state,
    })
}

#[async_trait::async_trait]
impl<D: Db> DeviceStore for SqlStore<D> {
    async fn insert_device_grant(&self, g: &DeviceGrant) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        let approval = match &g.state {
            DeviceState::Approved(a) => Some(a),
            _ => None,
        };
        let c = ApprovalColumns::of(approval)?;
        D::query(sql::INSERT)
            .bind(&g.device_code_hash)
            .bind(&g.user_code_hash)
            .bind(&g.client_id)
            .bind(&g.scope)
            .bind(g.created_at)
            .bind(g.expires_at)
            .bind(g.interval)
            .bind(g.last_polled_at)
            .bind(state_name(&g.state))
            .bind(c.sub)
            .bind(c.auth_time)
            .bind(c.acr)
            .bind(c.amr)
            .bind(c.sid)
            .bind(super::grants::resources_json(&g.resources)?)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn device_grant_by_user_code(
        &self,
        user_code_hash: &str,
    ) -> StoreResult<Option<DeviceGrant>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::BY_USER_CODE)
            .bind(user_code_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(|r| device_grant(r, false)).transpose()
    }

    async fn decide_device_grant(
        &self,
        user_code_hash: &str,
        approval: Option<&DeviceApproval>,
        now: i64,
    ) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let c = ApprovalColumns::of(approval)?;
        let state = if approval.is_some() {
            "approved"
        } else {
            "denied"
        };
        let done = D::query(sql::DECIDE)
            .bind(user_code_hash)
            .bind(state)
            .bind(c.sub)
            .bind(c.auth_time)
            .bind(c.acr)
            .bind(c.amr)
            .bind(c.sid)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn poll_device_grant_then(
        &self,
        device_code_hash: &str,
        client_id: &str,
        now: i64,
        then: &mut (dyn for<'r> FnMut(&'r DeviceGrant) -> Option<RefreshRecord> + Send),
    ) -> StoreResult<DevicePoll> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        let polled = D::query(sql::POLL)
            .bind(device_code_hash)
            .bind(client_id)
            .bind(now)
            .bind(SLOW_DOWN_STEP)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        let Some(row) = polled else {
            drop(tx);
            let owner = D::query(sql::OWNER)
                .bind(device_code_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
            return Ok(match owner {
                Some(_) => DevicePoll::OtherClient,
                None => DevicePoll::Unknown,
            });
        };
        let outcome: String = row.try_get("last_outcome").map_err(map_err)?;
        let answer = match outcome.as_str() {
            "approved" => {
                let grant = device_grant(&row, true)?;
                if let Some(refresh) = then(&grant) {
                    grants::insert_refresh::<D>(On::Conn(&mut *tx), &refresh).await?;
                }
                DevicePoll::Approved(Box::new(grant))
            }
            "pending" => DevicePoll::Pending,
            "denied" => DevicePoll::Denied,
            "redeemed" => DevicePoll::Redeemed,
            "expired" => DevicePoll::Expired,
            "slow_down" => DevicePoll::SlowDown,
            other => {
                return Err(corrupt(
                    "last_outcome",
                    device_code_hash,
                    format!("unknown outcome {other:?}"),
                ));
            }
        };
        // Every answered poll is kept: the interval, the time of
        // the poll, and the redemption with its refresh token.
        tx.commit().await.map_err(map_err)?;
        Ok(answer)
    }

    async fn purge_device_grants(&self, now: i64, limit: i64) -> StoreResult<u64> {
        if limit <= 0 {
            return Ok(0);
        }
        let done = D::query(sql::PURGE)
            .bind(now.saturating_sub(DEVICE_GRACE))
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }
}
