//! The `Store` implementation, written once for both databases.
//!
//! Every query below is plain SQL that SQLite and PostgreSQL both accept:
//! `$N` placeholders (sqlx-sqlite binds `$N` by number), `ON CONFLICT DO
//! NOTHING`, integer Unix seconds, JSON as text, booleans and bytes bound
//! as such. The schema files under `migrations/` give the same column names
//! on both sides.

use crate::error::{corrupt, map_err};
use crate::lite;
use crate::migrate::{self, Dialect};
use crate::postgres::db as pg;
use latchkey_core::client::{ClientMetadata, ClientRecord};
use latchkey_core::keys::{KeyRecord, KeyState};
use latchkey_core::store::{
    ErrorRecord, PushedRequest, PushedTake, RefreshRecord, Store, StoreError, StoreResult,
};
use latchkey_core::user::UserRecord;
use sqlx::Row;

/// The SQL text, shared by both databases.
mod sql {
    pub const PING: &str = "SELECT 1";

    pub const INSERT_CLIENT: &str = "INSERT INTO clients \
        (client_id, secret_hash, active, metadata, created_at, updated_at, secret_sealed, \
        registration_token_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
    pub const GET_CLIENT: &str = "SELECT client_id, secret_hash, active, metadata, created_at, updated_at \
        FROM clients WHERE client_id = $1";
    pub const LIST_CLIENTS: &str = "SELECT client_id, secret_hash, active, metadata, created_at, updated_at \
        FROM clients ORDER BY created_at, client_id";
    /// `created_at` is kept: a client is created once.
    pub const UPDATE_CLIENT: &str = "UPDATE clients \
        SET secret_hash = $2, active = $3, metadata = $4, updated_at = $5 WHERE client_id = $1";
    pub const DELETE_CLIENT: &str = "DELETE FROM clients WHERE client_id = $1";

    pub const INSERT_USER: &str = "INSERT INTO users \
        (sub, username, password_hash, claims, created_at, updated_at, verified_email) \
        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";
    /// Each branch has its index (0011_user_lookup).
    pub const USERS_FOR_SIGN_IN: &str = "SELECT sub, username, password_hash, claims, created_at, updated_at \
        FROM users WHERE username = $1 OR LOWER(username) = $2 OR verified_email = $2 \
        ORDER BY created_at, sub LIMIT 10";
    pub const USERS_BY_VERIFIED_EMAIL: &str = "SELECT sub, username, password_hash, claims, created_at, updated_at \
        FROM users WHERE verified_email = $1 ORDER BY created_at, sub LIMIT 10";
    pub const GET_USER: &str = "SELECT sub, username, password_hash, claims, created_at, updated_at \
        FROM users WHERE sub = $1";
    pub const GET_USER_BY_USERNAME: &str = "SELECT sub, username, password_hash, claims, created_at, updated_at \
        FROM users WHERE username = $1";
    pub const LIST_USERS: &str = "SELECT sub, username, password_hash, claims, created_at, updated_at \
        FROM users ORDER BY created_at, sub";
    /// `created_at` is kept: a user is created once.
    pub const UPDATE_USER: &str = "UPDATE users \
        SET username = $2, password_hash = $3, claims = $4, updated_at = $5, verified_email = $6 \
        WHERE sub = $1";
    pub const DELETE_USER: &str = "DELETE FROM users WHERE sub = $1";
    /// The grants of a user's refresh tokens and pending codes. (`WHERE
    /// true` lets SQLite tell the upsert clause from the SELECT.)
    pub const REVOKE_USER_GRANTS: &str = "INSERT INTO revoked_grants (grant_id, revoked_at, keep_until) \
        SELECT DISTINCT grant_id, $2, $3 FROM (SELECT grant_id FROM refresh_tokens WHERE sub = $1 \
        UNION SELECT grant_id FROM authorization_codes WHERE sub = $1) AS g WHERE true \
        ON CONFLICT DO NOTHING";
    /// Everything else keyed by a deleted user's sub.
    pub const DELETE_USER_ROWS: [&str; 8] = [
        "DELETE FROM refresh_tokens WHERE sub = $1",
        "DELETE FROM device_grants WHERE sub = $1",
        "DELETE FROM authorization_codes WHERE sub = $1",
        "DELETE FROM sessions WHERE sub = $1",
        "DELETE FROM consents WHERE sub = $1",
        "DELETE FROM totp_factors WHERE sub = $1",
        "DELETE FROM recovery_codes WHERE sub = $1",
        "DELETE FROM upstream_links WHERE sub = $1",
    ];

