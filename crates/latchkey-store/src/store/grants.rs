//! [`GrantStore`]: authorization codes, refresh tokens, revocation (with
//! this node's cache of the answers), the access-token denylist, client
//! assertion jtis and pushed authorization requests.

use super::{SqlStore, sessions, to_json};
use crate::db::{Db, DbRow, On};
use crate::error::{corrupt, map_err};
use latchkey_core::claims::ClaimsRequest;
use latchkey_core::grant::{CodeRecord, PushedRequest, PushedTake, Redemption, RefreshRecord};
use latchkey_core::session::ConsentGrant;
use latchkey_core::store::{GrantStore, StoreResult};

mod sql {
    pub const INSERT_CODE: &str = "INSERT INTO authorization_codes \
        (code_hash, grant_id, client_id, redirect_uri, sub, scope, nonce, code_challenge, \
        code_challenge_method, auth_time, acr, amr, sid, created_at, expires_at, claims, dpop_jkt, resources) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";
    /// The conditional update is the exactly-once guarantee.
    pub const REDEEM_CODE: &str = "UPDATE authorization_codes SET used_at = $2 \
        WHERE code_hash = $1 AND used_at IS NULL RETURNING code_hash, grant_id, client_id, redirect_uri, \
        sub, scope, nonce, code_challenge, code_challenge_method, auth_time, acr, amr, sid, created_at, expires_at, \
        claims, dpop_jkt, resources";
    pub const GET_CODE: &str = "SELECT code_hash, grant_id, client_id, redirect_uri, sub, scope, nonce, \
        code_challenge, code_challenge_method, auth_time, acr, amr, sid, created_at, expires_at, claims, dpop_jkt, \
        resources FROM authorization_codes WHERE code_hash = $1";

    // Tokens.
    pub const INSERT_REFRESH: &str = "INSERT INTO refresh_tokens \
        (token_hash, grant_id, client_id, sub, scope, auth_time, acr, amr, sid, created_at, expires_at, \
        rotated_at, successor_sealed, revoked_at, claims, dpop_jkt, resources) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)";
    pub const GET_REFRESH: &str = "SELECT token_hash, grant_id, client_id, sub, scope, auth_time, acr, amr, sid, \
        created_at, expires_at, rotated_at, successor_sealed, revoked_at, claims, dpop_jkt, resources FROM refresh_tokens \
        WHERE token_hash = $1";
    /// The conditional update is the exactly-once guarantee of rotation.
    pub const ROTATE_REFRESH: &str = "UPDATE refresh_tokens SET rotated_at = $2, successor_sealed = $3 \
        WHERE token_hash = $1 AND rotated_at IS NULL AND revoked_at IS NULL";
    pub const REVOKE_GRANT: &str = "INSERT INTO revoked_grants (grant_id, revoked_at, keep_until) \
        VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    pub const REVOKE_GRANT_REFRESH: &str = "UPDATE refresh_tokens SET revoked_at = $2 \
        WHERE grant_id = $1 AND revoked_at IS NULL";
    pub const GRANT_REVOKED: &str = "SELECT 1 FROM revoked_grants WHERE grant_id = $1";
    pub const REVOCATION_REASON: &str = "SELECT reason FROM revoked_grants WHERE grant_id = $1";
    /// The later use wins: a late writer never moves it back.
    /// A grant keeps the session it was made in (`sid` never changes).
    pub const RECORD_GRANT_USE: &str = "INSERT INTO grant_uses \
        (grant_id, sub, client_id, last_used_at, keep_until, sid) VALUES ($1, $2, $3, $4, $5, $6) \
        ON CONFLICT (grant_id) DO UPDATE SET \
        sid = COALESCE(grant_uses.sid, excluded.sid), \
        last_used_at = CASE WHEN grant_uses.last_used_at > excluded.last_used_at \
        THEN grant_uses.last_used_at ELSE excluded.last_used_at END, \
        keep_until = CASE WHEN grant_uses.keep_until > excluded.keep_until \
        THEN grant_uses.keep_until ELSE excluded.keep_until END";
    pub const DENY_ACCESS: &str = "INSERT INTO denied_access_tokens (jti, expires_at) \
        VALUES ($1, $2) ON CONFLICT DO NOTHING";
    pub const ACCESS_DENIED: &str = "SELECT 1 FROM denied_access_tokens WHERE jti = $1";
    pub const RECORD_JTI: &str = "INSERT INTO assertion_jtis (client_id, jti, expires_at) \
        VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    pub const RECORD_DPOP_JTI: &str = "INSERT INTO dpop_jtis (jkt, jti, expires_at) \
        VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