    pub const INSERT_KEY: &str = "INSERT INTO signing_keys \
        (kid, alg, state, private_sealed, public_jwk, created_at, retired_at, publish_until) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
    pub const LIST_KEYS: &str = "SELECT kid, alg, state, private_sealed, public_jwk, created_at, retired_at, publish_until \
        FROM signing_keys ORDER BY created_at DESC, kid";
    pub const RETIRE_ACTIVE_KEYS: &str = "UPDATE signing_keys \
        SET state = 'retired', retired_at = $1, publish_until = $2 \
        WHERE alg = $3 AND state = 'active' AND kid <> $4";

    pub const INSERT_ERROR: &str = "INSERT INTO error_records \
        (error_id, cause, code, status, description, debug, endpoint, client_id, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING";
    pub const GET_ERROR: &str = "SELECT error_id, cause, code, status, description, debug, endpoint, client_id, created_at \
        FROM error_records WHERE error_id = $1";

    // Neither database has DELETE ... LIMIT (SQLite only as a build option),
    // so the bounded deletes pick their rows in a subquery.
    pub const PURGE_KEYS: &str = "DELETE FROM signing_keys WHERE kid IN (SELECT kid FROM signing_keys \
        WHERE state = 'retired' AND publish_until <= $1 ORDER BY publish_until, kid LIMIT $2)";
    // Tokens.
    pub const INSERT_REFRESH: &str = "INSERT INTO refresh_tokens \
        (token_hash, grant_id, client_id, sub, scope, auth_time, acr, amr, sid, created_at, expires_at, \
        rotated_at, successor_sealed, revoked_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
    pub const GET_REFRESH: &str = "SELECT token_hash, grant_id, client_id, sub, scope, auth_time, acr, amr, sid, \
        created_at, expires_at, rotated_at, successor_sealed, revoked_at FROM refresh_tokens WHERE token_hash = $1";
    /// The conditional update is the exactly-once guarantee of rotation.
    pub const ROTATE_REFRESH: &str = "UPDATE refresh_tokens SET rotated_at = $2, successor_sealed = $3 \
        WHERE token_hash = $1 AND rotated_at IS NULL AND revoked_at IS NULL";
    pub const REVOKE_GRANT: &str = "INSERT INTO revoked_grants (grant_id, revoked_at, keep_until) \
        VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    pub const REVOKE_GRANT_REFRESH: &str = "UPDATE refresh_tokens SET revoked_at = $2 \
        WHERE grant_id = $1 AND revoked_at IS NULL";
    pub const GRANT_REVOKED: &str = "SELECT 1 FROM revoked_grants WHERE grant_id = $1";
    pub const DENY_ACCESS: &str = "INSERT INTO denied_access_tokens (jti, expires_at) \
        VALUES ($1, $2) ON CONFLICT DO NOTHING";
    pub const ACCESS_DENIED: &str = "SELECT 1 FROM denied_access_tokens WHERE jti = $1";
    pub const RECORD_JTI: &str = "INSERT INTO assertion_jtis (client_id, jti, expires_at) \
        VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    pub const SET_SECRET_SEALED: &str =
        "UPDATE clients SET secret_sealed = $2 WHERE client_id = $1";
    pub const GET_SECRET_SEALED: &str = "SELECT secret_sealed FROM clients WHERE client_id = $1";
    pub const SET_REGISTRATION_TOKEN: &str =
        "UPDATE clients SET registration_token_hash = $2 WHERE client_id = $1";
    pub const GET_REGISTRATION_TOKEN: &str =
        "SELECT registration_token_hash FROM clients WHERE client_id = $1";
    pub const PURGE_REFRESH: &str = "DELETE FROM refresh_tokens WHERE token_hash IN (SELECT token_hash \
        FROM refresh_tokens WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
    pub const PURGE_REVOKED_GRANTS: &str = "DELETE FROM revoked_grants WHERE grant_id IN (SELECT grant_id \
        FROM revoked_grants WHERE keep_until <= $1 ORDER BY keep_until LIMIT $2)";
    pub const PURGE_DENIED: &str = "DELETE FROM denied_access_tokens WHERE jti IN (SELECT jti \
        FROM denied_access_tokens WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";
    pub const PURGE_JTIS: &str = "DELETE FROM assertion_jtis WHERE (client_id, jti) IN (SELECT client_id, jti \
        FROM assertion_jtis WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";

    /// Change propagation (see `cache.rs`).
    pub const BUMP_CHANGE: &str =
        "UPDATE latchkey_changes SET version = version + 1 WHERE topic = $1";
    pub const CHANGE_VERSIONS: &str = "SELECT topic, version FROM latchkey_changes ORDER BY topic";
    // Run-time settings shared by every node; a write bumps `settings`.
    pub const GET_SETTING: &str = "SELECT value FROM latchkey_settings WHERE name = $1";
    pub const SET_SETTING: &str = "INSERT INTO latchkey_settings (name, value, updated_at) \
        VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET value = excluded.value, \
        updated_at = excluded.updated_at";
    /// `revocations` has no row until the first revocation (0009 seeds only
    /// `clients` and `keys`), so it is created on first use.
    pub const BUMP_REVOCATIONS: &str = "INSERT INTO latchkey_changes (topic, version) \
        VALUES ('revocations', 1) ON CONFLICT (topic) DO UPDATE SET version = latchkey_changes.version + 1";
    // Pushed authorization requests. The conditional update is the
    // single-use guarantee; the select afterwards only explains a refusal.
    pub const INSERT_PUSHED: &str = "INSERT INTO pushed_requests \
        (uri_hash, client_id, params, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
    pub const TAKE_PUSHED: &str = "UPDATE pushed_requests SET used_at = $3 \
        WHERE uri_hash = $1 AND client_id = $2 AND used_at IS NULL AND expires_at > $3 \
        RETURNING uri_hash, client_id, params, created_at, expires_at";
    pub const GET_PUSHED: &str =
        "SELECT client_id, expires_at, used_at FROM pushed_requests WHERE uri_hash = $1";
    pub const PURGE_PUSHED: &str = "DELETE FROM pushed_requests WHERE uri_hash IN (SELECT uri_hash \
        FROM pushed_requests WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";

    pub const PURGE_ERRORS: &str = "DELETE FROM error_records WHERE error_id IN (SELECT error_id FROM error_records \
        WHERE created_at < $1 ORDER BY created_at, error_id LIMIT $2)";
}

/// How long a pushed request is kept past its expiry, so a late or
/// repeated use is told apart from an unknown request_uri.
const PUSHED_GRACE: i64 = 3600;

fn to_json<T: serde::Serialize>(what: &str, value: &T) -> StoreResult<String> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Other(format!("cannot serialize {what}: {e}")))
}

fn client_metadata(client_id: &str, text: &str) -> StoreResult<ClientMetadata> {
    serde_json::from_str(text).map_err(|e| corrupt("metadata", client_id, e))
}

fn user_claims(sub: &str, text: &str) -> StoreResult<serde_json::Map<String, serde_json::Value>> {
    serde_json::from_str(text).map_err(|e| corrupt("claims", sub, e))
}

fn key_state(kid: &str, text: &str) -> StoreResult<KeyState> {
    KeyState::parse(text).ok_or_else(|| corrupt("state", kid, format!("unknown state {text:?}")))
}

fn public_jwk(kid: &str, text: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| corrupt("public JWK", kid, e))
}