    // Pushed authorization requests. The conditional update is the
    // single-use guarantee; the select afterwards only explains a refusal.
    // `params` holds the validated request as JSON (an object); earlier
    // versions kept the raw parameter pairs there (an array).
    pub const INSERT_PUSHED: &str = "INSERT INTO pushed_requests \
        (uri_hash, client_id, params, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
    pub const TAKE_PUSHED: &str = "UPDATE pushed_requests SET used_at = $3 \
        WHERE uri_hash = $1 AND client_id = $2 AND used_at IS NULL AND expires_at > $3 \
        RETURNING uri_hash, client_id, params, created_at, expires_at";
    pub const GET_PUSHED: &str =
        "SELECT client_id, expires_at, used_at FROM pushed_requests WHERE uri_hash = $1";
}

/// Insert one code, on the pool or inside a transaction.
async fn insert_code<D: Db>(on: On<'_, D>, c: &CodeRecord) -> StoreResult<()> {
    D::query(sql::INSERT_CODE)
        .bind(&c.code_hash)
        .bind(&c.grant_id)
        .bind(&c.client_id)
        .bind(&c.redirect_uri)
        .bind(&c.sub)
        .bind(&c.scope)
        .bind(&c.nonce)
        .bind(&c.code_challenge)
        .bind(&c.code_challenge_method)
        .bind(c.auth_time)
        .bind(&c.acr)
        .bind(to_json("amr", &c.amr)?)
        .bind(&c.sid)
        .bind(c.created_at)
        .bind(c.expires_at)
        .bind(claims_json(&c.claims)?)
        .bind(&c.dpop_jkt)
        .bind(resources_json(&c.resources)?)
        .execute(on)
        .await
        .map_err(map_err)?;
    Ok(())
}

fn code(row: &impl DbRow) -> StoreResult<CodeRecord> {
    let grant_id: String = row.try_get("grant_id").map_err(map_err)?;
    let amr: String = row.try_get("amr").map_err(map_err)?;
    Ok(CodeRecord {
        amr: serde_json::from_str(&amr).map_err(|e| corrupt("amr", &grant_id, e))?,
        code_hash: row.try_get("code_hash").map_err(map_err)?,
        client_id: row.try_get("client_id").map_err(map_err)?,
        redirect_uri: row.try_get("redirect_uri").map_err(map_err)?,
        sub: row.try_get("sub").map_err(map_err)?,
        scope: row.try_get("scope").map_err(map_err)?,
        nonce: row.try_get("nonce").map_err(map_err)?,
        code_challenge: row.try_get("code_challenge").map_err(map_err)?,
        code_challenge_method: row.try_get("code_challenge_method").map_err(map_err)?,
        auth_time: row.try_get("auth_time").map_err(map_err)?,
        acr: row.try_get("acr").map_err(map_err)?,
        sid: row.try_get("sid").map_err(map_err)?,
        claims: claims_of(row, &grant_id)?,
        resources: resources_of(row, &grant_id)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        expires_at: row.try_get("expires_at").map_err(map_err)?,
        dpop_jkt: row.try_get("dpop_jkt").map_err(map_err)?,
        grant_id,
    })
}

/// The resources of a code or refresh token, as stored (a JSON array, or
/// NULL for none).
pub(super) fn resources_json(resources: &[String]) -> StoreResult<Option<String>> {
    if resources.is_empty() {
        return Ok(None);
    }
    to_json("resources", &resources).map(Some)
}

pub(super) fn resources_of(row: &impl DbRow, grant_id: &str) -> StoreResult<Vec<String>> {
    let text: Option<String> = row.try_get("resources").map_err(map_err)?;
    match text {
        None => Ok(Vec::new()),
        Some(t) => serde_json::from_str(&t).map_err(|e| corrupt("resources", grant_id, e)),
    }
}

/// The claims request of a code or refresh token, as stored (JSON or NULL).
fn claims_json(claims: &Option<ClaimsRequest>) -> StoreResult<Option<String>> {
    claims.as_ref().map(|c| to_json("claims", c)).transpose()
}

fn claims_of(row: &impl DbRow, grant_id: &str) -> StoreResult<Option<ClaimsRequest>> {
    let text: Option<String> = row.try_get("claims").map_err(map_err)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| corrupt("claims", grant_id, e)))
        .transpose()
}