/// Generates, for one database, the store type's `Store` impl, its row
/// decoders and its migration runner. The bodies only use what sqlx offers
/// every database (`query`, `bind`, `Row::try_get`, transactions), so the
/// expansion for SQLite and for PostgreSQL is the same code over a
/// different `sqlx::Database`; `$dialect` carries the few things the
/// migration runner must do differently.
macro_rules! impl_store {
    ($store:ident, $db:ident, $dialect:expr) => {
        /// A `Store` backed by
        #[doc = concat!("`", stringify!($db), "`.")]
        #[derive(Debug, Clone)]
        pub struct $store {
            pub(crate) pool: $db::Pool,
            pub(crate) clients: crate::cache::ClientCache,
            pub(crate) revocations: crate::cache::RevocationCache,
            pub(crate) origins: crate::cache::OriginIndex,
        }

        impl $store {
            /// Bump a change topic inside the transaction of the change.
            async fn bump(tx: &mut $db::Tx<'_>, topic: &str) -> StoreResult<()> {
                $db::query(sql::BUMP_CHANGE)
                    .bind(topic)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            /// Bump `revocations` inside the transaction of a revocation.
            async fn bump_revocations(tx: &mut $db::Tx<'_>) -> StoreResult<()> {
                $db::query(sql::BUMP_REVOCATIONS)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            /// A revocation answer from the cache, or from the database
            /// (`query` finds a row when revoked) and then cached.
            async fn revoked(&self, key: &str, query: &'static str, id: &str) -> StoreResult<bool> {
                let generation = match self.revocations.get(key) {
                    Ok(hit) => return Ok(hit),
                    Err(generation) => generation,
                };
                let row = $db::query(query)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                self.revocations.put(generation, key, &row.is_some());
                Ok(row.is_some())
            }

            /// Apply the migrations this database lacks; returns their names.
            pub(crate) async fn run_migrations(&self) -> StoreResult<Vec<String>> {
                let dialect: &Dialect = &$dialect;
                let mut applied_now = Vec::new();
                for migration in dialect.migrations {
                    let mut tx = self.pool.begin_with(dialect.begin).await.map_err(map_err)?;
                    if let Some(lock) = dialect.lock {
                        $db::query(lock).execute(&mut *tx).await.map_err(map_err)?;
                    }
                    if let Some(quiet) = dialect.quiet {
                        $db::query(quiet).execute(&mut *tx).await.map_err(map_err)?;
                    }
                    $db::query(migrate::CREATE_TABLE)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    let applied = $db::query(migrate::APPLIED)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .iter()
                        .map(|row| Ok((row.try_get::<i64, _>(0)?, row.try_get::<String, _>(1)?)))
                        .collect::<Result<Vec<(i64, String)>, $db::Error>>()
                        .map_err(map_err)?;
                    migrate::check_known(dialect, &applied).map_err(StoreError::Other)?;
                    if applied.iter().any(|(v, _)| *v == migration.version) {
                        tx.rollback().await.map_err(map_err)?;
                        continue;
                    }
                    $db::raw_sql(migration.sql)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| {
                            StoreError::Other(format!("migration {} failed: {e}", migration.name))
                        })?;
                    $db::query(migrate::RECORD)
                        .bind(migration.version)
                        .bind(migration.name)
                        .bind(latchkey_core::now_unix())
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    tx.commit().await.map_err(map_err)?;
                    tracing::info!(migration = migration.name, "applied database migration");
                    applied_now.push(migration.name.to_string());
                }
                Ok(applied_now)
            }

            fn client(row: &$db::Row) -> StoreResult<ClientRecord> {
                let client_id: String = row.try_get("client_id").map_err(map_err)?;
                let metadata: String = row.try_get("metadata").map_err(map_err)?;
                Ok(ClientRecord {
                    metadata: client_metadata(&client_id, &metadata)?,
                    secret_hash: row.try_get("secret_hash").map_err(map_err)?,
                    active: row.try_get("active").map_err(map_err)?,
                    created_at: row.try_get("created_at").map_err(map_err)?,
                    updated_at: row.try_get("updated_at").map_err(map_err)?,
                    client_id,
                })
            }

            pub(crate) fn user(row: &$db::Row) -> StoreResult<UserRecord> {
                let sub: String = row.try_get("sub").map_err(map_err)?;
                let claims: String = row.try_get("claims").map_err(map_err)?;
                Ok(UserRecord {
                    claims: user_claims(&sub, &claims)?,
                    username: row.try_get("username").map_err(map_err)?,
                    password_hash: row.try_get("password_hash").map_err(map_err)?,
                    created_at: row.try_get("created_at").map_err(map_err)?,
                    updated_at: row.try_get("updated_at").map_err(map_err)?,
                    sub,
                })
            }

            fn key(row: &$db::Row) -> StoreResult<KeyRecord> {
                let kid: String = row.try_get("kid").map_err(map_err)?;
                let state: String = row.try_get("state").map_err(map_err)?;
                let jwk: String = row.try_get("public_jwk").map_err(map_err)?;
                Ok(KeyRecord {
                    state: key_state(&kid, &state)?,
                    public_jwk: public_jwk(&kid, &jwk)?,
                    alg: row.try_get("alg").map_err(map_err)?,
                    private_sealed: row.try_get("private_sealed").map_err(map_err)?,
                    created_at: row.try_get("created_at").map_err(map_err)?,
                    retired_at: row.try_get("retired_at").map_err(map_err)?,
                    publish_until: row.try_get("publish_until").map_err(map_err)?,
                    kid,
                })
            }

            /// Insert one refresh token, on the pool or inside a transaction.
            pub(crate) async fn insert_refresh_with<'e, E>(
                executor: E,
                t: &RefreshRecord,
            ) -> StoreResult<()>
            where
                E: $db::Exec<'e>,
            {
                $db::query(sql::INSERT_REFRESH)
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
                    .execute(executor)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            fn refresh(row: &$db::Row) -> StoreResult<RefreshRecord> {
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
                    created_at: row.try_get("created_at").map_err(map_err)?,
                    expires_at: row.try_get("expires_at").map_err(map_err)?,
                    rotated_at: row.try_get("rotated_at").map_err(map_err)?,
                    successor_sealed: row.try_get("successor_sealed").map_err(map_err)?,
                    revoked_at: row.try_get("revoked_at").map_err(map_err)?,
                    grant_id,
                })
            }

            fn error_record(row: &$db::Row) -> StoreResult<ErrorRecord> {
                Ok(ErrorRecord {
                    error_id: row.try_get("error_id").map_err(map_err)?,
                    cause: row.try_get("cause").map_err(map_err)?,
                    code: row.try_get("code").map_err(map_err)?,
                    status: row.try_get("status").map_err(map_err)?,
                    description: row.try_get("description").map_err(map_err)?,
                    debug: row.try_get("debug").map_err(map_err)?,
                    endpoint: row.try_get("endpoint").map_err(map_err)?,
                    client_id: row.try_get("client_id").map_err(map_err)?,
                    created_at: row.try_get("created_at").map_err(map_err)?,
                })
            }
        }

        #[async_trait::async_trait]
        impl Store for $store {
            async fn ping(&self) -> StoreResult<()> {
                $db::query(sql::PING)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn create_client_with(
                &self,
                client: &ClientRecord,
                secret_sealed: Option<&[u8]>,
                registration_token_hash: Option<&str>,
            ) -> StoreResult<()> {
                crate::failpoint("store.write")?;
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                let inserted = $db::query(sql::INSERT_CLIENT)
                    .bind(&client.client_id)
                    .bind(&client.secret_hash)
                    .bind(client.active)
                    .bind(to_json("client metadata", &client.metadata)?)
                    .bind(client.created_at)
                    .bind(client.updated_at)
                    .bind(secret_sealed)
                    .bind(registration_token_hash)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if inserted == 0 {
                    return Err(StoreError::Conflict(format!(
                        "client {} already exists",
                        client.client_id
                    )));
                }
                Self::bump(&mut tx, "clients").await?;
                tx.commit().await.map_err(map_err)?;
                self.clients.forget();
                Ok(())
            }

            async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>> {
                crate::failpoint("store.read")?;
                let generation = match self.clients.get(client_id) {
                    Ok(hit) => return Ok(Some(hit)),
                    Err(generation) => generation,
                };
                let row = $db::query(sql::GET_CLIENT)
                    .bind(client_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                let record = row.as_ref().map(Self::client).transpose()?;
                if let Some(record) = &record {
                    self.clients.put(generation, &record.client_id, record);
                }
                Ok(record)
            }

            fn cached_client(&self, client_id: &str) -> Option<ClientRecord> {
                self.clients.get(client_id).ok()
            }

            async fn list_clients(&self) -> StoreResult<Vec<ClientRecord>> {
                let rows = $db::query(sql::LIST_CLIENTS)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                rows.iter().map(Self::client).collect()
            }

            async fn origin_allowed_by_a_client(&self, origin: &str) -> StoreResult<bool> {
                let generation = self.clients.generation();
                if let Some(index) = self.origins.current(generation) {
                    return Ok(index.contains(origin));
                }
                // Read after the generation: a change meanwhile moves it,
                // and the next lookup builds the index again.
                let clients = self.list_clients().await?;
                let index: std::collections::HashSet<String> = clients
                    .iter()
                    .filter(|c| c.active)
                    .flat_map(|c| c.metadata.cors_origins())
                    .collect();
                let allowed = index.contains(origin);
                self.origins.put(generation, std::sync::Arc::new(index));
                Ok(allowed)
            }

            async fn update_client(&self, client: &ClientRecord) -> StoreResult<bool> {
                crate::failpoint("store.write")?;
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                let updated = $db::query(sql::UPDATE_CLIENT)
                    .bind(&client.client_id)
                    .bind(&client.secret_hash)
                    .bind(client.active)
                    .bind(to_json("client metadata", &client.metadata)?)
                    .bind(client.updated_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                Self::bump(&mut tx, "clients").await?;
                tx.commit().await.map_err(map_err)?;
                self.clients.forget();
                Ok(updated > 0)
            }

            async fn delete_client(&self, client_id: &str) -> StoreResult<bool> {
                crate::failpoint("store.write")?;
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                let deleted = $db::query(sql::DELETE_CLIENT)
                    .bind(client_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                Self::bump(&mut tx, "clients").await?;
                tx.commit().await.map_err(map_err)?;
                self.clients.forget();
                Ok(deleted > 0)
            }

            async fn change_versions(&self) -> StoreResult<Vec<(String, i64)>> {
                let rows = $db::query(sql::CHANGE_VERSIONS)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            row.try_get::<String, _>("topic").map_err(map_err)?,
                            row.try_get::<i64, _>("version").map_err(map_err)?,
                        ))
                    })
                    .collect()
            }

            fn forget_clients(&self) {
                self.clients.forget();
            }

            // No `store.read` point: this is the node's own bookkeeping (read
            // at start-up and by the change watcher), like `change_versions`.
            async fn get_setting(&self, name: &str) -> StoreResult<Option<String>> {
                let row = $db::query(sql::GET_SETTING)
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.map(|r| r.try_get::<String, _>("value").map_err(map_err))
                    .transpose()
            }

            async fn set_setting(&self, name: &str, value: &str, now: i64) -> StoreResult<()> {
                crate::failpoint("store.write")?;
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                $db::query(sql::SET_SETTING)
                    .bind(name)
                    .bind(value)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                Self::bump(&mut tx, "settings").await?;
                tx.commit().await.map_err(map_err)?;
                Ok(())
            }

            fn forget_revocations(&self) {
                self.revocations.forget();
            }

            async fn create_user(&self, user: &UserRecord) -> StoreResult<()> {
                crate::failpoint("store.write")?;
                let inserted = $db::query(sql::INSERT_USER)
                    .bind(&user.sub)
                    .bind(&user.username)
                    .bind(&user.password_hash)
                    .bind(to_json("user claims", &user.claims)?)
                    .bind(user.created_at)
                    .bind(user.updated_at)
                    .bind(latchkey_core::user::email_key(&user.claims))
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if inserted == 0 {
                    return Err(StoreError::Conflict(format!(
                        "the username {:?} or the subject {} is taken",
                        user.username, user.sub
                    )));
                }
                Ok(())
            }

            async fn get_user(&self, sub: &str) -> StoreResult<Option<UserRecord>> {
                crate::failpoint("store.read")?;
                let row = $db::query(sql::GET_USER)
                    .bind(sub)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(Self::user).transpose()
            }

            async fn get_user_by_username(
                &self,
                username: &str,
            ) -> StoreResult<Option<UserRecord>> {
                crate::failpoint("store.read")?;
                let row = $db::query(sql::GET_USER_BY_USERNAME)
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(Self::user).transpose()
            }

            async fn find_users_for_sign_in(&self, name: &str) -> StoreResult<Vec<UserRecord>> {
                crate::failpoint("store.read")?;
                let rows = $db::query(sql::USERS_FOR_SIGN_IN)
                    .bind(name)
                    .bind(name.to_ascii_lowercase())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                rows.iter().map(Self::user).collect()
            }

            async fn find_users_by_verified_email(
                &self,
                email_key: &str,
            ) -> StoreResult<Vec<UserRecord>> {
                crate::failpoint("store.read")?;
                let rows = $db::query(sql::USERS_BY_VERIFIED_EMAIL)
                    .bind(email_key)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                rows.iter().map(Self::user).collect()
            }

            async fn list_users(&self) -> StoreResult<Vec<UserRecord>> {
                let rows = $db::query(sql::LIST_USERS)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                rows.iter().map(Self::user).collect()
            }

            async fn update_user(&self, user: &UserRecord) -> StoreResult<bool> {
                crate::failpoint("store.write")?;
                let updated = $db::query(sql::UPDATE_USER)
                    .bind(&user.sub)
                    .bind(&user.username)
                    .bind(&user.password_hash)
                    .bind(to_json("user claims", &user.claims)?)
                    .bind(user.updated_at)
                    .bind(latchkey_core::user::email_key(&user.claims))
                    .execute(&self.pool)
                    .await
                    .map_err(|e| match map_err(e) {
                        StoreError::Conflict(_) => StoreError::Conflict(format!(
                            "the username {:?} is taken",
                            user.username
                        )),
                        other => other,
                    })?
                    .rows_affected();
                Ok(updated > 0)
            }

            async fn delete_user(&self, sub: &str, now: i64, keep_until: i64) -> StoreResult<bool> {
                crate::failpoint("store.write")?;
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                $db::query(sql::REVOKE_USER_GRANTS)
                    .bind(sub)
                    .bind(now)
                    .bind(keep_until)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                for statement in sql::DELETE_USER_ROWS {
                    $db::query(statement)
                        .bind(sub)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                let deleted = $db::query(sql::DELETE_USER)
                    .bind(sub)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if deleted == 0 {
                    tx.rollback().await.map_err(map_err)?;
                    return Ok(false);
                }
                Self::bump_revocations(&mut tx).await?;
                tx.commit().await.map_err(map_err)?;
                self.revocations.forget();
                Ok(true)
            }

            async fn insert_key(&self, key: &KeyRecord) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                let inserted = $db::query(sql::INSERT_KEY)
                    .bind(&key.kid)
                    .bind(&key.alg)
                    .bind(key.state.as_str())
                    .bind(&key.private_sealed)
                    .bind(to_json("public JWK", &key.public_jwk)?)
                    .bind(key.created_at)
                    .bind(key.retired_at)
                    .bind(key.publish_until)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if inserted == 0 {
                    return Err(StoreError::Conflict(format!(
                        "key {} already exists",
                        key.kid
                    )));
                }
                Self::bump(&mut tx, "keys").await?;
                tx.commit().await.map_err(map_err)
            }

            async fn list_keys(&self) -> StoreResult<Vec<KeyRecord>> {
                let rows = $db::query(sql::LIST_KEYS)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                rows.iter().map(Self::key).collect()
            }

            async fn rotate_key(
                &self,
                new_key: &KeyRecord,
                retired_at: i64,
                publish_until: i64,
            ) -> StoreResult<()> {
                let jwk = to_json("public JWK", &new_key.public_jwk)?;
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                $db::query(sql::RETIRE_ACTIVE_KEYS)
                    .bind(retired_at)
                    .bind(publish_until)
                    .bind(&new_key.alg)
                    .bind(&new_key.kid)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let inserted = $db::query(sql::INSERT_KEY)
                    .bind(&new_key.kid)
                    .bind(&new_key.alg)
                    .bind(KeyState::Active.as_str())
                    .bind(&new_key.private_sealed)
                    .bind(jwk)
                    .bind(new_key.created_at)
                    .bind(None::<i64>)
                    .bind(None::<i64>)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if inserted == 0 {
                    // Dropping `tx` rolls the retirement back.
                    return Err(StoreError::Conflict(format!(
                        "key {} already exists",
                        new_key.kid
                    )));
                }
                Self::bump(&mut tx, "keys").await?;
                tx.commit().await.map_err(map_err)
            }

            async fn record_error(&self, record: &ErrorRecord) -> StoreResult<()> {
                let inserted = $db::query(sql::INSERT_ERROR)
                    .bind(&record.error_id)
                    .bind(&record.cause)
                    .bind(&record.code)
                    .bind(record.status)
                    .bind(&record.description)
                    .bind(&record.debug)
                    .bind(&record.endpoint)
                    .bind(&record.client_id)
                    .bind(record.created_at)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if inserted == 0 {
                    return Err(StoreError::Conflict(format!(
                        "error record {} already exists",
                        record.error_id
                    )));
                }
                Ok(())
            }

            async fn get_error(&self, error_id: &str) -> StoreResult<Option<ErrorRecord>> {
                let row = $db::query(sql::GET_ERROR)
                    .bind(error_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(Self::error_record).transpose()
            }

            async fn purge_expired(
                &self,
                now: i64,
                error_retention_secs: i64,
                limit: i64,
            ) -> StoreResult<u64> {
                if limit <= 0 {
                    return Ok(0);
                }
                let keys = $db::query(sql::PURGE_KEYS)
                    .bind(now)
                    .bind(limit)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                let errors = $db::query(sql::PURGE_ERRORS)
                    .bind(now.saturating_sub(error_retention_secs))
                    .bind(limit)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                let mut tokens = 0;
                for query in [
                    sql::PURGE_REFRESH,
                    sql::PURGE_REVOKED_GRANTS,
                    sql::PURGE_DENIED,
                    sql::PURGE_JTIS,
                ] {
                    tokens += $db::query(query)
                        .bind(now)
                        .bind(limit)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                }
                let pushed = $db::query(sql::PURGE_PUSHED)
                    .bind(now.saturating_sub(PUSHED_GRACE))
                    .bind(limit)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                Ok(keys + errors + tokens + pushed)
            }

            // ---------------------------------------------------------------
            // Tokens (the /token side).
            // ---------------------------------------------------------------

            async fn insert_refresh_token(&self, t: &RefreshRecord) -> StoreResult<()> {
                crate::failpoint("store.write")?;
                Self::insert_refresh_with(&self.pool, t).await
            }

            async fn get_refresh_token(
                &self,
                token_hash: &str,
            ) -> StoreResult<Option<RefreshRecord>> {
                crate::failpoint("store.read")?;
                let row = $db::query(sql::GET_REFRESH)
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(Self::refresh).transpose()
            }

            async fn rotate_refresh_token(
                &self,
                token_hash: &str,
                now: i64,
                successor: &RefreshRecord,
                successor_sealed: &[u8],
            ) -> StoreResult<bool> {
                crate::failpoint("store.write")?;
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                let won = $db::query(sql::ROTATE_REFRESH)
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
                Self::insert_refresh_with(&mut *tx, successor).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(true)
            }

            async fn revoke_grant(
                &self,
                grant_id: &str,
                now: i64,
                keep_until: i64,
            ) -> StoreResult<()> {
                crate::failpoint("store.write")?;
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                $db::query(sql::REVOKE_GRANT)
                    .bind(grant_id)
                    .bind(now)
                    .bind(keep_until)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                $db::query(sql::REVOKE_GRANT_REFRESH)
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

            async fn deny_access_token(&self, jti: &str, expires_at: i64) -> StoreResult<()> {
                crate::failpoint("store.write")?;
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                $db::query(sql::DENY_ACCESS)
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

            async fn record_jti(
                &self,
                client_id: &str,
                jti: &str,
                expires_at: i64,
            ) -> StoreResult<bool> {
                crate::failpoint("store.write")?;
                let inserted = $db::query(sql::RECORD_JTI)
                    .bind(client_id)
                    .bind(jti)
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                Ok(inserted == 1)
            }

            async fn set_client_secret_sealed(
                &self,
                client_id: &str,
                sealed: Option<&[u8]>,
            ) -> StoreResult<bool> {
                crate::failpoint("store.write")?;
                let updated = $db::query(sql::SET_SECRET_SEALED)
                    .bind(client_id)
                    .bind(sealed)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                Ok(updated > 0)
            }

            async fn get_client_secret_sealed(
                &self,
                client_id: &str,
            ) -> StoreResult<Option<Vec<u8>>> {
                crate::failpoint("store.read")?;
                let row = $db::query(sql::GET_SECRET_SEALED)
                    .bind(client_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                match row {
                    Some(row) => row.try_get("secret_sealed").map_err(map_err),
                    None => Ok(None),
                }
            }

            async fn set_registration_token_hash(
                &self,
                client_id: &str,
                token_hash: Option<&str>,
            ) -> StoreResult<bool> {
                let updated = $db::query(sql::SET_REGISTRATION_TOKEN)
                    .bind(client_id)
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                Ok(updated > 0)
            }

            async fn get_registration_token_hash(
                &self,
                client_id: &str,
            ) -> StoreResult<Option<String>> {
                let row = $db::query(sql::GET_REGISTRATION_TOKEN)
                    .bind(client_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                match row {
                    Some(row) => row.try_get("registration_token_hash").map_err(map_err),
                    None => Ok(None),
                }
            }

            async fn insert_pushed_request(&self, p: &PushedRequest) -> StoreResult<()> {
                $db::query(sql::INSERT_PUSHED)
                    .bind(&p.uri_hash)
                    .bind(&p.client_id)
                    .bind(to_json("params", &p.params)?)
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
                let taken = $db::query(sql::TAKE_PUSHED)
                    .bind(uri_hash)
                    .bind(client_id)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                if let Some(row) = taken {
                    let params: String = row.try_get("params").map_err(map_err)?;
                    return Ok(PushedTake::Fresh(PushedRequest {
                        params: serde_json::from_str(&params)
                            .map_err(|e| corrupt("params", client_id, e))?,
                        uri_hash: row.try_get("uri_hash").map_err(map_err)?,
                        client_id: row.try_get("client_id").map_err(map_err)?,
                        created_at: row.try_get("created_at").map_err(map_err)?,
                        expires_at: row.try_get("expires_at").map_err(map_err)?,
                    }));
                }
                let found = $db::query(sql::GET_PUSHED)
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
    };
}

impl_store!(SqliteStore, lite, migrate::SQLITE);
impl_store!(PgStore, pg, migrate::POSTGRES);