/// Insert one refresh token, on the pool or inside a transaction.
pub(super) async fn insert_refresh<D: Db>(on: On<'_, D>, t: &RefreshRecord) -> StoreResult<()> {
    D::query(sql::INSERT_REFRESH)
        .bind(&t.token_hash)
        .bind(&t.grant_id)
        .bind(&t.client_id)
        .bind(&t.sub)
        .bind(&t.scope)
        .bind(t.auth_time)
        .bind(&t.acr)
        .bind(to_json("amr", &t.amr)?)
        .bind(&t.sid)
        .bind(t.created_at)
        .bind(t.expires_at)
        .bind(t.rotated_at)
        .bind(&t.successor_sealed)
        .bind(t.revoked_at)
        .bind(claims_json(&t.claims)?)
        .bind(&t.dpop_jkt)
        .bind(resources_json(&t.resources)?)
        .execute(on)
        .await
        .map_err(map_err)?;
    Ok(())
}

fn refresh(row: &impl DbRow) -> StoreResult<RefreshRecord> {
    let grant_id: String = row.try_get("grant_id").map_err(map_err)?;
    let amr: String = row.try_get("amr").map_err(map_err)?;
    Ok(RefreshRecord {
        amr: serde_json::from_str(&amr).map_err(|e| corrupt("amr", &grant_id, e))?,
        token_hash: row.try_get("token_hash").map_err(map_err)?,
        client_id: row.try_get("client_id").map_err(map_err)?,
        sub: row.try_get("sub").map_err(map_err)?,
        scope: row.try_get("scope").map_err(map_err)?,
        auth_time: row.try_get("auth_time").map_err(map_err)?,
        acr: row.try_get("acr").map_err(map_err)?,
        sid: row.try_get("sid").map_err(map_err)?,
        claims: claims_of(row, &grant_id)?,
        resources: resources_of(row, &grant_id)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        expires_at: row.try_get("expires_at").map_err(map_err)?,
        rotated_at: row.try_get("rotated_at").map_err(map_err)?,
        successor_sealed: row.try_get("successor_sealed").map_err(map_err)?,
        revoked_at: row.try_get("revoked_at").map_err(map_err)?,
        dpop_jkt: row.try_get("dpop_jkt").map_err(map_err)?,
        grant_id,
    })
}

impl<D: Db> SqlStore<D> {
    /// A revocation answer from the cache, or from the database (`query`
    /// finds a row when revoked) and then cached.
    async fn revoked(&self, key: &str, query: &'static str, id: &str) -> StoreResult<bool> {
        let generation = match self.revocations.get(key) {
            Ok(hit) => return Ok(hit),
            Err(generation) => generation,
        };
        let row = D::query(query)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        self.revocations.put(generation, key, &row.is_some());
        Ok(row.is_some())
    }
}

#[async_trait::async_trait]
impl<D: Db> GrantStore for SqlStore<D> {
    async fn insert_code(&self, c: &CodeRecord) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        insert_code::<D>(On::Pool(&self.pool), c).await
    }

    async fn finish_with_code(
        &self,
        interaction: Option<&str>,
        consent: Option<ConsentGrant<'_>>,
        code: &CodeRecord,
    ) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        if let Some(id) = interaction {
            let taken = D::query(sessions::sql::TAKE_INTERACTION)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
            if taken.is_none() {
                return Ok(false);
            }
        }
        if let Some(g) = consent {
            D::query(sessions::sql::PUT_CONSENT)
                .bind(g.sub)
                .bind(g.client_id)
                .bind(g.scope)
                .bind(g.now)
                .bind(resources_json(g.resources)?)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        insert_code::<D>(On::Conn(&mut *tx), code).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn redeem_code_then(
        &self,
        code_hash: &str,
        now: i64,
        then: &mut (dyn for<'r> FnMut(&'r CodeRecord) -> Option<RefreshRecord> + Send),
    ) -> StoreResult<Redemption> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        let fresh = D::query(sql::REDEEM_CODE)
            .bind(code_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        if let Some(row) = fresh {
            let record = code(&row)?;
            if let Some(refresh) = then(&record) {
                insert_refresh::<D>(On::Conn(&mut *tx), &refresh).await?;
            }
            tx.commit().await.map_err(map_err)?;
            return Ok(Redemption::Fresh(record));
        }
        drop(tx);
        // Not redeemable: used before, or never issued.
        let used = D::query(sql::GET_CODE)
            .bind(code_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        match used {
            Some(row) => Ok(Redemption::Reused(code(&row)?)),
            None => Ok(Redemption::Unknown),
        }
    }

    async fn insert_refresh_token(&self, t: &RefreshRecord) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        insert_refresh::<D>(On::Pool(&self.pool), t).await
    }

    async fn get_refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshRecord>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::GET_REFRESH)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(refresh).transpose()
    }

    async fn rotate_refresh_token(
        &self,
        token_hash: &str,
        now: i64,
        successor: &RefreshRecord,
        successor_sealed: &[u8],
    ) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        let won = D::query(sql::ROTATE_REFRESH)
            .bind(token_hash)
            .bind(now)
            .bind(successor_sealed)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected()
            == 1;
        if !won {
            tx.rollback().await.map_err(map_err)?;
            return Ok(false);
        }
        insert_refresh::<D>(On::Conn(&mut *tx), successor).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn revoke_grant(&self, grant_id: &str, now: i64, keep_until: i64) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        D::query(sql::REVOKE_GRANT)
            .bind(grant_id)
            .bind(now)
            .bind(keep_until)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        D::query(sql::REVOKE_GRANT_REFRESH)
            .bind(grant_id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        Self::bump_revocations(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        self.revocations.forget();
        Ok(())
    }

    async fn is_grant_revoked(&self, grant_id: &str) -> StoreResult<bool> {
        crate::failpoint("store.read")?;
        self.revoked(&format!("grant:{grant_id}"), sql::GRANT_REVOKED, grant_id)
            .await
    }

    async fn revocation_reason(&self, grant_id: &str) -> StoreResult<Option<String>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::REVOCATION_REASON)
            .bind(grant_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        match row {
            Some(row) => row.try_get("reason").map_err(map_err),
            None => Ok(None),
        }
    }

    async fn record_grant_use(
        &self,
        grant_id: &str,
        sub: &str,
        client_id: &str,
        sid: Option<&str>,
        now: i64,
        keep_until: i64,
    ) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        D::query(sql::RECORD_GRANT_USE)
            .bind(grant_id)
            .bind(sub)
            .bind(client_id)
            .bind(now)
            .bind(keep_until)
            .bind(sid)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn deny_access_token(&self, jti: &str, expires_at: i64) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        let mut tx = D::begin(&self.pool).await.map_err(map_err)?;
        D::query(sql::DENY_ACCESS)
            .bind(jti)
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        Self::bump_revocations(&mut tx).await?;
        tx.commit().await.map_err(map_err)?;
        self.revocations.forget();
        Ok(())
    }

    async fn is_access_token_denied(&self, jti: &str) -> StoreResult<bool> {
        crate::failpoint("store.read")?;
        self.revoked(&format!("jti:{jti}"), sql::ACCESS_DENIED, jti)
            .await
    }

    async fn record_jti(&self, client_id: &str, jti: &str, expires_at: i64) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let inserted = D::query(sql::RECORD_JTI)
            .bind(client_id)
            .bind(jti)
            .bind(expires_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        Ok(inserted == 1)
    }

    async fn record_dpop_jti(&self, jkt: &str, jti: &str, expires_at: i64) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let inserted = D::query(sql::RECORD_DPOP_JTI)
            .bind(jkt)
            .bind(jti)
            .bind(expires_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        Ok(inserted == 1)
    }

    async fn insert_pushed_request(&self, p: &PushedRequest) -> StoreResult<()> {
        D::query(sql::INSERT_PUSHED)
            .bind(&p.uri_hash)
            .bind(&p.client_id)
            .bind(to_json("params", &p.request)?)
            .bind(p.created_at)
            .bind(p.expires_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn take_pushed_request(
        &self,
        uri_hash: &str,
        client_id: &str,
        now: i64,
    ) -> StoreResult<PushedTake> {
        let taken = D::query(sql::TAKE_PUSHED)
            .bind(uri_hash)
            .bind(client_id)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        if let Some(row) = taken {
            let params: String = row.try_get("params").map_err(map_err)?;
            let request = match serde_json::from_str(&params) {
                Ok(request) => request,
                // Raw pairs, pushed before an upgrade (they live only
                // seconds): unusable now, so answered as expired.
                Err(_) if params.trim_start().starts_with('[') => {
                    return Ok(PushedTake::Expired);
                }
                Err(e) => return Err(corrupt("params", client_id, e)),
            };
            return Ok(PushedTake::Fresh(Box::new(PushedRequest {
                request,
                uri_hash: row.try_get("uri_hash").map_err(map_err)?,
                client_id: row.try_get("client_id").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                expires_at: row.try_get("expires_at").map_err(map_err)?,
            })));
        }
        let found = D::query(sql::GET_PUSHED)
            .bind(uri_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        let Some(row) = found else {
            return Ok(PushedTake::Unknown);
        };
        let owner: String = row.try_get("client_id").map_err(map_err)?;
        let used_at: Option<i64> = row.try_get("used_at").map_err(map_err)?;
        Ok(if owner != client_id {
            PushedTake::OtherClient
        } else if used_at.is_some() {
            PushedTake::Used
        } else {
            PushedTake::Expired
        })
    }
}
