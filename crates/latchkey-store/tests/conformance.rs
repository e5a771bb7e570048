//! One conformance suite for every `Store` implementation.
//!
//! Each check is an `async fn(&TestDb)` written once below;
//! `conformance_tests!` turns the list of checks into `#[tokio::test]`s in a
//! module per database (`sqlite`, `postgres`), each on a fresh database.
//! PostgreSQL tests use the server named by `LATCHKEY_TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`) and fail, not skip,
//! when it cannot be reached. Checks that concern one database's set-up
//! only live in `mod setup` at the end.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use latchkey_core::backchannel::{PendingLogout, SessionClient};
use latchkey_core::client::{ClientMetadata, ClientRecord};
use latchkey_core::device::{DeviceApproval, DeviceGrant, DevicePoll, DeviceState};
use latchkey_core::error::{ErrorCount, ErrorRecord};
use latchkey_core::grant::{PushedRequest, PushedTake};
use latchkey_core::keys::{KeyRecord, KeyState};
use latchkey_core::passkey_record::{CeremonyKind, CeremonyRecord, PasskeyRecord};
use latchkey_core::session::SessionRecord;
use latchkey_core::store::StoreError;
use latchkey_core::store::prelude::*;
use latchkey_core::user::UserRecord;
use serde_json::json;
use sqlx::Connection;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Fixtures

enum Backend {
    Sqlite { path: PathBuf },
    Postgres { server: String, name: String },
}

/// A fresh, not yet migrated database; removed when dropped (also when the
/// test panics).
struct TestDb {
    url: String,
    backend: Backend,
}

fn postgres_server() -> String {
    std::env::var("LATCHKEY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

async fn make_sqlite() -> TestDb {
    let path = std::env::temp_dir().join(format!("latchkey-test-{}.db", uuid::Uuid::new_v4()));
    TestDb {
        url: format!("sqlite://{}", path.display()),
        backend: Backend::Sqlite { path },
    }
}

async fn make_postgres() -> TestDb {
    let server = postgres_server();
    let name = format!("latchkey_test_{}", uuid::Uuid::new_v4().simple());
    let url = latchkey_store::create_postgres_database(&server, &name)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL must be reachable for these tests (set LATCHKEY_TEST_POSTGRES_URL): {e}"
            )
        });
    TestDb {
        url,
        backend: Backend::Postgres { server, name },
    }
}

impl TestDb {
    async fn open(&self) -> Arc<dyn Store> {
        latchkey_store::open(&self.url)
            .await
            .expect("open the store")
    }

    /// Run `sql` on the database directly, bypassing the store.
    async fn exec(&self, sql: &'static str) {
        match &self.backend {
            Backend::Sqlite { path } => {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.busy_timeout(std::time::Duration::from_secs(5))
                    .unwrap();
                conn.execute_batch(sql).unwrap();
            }
            Backend::Postgres { .. } => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
                conn.close().await.unwrap();
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.backend {
            Backend::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Backend::Postgres { server, name } => {
                // Drop runs inside the test's runtime, so use a thread with
                // a runtime of its own.
                let (server, name) = (server.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    if let Err(e) =
                        rt.block_on(latchkey_store::drop_postgres_database(&server, &name))
                    {
                        eprintln!("could not drop test database {name}: {e}");
                    }
                })
                .join();
            }
        }
    }
}

macro_rules! conformance_tests {
    ($module:ident, $make:ident) => {
        mod $module {
            conformance_tests!(@each $make:
                empty_database_and_ping,
                a_sign_in_finishes_with_its_code_all_or_nothing,
                a_consent_remembers_its_resources,
                a_code_redeems_with_its_refresh_token_in_one_commit,
                clients_create_get_list_update_delete,
                duplicate_client_id_is_a_conflict,
                every_client_metadata_field_round_trips,
                the_origin_index_follows_client_changes,
                users_create_get_list_update_delete,
                user_roles_round_trip_and_survive_updates,
                deleting_a_user_ends_their_sessions_tokens_and_links,
                duplicate_username_is_a_conflict_on_create_and_update,
                keys_insert_and_list_newest_first,
                rotate_key_retires_the_active_key_of_its_alg,
                failed_rotation_changes_nothing,
                error_records_round_trip,
                purge_removes_expired_rows_within_the_limit,
                migrations_apply_once_and_reopening_is_harmless,
                database_newer_than_the_binary_is_refused,
                concurrent_creates_of_one_client_yield_one_winner,
                concurrent_creates_of_one_username_yield_one_winner,
                concurrent_migrations_apply_once,
                sessions_interactions_and_consents,
                purge_removes_expired_sessions_interactions_and_windows_within_the_limit,
                a_code_is_redeemed_exactly_once_under_concurrency,
                refresh_tokens_round_trip_and_rotate_once,
                a_grant_keeps_its_claims_request,
                a_grant_keeps_its_resources,
                resources_create_get_list_update_delete,
                a_refresh_token_rotates_exactly_once_under_concurrency,
                revoking_a_grant_revokes_its_refresh_tokens,
                access_token_denylist_and_assertion_jtis,
                concurrent_jti_records_yield_one_winner,
                dpop_jtis_are_recorded_once_per_key_across_stores,
                dpop_bindings_of_codes_and_refresh_tokens_round_trip,
                client_secret_sealed_round_trips,
                a_rotated_secret_is_kept_until_its_deadline,
                registration_token_hash_round_trips_and_goes_with_the_client,
                a_client_is_created_with_its_secrets,
                purge_removes_expired_token_rows,
                client_and_key_writes_bump_their_change_version,
                revocations_bump_their_change_version,
                settings_round_trip_and_bump_their_change_version,
                pushed_requests_are_taken_once_by_their_client,
                a_pushed_request_is_taken_once_under_concurrency,
                a_pushed_request_of_an_earlier_version_reads_as_expired,
                upstream_states_are_taken_once,
                upstream_links_are_unique_both_ways,
                users_are_found_by_email_ignoring_case,
                upstream_sessions_round_trip_and_expire,
                identity_confidence_is_a_user_attribute,
                totp_enrolment_confirmation_and_replay,
                a_totp_step_is_accepted_once_under_concurrency,
                recovery_codes_are_single_use,
                a_step_up_records_the_factor_on_the_session,
                attempts_are_reserved_up_to_the_limit_across_nodes,
                users_are_found_for_sign_in_by_name_or_verified_email,
                device_grants_are_kept_and_found_by_user_code,
                a_device_grant_is_decided_once,
                device_polls_answer_each_outcome_and_slow_down_grows_the_interval,
                an_approved_device_grant_is_handed_out_once_across_nodes,
                device_grants_are_purged_after_expiry_and_go_with_their_user,
                an_approved_device_grant_is_redeemed_with_its_refresh_token_in_one_commit,
                sessions_are_listed_and_ended_per_user,
                consents_are_listed_with_their_last_use_and_revoked_with_their_grants,
                ending_a_session_revokes_its_grants_without_offline_access,
                ending_every_session_revokes_every_session_bound_grant,
                deleting_a_user_forgets_their_grant_uses,
                audit_events_are_appended_read_by_page_and_filter_and_purged,
                passkeys_are_listed_found_and_removed_per_user,
                a_passkey_is_renamed_by_its_owner_only,
                a_passkey_counter_is_accepted_once_and_only_upwards,
                passkey_ceremonies_are_taken_once_and_purged,
                mail_is_claimed_sent_and_retried,
                a_message_is_claimed_by_one_node_under_concurrency,
                a_dead_nodes_claim_runs_out,
                mail_links_are_used_once_and_purged,
                ending_everything_for_a_user_keeps_the_user,
                grant_uses_tell_which_clients_a_session_reached,
                logouts_are_claimed_delivered_and_retried,
                a_logout_is_claimed_by_one_node_under_concurrency,
                a_dead_nodes_logout_claim_runs_out,
                users_are_searched_by_name_sub_or_email_page_by_page,
                a_user_is_locked_and_unlocked,
                errors_are_counted_per_bucket_cause_and_client,
                a_client_use_keeps_the_latest_time_and_goes_with_its_client,
            );
        }
    };
    (@each $make:ident: $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let db = super::$make().await;
                super::$check(&db).await;
            }
        )*
    };
}

conformance_tests!(sqlite, make_sqlite);
conformance_tests!(postgres, make_postgres);

// ---------------------------------------------------------------------------
// Helpers

fn client(id: &str, created_at: i64) -> ClientRecord {
    ClientRecord {
        client_id: id.into(),
        secret_hash: Some(format!("hash-of-{id}")),
        previous_secret: None,
        active: true,
        metadata: ClientMetadata {
            redirect_uris: vec![format!("https://{id}.example/cb")],
            ..Default::default()
        },
        created_at,
        updated_at: created_at,
    }
}

fn user(sub: &str, username: &str, created_at: i64) -> UserRecord {
    let mut claims = serde_json::Map::new();
    claims.insert("email".into(), json!(format!("{username}@example.com")));
    UserRecord {
        sub: sub.into(),
        username: username.into(),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        claims,
        created_at,
        updated_at: created_at,
    }
}

fn key(kid: &str, alg: &str, created_at: i64) -> KeyRecord {
    KeyRecord {
        kid: kid.into(),
        alg: alg.into(),
        state: KeyState::Active,
        // Every byte value, so nothing is lost to text conversion.
        private_sealed: (0..=255u8).chain([0, 0, 255]).collect(),
        public_jwk: json!({"kty": "EC", "crv": "P-256", "x": "eA", "y": "eQ", "kid": kid, "use": "sig", "alg": alg}),
        created_at,
        retired_at: None,
        publish_until: None,
    }
}

fn retired_key(kid: &str, created_at: i64, publish_until: i64) -> KeyRecord {
    KeyRecord {
        state: KeyState::Retired,
        retired_at: Some(created_at + 1),
        publish_until: Some(publish_until),
        ..key(kid, "ES256", created_at)
    }
}

fn error_record(id: &str, created_at: i64) -> ErrorRecord {
    ErrorRecord {
        error_id: id.into(),
        cause: "invalid_redirect_uri".into(),
        code: "invalid_request".into(),
        status: 400,
        description: "redirect_uri is not registered for this client".into(),
        debug: Some("got https://evil.example/cb".into()),
        endpoint: "/authorize".into(),
        client_id: Some("app".into()),
        created_at,
    }
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// The checks

async fn empty_database_and_ping(db: &TestDb) {
    let store = db.open().await;
    store.ping().await.unwrap();
    assert!(store.list_clients().await.unwrap().is_empty());
    assert!(store.list_users().await.unwrap().is_empty());
    assert!(store.list_keys().await.unwrap().is_empty());
    assert_eq!(store.get_client("nope").await.unwrap(), None);
    assert_eq!(store.get_user("nope").await.unwrap(), None);
    assert_eq!(store.get_user_by_username("nope").await.unwrap(), None);
    assert_eq!(store.get_error("nope").await.unwrap(), None);
    assert_eq!(store.purge_expired(1_000_000, 0, 100).await.unwrap(), 0);
}

async fn clients_create_get_list_update_delete(db: &TestDb) {
    let store = db.open().await;
    // Listed by creation time, then id (byte order: "B" < "a").
    let (b, a, c) = (client("b", 100), client("a", 200), client("B", 100));
    for record in [&b, &a, &c] {
        store.create_client(record).await.unwrap();
    }
    assert_eq!(store.get_client("b").await.unwrap(), Some(b.clone()));
    let ids: Vec<String> = store
        .list_clients()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.client_id)
        .collect();
    assert_eq!(ids, ["B", "b", "a"]);

    let mut changed = b.clone();
    changed.secret_hash = None;
    changed.active = false;
    changed.metadata.token_endpoint_auth_method = "none".into();
    changed.metadata.client_name = Some("Renamed".into());
    changed.updated_at = 300;
    assert!(store.update_client(&changed).await.unwrap());
    assert_eq!(store.get_client("b").await.unwrap(), Some(changed));
    assert!(!store.update_client(&client("missing", 1)).await.unwrap());
    assert_eq!(store.get_client("missing").await.unwrap(), None);

    assert!(store.delete_client("b").await.unwrap());
    assert!(!store.delete_client("b").await.unwrap());
    assert_eq!(store.get_client("b").await.unwrap(), None);
    assert_eq!(store.list_clients().await.unwrap(), vec![c, a]);
}

async fn duplicate_client_id_is_a_conflict(db: &TestDb) {
    let store = db.open().await;
    store.create_client(&client("app", 1)).await.unwrap();
    let mut other = client("app", 2);
    other.secret_hash = Some("different".into());
    assert_conflict(store.create_client(&other).await);
    // The first one is untouched.
    assert_eq!(
        store.get_client("app").await.unwrap(),
        Some(client("app", 1))
    );
}

async fn every_client_metadata_field_round_trips(db: &TestDb) {
    let store = db.open().await;
    // No `..Default::default()`: a new field must be added here to compile.
    let metadata = ClientMetadata {
        redirect_uris: vec![
            "https://app.example/cb".into(),
            "com.example.app:/cb".into(),
        ],
        post_logout_redirect_uris: vec!["https://app.example/bye".into()],
        grant_types: vec![
            "authorization_code".into(),
            "refresh_token".into(),
            "client_credentials".into(),
        ],
        response_types: vec!["code".into()],
        token_endpoint_auth_method: "private_key_jwt".into(),
        token_endpoint_auth_signing_alg: Some("ES256".into()),
        jwks: Some(
            json!({"keys": [{"kty": "EC", "crv": "P-256", "x": "eA", "y": "eQ", "kid": "k1", "n": 1}]}),
        ),
        jwks_uri: Some("https://app.example/jwks.json".into()),
        scope: Some("openid profile email offline_access".into()),
        id_token_signed_response_alg: "ES256".into(),
        request_object_signing_alg: Some("PS256".into()),
        authorization_signed_response_alg: Some("ES256".into()),
        // Refused at registration, but a stored record keeps what it holds.
        encryption: latchkey_core::client::Encryption {
            authorization_encrypted_response_alg: Some("RSA-OAEP-256".into()),
            authorization_encrypted_response_enc: Some("A128GCM".into()),
            request_object_encryption_alg: Some("RSA-OAEP".into()),
            request_object_encryption_enc: Some("A256GCM".into()),
            id_token_encrypted_response_alg: Some("ECDH-ES".into()),
            id_token_encrypted_response_enc: Some("A128CBC-HS256".into()),
            userinfo_encrypted_response_alg: Some("RSA-OAEP-256".into()),
            userinfo_encrypted_response_enc: Some("A256GCM".into()),
        },
        token_exchange: Some(latchkey_core::client::ExchangePolicy {
            subject_clients: vec!["web".into()],
            audiences: vec!["https://inventory.example".into()],
            scopes: Some(vec!["orders:read".into()]),
        }),
        request_uris: vec!["https://app.example/request.jwt".into()],
        require_pushed_authorization_requests: true,
        profile: Some("fapi2".into()),
        application_type: "native".into(),
        client_name: Some("Ünïcödé app 🚀 \"quoted\" 'single' \\ back".into()),
        client_uri: Some("https://app.example/".into()),
        logo_uri: Some("https://app.example/logo.png".into()),
        policy_uri: Some("https://app.example/policy".into()),
        tos_uri: Some("https://app.example/tos".into()),
        contacts: vec!["ops@app.example".into(), "security@app.example".into()],
        software_id: Some("4NRB1-0XZABZI9E6-5SM3R".into()),
        software_version: Some("2.3.1".into()),
        default_max_age: Some(3600),
        require_auth_time: true,
        skip_consent: true,
        allowed_cors_origins: Some(vec![
            "https://app.example".into(),
            "http://127.0.0.1:5173".into(),
        ]),
        refresh_token_ttl: Some(86_400),
        subject_type: Some("pairwise".into()),
        sector_identifier_uri: Some("https://sector.example/uris.json".into()),
        dpop_bound_access_tokens: true,
        backchannel_logout_uri: Some("https://app.example/backchannel?x=1".into()),
        backchannel_logout_session_required: true,
    };
    let full = ClientRecord {
        metadata,
        ..client("full", 10)
    };
    let defaults = ClientRecord {
        secret_hash: None,
        previous_secret: None,
        active: false,
        metadata: ClientMetadata::default(),
        ..client("defaults", 11)
    };
    store.create_client(&full).await.unwrap();
    store.create_client(&defaults).await.unwrap();
    assert_eq!(store.get_client("full").await.unwrap(), Some(full.clone()));
    assert_eq!(
        store.get_client("defaults").await.unwrap(),
        Some(defaults.clone())
    );
    assert_eq!(
        store.list_clients().await.unwrap(),
        vec![full.clone(), defaults]
    );
    // And through an update.
    assert!(store.update_client(&full).await.unwrap());
    assert_eq!(store.get_client("full").await.unwrap(), Some(full));
}

/// The CORS origin index answers from memory and is rebuilt after any
/// client change: a write through this store, or one elsewhere that the
/// change watcher reports with `forget_clients`.
async fn the_origin_index_follows_client_changes(db: &TestDb) {
    let store = db.open().await;
    let other = db.open().await;
    assert!(
        !store
            .origin_allowed_by_a_client("https://spa.example")
            .await
            .unwrap()
    );
    let mut spa = ClientRecord {
        metadata: ClientMetadata {
            redirect_uris: vec!["https://spa.example/cb".into()],
            token_endpoint_auth_method: "none".into(),
            ..ClientMetadata::default()
        },
        ..client("spa", 1)
    };
    spa.secret_hash = None;
    store.create_client(&spa).await.unwrap();
    // Derived from the public client's redirect URI.
    assert!(
        store
            .origin_allowed_by_a_client("https://spa.example")
            .await
            .unwrap()
    );
    assert!(
        !store
            .origin_allowed_by_a_client("https://spa.example/")
            .await
            .unwrap()
    );
    assert!(
        !store
            .origin_allowed_by_a_client("https://evil.example")
            .await
            .unwrap()
    );
    // Another process narrows it: seen once the watcher forgets.
    spa.metadata.allowed_cors_origins = Some(vec!["https://new.example".into()]);
    other.update_client(&spa).await.unwrap();
    assert!(
        store
            .origin_allowed_by_a_client("https://spa.example")
            .await
            .unwrap()
    );
    store.forget_clients();
    assert!(
        !store
            .origin_allowed_by_a_client("https://spa.example")
            .await
            .unwrap()
    );
    assert!(
        store
            .origin_allowed_by_a_client("https://new.example")
            .await
            .unwrap()
    );
    // A deactivated client allows nothing.
    spa.active = false;
    store.update_client(&spa).await.unwrap();
    assert!(
        !store
            .origin_allowed_by_a_client("https://new.example")
            .await
            .unwrap()
    );
}

async fn users_create_get_list_update_delete(db: &TestDb) {
    let store = db.open().await;
    let mut alice = user("sub-a", "alice", 200);
    alice.claims.insert("email_verified".into(), json!(true));
    alice
        .claims
        .insert("name".into(), json!("Alice Ærøskøbing 🦀"));
    alice.claims.insert(
        "address".into(),
        json!({"street_address": "1 Main St\nApt 2", "country": "NO"}),
    );
    alice
        .claims
        .insert("updated_at".into(), json!(1_700_000_000));
    let bob = UserRecord {
        password_hash: None,
        claims: serde_json::Map::new(),
        ..user("sub-b", "bob", 100)
    };
    let carol = user("sub-c", "carol", 200);
    for record in [&carol, &alice, &bob] {
        store.create_user(record).await.unwrap();
    }
    assert_eq!(store.get_user("sub-a").await.unwrap(), Some(alice.clone()));
    assert_eq!(
        store.get_user_by_username("bob").await.unwrap(),
        Some(bob.clone())
    );
    assert_eq!(store.get_user_by_username("Bob").await.unwrap(), None);
    assert_eq!(
        store.list_users().await.unwrap(),
        vec![bob.clone(), alice.clone(), carol.clone()]
    );

    let mut renamed = alice.clone();
    renamed.username = "alice2".into();
    renamed.password_hash = None;
    renamed.claims.remove("address");
    renamed.updated_at = 999;
    assert!(store.update_user(&renamed).await.unwrap());
    assert_eq!(
        store.get_user("sub-a").await.unwrap(),
        Some(renamed.clone())
    );
    assert_eq!(store.get_user_by_username("alice").await.unwrap(), None);
    assert_eq!(
        store.get_user_by_username("alice2").await.unwrap(),
        Some(renamed)
    );
    assert!(
        !store
            .update_user(&user("sub-missing", "x", 1))
            .await
            .unwrap()
    );

    assert!(store.delete_user("sub-b", 10, 100).await.unwrap());
    assert!(!store.delete_user("sub-b", 10, 100).await.unwrap());
    assert_eq!(store.get_user("sub-b").await.unwrap(), None);
    assert_eq!(store.list_users().await.unwrap().len(), 2);
}

/// Roles are stored apart from the record: a new user holds none, they
/// are replaced as a set, and an update of the record keeps them.
async fn user_roles_round_trip_and_survive_updates(db: &TestDb) {
    let store = db.open().await;
    let alice = user("sub-r", "rhoda", 100);
    store.create_user(&alice).await.unwrap();
    assert_eq!(store.user_roles("sub-r").await.unwrap(), Some(vec![]));
    assert_eq!(store.user_roles("sub-none").await.unwrap(), None);
    let roles = vec![
        "auditor".to_string(),
        "admin".to_string(),
        "admin".to_string(),
    ];
    assert!(store.set_user_roles("sub-r", &roles, 200).await.unwrap());
    assert_eq!(
        store.user_roles("sub-r").await.unwrap(),
        Some(vec!["admin".to_string(), "auditor".to_string()])
    );
    let mut renamed = alice.clone();
    renamed.username = "rhoda2".into();
    assert!(store.update_user(&renamed).await.unwrap());
    assert_eq!(
        store.user_roles("sub-r").await.unwrap().map(|r| r.len()),
        Some(2)
    );
    assert!(store.set_user_roles("sub-r", &[], 300).await.unwrap());
    assert_eq!(store.user_roles("sub-r").await.unwrap(), Some(vec![]));
    assert!(!store.set_user_roles("sub-none", &roles, 300).await.unwrap());
}

/// Deleting a user ends what lets anyone act as them, and touches no one
/// else: sessions, codes and refresh tokens go, their grants are revoked,
/// consents, second factors and upstream links go.
async fn deleting_a_user_ends_their_sessions_tokens_and_links(db: &TestDb) {
    use latchkey_core::grant::Redemption;
    let store = db.open().await;
    for (sub, name) in [("s1", "alice"), ("s2", "bob")] {
        store.create_user(&user(sub, name, 1)).await.unwrap();
        store
            .insert_session(&SessionRecord {
                id_hash: format!("session-{sub}"),
                sid: format!("sid-{sub}"),
                sub: sub.into(),
                auth_time: 100,
                amr: vec!["pwd".into()],
                acr: None,
                created_at: 100,
                expires_at: 9_000,
                user_agent: None,
                address: None,
            })
            .await
            .unwrap();
        let mut refresh = refresh(&format!("refresh-{sub}"), &format!("grant-r-{sub}"), 9_000);
        refresh.sub = sub.into();
        store.insert_refresh_token(&refresh).await.unwrap();
        let mut code = code_record(&format!("code-{sub}"));
        code.sub = sub.into();
        code.grant_id = format!("grant-c-{sub}");
        code.expires_at = 9_000;
        store.insert_code(&code).await.unwrap();
        store.put_consent(sub, "c1", "openid", 100).await.unwrap();
        store.put_totp(&totp(sub, Some(100)), true).await.unwrap();
        store
            .put_recovery_codes(sub, &[format!("recovery-{sub}")], 100)
            .await
            .unwrap();
        assert!(
            store
                .insert_upstream_link("up", &format!("upstream-{sub}"), sub, 100)
                .await
                .unwrap()
        );
    }
    assert!(store.delete_user("s1", 200, 5_000).await.unwrap());
    assert_eq!(store.get_user("s1").await.unwrap(), None);
    assert_eq!(store.get_session("session-s1").await.unwrap(), None);
    assert_eq!(store.get_refresh_token("refresh-s1").await.unwrap(), None);
    assert!(matches!(
        store.redeem_code("code-s1", 300).await.unwrap(),
        Redemption::Unknown
    ));
    assert!(store.is_grant_revoked("grant-r-s1").await.unwrap());
    assert!(store.is_grant_revoked("grant-c-s1").await.unwrap());
    assert_eq!(store.get_consent("s1", "c1").await.unwrap(), None);
    assert_eq!(store.get_totp("s1").await.unwrap(), None);
    assert_eq!(store.recovery_codes_left("s1").await.unwrap(), 0);
    assert_eq!(
        store.get_upstream_link("up", "upstream-s1").await.unwrap(),
        None
    );
    // Bob keeps everything.
    assert!(store.get_user("s2").await.unwrap().is_some());
    assert!(store.get_session("session-s2").await.unwrap().is_some());
    assert!(
        store
            .get_refresh_token("refresh-s2")
            .await
            .unwrap()
            .is_some()
    );
    assert!(!store.is_grant_revoked("grant-r-s2").await.unwrap());
    assert!(!store.is_grant_revoked("grant-c-s2").await.unwrap());
    assert!(store.get_consent("s2", "c1").await.unwrap().is_some());
    assert!(store.get_totp("s2").await.unwrap().is_some());
    assert_eq!(store.recovery_codes_left("s2").await.unwrap(), 1);
    assert_eq!(
        store
            .get_upstream_link("up", "upstream-s2")
            .await
            .unwrap()
            .as_deref(),
        Some("s2")
    );
    // A user who is not there: nothing happens.
    assert!(!store.delete_user("s1", 300, 5_000).await.unwrap());
}

async fn duplicate_username_is_a_conflict_on_create_and_update(db: &TestDb) {
    let store = db.open().await;
    store.create_user(&user("sub-a", "alice", 1)).await.unwrap();
    store.create_user(&user("sub-b", "bob", 1)).await.unwrap();
    // Same username, new sub.
    assert_conflict(store.create_user(&user("sub-c", "alice", 2)).await);
    // Same sub, new username.
    assert_conflict(store.create_user(&user("sub-a", "anna", 2)).await);
    assert_eq!(store.get_user("sub-c").await.unwrap(), None);
    assert_eq!(store.get_user_by_username("anna").await.unwrap(), None);
    // Renaming bob to alice.
    assert_conflict(store.update_user(&user("sub-b", "alice", 3)).await);
    assert_eq!(
        store.get_user("sub-b").await.unwrap(),
        Some(user("sub-b", "bob", 1))
    );
    // Keeping one's own name is not a conflict.
    assert!(store.update_user(&user("sub-b", "bob", 4)).await.unwrap());
}

async fn keys_insert_and_list_newest_first(db: &TestDb) {
    let store = db.open().await;
    let old = retired_key("k-old", 100, 5000);
    let (b, a, newest) = (
        key("k-b", "RS256", 200),
        key("k-a", "ES256", 200),
        key("k-new", "ES256", 300),
    );
    for record in [&old, &b, &a, &newest] {
        store.insert_key(record).await.unwrap();
    }
    assert_conflict(store.insert_key(&key("k-a", "RS256", 400)).await);
    let keys = store.list_keys().await.unwrap();
    assert_eq!(keys, vec![newest, a, b, old]);
    assert_eq!(keys[0].private_sealed.len(), 259);
}

async fn rotate_key_retires_the_active_key_of_its_alg(db: &TestDb) {
    let store = db.open().await;
    let (es1, rs1) = (key("es1", "ES256", 100), key("rs1", "RS256", 100));
    store.insert_key(&es1).await.unwrap();
    store.insert_key(&rs1).await.unwrap();

    let es2 = key("es2", "ES256", 200);
    store.rotate_key(&es2, 200, 3800).await.unwrap();
    let keys = store.list_keys().await.unwrap();
    let expect_es1 = KeyRecord {
        state: KeyState::Retired,
        retired_at: Some(200),
        publish_until: Some(3800),
        ..es1.clone()
    };
    assert_eq!(keys, vec![es2.clone(), expect_es1.clone(), rs1.clone()]);

    // JWKS publication: all three now; the retired one stops at publish_until.
    assert!(keys.iter().all(|k| k.is_published(1000)));
    let published_later: Vec<&str> = keys
        .iter()
        .filter(|k| k.is_published(3800))
        .map(|k| k.kid.as_str())
        .collect();
    assert_eq!(published_later, ["es2", "rs1"]);

    // A second rotation retires es2 and leaves es1's times alone.
    let es3 = key("es3", "ES256", 300);
    store.rotate_key(&es3, 300, 4000).await.unwrap();
    let keys = store.list_keys().await.unwrap();
    let expect_es2 = KeyRecord {
        state: KeyState::Retired,
        retired_at: Some(300),
        publish_until: Some(4000),
        ..es2
    };
    assert_eq!(keys, vec![es3, expect_es2, expect_es1, rs1]);
    let active: Vec<&str> = keys
        .iter()
        .filter(|k| k.state == KeyState::Active)
        .map(|k| k.kid.as_str())
        .collect();
    assert_eq!(active, ["es3", "rs1"]);
}

async fn failed_rotation_changes_nothing(db: &TestDb) {
    let store = db.open().await;
    let (es1, rs1) = (key("es1", "ES256", 100), key("rs1", "RS256", 100));
    store.insert_key(&es1).await.unwrap();
    store.insert_key(&rs1).await.unwrap();
    // The new key's kid is taken: the insert fails after the retirement ran,
    // and the retirement must be rolled back with it.
    assert_conflict(store.rotate_key(&key("rs1", "ES256", 200), 200, 3800).await);
    assert_eq!(store.list_keys().await.unwrap(), vec![es1, rs1]);
}

async fn error_records_round_trip(db: &TestDb) {
    let store = db.open().await;
    let full = error_record("err-1", 100);
    let bare = ErrorRecord {
        debug: None,
        client_id: None,
        status: 503,
        ..error_record("err-2", 101)
    };
    store.record_error(&full).await.unwrap();
    store.record_error(&bare).await.unwrap();
    assert_eq!(store.get_error("err-1").await.unwrap(), Some(full));
    assert_eq!(store.get_error("err-2").await.unwrap(), Some(bare));
    assert_eq!(store.get_error("err-3").await.unwrap(), None);
    assert_conflict(store.record_error(&error_record("err-1", 200)).await);
}

async fn purge_removes_expired_rows_within_the_limit(db: &TestDb) {
    let store = db.open().await;
    let now = 500;
    // Keys: active ones stay whatever their age; retired ones go once
    // publish_until <= now.
    store.insert_key(&key("active", "ES256", 1)).await.unwrap();
    for (kid, until) in [("r1", 100), ("r2", 200), ("r3", now)] {
        store
            .insert_key(&retired_key(kid, 10, until))
            .await
            .unwrap();
    }
    store
        .insert_key(&retired_key("r-future", 10, now + 1))
        .await
        .unwrap();
    // Errors: retention 400 s, so anything created before 100 goes.
    for (id, at) in [("e1", 10), ("e2", 20), ("e3", 30), ("e4", 40), ("e5", 99)] {
        store.record_error(&error_record(id, at)).await.unwrap();
    }
    store
        .record_error(&error_record("e-edge", 100))
        .await
        .unwrap();
    store
        .record_error(&error_record("e-new", 450))
        .await
        .unwrap();

    assert_eq!(store.purge_expired(now, 400, 0).await.unwrap(), 0);
    assert_eq!(store.purge_expired(now, 400, 2).await.unwrap(), 4); // 2 keys + 2 errors
    assert_eq!(store.purge_expired(now, 400, 2).await.unwrap(), 3); // 1 key + 2 errors
    assert_eq!(store.purge_expired(now, 400, 2).await.unwrap(), 1); // 1 error
    assert_eq!(store.purge_expired(now, 400, 2).await.unwrap(), 0);

    let kids: Vec<String> = store
        .list_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids, ["r-future", "active"]);
    for gone in ["e1", "e2", "e3", "e4", "e5"] {
        assert_eq!(store.get_error(gone).await.unwrap(), None, "{gone}");
    }
    assert!(store.get_error("e-edge").await.unwrap().is_some());
    assert!(store.get_error("e-new").await.unwrap().is_some());
}

async fn migrations_apply_once_and_reopening_is_harmless(db: &TestDb) {
    let applied = latchkey_store::migrate(&db.url).await.unwrap();
    assert_eq!(applied.first().map(String::as_str), Some("0001_init"));
    let mut sorted = applied.clone();
    sorted.sort();
    assert_eq!(applied, sorted, "migrations apply in order");
    assert!(latchkey_store::migrate(&db.url).await.unwrap().is_empty());
    let first = db.open().await;
    first.create_client(&client("app", 1)).await.unwrap();
    let second = db.open().await;
    assert_eq!(
        second.get_client("app").await.unwrap(),
        Some(client("app", 1))
    );
    drop((first, second));
    let third = db.open().await;
    assert_eq!(third.list_clients().await.unwrap().len(), 1);
    assert!(latchkey_store::migrate(&db.url).await.unwrap().is_empty());
}

async fn database_newer_than_the_binary_is_refused(db: &TestDb) {
    drop(db.open().await);
    db.exec("INSERT INTO latchkey_migrations (version, name, applied_at) VALUES (9999, '9999_from_the_future', 0)")
        .await;
    for result in [
        latchkey_store::open(&db.url).await.map(|_| ()),
        latchkey_store::migrate(&db.url).await.map(|_| ()),
    ] {
        match result {
            Err(StoreError::Other(msg)) => {
                assert!(
                    msg.contains("9999") && msg.contains("9999_from_the_future"),
                    "{msg}"
                );
                assert!(msg.contains("newer"), "{msg}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}

fn code_record(hash: &str) -> latchkey_core::grant::CodeRecord {
    latchkey_core::grant::CodeRecord {
        code_hash: hash.into(),
        grant_id: "g1".into(),
        client_id: "c1".into(),
        redirect_uri: Some("https://a.example/cb".into()),
        sub: "s1".into(),
        scope: "openid email".into(),
        nonce: Some("n".into()),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        code_challenge_method: Some("S256".into()),
        auth_time: 100,
        acr: None,
        amr: vec!["pwd".into()],
        sid: Some("sid1".into()),
        claims: None,
        resources: Vec::new(),
        created_at: 100,
        expires_at: 160,
        dpop_jkt: None,
    }
}

/// A stored authorization request, as interactions keep them.
fn authorize_request() -> latchkey_core::authorize::AuthorizeRequest {
    serde_json::from_value(json!({
        "client_id": "c1", "redirect_uri": "https://a.example/cb", "redirect_uri_sent": true,
        "response_mode": "query", "scopes": ["openid"], "state": "x", "nonce": null,
        "code_challenge": null, "code_challenge_method": null, "prompt": [], "max_age": null,
        "login_hint": null, "id_token_hint": null, "ui_locales": null, "acr_values": null
    }))
    .unwrap()
}

async fn a_sign_in_finishes_with_its_code_all_or_nothing(db: &TestDb) {
    use latchkey_core::grant::Redemption;
    use latchkey_core::session::{ConsentGrant, InteractionRecord};
    let store = db.open().await;
    let request = authorize_request();
    let interaction = |id: &str| InteractionRecord {
        id: id.into(),
        browser_hash: "b".into(),
        purpose: request.clone().into(),
        created_at: 100,
        expires_at: 700,
    };
    let grant = |scope| ConsentGrant {
        sub: "s1",
        client_id: "c1",
        scope,
        resources: &[],
        now: 100,
    };
    store.insert_interaction(&interaction("i1")).await.unwrap();
    store.insert_code(&code_record("taken")).await.unwrap();

    // The code cannot be stored (its hash is taken): nothing else happened.
    assert!(
        store
            .finish_with_code(Some("i1"), Some(grant("openid")), &code_record("taken"))
            .await
            .is_err()
    );
    assert!(store.get_interaction("i1").await.unwrap().is_some());
    assert_eq!(store.get_consent("s1", "c1").await.unwrap(), None);

    // All of it.
    assert!(
        store
            .finish_with_code(Some("i1"), Some(grant("openid email")), &code_record("k1"))
            .await
            .unwrap()
    );
    assert_eq!(store.get_interaction("i1").await.unwrap(), None);
    assert_eq!(
        store
            .get_consent("s1", "c1")
            .await
            .unwrap()
            .map(|c| c.scope)
            .as_deref(),
        Some("openid email")
    );
    assert!(matches!(
        store.redeem_code("k1", 120).await.unwrap(),
        Redemption::Fresh(_)
    ));

    // Once: the second finish writes nothing.
    assert!(
        !store
            .finish_with_code(Some("i1"), Some(grant("openid")), &code_record("k2"))
            .await
            .unwrap()
    );
    assert_eq!(
        store.redeem_code("k2", 120).await.unwrap(),
        Redemption::Unknown
    );
    assert_eq!(
        store
            .get_consent("s1", "c1")
            .await
            .unwrap()
            .map(|c| c.scope)
            .as_deref(),
        Some("openid email")
    );

    // Without a consent, and without an interaction.
    store.insert_interaction(&interaction("i2")).await.unwrap();
    assert!(
        store
            .finish_with_code(Some("i2"), None, &code_record("k3"))
            .await
            .unwrap()
    );
    assert!(
        store
            .finish_with_code(None, None, &code_record("k4"))
            .await
            .unwrap()
    );
    for code in ["k3", "k4"] {
        assert!(matches!(
            store.redeem_code(code, 120).await.unwrap(),
            Redemption::Fresh(_)
        ));
    }
}

async fn a_code_redeems_with_its_refresh_token_in_one_commit(db: &TestDb) {
    use latchkey_core::grant::Redemption;
    let store = db.open().await;
    for code in ["k1", "k2"] {
        store.insert_code(&code_record(code)).await.unwrap();
    }
    store
        .insert_refresh_token(&refresh("taken", "g0", 9_999))
        .await
        .unwrap();

    // The refresh token cannot be kept (its hash is taken): the code is
    // not used either, so the client may try again.
    let mut calls = 0;
    let failed = store
        .redeem_code_then("k1", 120, &mut |code| {
            calls += 1;
            assert_eq!(code.code_hash, "k1");
            Some(refresh("taken", &code.grant_id, 9_999))
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(calls, 1);

    // Both, together; then the code is spent and `then` is not asked again.
    let fresh = store
        .redeem_code_then("k1", 120, &mut |code| {
            Some(refresh("r1", &code.grant_id, 9_999))
        })
        .await
        .unwrap();
    assert!(matches!(fresh, Redemption::Fresh(_)));
    assert_eq!(
        store
            .get_refresh_token("r1")
            .await
            .unwrap()
            .unwrap()
            .grant_id,
        "g1"
    );
    let mut asked = false;
    let again = store
        .redeem_code_then("k1", 121, &mut |_| {
            asked = true;
            None
        })
        .await
        .unwrap();
    assert!(matches!(again, Redemption::Reused(_)));
    assert!(!asked);

    // `then` keeps nothing (a failed check): the code is spent all the same.
    let spent = store
        .redeem_code_then("k2", 120, &mut |_| None)
        .await
        .unwrap();
    assert!(matches!(spent, Redemption::Fresh(_)));
    assert!(matches!(
        store.redeem_code("k2", 121).await.unwrap(),
        Redemption::Reused(_)
    ));
    assert_eq!(
        store
            .redeem_code_then("nope", 120, &mut |_| None)
            .await
            .unwrap(),
        Redemption::Unknown
    );
}

async fn sessions_interactions_and_consents(db: &TestDb) {
    use latchkey_core::session::{InteractionRecord, SessionRecord};
    let store = db.open().await;
    let session = SessionRecord {
        id_hash: "h1".into(),
        sid: "sid1".into(),
        sub: "s1".into(),
        auth_time: 100,
        amr: vec!["pwd".into()],
        acr: None,
        created_at: 100,
        expires_at: 200,
        user_agent: None,
        address: None,
    };
    store.insert_session(&session).await.unwrap();
    assert_eq!(store.get_session("h1").await.unwrap(), Some(session));
    assert!(store.delete_session("h1").await.unwrap());
    assert_eq!(store.get_session("h1").await.unwrap(), None);

    let request: latchkey_core::authorize::AuthorizeRequest = serde_json::from_value(json!({
        "client_id": "c1", "redirect_uri": "https://a.example/cb", "redirect_uri_sent": true,
        "response_mode": "query", "scopes": ["openid"], "state": "x", "nonce": null,
        "code_challenge": null, "code_challenge_method": null, "prompt": ["login"], "max_age": null,
        "login_hint": null, "id_token_hint": null, "ui_locales": null, "acr_values": null
    }))
    .unwrap();
    let interaction = InteractionRecord {
        id: "i1".into(),
        browser_hash: "b".into(),
        purpose: request.into(),
        created_at: 100,
        expires_at: 700,
    };
    store.insert_interaction(&interaction).await.unwrap();
    assert_eq!(
        store.get_interaction("i1").await.unwrap(),
        Some(interaction.clone())
    );
    assert_eq!(
        store.take_interaction("i1").await.unwrap(),
        Some(interaction)
    );
    assert_eq!(store.take_interaction("i1").await.unwrap(), None);

    assert_eq!(store.get_consent("s1", "c1").await.unwrap(), None);
    store.put_consent("s1", "c1", "openid", 1).await.unwrap();
    store
        .put_consent("s1", "c1", "openid email", 2)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_consent("s1", "c1")
            .await
            .unwrap()
            .map(|c| c.scope)
            .as_deref(),
        Some("openid email")
    );
}

async fn a_consent_remembers_its_resources(db: &TestDb) {
    use latchkey_core::session::{Consent, ConsentGrant};
    let store = db.open().await;
    let both = [
        "https://a.example/".to_string(),
        "https://b.example/".to_string(),
    ];
    let finish = |code: &'static str, scope: &'static str, resources: &'static [String]| {
        let store = &store;
        async move {
            let grant = ConsentGrant {
                sub: "s1",
                client_id: "c1",
                scope,
                resources,
                now: 100,
            };
            assert!(
                store
                    .finish_with_code(None, Some(grant), &code_record(code))
                    .await
                    .unwrap()
            );
        }
    };
    let both: &'static [String] = Box::leak(Box::new(both));
    finish("k1", "openid", &both[..1]).await;
    let consent = |scope: &str, resources: &[String]| Consent {
        scope: scope.into(),
        resources: resources.to_vec(),
    };
    assert_eq!(
        store.get_consent("s1", "c1").await.unwrap(),
        Some(consent("openid", &both[..1]))
    );
    // A consent of scopes alone keeps the resources allowed before.
    store
        .put_consent("s1", "c1", "openid email", 200)
        .await
        .unwrap();
    finish("k2", "openid email", &[]).await;
    assert_eq!(
        store.get_consent("s1", "c1").await.unwrap(),
        Some(consent("openid email", &both[..1]))
    );
    finish("k3", "openid email", both).await;
    assert_eq!(
        store.get_consent("s1", "c1").await.unwrap(),
        Some(consent("openid email", both))
    );
    // Revoked, it is gone with its resources.
    assert!(store.revoke_consent("s1", "c1", 300, 900).await.unwrap());
    assert_eq!(store.get_consent("s1", "c1").await.unwrap(), None);
}

async fn purge_removes_expired_sessions_interactions_and_windows_within_the_limit(db: &TestDb) {
    use latchkey_core::session::{InteractionRecord, SessionRecord};
    let store = db.open().await;
    let other = db.open().await;
    let session = |id: &str, expires_at: i64| SessionRecord {
        id_hash: id.into(),
        sid: format!("sid-{id}"),
        sub: "s1".into(),
        auth_time: 100,
        amr: vec!["pwd".into()],
        acr: None,
        created_at: 100,
        expires_at,
        user_agent: None,
        address: None,
    };
    for id in ["old1", "old2", "old3"] {
        store.insert_session(&session(id, 200)).await.unwrap();
    }
    store
        .insert_session(&session("live", 300_000))
        .await
        .unwrap();
    let request = authorize_request();
    for (id, expires_at) in [("i-old", 700), ("i-live", 300_000)] {
        let interaction = InteractionRecord {
            id: id.into(),
            browser_hash: "b".into(),
            purpose: request.clone().into(),
            created_at: 100,
            expires_at,
        };
        store.insert_interaction(&interaction).await.unwrap();
    }
    store
        .record_login_failure("account:old", 100, 900)
        .await
        .unwrap();
    store
        .record_login_failure("account:live", 199_990, 900)
        .await
        .unwrap();

    // Bounded per pass, and safe when every node purges at once.
    let now = 200_000;
    let (a, b) = tokio::join!(store.purge_sessions(now, 1), other.purge_sessions(now, 1));
    let first = a.unwrap() + b.unwrap();
    assert!((1..=4).contains(&first), "{first}");
    while store.purge_sessions(now, 1).await.unwrap() > 0 {}
    for id in ["old1", "old2", "old3"] {
        assert_eq!(store.get_session(id).await.unwrap(), None);
    }
    assert!(store.get_session("live").await.unwrap().is_some());
    assert_eq!(store.get_interaction("i-old").await.unwrap(), None);
    assert!(store.get_interaction("i-live").await.unwrap().is_some());
    assert_eq!(store.login_failures("account:old").await.unwrap(), None);
    assert!(
        store
            .login_failures("account:live")
            .await
            .unwrap()
            .is_some()
    );
}

async fn a_code_is_redeemed_exactly_once_under_concurrency(db: &TestDb) {
    use latchkey_core::grant::Redemption;
    let store = db.open().await;
    store.insert_code(&code_record("code-hash")).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.redeem_code("code-hash", 120).await })
        })
        .collect();
    let (mut fresh, mut reused) = (0, 0);
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Redemption::Fresh(c) => {
                assert_eq!(c, code_record("code-hash"));
                fresh += 1;
            }
            Redemption::Reused(_) => reused += 1,
            Redemption::Unknown => panic!("the code exists"),
        }
    }
    assert_eq!((fresh, reused), (1, 19));
    assert_eq!(
        store.redeem_code("nope", 120).await.unwrap(),
        Redemption::Unknown
    );
    // Purged a day after expiry, not before.
    store.purge_sessions(160 + 3600, 100).await.unwrap();
    assert!(matches!(
        store.redeem_code("code-hash", 200).await.unwrap(),
        Redemption::Reused(_)
    ));
    store.purge_sessions(160 + 24 * 3600, 100).await.unwrap();
    assert_eq!(
        store.redeem_code("code-hash", 200).await.unwrap(),
        Redemption::Unknown
    );
}

async fn concurrent_creates_of_one_client_yield_one_winner(db: &TestDb) {
    let store = db.open().await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.create_client(&client("contested", i)).await })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => ok += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(store.list_clients().await.unwrap().len(), 1);
}

async fn concurrent_creates_of_one_username_yield_one_winner(db: &TestDb) {
    let store = db.open().await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .create_user(&user(&format!("sub-{i}"), "popular", i))
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => ok += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(store.list_users().await.unwrap().len(), 1);
}

async fn concurrent_migrations_apply_once(db: &TestDb) {
    // Several nodes starting at once on a fresh database.
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url.clone();
            tokio::spawn(async move { latchkey_store::migrate(&url).await })
        })
        .collect();
    let mut applied = Vec::new();
    for task in tasks {
        applied.extend(task.await.unwrap().unwrap());
    }
    // Each migration applied exactly once in all.
    let mut unique = applied.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(applied.len(), unique.len(), "{applied:?}");
    assert!(applied.iter().any(|m| m == "0001_init"));
    db.open().await.ping().await.unwrap();
}

// ---------------------------------------------------------------------------
// Set-up specific to one database, and URLs.

mod setup {
    use super::*;

    #[tokio::test]
    async fn sqlite_existing_empty_file_is_a_fresh_database() {
        let db = make_sqlite().await;
        let Backend::Sqlite { path } = &db.backend else {
            unreachable!()
        };
        std::fs::File::create(path).unwrap();
        assert_eq!(std::fs::metadata(path).unwrap().len(), 0);
        let store = db.open().await;
        store.create_client(&client("app", 1)).await.unwrap();
        assert_eq!(store.list_clients().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn sqlite_creates_missing_directories() {
        let dir = std::env::temp_dir().join(format!("latchkey-test-{}", uuid::Uuid::new_v4()));
        let path = dir.join("nested").join("latchkey.db");
        let url = format!("sqlite://{}", path.display());
        let store = latchkey_store::open(&url).await.unwrap();
        store.ping().await.unwrap();
        assert!(path.is_file());
        // WAL is a property of the file, so a plain connection sees it.
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(conn);
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn sqlite_in_memory_database_keeps_its_data_across_calls() {
        let store = latchkey_store::open("sqlite::memory:").await.unwrap();
        store.create_client(&client("app", 1)).await.unwrap();
        // Concurrent calls all see the one database.
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.get_client("app").await })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap().unwrap().is_some());
        }
        // A second in-memory store is a different database.
        let other = latchkey_store::open("sqlite::memory:").await.unwrap();
        assert_eq!(other.get_client("app").await.unwrap(), None);
    }

    #[tokio::test]
    async fn unsupported_url_schemes_are_refused() {
        for url in [
            "mysql://root:hunter2@127.0.0.1/db",
            "latchkey.db",
            "sqlite://",
        ] {
            match latchkey_store::open(url).await {
                Err(StoreError::Other(msg)) => {
                    assert!(
                        msg.contains("sqlite://") && msg.contains("postgres://"),
                        "{msg}"
                    );
                    assert!(!msg.contains("hunter2"), "{msg}");
                }
                other => panic!("{url}: expected Other, got {:?}", other.map(|_| ())),
            }
        }
    }

    #[tokio::test]
    async fn postgres_unreachable_is_unavailable_quickly() {
        let started = Instant::now();
        match latchkey_store::open("postgres://postgres@127.0.0.1:1/x").await {
            Err(StoreError::Unavailable(_)) => {}
            other => panic!("expected Unavailable, got {:?}", other.map(|_| ())),
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "took {:?}",
            started.elapsed()
        );
        match latchkey_store::create_postgres_database("postgres://postgres@127.0.0.1:1/x", "db")
            .await
        {
            Err(StoreError::Unavailable(_)) => {}
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn postgres_database_names_are_checked_and_dropping_is_idempotent() {
        let server = postgres_server();
        for bad in [
            "",
            "1abc",
            "a-b",
            "a\"; DROP DATABASE test; --",
            &"x".repeat(64),
        ] {
            match latchkey_store::create_postgres_database(&server, bad).await {
                Err(StoreError::Other(_)) => {}
                other => panic!("{bad:?}: expected Other, got {other:?}"),
            }
        }
        let name = format!("latchkey_test_{}", uuid::Uuid::new_v4().simple());
        let url = latchkey_store::create_postgres_database(&server, &name)
            .await
            .unwrap();
        assert!(url.ends_with(&format!("/{name}")), "{url}");
        assert_conflict(latchkey_store::create_postgres_database(&server, &name).await);
        latchkey_store::drop_postgres_database(&server, &name)
            .await
            .unwrap();
        latchkey_store::drop_postgres_database(&server, &name)
            .await
            .unwrap();
    }
}

// ---------------------------------------------------------------------------
// Tokens (refresh tokens, revoked grants, denylist, assertion jtis)

fn refresh(hash: &str, grant: &str, expires_at: i64) -> latchkey_core::grant::RefreshRecord {
    latchkey_core::grant::RefreshRecord {
        token_hash: hash.into(),
        grant_id: grant.into(),
        client_id: "c1".into(),
        sub: "s1".into(),
        scope: "openid email".into(),
        auth_time: Some(100),
        acr: Some("Cl".into()),
        amr: vec!["pwd".into()],
        sid: Some("sid1".into()),
        claims: None,
        resources: Vec::new(),
        created_at: 100,
        expires_at,
        rotated_at: None,
        successor_sealed: None,
        revoked_at: None,
        dpop_jkt: None,
    }
}

/// The claims request parameter (OIDC Core §5.5) is kept with the code
/// and with every refresh token of the grant, and read back as it was.
async fn a_grant_keeps_its_claims_request(db: &TestDb) {
    use latchkey_core::grant::Redemption;
    let store = db.open().await;
    let claims = latchkey_core::claims::ClaimsRequest::parse(
        r#"{"id_token":{"email":{"essential":true},"acr":{"values":["Cl.Cm"]}},"userinfo":{"name":null}}"#,
    )
    .unwrap();
    let mut code = code_record("kc");
    code.claims = Some(claims.clone());
    store.insert_code(&code).await.unwrap();
    let mut token = refresh("rc", "g1", 9_999);
    token.claims = Some(claims.clone());
    let redeemed = store
        .redeem_code_then("kc", 120, &mut |c| {
            assert_eq!(c.claims.as_ref(), Some(&claims));
            Some(token.clone())
        })
        .await
        .unwrap();
    let Redemption::Fresh(redeemed) = redeemed else {
        panic!("expected a fresh code")
    };
    assert_eq!(redeemed.claims, Some(claims.clone()));
    let kept = store.get_refresh_token("rc").await.unwrap().unwrap();
    assert_eq!(kept, token);
    // A successor keeps them too; a grant without any reads as none.
    let mut next = refresh("rc2", "g1", 9_999);
    next.claims = Some(claims.clone());
    assert!(
        store
            .rotate_refresh_token("rc", 130, &next, b"sealed")
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get_refresh_token("rc2")
            .await
            .unwrap()
            .unwrap()
            .claims,
        Some(claims)
    );
    store
        .insert_refresh_token(&refresh("plain", "g2", 9_999))
        .await
        .unwrap();
    assert_eq!(
        store
            .get_refresh_token("plain")
            .await
            .unwrap()
            .unwrap()
            .claims,
        None
    );
}

async fn a_grant_keeps_its_resources(db: &TestDb) {
    use latchkey_core::grant::Redemption;
    let store = db.open().await;
    let resources = vec![
        "https://api.example/".to_string(),
        "urn:example:billing".to_string(),
    ];
    let mut code = code_record("kr");
    code.resources = resources.clone();
    store.insert_code(&code).await.unwrap();
    let mut token = refresh("rr", "g1", 9_999);
    token.resources = resources.clone();
    let redeemed = store
        .redeem_code_then("kr", 120, &mut |c| {
            assert_eq!(c.resources, resources);
            Some(token.clone())
        })
        .await
        .unwrap();
    let Redemption::Fresh(redeemed) = redeemed else {
        panic!("expected a fresh code")
    };
    assert_eq!(redeemed.resources, resources);
    assert_eq!(store.get_refresh_token("rr").await.unwrap().unwrap(), token);
    let mut next = refresh("rr2", "g1", 9_999);
    next.resources = resources.clone();
    assert!(
        store
            .rotate_refresh_token("rr", 130, &next, b"sealed")
            .await
            .unwrap()
    );
    let kept = store.get_refresh_token("rr2").await.unwrap().unwrap();
    assert_eq!(kept.resources, resources);
    // A grant without resources reads as none.
    store.insert_code(&code_record("plain")).await.unwrap();
    let Redemption::Fresh(plain) = store
        .redeem_code_then("plain", 120, &mut |_| None)
        .await
        .unwrap()
    else {
        panic!("expected a fresh code")
    };
    assert!(plain.resources.is_empty());
}

async fn resources_create_get_list_update_delete(db: &TestDb) {
    use latchkey_core::resource_record::ResourceRecord;
    let store = db.open().await;
    let api = ResourceRecord {
        identifier: "https://api.example/".into(),
        name: "Example API".into(),
        scopes: vec!["api:read".into(), "api:write".into()],
        allowed_clients: vec![],
        created_at: 100,
        updated_at: 100,
    };
    let billing = ResourceRecord {
        identifier: "https://billing.example/v1".into(),
        name: "Billing".into(),
        scopes: vec!["billing:read".into()],
        allowed_clients: vec!["c1".into(), "c2".into()],
        created_at: 200,
        updated_at: 200,
    };
    store.create_resource(&billing).await.unwrap();
    store.create_resource(&api).await.unwrap();
    assert!(matches!(
        store.create_resource(&api).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.get_resource(&api.identifier).await.unwrap(),
        Some(api.clone())
    );
    // Compared exactly: another spelling of the same URL is another resource.
    assert_eq!(
        store.get_resource("https://api.example").await.unwrap(),
        None
    );
    // No identifier holds a NUL character (PostgreSQL refuses one in text).
    assert_eq!(store.get_resource("https://a\0b").await.unwrap(), None);
    assert_eq!(store.get_client("a\0b").await.unwrap(), None);
    assert_eq!(
        store.list_resources().await.unwrap(),
        vec![api.clone(), billing.clone()]
    );
    let changed = ResourceRecord {
        name: "Billing v1".into(),
        scopes: vec![],
        allowed_clients: vec![],
        // created_at is kept whatever the record says.
        created_at: 999,
        updated_at: 300,
        ..billing.clone()
    };
    assert!(store.update_resource(&changed).await.unwrap());
    let read = store
        .get_resource(&billing.identifier)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            read.name.as_str(),
            read.scopes.len(),
            read.created_at,
            read.updated_at
        ),
        ("Billing v1", 0, 200, 300)
    );
    let unknown = ResourceRecord {
        identifier: "https://nowhere.example/".into(),
        ..api.clone()
    };
    assert!(!store.update_resource(&unknown).await.unwrap());
    assert!(store.delete_resource(&api.identifier).await.unwrap());
    assert!(!store.delete_resource(&api.identifier).await.unwrap());
    assert_eq!(store.list_resources().await.unwrap(), vec![read]);
}

async fn refresh_tokens_round_trip_and_rotate_once(db: &TestDb) {
    let store = db.open().await;
    let first = refresh("r1", "g1", 1000);
    store.insert_refresh_token(&first).await.unwrap();
    assert_eq!(
        store.get_refresh_token("r1").await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.get_refresh_token("nope").await.unwrap(), None);
    let second = refresh("r2", "g1", 1100);
    assert!(
        store
            .rotate_refresh_token("r1", 150, &second, b"sealed")
            .await
            .unwrap()
    );
    let rotated = store.get_refresh_token("r1").await.unwrap().unwrap();
    assert_eq!(rotated.rotated_at, Some(150));
    assert_eq!(rotated.successor_sealed.as_deref(), Some(&b"sealed"[..]));
    assert_eq!(store.get_refresh_token("r2").await.unwrap(), Some(second));
    // A second rotation of r1 loses and inserts nothing.
    let third = refresh("r3", "g1", 1200);
    assert!(
        !store
            .rotate_refresh_token("r1", 160, &third, b"x")
            .await
            .unwrap()
    );
    assert_eq!(store.get_refresh_token("r3").await.unwrap(), None);
}

async fn a_refresh_token_rotates_exactly_once_under_concurrency(db: &TestDb) {
    let store = db.open().await;
    store
        .insert_refresh_token(&refresh("r0", "g1", 1000))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let next = refresh(&format!("next{i}"), "g1", 1000);
            store
                .rotate_refresh_token("r0", 200, &next, b"s")
                .await
                .unwrap()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        if t.await.unwrap() {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
}

async fn revoking_a_grant_revokes_its_refresh_tokens(db: &TestDb) {
    let store = db.open().await;
    store
        .insert_refresh_token(&refresh("a", "g1", 1000))
        .await
        .unwrap();
    store
        .insert_refresh_token(&refresh("b", "g1", 1000))
        .await
        .unwrap();
    store
        .insert_refresh_token(&refresh("c", "g2", 1000))
        .await
        .unwrap();
    assert!(!store.is_grant_revoked("g1").await.unwrap());
    store.revoke_grant("g1", 300, 5000).await.unwrap();
    store.revoke_grant("g1", 301, 5000).await.unwrap();
    assert!(store.is_grant_revoked("g1").await.unwrap());
    assert!(!store.is_grant_revoked("g2").await.unwrap());
    for (hash, revoked) in [("a", true), ("b", true), ("c", false)] {
        let r = store.get_refresh_token(hash).await.unwrap().unwrap();
        assert_eq!(r.revoked_at.is_some(), revoked, "{hash}");
    }
    // A revoked token cannot be rotated.
    let next = refresh("n", "g1", 1000);
    assert!(
        !store
            .rotate_refresh_token("a", 400, &next, b"s")
            .await
            .unwrap()
    );
}

async fn access_token_denylist_and_assertion_jtis(db: &TestDb) {
    let store = db.open().await;
    assert!(!store.is_access_token_denied("j1").await.unwrap());
    store.deny_access_token("j1", 900).await.unwrap();
    store.deny_access_token("j1", 900).await.unwrap();
    assert!(store.is_access_token_denied("j1").await.unwrap());
    assert!(store.record_jti("c1", "x", 500).await.unwrap());
    assert!(!store.record_jti("c1", "x", 500).await.unwrap());
    // jtis are per client.
    assert!(store.record_jti("c2", "x", 500).await.unwrap());
}

/// DPoP proof jtis (RFC 9449 §11.1): once per key, whichever node sees
/// the proof first; a key space apart from client assertions; purged when
/// expired.
async fn dpop_jtis_are_recorded_once_per_key_across_stores(db: &TestDb) {
    let store = db.open().await;
    let other = db.open().await;
    assert!(store.record_dpop_jti("k1", "j", 5000).await.unwrap());
    assert!(!other.record_dpop_jti("k1", "j", 5000).await.unwrap());
    assert!(store.record_dpop_jti("k2", "j", 500).await.unwrap());
    assert!(store.record_jti("k1", "j", 500).await.unwrap());
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 {
            store.clone()
        } else {
            other.clone()
        };
        tasks.push(tokio::spawn(async move {
            store.record_dpop_jti("k1", "race", 500).await.unwrap()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        if t.await.unwrap() {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    store.record_dpop_jti("k1", "old", 100).await.unwrap();
    store.purge_expired(1000, 3600, 100).await.unwrap();
    assert!(store.record_dpop_jti("k1", "old", 2000).await.unwrap());
    assert!(!store.record_dpop_jti("k1", "j", 2000).await.unwrap());
}

async fn dpop_bindings_of_codes_and_refresh_tokens_round_trip(db: &TestDb) {
    let store = db.open().await;
    let jkt = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
    let mut code = code_record("bound-code");
    code.dpop_jkt = Some(jkt.into());
    store.insert_code(&code).await.unwrap();
    match store.redeem_code("bound-code", 120).await.unwrap() {
        latchkey_core::grant::Redemption::Fresh(r) => assert_eq!(r.dpop_jkt.as_deref(), Some(jkt)),
        other => panic!("expected a fresh code, got {other:?}"),
    }
    let mut token = refresh("bound-r", "g-bound", 1000);
    token.dpop_jkt = Some(jkt.into());
    store.insert_refresh_token(&token).await.unwrap();
    let mut successor = refresh("bound-r2", "g-bound", 1000);
    successor.dpop_jkt = Some(jkt.into());
    assert!(
        store
            .rotate_refresh_token("bound-r", 200, &successor, b"sealed")
            .await
            .unwrap()
    );
    let read = store.get_refresh_token("bound-r2").await.unwrap().unwrap();
    assert_eq!(read.dpop_jkt.as_deref(), Some(jkt));
    let rotated = store.get_refresh_token("bound-r").await.unwrap().unwrap();
    assert_eq!(rotated.dpop_jkt.as_deref(), Some(jkt));
    store
        .insert_refresh_token(&refresh("free-r", "g-free", 1000))
        .await
        .unwrap();
    let free = store.get_refresh_token("free-r").await.unwrap().unwrap();
    assert_eq!(free.dpop_jkt, None);
}

async fn concurrent_jti_records_yield_one_winner(db: &TestDb) {
    let store = db.open().await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.record_jti("c1", "same", 500).await.unwrap()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        if t.await.unwrap() {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
}

async fn client_secret_sealed_round_trips(db: &TestDb) {
    let store = db.open().await;
    store.create_client(&client("c1", 100)).await.unwrap();
    assert_eq!(sealed_secret(&store, "c1").await, None);
    assert!(
        store
            .set_client_secret_sealed("c1", Some(b"sealed"))
            .await
            .unwrap()
    );
    assert_eq!(
        sealed_secret(&store, "c1").await.as_deref(),
        Some(&b"sealed"[..])
    );
    assert!(store.set_client_secret_sealed("c1", None).await.unwrap());
    assert_eq!(sealed_secret(&store, "c1").await, None);
    assert!(
        !store
            .set_client_secret_sealed("nobody", None)
            .await
            .unwrap()
    );
    assert_eq!(sealed_secret(&store, "nobody").await, None);
}

async fn a_rotated_secret_is_kept_until_its_deadline(db: &TestDb) {
    use latchkey_core::client::PreviousSecret;
    let store = db.open().await;
    store
        .create_client_with(&client("c1", 100), Some(b"sealed-1"), None)
        .await
        .unwrap();
    // With a grace period: the current secret becomes the previous one.
    let rotated = store
        .rotate_client_secret("c1", "hash-2", Some(b"sealed-2"), Some(500), 200)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rotated.secret_hash.as_deref(), Some("hash-2"));
    assert_eq!(rotated.updated_at, 200);
    let previous = PreviousSecret {
        hash: "hash-of-c1".into(),
        expires_at: 500,
    };
    assert_eq!(rotated.previous_secret, Some(previous.clone()));
    assert_eq!(rotated.previous_secret_hash(499), Some("hash-of-c1"));
    assert_eq!(rotated.previous_secret_hash(500), None);
    // The cache was forgotten: a read sees the rotation.
    assert_eq!(store.get_client("c1").await.unwrap(), Some(rotated.clone()));
    assert_eq!(
        sealed_secret(&store, "c1").await.as_deref(),
        Some(&b"sealed-2"[..])
    );
    let previous_sealed = store.get_client_previous_secret_sealed("c1").await.unwrap();
    assert_eq!(previous_sealed.as_deref(), Some(&b"sealed-1"[..]));
    // An update that keeps the record's previous secret keeps it all.
    let mut renamed = rotated.clone();
    renamed.metadata.client_name = Some("renamed".into());
    assert!(store.update_client(&renamed).await.unwrap());
    assert_eq!(store.get_client("c1").await.unwrap(), Some(renamed.clone()));
    assert!(
        store
            .get_client_previous_secret_sealed("c1")
            .await
            .unwrap()
            .is_some()
    );
    // The purge leaves it before its deadline, then forgets it.
    assert_eq!(store.purge_expired_previous_secrets(499).await.unwrap(), 0);
    assert_eq!(store.purge_expired_previous_secrets(500).await.unwrap(), 1);
    let purged = store.get_client("c1").await.unwrap().unwrap();
    assert_eq!(purged.previous_secret, None);
    assert_eq!(purged.secret_hash.as_deref(), Some("hash-2"));
    assert_eq!(
        store.get_client_previous_secret_sealed("c1").await.unwrap(),
        None
    );
    // Without a grace period the previous secret goes at once.
    store
        .rotate_client_secret("c1", "hash-3", None, Some(900), 300)
        .await
        .unwrap();
    let at_once = store
        .rotate_client_secret("c1", "hash-4", None, None, 301)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(at_once.previous_secret, None);
    assert_eq!(at_once.secret_hash.as_deref(), Some("hash-4"));
    assert_eq!(sealed_secret(&store, "c1").await, None);
    // An update whose record has no previous secret clears one.
    let again = store
        .rotate_client_secret("c1", "hash-5", Some(b"sealed-5"), Some(900), 302)
        .await
        .unwrap()
        .unwrap();
    assert!(again.previous_secret.is_some());
    let cleared = ClientRecord {
        previous_secret: None,
        ..again
    };
    assert!(store.update_client(&cleared).await.unwrap());
    assert_eq!(store.get_client("c1").await.unwrap(), Some(cleared));
    assert_eq!(
        store.get_client_previous_secret_sealed("c1").await.unwrap(),
        None
    );
    // No such client.
    assert_eq!(
        store
            .rotate_client_secret("nobody", "h", None, Some(900), 300)
            .await
            .unwrap(),
        None
    );
}

async fn registration_hash(store: &Arc<dyn Store>, client_id: &str) -> Option<String> {
    store.get_registration_token_hash(client_id).await.unwrap()
}

async fn sealed_secret(store: &Arc<dyn Store>, client_id: &str) -> Option<Vec<u8>> {
    store.get_client_secret_sealed(client_id).await.unwrap()
}

async fn registration_token_hash_round_trips_and_goes_with_the_client(db: &TestDb) {
    let store = db.open().await;
    store.create_client(&client("c1", 100)).await.unwrap();
    assert_eq!(registration_hash(&store, "c1").await, None);
    assert!(
        store
            .set_registration_token_hash("c1", Some("hash-1"))
            .await
            .unwrap()
    );
    assert_eq!(
        registration_hash(&store, "c1").await.as_deref(),
        Some("hash-1")
    );
    // Updating the client's record keeps its registration token.
    let mut updated = client("c1", 100);
    updated.updated_at = 200;
    assert!(store.update_client(&updated).await.unwrap());
    assert_eq!(
        registration_hash(&store, "c1").await.as_deref(),
        Some("hash-1")
    );
    assert!(
        !store
            .set_registration_token_hash("nobody", Some("h"))
            .await
            .unwrap()
    );
    assert_eq!(registration_hash(&store, "nobody").await, None);
    // Deleting the client voids its token; a new client of the same id
    // starts without one.
    assert!(store.delete_client("c1").await.unwrap());
    store.create_client(&client("c1", 300)).await.unwrap();
    assert_eq!(registration_hash(&store, "c1").await, None);
    assert!(store.set_registration_token_hash("c1", None).await.unwrap());
}

/// A client created with its write-once secrets has them from the start
/// (one statement); created plainly, it has neither.
async fn a_client_is_created_with_its_secrets(db: &TestDb) {
    let store = db.open().await;
    store
        .create_client_with(&client("c1", 100), Some(b"sealed-bytes"), Some("hash-1"))
        .await
        .unwrap();
    assert_eq!(
        sealed_secret(&store, "c1").await.as_deref(),
        Some(&b"sealed-bytes"[..])
    );
    assert_eq!(
        registration_hash(&store, "c1").await.as_deref(),
        Some("hash-1")
    );
    assert!(store.get_client("c1").await.unwrap().is_some());
    store.create_client(&client("c2", 100)).await.unwrap();
    assert_eq!(sealed_secret(&store, "c2").await, None);
    assert_eq!(registration_hash(&store, "c2").await, None);
    // The id is still taken once.
    let again = store
        .create_client_with(&client("c1", 200), None, Some("hash-2"))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(
        registration_hash(&store, "c1").await.as_deref(),
        Some("hash-1")
    );
}

async fn purge_removes_expired_token_rows(db: &TestDb) {
    let store = db.open().await;
    store
        .insert_refresh_token(&refresh("old", "g1", 100))
        .await
        .unwrap();
    store
        .insert_refresh_token(&refresh("new", "g1", 10_000))
        .await
        .unwrap();
    store.revoke_grant("g9", 50, 100).await.unwrap();
    store.deny_access_token("j-old", 100).await.unwrap();
    store.deny_access_token("j-new", 10_000).await.unwrap();
    store.record_jti("c1", "old", 100).await.unwrap();
    store.purge_expired(1000, 3600, 100).await.unwrap();
    assert_eq!(store.get_refresh_token("old").await.unwrap(), None);
    assert!(store.get_refresh_token("new").await.unwrap().is_some());
    assert!(!store.is_grant_revoked("g9").await.unwrap());
    assert!(!store.is_access_token_denied("j-old").await.unwrap());
    assert!(store.is_access_token_denied("j-new").await.unwrap());
    // The purged jti may be recorded again.
    assert!(store.record_jti("c1", "old", 2000).await.unwrap());
}

/// Every client or key write bumps its topic, so other nodes notice; a
/// store caching a client sees its own writes at once and another store's
/// once told to forget.
async fn settings_round_trip_and_bump_their_change_version(db: &TestDb) {
    let store = db.open().await;
    let other = db.open().await;
    let version = |v: &[(String, i64)]| {
        v.iter()
            .find(|(t, _)| t == "settings")
            .map(|(_, n)| *n)
            .unwrap()
    };
    let v0 = version(&store.change_versions().await.unwrap());
    assert_eq!(store.get_setting("maintenance").await.unwrap(), None);
    store.set_setting("maintenance", "true", 10).await.unwrap();
    assert_eq!(
        other.get_setting("maintenance").await.unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(version(&other.change_versions().await.unwrap()), v0 + 1);
    // Replacing keeps one row and bumps again.
    other.set_setting("maintenance", "false", 11).await.unwrap();
    assert_eq!(
        store.get_setting("maintenance").await.unwrap().as_deref(),
        Some("false")
    );
    assert_eq!(version(&store.change_versions().await.unwrap()), v0 + 2);
}

async fn client_and_key_writes_bump_their_change_version(db: &TestDb) {
    let store = db.open().await;
    let other = db.open().await;
    let version = |v: &[(String, i64)], topic: &str| {
        v.iter().find(|(t, _)| t == topic).map(|(_, n)| *n).unwrap()
    };
    let v0 = store.change_versions().await.unwrap();
    store.create_client(&client("app", 1)).await.unwrap();
    let v1 = other.change_versions().await.unwrap();
    assert_eq!(version(&v1, "clients"), version(&v0, "clients") + 1);
    assert_eq!(version(&v1, "keys"), version(&v0, "keys"));

    // Both stores cache the client.
    assert!(other.get_client("app").await.unwrap().unwrap().active);
    let mut off = client("app", 1);
    off.active = false;
    store.update_client(&off).await.unwrap();
    assert!(!store.get_client("app").await.unwrap().unwrap().active);
    // The other store's cache is stale until the version move is acted on.
    let v2 = other.change_versions().await.unwrap();
    assert_eq!(version(&v2, "clients"), version(&v1, "clients") + 1);
    other.forget_clients();
    assert!(!other.get_client("app").await.unwrap().unwrap().active);

    store.delete_client("app").await.unwrap();
    store.insert_key(&key("k1", "ES256", 1)).await.unwrap();
    store
        .rotate_key(&key("k2", "ES256", 2), 2, 100)
        .await
        .unwrap();
    let v3 = store.change_versions().await.unwrap();
    assert_eq!(version(&v3, "clients"), version(&v2, "clients") + 1);
    assert_eq!(version(&v3, "keys"), version(&v2, "keys") + 2);
}

/// Revocation answers are cached too: a store sees its own revocations at
/// once and another store's once told to forget, which the `revocations`
/// version (created by the first revocation) tells every node to do.
async fn revocations_bump_their_change_version(db: &TestDb) {
    let store = db.open().await;
    let other = db.open().await;
    let version =
        |v: &[(String, i64)], topic: &str| v.iter().find(|(t, _)| t == topic).map(|(_, n)| *n);
    let v0 = store.change_versions().await.unwrap();
    // Both stores cache "not revoked".
    assert!(!store.is_access_token_denied("j1").await.unwrap());
    assert!(!other.is_access_token_denied("j1").await.unwrap());
    assert!(!store.is_grant_revoked("g1").await.unwrap());
    assert!(!other.is_grant_revoked("g1").await.unwrap());

    store.deny_access_token("j1", 100).await.unwrap();
    assert!(store.is_access_token_denied("j1").await.unwrap());
    let v1 = other.change_versions().await.unwrap();
    let before = version(&v0, "revocations").unwrap_or(0);
    assert_eq!(version(&v1, "revocations"), Some(before + 1));
    assert_eq!(version(&v1, "clients"), version(&v0, "clients"));
    // The other store is stale until the version move is acted on.
    assert!(!other.is_access_token_denied("j1").await.unwrap());
    other.forget_revocations();
    assert!(other.is_access_token_denied("j1").await.unwrap());

    store.revoke_grant("g1", 1, 100).await.unwrap();
    assert!(store.is_grant_revoked("g1").await.unwrap());
    let v2 = other.change_versions().await.unwrap();
    assert_eq!(version(&v2, "revocations"), Some(before + 2));
    other.forget_revocations();
    assert!(other.is_grant_revoked("g1").await.unwrap());
    assert!(!other.is_grant_revoked("g2").await.unwrap());
}

fn pushed(hash: &str, client_id: &str, expires_at: i64) -> PushedRequest {
    PushedRequest {
        uri_hash: hash.into(),
        client_id: client_id.into(),
        request: authorize_request(),
        created_at: expires_at - 60,
        expires_at,
    }
}

async fn pushed_requests_are_taken_once_by_their_client(db: &TestDb) {
    let store = db.open().await;
    let p = pushed("h1", "c1", 1060);
    store.insert_pushed_request(&p).await.unwrap();
    store
        .insert_pushed_request(&pushed("h2", "c1", 1060))
        .await
        .unwrap();
    assert_eq!(
        store.take_pushed_request("nope", "c1", 1000).await.unwrap(),
        PushedTake::Unknown
    );
    // Another client cannot use it, and does not use it up.
    assert_eq!(
        store.take_pushed_request("h1", "c2", 1000).await.unwrap(),
        PushedTake::OtherClient
    );
    assert_eq!(
        store.take_pushed_request("h1", "c1", 1000).await.unwrap(),
        PushedTake::Fresh(Box::new(p))
    );
    assert_eq!(
        store.take_pushed_request("h1", "c1", 1001).await.unwrap(),
        PushedTake::Used
    );
    assert_eq!(
        store.take_pushed_request("h2", "c1", 1060).await.unwrap(),
        PushedTake::Expired
    );
    // Kept an hour past expiry, then purged.
    store.purge_expired(1060 + 3599, 3600, 100).await.unwrap();
    assert_eq!(
        store.take_pushed_request("h2", "c1", 5000).await.unwrap(),
        PushedTake::Expired
    );
    store.purge_expired(1060 + 3600, 3600, 100).await.unwrap();
    assert_eq!(
        store.take_pushed_request("h2", "c1", 5000).await.unwrap(),
        PushedTake::Unknown
    );
}

/// A pushed request stored by an earlier version (the raw parameter
/// pairs) reads as expired, not as a broken row.
async fn a_pushed_request_of_an_earlier_version_reads_as_expired(db: &TestDb) {
    let store = db.open().await;
    db.exec(
        r#"INSERT INTO pushed_requests (uri_hash, client_id, params, created_at, expires_at)
        VALUES ('old', 'c1', '[["response_type","code"],["scope","openid"]]', 1000, 1090)"#,
    )
    .await;
    assert_eq!(
        store.take_pushed_request("old", "c1", 1001).await.unwrap(),
        PushedTake::Expired
    );
    assert_eq!(
        store.take_pushed_request("old", "c1", 1002).await.unwrap(),
        PushedTake::Used
    );
}

async fn a_pushed_request_is_taken_once_under_concurrency(db: &TestDb) {
    let store = db.open().await;
    store
        .insert_pushed_request(&pushed("race", "c1", 2000))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.take_pushed_request("race", "c1", 1000).await.unwrap()
        }));
    }
    let mut fresh = 0;
    for t in tasks {
        match t.await.unwrap() {
            PushedTake::Fresh(_) => fresh += 1,
            other => assert_eq!(other, PushedTake::Used),
        }
    }
    assert_eq!(fresh, 1);
}

// ---------------------------------------------------------------------------
// Upstream identity providers

fn upstream_state(
    hash: &str,
    expires_at: i64,
) -> latchkey_core::upstream_record::UpstreamStateRecord {
    latchkey_core::upstream_record::UpstreamStateRecord {
        state_hash: hash.into(),
        upstream_id: "corp".into(),
        interaction_id: "i1".into(),
        nonce: "n1".into(),
        verifier_sealed: b"sealed verifier".to_vec(),
        created_at: 1,
        expires_at,
    }
}

async fn upstream_states_are_taken_once(db: &TestDb) {
    let store = db.open().await;
    store
        .insert_upstream_state(&upstream_state("s1", 1000))
        .await
        .unwrap();
    assert_eq!(
        store.take_upstream_state("s1").await.unwrap(),
        Some(upstream_state("s1", 1000))
    );
    assert_eq!(store.take_upstream_state("s1").await.unwrap(), None);
    // Concurrent takes of one state: exactly one gets it.
    store
        .insert_upstream_state(&upstream_state("s2", 1000))
        .await
        .unwrap();
    let takes = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.take_upstream_state("s2").await.unwrap() })
    });
    let mut won = 0;
    for t in takes {
        if t.await.unwrap().is_some() {
            won += 1;
        }
    }
    assert_eq!(won, 1);
    // Expired states are purged.
    store
        .insert_upstream_state(&upstream_state("old", 100))
        .await
        .unwrap();
    store
        .insert_upstream_state(&upstream_state("new", 10_000))
        .await
        .unwrap();
    store.purge_upstream(1000, 100).await.unwrap();
    assert_eq!(store.take_upstream_state("old").await.unwrap(), None);
    assert!(store.take_upstream_state("new").await.unwrap().is_some());
}

async fn upstream_links_are_unique_both_ways(db: &TestDb) {
    let store = db.open().await;
    assert!(
        store
            .insert_upstream_link("corp", "u1", "local-1", 5)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get_upstream_link("corp", "u1")
            .await
            .unwrap()
            .as_deref(),
        Some("local-1")
    );
    assert_eq!(
        store
            .get_upstream_link_of_user("corp", "local-1")
            .await
            .unwrap()
            .as_deref(),
        Some("u1")
    );
    // The same upstream account again, or the same local user with another
    // account of this upstream: refused without an error.
    assert!(
        !store
            .insert_upstream_link("corp", "u1", "local-2", 6)
            .await
            .unwrap()
    );
    assert!(
        !store
            .insert_upstream_link("corp", "u2", "local-1", 6)
            .await
            .unwrap()
    );
    // Another upstream may link the same local user.
    assert!(
        store
            .insert_upstream_link("other", "u1", "local-1", 6)
            .await
            .unwrap()
    );
    store.touch_upstream_link("corp", "u1", 7).await.unwrap();
    assert!(store.delete_upstream_link("corp", "u1").await.unwrap());
    assert!(!store.delete_upstream_link("corp", "u1").await.unwrap());
    assert_eq!(store.get_upstream_link("corp", "u1").await.unwrap(), None);
}

async fn users_are_found_by_email_ignoring_case(db: &TestDb) {
    let store = db.open().await;
    store.create_user(&user("s1", "alice", 1)).await.unwrap();
    store.create_user(&user("s2", "al_ce", 2)).await.unwrap();
    let mut other = user("s3", "bob", 3);
    other
        .claims
        .insert("name".into(), json!("has alice@example.com in the name"));
    other
        .claims
        .insert("email".into(), json!("bob@example.com"));
    store.create_user(&other).await.unwrap();
    let found = store
        .find_users_by_email("ALICE@example.com")
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].sub, "s1");
    // LIKE wildcards in the address match only themselves.
    let found = store
        .find_users_by_email("al_ce@example.com")
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].sub, "s2");
    assert!(
        store
            .find_users_by_email("nobody@example.com")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn upstream_sessions_round_trip_and_expire(db: &TestDb) {
    let store = db.open().await;
    let record =
        |sid: &str, expires_at: i64| latchkey_core::upstream_record::UpstreamSessionRecord {
            sid: sid.into(),
            upstream_id: "corp".into(),
            upstream_sub: "u1".into(),
            created_at: 1,
            expires_at,
        };
    store
        .insert_upstream_session(&record("old", 100))
        .await
        .unwrap();
    store
        .insert_upstream_session(&record("new", 10_000))
        .await
        .unwrap();
    assert_eq!(
        store.get_upstream_session("new").await.unwrap(),
        Some(record("new", 10_000))
    );
    store.purge_upstream(1000, 100).await.unwrap();
    assert_eq!(store.get_upstream_session("old").await.unwrap(), None);
    assert!(store.get_upstream_session("new").await.unwrap().is_some());
    // A later upstream sign-in in the same session (one sid) replaces it.
    let again = latchkey_core::upstream_record::UpstreamSessionRecord {
        upstream_id: "partner".into(),
        upstream_sub: "u2".into(),
        created_at: 5,
        ..record("new", 20_000)
    };
    store.insert_upstream_session(&again).await.unwrap();
    assert_eq!(
        store.get_upstream_session("new").await.unwrap(),
        Some(again)
    );
}

// ---------------------------------------------------------------------------
// Second factors and identity confidence

fn totp(sub: &str, confirmed_at: Option<i64>) -> latchkey_core::factors::TotpRecord {
    latchkey_core::factors::TotpRecord {
        sub: sub.into(),
        secret_sealed: (0..=255u8).collect(),
        confirmed_at,
        last_step: None,
        created_at: 100,
    }
}

async fn identity_confidence_is_a_user_attribute(db: &TestDb) {
    let store = db.open().await;
    store.create_user(&user("sub-a", "alice", 1)).await.unwrap();
    assert_eq!(store.identity_confidence("sub-a").await.unwrap(), 0);
    assert!(store.set_identity_confidence("sub-a", 2, 5).await.unwrap());
    assert_eq!(store.identity_confidence("sub-a").await.unwrap(), 2);
    assert!(!store.set_identity_confidence("nobody", 2, 5).await.unwrap());
    assert_eq!(store.identity_confidence("nobody").await.unwrap(), 0);
    // Updating the user's other attributes keeps it.
    let mut alice = store.get_user("sub-a").await.unwrap().unwrap();
    alice.username = "alice2".into();
    store.update_user(&alice).await.unwrap();
    assert_eq!(store.identity_confidence("sub-a").await.unwrap(), 2);
}

async fn totp_enrolment_confirmation_and_replay(db: &TestDb) {
    let store = db.open().await;
    assert_eq!(store.get_totp("s1").await.unwrap(), None);
    // An enrolment starts, and may restart while pending.
    assert!(store.put_totp(&totp("s1", None), false).await.unwrap());
    assert!(store.put_totp(&totp("s1", None), false).await.unwrap());
    assert_eq!(store.get_totp("s1").await.unwrap(), Some(totp("s1", None)));
    // Not confirmed: no step is accepted.
    assert!(!store.use_totp_step("s1", 10).await.unwrap());
    assert!(store.confirm_totp("s1", 10, 200).await.unwrap());
    assert!(!store.confirm_totp("s1", 11, 200).await.unwrap());
    let confirmed = store.get_totp("s1").await.unwrap().unwrap();
    assert_eq!(confirmed.confirmed_at, Some(200));
    assert_eq!(confirmed.last_step, Some(10));
    // The confirming step, and earlier ones, are spent; later ones once.
    assert!(!store.use_totp_step("s1", 10).await.unwrap());
    assert!(!store.use_totp_step("s1", 9).await.unwrap());
    assert!(store.use_totp_step("s1", 11).await.unwrap());
    assert!(!store.use_totp_step("s1", 11).await.unwrap());
    // A new enrolment does not replace a confirmed authenticator; an operator does.
    assert!(!store.put_totp(&totp("s1", None), false).await.unwrap());
    assert_eq!(
        store.get_totp("s1").await.unwrap().unwrap().confirmed_at,
        Some(200)
    );
    assert!(store.put_totp(&totp("s1", Some(300)), true).await.unwrap());
    let replaced = store.get_totp("s1").await.unwrap().unwrap();
    assert_eq!(
        (replaced.confirmed_at, replaced.last_step),
        (Some(300), None)
    );
    assert!(store.delete_totp("s1").await.unwrap());
    assert!(!store.delete_totp("s1").await.unwrap());
    assert_eq!(store.get_totp("s1").await.unwrap(), None);
}

async fn a_totp_step_is_accepted_once_under_concurrency(db: &TestDb) {
    let store = db.open().await;
    store.put_totp(&totp("s1", Some(1)), true).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.use_totp_step("s1", 42).await })
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        if t.await.unwrap().unwrap() {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 1);
}

async fn recovery_codes_are_single_use(db: &TestDb) {
    let store = db.open().await;
    let codes: Vec<String> = (0..3).map(|i| format!("hash-{i}")).collect();
    store.put_recovery_codes("s1", &codes, 10).await.unwrap();
    assert_eq!(store.recovery_codes_left("s1").await.unwrap(), 3);
    assert!(store.use_recovery_code("s1", "hash-1", 20).await.unwrap());
    assert!(!store.use_recovery_code("s1", "hash-1", 21).await.unwrap());
    assert!(!store.use_recovery_code("s2", "hash-0", 21).await.unwrap());
    assert!(!store.use_recovery_code("s1", "unknown", 21).await.unwrap());
    assert_eq!(store.recovery_codes_left("s1").await.unwrap(), 2);
    // New codes replace the old ones.
    store
        .put_recovery_codes("s1", &["fresh".to_string()], 30)
        .await
        .unwrap();
    assert!(!store.use_recovery_code("s1", "hash-0", 31).await.unwrap());
    assert_eq!(store.recovery_codes_left("s1").await.unwrap(), 1);
    // Removing the authenticator removes its recovery codes.
    store.put_totp(&totp("s1", Some(1)), true).await.unwrap();
    store.delete_totp("s1").await.unwrap();
    assert_eq!(store.recovery_codes_left("s1").await.unwrap(), 0);
}

async fn a_step_up_records_the_factor_on_the_session(db: &TestDb) {
    use latchkey_core::session::SessionRecord;
    let store = db.open().await;
    let session = SessionRecord {
        id_hash: "h1".into(),
        sid: "sid1".into(),
        sub: "s1".into(),
        auth_time: 100,
        amr: vec!["pwd".into()],
        acr: None,
        created_at: 100,
        expires_at: 200,
        user_agent: None,
        address: None,
    };
    store.insert_session(&session).await.unwrap();
    let amr: Vec<String> = vec!["pwd".into(), "otp".into(), "mfa".into()];
    assert!(store.set_session_amr("h1", &amr).await.unwrap());
    let stepped = store.get_session("h1").await.unwrap().unwrap();
    assert_eq!(stepped.amr, amr);
    assert_eq!(stepped.sid, "sid1");
    assert!(!store.set_session_amr("gone", &amr).await.unwrap());
}

/// Sign-in attempts are counted before they are checked, in one statement:
/// of many parallel attempts on two nodes, exactly the limit get through.
async fn attempts_are_reserved_up_to_the_limit_across_nodes(db: &TestDb) {
    use latchkey_core::session::Reservation;
    let store = db.open().await;
    let other = db.open().await;
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let node = if i % 2 == 0 {
                store.clone()
            } else {
                other.clone()
            };
            tokio::spawn(async move { node.reserve_attempt("account:k", 1000, 900, 5).await })
        })
        .collect();
    let mut granted = 0;
    for t in tasks {
        match t.await.unwrap().unwrap() {
            Reservation::Granted => granted += 1,
            Reservation::Refused { window_start } => assert_eq!(window_start, 1000),
        }
    }
    assert_eq!(granted, 5);
    assert_eq!(
        store.login_failures("account:k").await.unwrap(),
        Some((5, 1000))
    );
    // A released attempt gives its place back.
    store.release_attempt("account:k").await.unwrap();
    assert_eq!(
        store
            .reserve_attempt("account:k", 1001, 900, 5)
            .await
            .unwrap(),
        Reservation::Granted
    );
    assert_eq!(
        store
            .reserve_attempt("account:k", 1002, 900, 5)
            .await
            .unwrap(),
        Reservation::Refused { window_start: 1000 }
    );
    // Once the window is over, a new one starts with this attempt.
    assert_eq!(
        store
            .reserve_attempt("account:k", 1900, 900, 5)
            .await
            .unwrap(),
        Reservation::Granted
    );
    assert_eq!(
        store.login_failures("account:k").await.unwrap(),
        Some((1, 1900))
    );
}

/// Sign-in candidates: the username exactly or ignoring case, or the
/// verified email ignoring case; an unverified email finds nobody, and the
/// verified email follows updates of the claims.
async fn users_are_found_for_sign_in_by_name_or_verified_email(db: &TestDb) {
    let store = db.open().await;
    let subs = |users: Vec<UserRecord>| users.into_iter().map(|u| u.sub).collect::<Vec<_>>();
    let mut alice = user("s1", "Alice", 1);
    alice
        .claims
        .insert("email".into(), json!("Alice@Example.com"));
    alice.claims.insert("email_verified".into(), json!(true));
    store.create_user(&alice).await.unwrap();
    // bob's email is not verified.
    store.create_user(&user("s2", "bob", 2)).await.unwrap();
    assert_eq!(
        subs(store.find_users_for_sign_in("Alice").await.unwrap()),
        ["s1"]
    );
    assert_eq!(
        subs(store.find_users_for_sign_in("aLICE").await.unwrap()),
        ["s1"]
    );
    assert_eq!(
        subs(
            store
                .find_users_for_sign_in("alice@EXAMPLE.com")
                .await
                .unwrap()
        ),
        ["s1"]
    );
    assert!(
        store
            .find_users_for_sign_in("bob@example.com")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        subs(
            store
                .find_users_by_verified_email("alice@example.com")
                .await
                .unwrap()
        ),
        ["s1"]
    );
    // Verifying bob's address makes it a way in; unverifying alice's
    // takes hers away.
    let mut bob = store.get_user("s2").await.unwrap().unwrap();
    bob.claims.insert("email_verified".into(), json!(true));
    assert!(store.update_user(&bob).await.unwrap());
    assert_eq!(
        subs(
            store
                .find_users_for_sign_in("BOB@example.com")
                .await
                .unwrap()
        ),
        ["s2"]
    );
    alice.claims.insert("email_verified".into(), json!(false));
    assert!(store.update_user(&alice).await.unwrap());
    assert!(
        store
            .find_users_for_sign_in("alice@example.com")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .find_users_by_verified_email("alice@example.com")
            .await
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------------------
// The device authorization grant (RFC 8628)

fn device_grant(device: &str, user: &str, expires_at: i64) -> DeviceGrant {
    DeviceGrant {
        device_code_hash: device.into(),
        user_code_hash: user.into(),
        client_id: "tv".into(),
        scope: "openid profile".into(),
        created_at: 1000,
        expires_at,
        interval: 5,
        last_polled_at: None,
        state: DeviceState::Pending,
        resources: Vec::new(),
    }
}

fn approval(sub: &str) -> DeviceApproval {
    DeviceApproval {
        sub: sub.into(),
        auth_time: 1010,
        acr: Some("Cl.Cm".into()),
        amr: vec!["pwd".into(), "otp".into()],
        sid: Some("sid-1".into()),
    }
}

async fn device_grants_are_kept_and_found_by_user_code(db: &TestDb) {
    let store = db.open().await;
    let grant = device_grant("dev-1", "user-1", 1600);
    store.insert_device_grant(&grant).await.unwrap();
    assert_eq!(
        store.device_grant_by_user_code("user-1").await.unwrap(),
        Some(grant.clone())
    );
    assert_eq!(
        store.device_grant_by_user_code("dev-1").await.unwrap(),
        None
    );
    // The resources it named come back as they were.
    let named = DeviceGrant {
        resources: vec!["https://api.example/".into(), "https://b.example/".into()],
        ..device_grant("dev-9", "user-9", 1600)
    };
    store.insert_device_grant(&named).await.unwrap();
    assert_eq!(
        store.device_grant_by_user_code("user-9").await.unwrap(),
        Some(named)
    );
    // A user code (or a device code) is kept once.
    assert_conflict(
        store
            .insert_device_grant(&device_grant("dev-2", "user-1", 1600))
            .await,
    );
    assert_conflict(
        store
            .insert_device_grant(&device_grant("dev-1", "user-2", 1600))
            .await,
    );
    // Every field round-trips, an approval too.
    let mut full = device_grant("dev-3", "user-3", 1700);
    full.interval = 15;
    full.last_polled_at = Some(1200);
    full.state = DeviceState::Approved(approval("alice"));
    store.insert_device_grant(&full).await.unwrap();
    assert_eq!(
        store.device_grant_by_user_code("user-3").await.unwrap(),
        Some(full)
    );
}

async fn a_device_grant_is_decided_once(db: &TestDb) {
    let store = db.open().await;
    for (device, user) in [("dev-a", "user-a"), ("dev-d", "user-d")] {
        store
            .insert_device_grant(&device_grant(device, user, 1600))
            .await
            .unwrap();
    }
    let alice = approval("alice");
    assert!(
        store
            .decide_device_grant("user-a", Some(&alice), 1100)
            .await
            .unwrap()
    );
    // The first decision stands, whichever comes second.
    assert!(
        !store
            .decide_device_grant("user-a", None, 1101)
            .await
            .unwrap()
    );
    assert!(
        !store
            .decide_device_grant("user-a", Some(&approval("mallory")), 1101)
            .await
            .unwrap()
    );
    let found = store.device_grant_by_user_code("user-a").await.unwrap();
    assert_eq!(found.unwrap().state, DeviceState::Approved(alice.clone()));

    assert!(
        store
            .decide_device_grant("user-d", None, 1100)
            .await
            .unwrap()
    );
    assert!(
        !store
            .decide_device_grant("user-d", Some(&alice), 1101)
            .await
            .unwrap()
    );
    let found = store.device_grant_by_user_code("user-d").await.unwrap();
    assert_eq!(found.unwrap().state, DeviceState::Denied);

    // Unknown or expired: nothing to decide.
    assert!(
        !store
            .decide_device_grant("user-x", Some(&alice), 1100)
            .await
            .unwrap()
    );
    store
        .insert_device_grant(&device_grant("dev-e", "user-e", 1600))
        .await
        .unwrap();
    assert!(
        !store
            .decide_device_grant("user-e", Some(&alice), 1600)
            .await
            .unwrap()
    );
    let found = store.device_grant_by_user_code("user-e").await.unwrap();
    assert_eq!(found.unwrap().state, DeviceState::Pending);
}

async fn device_polls_answer_each_outcome_and_slow_down_grows_the_interval(db: &TestDb) {
    let store = db.open().await;
    store
        .insert_device_grant(&device_grant("dev-1", "user-1", 1600))
        .await
        .unwrap();
    let state = |store: Arc<dyn Store>| async move {
        let grant = store.device_grant_by_user_code("user-1").await.unwrap();
        let grant = grant.unwrap();
        (grant.interval, grant.last_polled_at)
    };
    assert_eq!(
        store.poll_device_grant("nope", "tv", 1100).await.unwrap(),
        DevicePoll::Unknown
    );
    // Another client's poll changes nothing.
    assert_eq!(
        store
            .poll_device_grant("dev-1", "other", 1100)
            .await
            .unwrap(),
        DevicePoll::OtherClient
    );
    assert_eq!(state(store.clone()).await, (5, None));
    assert_eq!(
        store.poll_device_grant("dev-1", "tv", 1100).await.unwrap(),
        DevicePoll::Pending
    );
    assert_eq!(state(store.clone()).await, (5, Some(1100)));
    // Too soon, twice: the interval grows by 5 each time, the last
    // answered poll stays the one measured from.
    assert_eq!(
        store.poll_device_grant("dev-1", "tv", 1104).await.unwrap(),
        DevicePoll::SlowDown
    );
    assert_eq!(state(store.clone()).await, (10, Some(1100)));
    assert_eq!(
        store.poll_device_grant("dev-1", "tv", 1109).await.unwrap(),
        DevicePoll::SlowDown
    );
    assert_eq!(state(store.clone()).await, (15, Some(1100)));
    // Waiting the grown interval is enough; the interval stays grown.
    assert_eq!(
        store.poll_device_grant("dev-1", "tv", 1115).await.unwrap(),
        DevicePoll::Pending
    );
    assert_eq!(state(store.clone()).await, (15, Some(1115)));
    // Approved: handed out once, then redeemed.
    let alice = approval("alice");
    assert!(
        store
            .decide_device_grant("user-1", Some(&alice), 1120)
            .await
            .unwrap()
    );
    assert_eq!(
        store.poll_device_grant("dev-1", "tv", 1125).await.unwrap(),
        DevicePoll::SlowDown,
        "an approved grant is not handed out to a poll that comes too soon"
    );
    let Ok(DevicePoll::Approved(grant)) = store.poll_device_grant("dev-1", "tv", 1135).await else {
        panic!("the approved grant is handed out");
    };
    assert_eq!(grant.state, DeviceState::Approved(alice));
    assert_eq!(
        (grant.client_id.as_str(), grant.scope.as_str()),
        ("tv", "openid profile")
    );
    assert_eq!(grant.device_code_hash, "dev-1");
    for now in [1136, 1200, 1599, 1700] {
        assert_eq!(
            store.poll_device_grant("dev-1", "tv", now).await.unwrap(),
            DevicePoll::Redeemed,
            "{now}"
        );
    }
    let found = store.device_grant_by_user_code("user-1").await.unwrap();
    assert_eq!(found.unwrap().state, DeviceState::Redeemed);
    assert_eq!(
        store
            .poll_device_grant("dev-1", "other", 1700)
            .await
            .unwrap(),
        DevicePoll::OtherClient
    );

    // Denied, and expired (an approval that came too late to be polled too).
    store
        .insert_device_grant(&device_grant("dev-2", "user-2", 1600))
        .await
        .unwrap();
    assert!(
        store
            .decide_device_grant("user-2", None, 1100)
            .await
            .unwrap()
    );
    assert_eq!(
        store.poll_device_grant("dev-2", "tv", 1100).await.unwrap(),
        DevicePoll::Denied
    );
    store
        .insert_device_grant(&device_grant("dev-3", "user-3", 1600))
        .await
        .unwrap();
    assert_eq!(
        store.poll_device_grant("dev-3", "tv", 1595).await.unwrap(),
        DevicePoll::Pending
    );
    assert!(
        store
            .decide_device_grant("user-3", Some(&approval("bob")), 1599)
            .await
            .unwrap()
    );
    for now in [1600, 1601, 2000] {
        assert_eq!(
            store.poll_device_grant("dev-3", "tv", now).await.unwrap(),
            DevicePoll::Expired,
            "{now}"
        );
    }
}

/// Parallel polls of one approved grant from two nodes: exactly one gets
/// it. The interval is 0 so no poll is told to slow down.
async fn an_approved_device_grant_is_handed_out_once_across_nodes(db: &TestDb) {
    let store = db.open().await;
    let other = db.open().await;
    let mut grant = device_grant("race", "user-race", 1600);
    grant.interval = 0;
    store.insert_device_grant(&grant).await.unwrap();
    assert!(
        store
            .decide_device_grant("user-race", Some(&approval("alice")), 1100)
            .await
            .unwrap()
    );
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let node = if i % 2 == 0 {
                store.clone()
            } else {
                other.clone()
            };
            tokio::spawn(async move { node.poll_device_grant("race", "tv", 1200).await })
        })
        .collect();
    let (mut approved, mut redeemed) = (0, 0);
    for task in tasks {
        match task.await.unwrap().unwrap() {
            DevicePoll::Approved(g) => {
                assert_eq!(g.state, DeviceState::Approved(approval("alice")));
                approved += 1;
            }
            DevicePoll::Redeemed => redeemed += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((approved, redeemed), (1, 23));
}

async fn device_grants_are_purged_after_expiry_and_go_with_their_user(db: &TestDb) {
    let store = db.open().await;
    store.create_user(&user("s1", "alice", 1)).await.unwrap();
    for (device, user, expires_at) in [
        ("dev-1", "user-1", 1000),
        ("dev-2", "user-2", 1001),
        ("dev-3", "user-3", 9000),
        ("dev-4", "user-4", 9000),
    ] {
        store
            .insert_device_grant(&device_grant(device, user, expires_at))
            .await
            .unwrap();
    }
    // Kept an hour past expiry, so a late poll is told it expired.
    assert_eq!(store.purge_device_grants(4000, 100).await.unwrap(), 0);
    assert_eq!(
        store.poll_device_grant("dev-1", "tv", 4000).await.unwrap(),
        DevicePoll::Expired
    );
    assert_eq!(store.purge_device_grants(5000, 1).await.unwrap(), 1);
    assert_eq!(store.purge_device_grants(5000, 100).await.unwrap(), 1);
    assert_eq!(
        store.poll_device_grant("dev-1", "tv", 5000).await.unwrap(),
        DevicePoll::Unknown
    );
    assert!(
        store
            .device_grant_by_user_code("user-3")
            .await
            .unwrap()
            .is_some()
    );
    // An approval not yet polled goes with its user.
    assert!(
        store
            .decide_device_grant("user-3", Some(&approval("s1")), 5000)
            .await
            .unwrap()
    );
    assert!(store.delete_user("s1", 5001, 9000).await.unwrap());
    assert_eq!(
        store.poll_device_grant("dev-3", "tv", 5002).await.unwrap(),
        DevicePoll::Unknown
    );
    assert!(
        store
            .device_grant_by_user_code("user-4")
            .await
            .unwrap()
            .is_some()
    );
}

async fn an_approved_device_grant_is_redeemed_with_its_refresh_token_in_one_commit(db: &TestDb) {
    let store = db.open().await;
    store
        .insert_device_grant(&device_grant("dev-1", "user-1", 1600))
        .await
        .unwrap();
    store
        .insert_refresh_token(&refresh("taken", "g0", 9_999))
        .await
        .unwrap();
    // Pending: `then` is not asked, and the poll is kept.
    let mut asked = false;
    let pending = store
        .poll_device_grant_then("dev-1", "tv", 1100, &mut |_| {
            asked = true;
            None
        })
        .await
        .unwrap();
    assert_eq!((pending, asked), (DevicePoll::Pending, false));
    assert_eq!(
        store
            .device_grant_by_user_code("user-1")
            .await
            .unwrap()
            .unwrap()
            .last_polled_at,
        Some(1100)
    );
    assert!(
        store
            .decide_device_grant("user-1", Some(&approval("alice")), 1100)
            .await
            .unwrap()
    );

    // The refresh token cannot be kept (its hash is taken): the grant is
    // not redeemed either, so the device may poll again.
    let mut calls = 0;
    let failed = store
        .poll_device_grant_then("dev-1", "tv", 1200, &mut |grant| {
            calls += 1;
            assert_eq!(grant.state, DeviceState::Approved(approval("alice")));
            Some(refresh("taken", "g1", 9_999))
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(calls, 1);
    let kept = store.device_grant_by_user_code("user-1").await.unwrap();
    assert_eq!(
        kept.unwrap().state,
        DeviceState::Approved(approval("alice"))
    );

    // Both, together; then `then` is not asked again.
    let handed = store
        .poll_device_grant_then("dev-1", "tv", 1300, &mut |_| {
            Some(refresh("r1", "g1", 9_999))
        })
        .await
        .unwrap();
    assert!(matches!(handed, DevicePoll::Approved(_)));
    assert_eq!(
        store
            .get_refresh_token("r1")
            .await
            .unwrap()
            .unwrap()
            .grant_id,
        "g1"
    );
    let mut asked = false;
    let again = store
        .poll_device_grant_then("dev-1", "tv", 1400, &mut |_| {
            asked = true;
            None
        })
        .await
        .unwrap();
    assert_eq!((again, asked), (DevicePoll::Redeemed, false));
}

// ---------------------------------------------------------------------------
// The account page and the audit trail

fn session_of(sub: &str, sid: &str, created_at: i64, expires_at: i64) -> SessionRecord {
    SessionRecord {
        id_hash: format!("hash-{sid}"),
        sid: sid.into(),
        sub: sub.into(),
        auth_time: created_at,
        amr: vec!["pwd".into()],
        acr: None,
        created_at,
        expires_at,
        user_agent: Some("Firefox on Linux".into()),
        address: Some("192.0.2.7".into()),
    }
}

async fn sessions_are_listed_and_ended_per_user(db: &TestDb) {
    let store = db.open().await;
    let older = SessionRecord {
        user_agent: None,
        address: None,
        ..session_of("s1", "a", 100, 9_000)
    };
    store.insert_session(&older).await.unwrap();
    store
        .insert_session(&session_of("s1", "b", 200, 9_000))
        .await
        .unwrap();
    store
        .insert_session(&session_of("s1", "gone", 50, 150))
        .await
        .unwrap();
    store
        .insert_session(&session_of("s2", "c", 300, 9_000))
        .await
        .unwrap();
    let listed = store.list_sessions("s1", 1_000).await.unwrap();
    let sids: Vec<&str> = listed.iter().map(|s| s.sid.as_str()).collect();
    assert_eq!(sids, ["b", "a"], "live ones only, newest first");
    assert_eq!(listed[0], session_of("s1", "b", 200, 9_000));
    assert_eq!(listed[1], older);
    // Another user's session is not ended through this user.
    assert!(!store.end_session("s1", "c", 500, 9_000).await.unwrap());
    assert!(store.get_session("hash-c").await.unwrap().is_some());
    assert!(store.end_session("s1", "b", 500, 9_000).await.unwrap());
    assert!(!store.end_session("s1", "b", 500, 9_000).await.unwrap());
    assert!(store.get_session("hash-b").await.unwrap().is_none());
    assert_eq!(store.list_sessions("s1", 1_000).await.unwrap().len(), 1);
    // Every session of s1 (the expired one too), none of s2's.
    assert_eq!(store.end_sessions("s1", 500, 9_000).await.unwrap(), 2);
    assert_eq!(store.end_sessions("s1", 500, 9_000).await.unwrap(), 0);
    assert!(store.get_session("hash-a").await.unwrap().is_none());
    assert!(store.get_session("hash-c").await.unwrap().is_some());
}

/// Grants of sessions of s1 for the session tests: in session `sid1` a
/// refresh grant without offline_access (g-bound), one with it
/// (g-offline), a code-only grant known through its use (g-used), a code
/// not yet redeemed (g-pending), a device-flow grant approved in that
/// browser (device.g); in `sid2` another bound grant (g-other-session);
/// s2's grant in a session of the same id (g-s2); a grant without a
/// session (g-none).
async fn session_grants(store: &dyn Store) {
    let token = |hash: &str, grant: &str, scope: &str, sid: Option<&str>| {
        let mut r = refresh(hash, grant, 9_000);
        r.scope = scope.into();
        r.sid = sid.map(str::to_string);
        r
    };
    for r in [
        token("r-bound", "g-bound", "openid email", Some("sid1")),
        token(
            "r-offline",
            "g-offline",
            "openid offline_access",
            Some("sid1"),
        ),
        token("r-device", "device.g", "openid", Some("sid1")),
        token("r-other", "g-other-session", "openid", Some("sid2")),
        token("r-none", "g-none", "openid", None),
        // A scope whose name only looks like offline_access to LIKE.
        token(
            "r-lookalike",
            "g-lookalike",
            "openid offlineXaccess",
            Some("sid1"),
        ),
    ] {
        store.insert_refresh_token(&r).await.unwrap();
    }
    let mut s2 = token("r-s2", "g-s2", "openid", Some("sid1"));
    s2.sub = "s2".into();
    store.insert_refresh_token(&s2).await.unwrap();
    store
        .record_grant_use("g-used", "s1", "c1", Some("sid1"), 300, 9_000)
        .await
        .unwrap();
    let mut pending = code_record("code-pending");
    pending.grant_id = "g-pending".into();
    pending.expires_at = 9_000;
    store.insert_code(&pending).await.unwrap();
    let mut kept = code_record("code-offline");
    kept.grant_id = "g-offline-code".into();
    kept.scope = "openid offline_access".into();
    kept.expires_at = 9_000;
    store.insert_code(&kept).await.unwrap();
    for (sub, sid) in [("s1", "sid1"), ("s1", "sid2"), ("s2", "sid1")] {
        let mut s = session_of(sub, sid, 100, 9_000);
        s.id_hash = format!("hash-{sub}-{sid}");
        store.insert_session(&s).await.unwrap();
    }
}

async fn revoked_refresh(store: &dyn Store, hash: &str) -> Option<i64> {
    store
        .get_refresh_token(hash)
        .await
        .unwrap()
        .unwrap()
        .revoked_at
}

async fn ending_a_session_revokes_its_grants_without_offline_access(db: &TestDb) {
    let store = db.open().await;
    session_grants(store.as_ref()).await;
    // Cached as live first: the end must reach this node's cache too.
    assert!(!store.is_grant_revoked("g-bound").await.unwrap());
    assert!(
        !store
            .end_session("s1", "sid-unknown", 500, 9_500)
            .await
            .unwrap()
    );
    assert!(
        !store.is_grant_revoked("g-bound").await.unwrap(),
        "no session ended, nothing revoked"
    );

    assert!(store.end_session("s1", "sid1", 500, 9_500).await.unwrap());
    for grant in ["g-bound", "g-used", "g-pending", "g-lookalike"] {
        assert!(store.is_grant_revoked(grant).await.unwrap(), "{grant}");
    }
    // Its code not yet redeemed is spent; one with offline_access is not.
    assert!(matches!(
        store.redeem_code("code-pending", 510).await.unwrap(),
        latchkey_core::grant::Redemption::Reused(_)
    ));
    assert!(matches!(
        store.redeem_code("code-offline", 510).await.unwrap(),
        latchkey_core::grant::Redemption::Fresh(_)
    ));
    for grant in ["g-offline", "device.g", "g-other-session", "g-none", "g-s2"] {
        assert!(!store.is_grant_revoked(grant).await.unwrap(), "{grant}");
    }
    assert_eq!(revoked_refresh(store.as_ref(), "r-bound").await, Some(500));
    assert_eq!(
        revoked_refresh(store.as_ref(), "r-lookalike").await,
        Some(500)
    );
    for hash in ["r-offline", "r-device", "r-other", "r-none", "r-s2"] {
        assert_eq!(revoked_refresh(store.as_ref(), hash).await, None, "{hash}");
    }
    assert!(store.get_session("hash-s1-sid1").await.unwrap().is_none());
    assert!(store.get_session("hash-s1-sid2").await.unwrap().is_some());
    assert!(store.get_session("hash-s2-sid1").await.unwrap().is_some());
    // A session replaced by another sign-in of the same person is only
    // removed: nothing of it is revoked.
    assert!(store.delete_session("hash-s1-sid2").await.unwrap());
    assert!(!store.is_grant_revoked("g-other-session").await.unwrap());
    // Why, for /token: the session's end; another revocation records no
    // reason, and the first reason stays.
    let reason = |grant: &'static str| {
        let store = store.clone();
        async move { store.revocation_reason(grant).await.unwrap() }
    };
    assert_eq!(reason("g-bound").await.as_deref(), Some("session_ended"));
    assert_eq!(reason("g-offline").await, None, "not revoked");
    store.revoke_grant("g-offline", 510, 9_500).await.unwrap();
    assert_eq!(
        reason("g-offline").await,
        None,
        "revoked for another reason"
    );
    store.revoke_grant("g-bound", 520, 9_500).await.unwrap();
    assert_eq!(reason("g-bound").await.as_deref(), Some("session_ended"));
}

async fn ending_every_session_revokes_every_session_bound_grant(db: &TestDb) {
    let store = db.open().await;
    session_grants(store.as_ref()).await;
    // sid2 was replaced earlier (removed without an end): its grant is
    // still bound to a session of s1's, so ending them all reaches it.
    assert!(store.delete_session("hash-s1-sid2").await.unwrap());
    assert!(!store.is_grant_revoked("g-other-session").await.unwrap());
    assert_eq!(store.end_sessions("s1", 600, 9_600).await.unwrap(), 1);
    for grant in ["g-bound", "g-used", "g-pending", "g-other-session"] {
        assert!(store.is_grant_revoked(grant).await.unwrap(), "{grant}");
    }
    assert!(matches!(
        store.redeem_code("code-pending", 610).await.unwrap(),
        latchkey_core::grant::Redemption::Reused(_)
    ));
    for grant in ["g-offline", "device.g", "g-none", "g-s2"] {
        assert!(!store.is_grant_revoked(grant).await.unwrap(), "{grant}");
    }
    assert_eq!(revoked_refresh(store.as_ref(), "r-other").await, Some(600));
    for hash in ["r-offline", "r-device", "r-none", "r-s2"] {
        assert_eq!(revoked_refresh(store.as_ref(), hash).await, None, "{hash}");
    }
    assert!(store.get_session("hash-s2-sid1").await.unwrap().is_some());
    // Again: no session, nothing new; revoked stays revoked.
    assert_eq!(store.end_sessions("s1", 700, 9_700).await.unwrap(), 0);
    assert_eq!(revoked_refresh(store.as_ref(), "r-bound").await, Some(600));
}

async fn consents_are_listed_with_their_last_use_and_revoked_with_their_grants(db: &TestDb) {
    let store = db.open().await;
    store
        .put_consent("s1", "c1", "openid email", 100)
        .await
        .unwrap();
    store.put_consent("s1", "c2", "openid", 200).await.unwrap();
    store.put_consent("s2", "c1", "openid", 300).await.unwrap();
    // c1 got tokens twice for s1 (a later use is never moved back), once for s2.
    store
        .record_grant_use("g1", "s1", "c1", None, 500, 9_000)
        .await
        .unwrap();
    store
        .record_grant_use("g1", "s1", "c1", None, 400, 9_000)
        .await
        .unwrap();
    store
        .record_grant_use("g-code", "s1", "c1", None, 450, 9_000)
        .await
        .unwrap();
    store
        .record_grant_use("g-s2", "s2", "c1", None, 600, 9_000)
        .await
        .unwrap();
    let listed = store.list_consents("s1").await.unwrap();
    let seen: Vec<(&str, &str, i64, Option<i64>)> = listed
        .iter()
        .map(|c| {
            (
                c.client_id.as_str(),
                c.scope.as_str(),
                c.updated_at,
                c.last_used_at,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("c1", "openid email", 100, Some(500)),
            ("c2", "openid", 200, None)
        ]
    );
    // Grants of s1 with c1: g1 (a refresh token too), g-code (a code-only
    // grant, known through its use), g-pending (a code not yet redeemed).
    store
        .insert_refresh_token(&refresh("r1", "g1", 9_000))
        .await
        .unwrap();
    let mut other = refresh("r2", "g-other", 9_000);
    other.client_id = "c2".into();
    store.insert_refresh_token(&other).await.unwrap();
    let mut pending = code_record("code-pending");
    pending.grant_id = "g-pending".into();
    pending.expires_at = 9_000;
    store.insert_code(&pending).await.unwrap();
    assert!(
        !store.is_grant_revoked("g1").await.unwrap(),
        "cached as not revoked"
    );

    assert!(store.revoke_consent("s1", "c1", 700, 10_000).await.unwrap());
    for grant in ["g1", "g-code", "g-pending"] {
        assert!(store.is_grant_revoked(grant).await.unwrap(), "{grant}");
        assert_eq!(
            store.revocation_reason(grant).await.unwrap().as_deref(),
            Some(latchkey_core::grant::CONSENT_REVOKED),
            "{grant}"
        );
    }
    for grant in ["g-other", "g-s2"] {
        assert!(!store.is_grant_revoked(grant).await.unwrap(), "{grant}");
    }
    let r1 = store.get_refresh_token("r1").await.unwrap().unwrap();
    assert_eq!(r1.revoked_at, Some(700));
    assert!(
        store
            .get_refresh_token("r2")
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none()
    );
    assert!(matches!(
        store.redeem_code("code-pending", 710).await.unwrap(),
        latchkey_core::grant::Redemption::Reused(_)
    ));
    assert_eq!(store.get_consent("s1", "c1").await.unwrap(), None);
    assert!(store.get_consent("s2", "c1").await.unwrap().is_some());
    let left: Vec<String> = store
        .list_consents("s1")
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.client_id)
        .collect();
    assert_eq!(left, ["c2"]);
    // Once more: nothing to take back.
    assert!(!store.revoke_consent("s1", "c1", 800, 10_000).await.unwrap());
}

async fn deleting_a_user_forgets_their_grant_uses(db: &TestDb) {
    let store = db.open().await;
    store.create_user(&user("s1", "alice", 1)).await.unwrap();
    store.put_consent("s1", "c1", "openid", 100).await.unwrap();
    store
        .record_grant_use("g1", "s1", "c1", None, 500, 9_000)
        .await
        .unwrap();
    assert!(store.delete_user("s1", 600, 9_000).await.unwrap());
    assert!(store.is_grant_revoked("g1").await.unwrap());
    // A user of the same sub later starts with no connected application.
    store.put_consent("s1", "c1", "openid", 700).await.unwrap();
    assert_eq!(
        store.list_consents("s1").await.unwrap()[0].last_used_at,
        None
    );
    // Grant uses past their time go with the purge.
    store
        .record_grant_use("g2", "s1", "c1", None, 800, 900)
        .await
        .unwrap();
    store.purge_expired(1_000, 60, 100).await.unwrap();
    assert_eq!(
        store.list_consents("s1").await.unwrap()[0].last_used_at,
        None
    );
}

async fn audit_events_are_appended_read_by_page_and_filter_and_purged(db: &TestDb) {
    use latchkey_core::audit::{Actor, AuditEvent, AuditQuery, kind};
    let store = db.open().await;
    let alice = Actor::User("s1".into());
    let mut ids = Vec::new();
    for (at, actor, kind, target) in [
        (100, &alice, kind::SIGN_IN, "user:s1"),
        (200, &alice, kind::PASSWORD_CHANGED, "user:s1"),
        (
            300,
            &Actor::Admin("ops".into()),
            kind::SESSION_ENDED,
            "user:s2",
        ),
        (400, &alice, kind::CONSENT_REVOKED, "user:s1"),
    ] {
        let mut e = AuditEvent::new(actor, kind, target)
            .with("client_id", "c1")
            .address(Some("192.0.2.1".into()));
        e.at = at;
        if at == 100 {
            e = e.failed();
        }
        ids.push(store.append_audit(&e).await.unwrap());
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow: {ids:?}");
    let all = store
        .list_audit(&AuditQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let ats: Vec<i64> = all.iter().map(|r| r.event.at).collect();
    assert_eq!(ats, [400, 300, 200, 100], "newest first");
    assert_eq!(all[3].event.outcome, latchkey_core::audit::Outcome::Failure);
    assert_eq!(all[3].event.detail["client_id"], "c1");
    assert_eq!(all[3].event.address.as_deref(), Some("192.0.2.1"));
    assert_eq!(all[1].event.actor, "admin:ops");
    // Pages: two, then the rest before the last id seen.
    let first = store
        .list_audit(&AuditQuery {
            limit: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    let rest = store
        .list_audit(&AuditQuery {
            limit: 2,
            before: first.last().map(|r| r.id),
            ..Default::default()
        })
        .await
        .unwrap();
    let paged: Vec<i64> = first.iter().chain(&rest).map(|r| r.event.at).collect();
    assert_eq!(paged, ats);
    let query = |actor: Option<&str>, target: Option<&str>, kind: Option<&str>| AuditQuery {
        actor: actor.map(str::to_string),
        target: target.map(str::to_string),
        kind: kind.map(str::to_string),
        before: None,
        limit: 10,
    };
    let count = |q: AuditQuery| {
        let store = store.clone();
        async move { store.list_audit(&q).await.unwrap().len() }
    };
    assert_eq!(count(query(Some("user:s1"), None, None)).await, 3);
    assert_eq!(count(query(None, Some("user:s2"), None)).await, 1);
    assert_eq!(
        count(query(Some("user:s1"), None, Some(kind::SIGN_IN))).await,
        1
    );
    assert_eq!(count(query(Some("nobody"), None, None)).await, 0);
    // Retention: events before 250 go, at most `limit` at a time.
    assert_eq!(store.purge_audit(250, 1).await.unwrap(), 1);
    assert_eq!(store.purge_audit(250, 10).await.unwrap(), 1);
    assert_eq!(count(query(None, None, None)).await, 2);
}

// ---------------------------------------------------------------------------
// Passkeys

fn passkey(id: &str, sub: &str, credential_id: &str, created_at: i64) -> PasskeyRecord {
    PasskeyRecord {
        id: id.into(),
        sub: sub.into(),
        credential_id: credential_id.into(),
        name: format!("key {id}"),
        credential: format!("{{\"cred\":\"{id}\"}}"),
        sign_count: 0,
        created_at,
        last_used_at: None,
    }
}

async fn passkeys_are_listed_found_and_removed_per_user(db: &TestDb) {
    let store = db.open().await;
    store.create_user(&user("sub-a", "alice", 1)).await.unwrap();
    store.create_user(&user("sub-b", "bob", 1)).await.unwrap();
    assert!(store.list_passkeys("sub-a").await.unwrap().is_empty());
    store
        .insert_passkey(&passkey("p2", "sub-a", "cred-2", 20))
        .await
        .unwrap();
    store
        .insert_passkey(&passkey("p1", "sub-a", "cred-1", 10))
        .await
        .unwrap();
    store
        .insert_passkey(&passkey("p3", "sub-b", "cred-3", 5))
        .await
        .unwrap();
    // A credential id is registered once, whoever holds it.
    assert!(matches!(
        store
            .insert_passkey(&passkey("p4", "sub-b", "cred-1", 30))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let listed: Vec<String> = store
        .list_passkeys("sub-a")
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(listed, ["p1", "p2"]);
    let found = store.find_passkey("cred-3").await.unwrap().unwrap();
    assert_eq!(found, passkey("p3", "sub-b", "cred-3", 5));
    assert!(store.find_passkey("cred-9").await.unwrap().is_none());
    // Only its owner's passkey is removed.
    assert!(!store.delete_passkey("sub-b", "p1").await.unwrap());
    assert!(store.delete_passkey("sub-a", "p1").await.unwrap());
    assert!(!store.delete_passkey("sub-a", "p1").await.unwrap());
    assert!(store.find_passkey("cred-1").await.unwrap().is_none());
    // They go with their user.
    assert!(store.delete_user("sub-a", 100, 200).await.unwrap());
    assert!(store.find_passkey("cred-2").await.unwrap().is_none());
    assert_eq!(store.list_passkeys("sub-b").await.unwrap().len(), 1);
}

async fn a_passkey_is_renamed_by_its_owner_only(db: &TestDb) {
    let store = db.open().await;
    store
        .insert_passkey(&passkey("p1", "sub-a", "cred-1", 10))
        .await
        .unwrap();
    store
        .insert_passkey(&passkey("p2", "sub-a", "cred-2", 20))
        .await
        .unwrap();
    assert!(!store.rename_passkey("sub-b", "p1", "Stolen").await.unwrap());
    assert!(
        !store
            .rename_passkey("sub-a", "gone", "Phone")
            .await
            .unwrap()
    );
    assert!(
        store
            .rename_passkey("sub-a", "p1", "Work laptop")
            .await
            .unwrap()
    );
    let listed = store.list_passkeys("sub-a").await.unwrap();
    assert_eq!(listed[0].name, "Work laptop");
    // Only the name changes; the other passkey keeps its own.
    assert_eq!(
        listed[0],
        PasskeyRecord {
            name: "Work laptop".into(),
            ..passkey("p1", "sub-a", "cred-1", 10)
        }
    );
    assert_eq!(listed[1], passkey("p2", "sub-a", "cred-2", 20));
}

async fn a_passkey_counter_is_accepted_once_and_only_upwards(db: &TestDb) {
    let store = db.open().await;
    store
        .insert_passkey(&passkey("p1", "sub-a", "cred-1", 1))
        .await
        .unwrap();
    assert!(
        store
            .record_passkey_use("p1", "{\"v\":5}", 5, 100)
            .await
            .unwrap()
    );
    let used = store.find_passkey("cred-1").await.unwrap().unwrap();
    assert_eq!((used.sign_count, used.last_used_at), (5, Some(100)));
    assert_eq!(used.credential, "{\"v\":5}");
    // The same value again, or a lower one: a clone, refused.
    assert!(!store.record_passkey_use("p1", "{}", 5, 110).await.unwrap());
    assert!(!store.record_passkey_use("p1", "{}", 3, 110).await.unwrap());
    assert!(
        store
            .record_passkey_use("p1", "{\"v\":6}", 6, 120)
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_passkey_use("gone", "{}", 9, 120)
            .await
            .unwrap()
    );
    // An authenticator without a counter stays at 0.
    store
        .insert_passkey(&passkey("p2", "sub-a", "cred-2", 1))
        .await
        .unwrap();
    assert!(store.record_passkey_use("p2", "{}", 0, 130).await.unwrap());
    assert!(store.record_passkey_use("p2", "{}", 0, 140).await.unwrap());
    // One counter value, two nodes: one wins.
    let (a, b) = tokio::join!(
        store.record_passkey_use("p1", "{}", 7, 150),
        store.record_passkey_use("p1", "{}", 7, 150)
    );
    assert_eq!(u8::from(a.unwrap()) + u8::from(b.unwrap()), 1);
}

async fn passkey_ceremonies_are_taken_once_and_purged(db: &TestDb) {
    let store = db.open().await;
    let ceremony = |id: &str, kind, sub: Option<&str>, expires_at| CeremonyRecord {
        id_hash: id.into(),
        kind,
        binding: "interaction-1".into(),
        sub: sub.map(str::to_string),
        state: "{\"state\":1}".into(),
        created_at: 10,
        expires_at,
    };
    let register = ceremony("c1", CeremonyKind::Register, Some("sub-a"), 100);
    store.insert_ceremony(&register).await.unwrap();
    store
        .insert_ceremony(&ceremony("c2", CeremonyKind::SignIn, None, 100))
        .await
        .unwrap();
    store
        .insert_ceremony(&ceremony(
            "c3",
            CeremonyKind::SecondFactor,
            Some("sub-a"),
            50,
        ))
        .await
        .unwrap();
    assert_eq!(store.take_ceremony("c1", 60).await.unwrap(), Some(register));
    assert_eq!(store.take_ceremony("c1", 60).await.unwrap(), None);
    // Expired: not given, and gone.
    assert_eq!(store.take_ceremony("c3", 60).await.unwrap(), None);
    let (a, b) = tokio::join!(store.take_ceremony("c2", 60), store.take_ceremony("c2", 60));
    assert_eq!(
        usize::from(a.unwrap().is_some()) + usize::from(b.unwrap().is_some()),
        1
    );
    for (i, expires_at) in [(4, 40), (5, 45), (6, 500)] {
        store
            .insert_ceremony(&ceremony(
                &format!("c{i}"),
                CeremonyKind::SignIn,
                None,
                expires_at,
            ))
            .await
            .unwrap();
    }
    assert_eq!(store.purge_ceremonies(100, 1).await.unwrap(), 1);
    assert_eq!(store.purge_ceremonies(100, 10).await.unwrap(), 1);
    assert_eq!(store.purge_ceremonies(100, 10).await.unwrap(), 0);
    assert!(store.take_ceremony("c6", 100).await.unwrap().is_some());
}

// ---------------------------------------------------------------------------
// Outgoing mail and single-use links

fn outgoing(id: &str, due_at: i64, expires_at: i64) -> latchkey_core::mail::OutgoingMail {
    latchkey_core::mail::OutgoingMail {
        id: id.into(),
        to: "alice@example.com".into(),
        subject: format!("subject {id}"),
        text: "text".into(),
        html: "<p>html</p>".into(),
        attempts: 0,
        due_at,
        created_at: 100,
        expires_at,
    }
}

fn ids(mails: &[latchkey_core::mail::OutgoingMail]) -> Vec<&str> {
    let mut v: Vec<&str> = mails.iter().map(|m| m.id.as_str()).collect();
    v.sort();
    v
}

/// Due messages are claimed (not those due later, expired or claimed);
/// a sent one goes, a failed one comes back when due with its attempt
/// counted; only the claim that holds a message may act on it.
async fn mail_is_claimed_sent_and_retried(db: &TestDb) {
    let store = db.open().await;
    for (id, due, expires) in [
        ("m1", 100, 5000),
        ("m2", 100, 5000),
        ("later", 900, 5000),
        ("dead", 100, 150),
    ] {
        store
            .enqueue_mail(&outgoing(id, due, expires))
            .await
            .unwrap();
    }
    let got = store.claim_mail("c1", 200, 300, 10).await.unwrap();
    assert_eq!(ids(&got), ["m1", "m2"]);
    assert_eq!(got[0].to, "alice@example.com");
    assert_eq!(
        got.iter().find(|m| m.id == "m1").unwrap(),
        &outgoing("m1", 100, 5000)
    );
    // Claimed: nobody else gets them while the lease runs.
    assert!(
        store
            .claim_mail("c2", 250, 350, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Another claim may not act on them.
    assert!(!store.delete_mail("m1", "c2").await.unwrap());
    assert!(!store.retry_mail("m1", "c2", 400).await.unwrap());
    assert!(store.delete_mail("m1", "c1").await.unwrap());
    assert!(!store.delete_mail("m1", "c1").await.unwrap());
    assert!(store.retry_mail("m2", "c1", 400).await.unwrap());
    // Not due again before 400; then claimed with its attempt counted.
    assert!(
        store
            .claim_mail("c3", 399, 500, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store.claim_mail("c3", 400, 500, 1).await.unwrap();
    assert_eq!(ids(&again), ["m2"]);
    assert_eq!(again[0].attempts, 1);
    assert_eq!(again[0].due_at, 400);
    // "later" when due; m2 again, since c3's lease ran out without a word.
    let later = store.claim_mail("c4", 950, 1000, 10).await.unwrap();
    assert_eq!(ids(&later), ["later", "m2"]);
    assert!(
        store
            .claim_mail("c5", 950, 1000, 0)
            .await
            .unwrap()
            .is_empty()
    );
    // Purge: the expired message goes (the others expire at 5000).
    assert_eq!(store.purge_mail(1000, 100).await.unwrap(), 1);
    assert_eq!(store.purge_mail(6000, 1).await.unwrap(), 1);
    assert_eq!(store.purge_mail(6000, 100).await.unwrap(), 1);
    assert_eq!(store.purge_mail(6000, 100).await.unwrap(), 0);
}

/// Many claims at once on two nodes: no message is claimed twice.
async fn a_message_is_claimed_by_one_node_under_concurrency(db: &TestDb) {
    let store = db.open().await;
    let other = db.open().await;
    for i in 0..20 {
        store
            .enqueue_mail(&outgoing(&format!("m{i:02}"), 100, 5000))
            .await
            .unwrap();
    }
    let claimed = race_claims(&store, &other, |node, claim, limit| async move {
        let rows = node.claim_mail(&claim, 200, 300, limit).await.unwrap();
        rows.into_iter().map(|m| m.id).collect()
    })
    .await;
    assert_eq!(claimed.len(), 20, "{claimed:?}");
}

/// Ten claims of up to three rows each, racing on two nodes, then one
/// claim for what a lost race skipped (PostgreSQL re-checks the lease on
/// the row it waited for): the ids claimed, sorted, none twice.
async fn race_claims<F, Fut>(
    store: &Arc<dyn Store>,
    other: &Arc<dyn Store>,
    claim: F,
) -> Vec<String>
where
    F: Fn(Arc<dyn Store>, String, i64) -> Fut + Copy + Send + 'static,
    Fut: std::future::Future<Output = Vec<String>> + Send + 'static,
{
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let node = if i % 2 == 0 { store } else { other };
            tokio::spawn(claim(node.clone(), format!("claim-{i}"), 3))
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.extend(claim(store.clone(), "rest".into(), 100).await);
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!(before, all.len(), "a row was claimed twice: {all:?}");
    all
}

/// A node that claimed messages and died: when its lease ends another node
/// claims them, and the dead claim can no longer act on them.
async fn a_dead_nodes_claim_runs_out(db: &TestDb) {
    let store = db.open().await;
    store
        .enqueue_mail(&outgoing("m1", 100, 5000))
        .await
        .unwrap();
    assert_eq!(
        store.claim_mail("dead", 200, 320, 10).await.unwrap().len(),
        1
    );
    assert!(
        store
            .claim_mail("alive", 319, 500, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.claim_mail("alive", 320, 500, 10).await.unwrap().len(),
        1
    );
    assert!(!store.delete_mail("m1", "dead").await.unwrap());
    assert!(store.delete_mail("m1", "alive").await.unwrap());
}

/// A link is found by its hash and purpose, used once (not after it
/// expired), kept a day past expiry, and goes with its user.
async fn mail_links_are_used_once_and_purged(db: &TestDb) {
    use latchkey_core::mail::{LINK_GRACE, LinkPurpose, LinkRecord, LinkState};
    let store = db.open().await;
    store.create_user(&user("s1", "alice", 1)).await.unwrap();
    let link = |hash: &str, purpose, expires_at| LinkRecord {
        hash: hash.into(),
        purpose,
        sub: "s1".into(),
        email: (purpose == LinkPurpose::Verify).then(|| "alice@example.com".to_string()),
        created_at: 100,
        expires_at,
        used_at: None,
    };
    store
        .insert_link(&link("h1", LinkPurpose::Recovery, 1000))
        .await
        .unwrap();
    store
        .insert_link(&link("h2", LinkPurpose::Verify, 1000))
        .await
        .unwrap();
    store
        .insert_link(&link("h3", LinkPurpose::Recovery, 500))
        .await
        .unwrap();
    assert_eq!(
        store.get_link("h1", LinkPurpose::Recovery).await.unwrap(),
        Some(link("h1", LinkPurpose::Recovery, 1000))
    );
    assert_eq!(
        store
            .get_link("h2", LinkPurpose::Verify)
            .await
            .unwrap()
            .unwrap()
            .email
            .as_deref(),
        Some("alice@example.com")
    );
    // The purpose is part of the key.
    assert_eq!(
        store.get_link("h1", LinkPurpose::Verify).await.unwrap(),
        None
    );
    assert!(
        !store
            .use_link("h1", LinkPurpose::Verify, 200)
            .await
            .unwrap()
    );
    assert!(
        store
            .use_link("h1", LinkPurpose::Recovery, 200)
            .await
            .unwrap()
    );
    assert!(
        !store
            .use_link("h1", LinkPurpose::Recovery, 201)
            .await
            .unwrap()
    );
    let used = store
        .get_link("h1", LinkPurpose::Recovery)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used.used_at, Some(200));
    assert_eq!(used.state(201), LinkState::Used);
    // Expired: not usable.
    assert!(
        !store
            .use_link("h3", LinkPurpose::Recovery, 500)
            .await
            .unwrap()
    );
    // Used at once from two nodes: one wins.
    let other = db.open().await;
    let (a, b) = tokio::join!(
        store.use_link("h2", LinkPurpose::Verify, 300),
        other.use_link("h2", LinkPurpose::Verify, 300)
    );
    assert!(a.unwrap() ^ b.unwrap());
    // Kept LINK_GRACE past expiry, then purged.
    assert_eq!(
        store.purge_mail(500 + LINK_GRACE - 1, 100).await.unwrap(),
        0
    );
    assert_eq!(store.purge_mail(500 + LINK_GRACE, 100).await.unwrap(), 1);
    store
        .insert_link(&link("h4", LinkPurpose::Recovery, 9000))
        .await
        .unwrap();
    assert!(store.delete_user("s1", 600, 700).await.unwrap());
    assert_eq!(
        store.get_link("h4", LinkPurpose::Recovery).await.unwrap(),
        None
    );
}

/// After a password reset: the user's sessions, refresh tokens and codes
/// end and their grants are revoked; the user, their factors and consents
/// stay, and other users keep everything.
async fn ending_everything_for_a_user_keeps_the_user(db: &TestDb) {
    use latchkey_core::grant::Redemption;
    let store = db.open().await;
    for (sub, name) in [("s1", "alice"), ("s2", "bob")] {
        store.create_user(&user(sub, name, 1)).await.unwrap();
        for n in 0..2 {
            store
                .insert_session(&SessionRecord {
                    id_hash: format!("session-{sub}-{n}"),
                    sid: format!("sid-{sub}-{n}"),
                    sub: sub.into(),
                    auth_time: 100,
                    amr: vec!["pwd".into()],
                    acr: None,
                    created_at: 100,
                    expires_at: 9_000,
                    user_agent: None,
                    address: None,
                })
                .await
                .unwrap();
        }
        let mut refresh = refresh(&format!("refresh-{sub}"), &format!("grant-r-{sub}"), 9_000);
        refresh.sub = sub.into();
        store.insert_refresh_token(&refresh).await.unwrap();
        let mut code = code_record(&format!("code-{sub}"));
        code.sub = sub.into();
        code.grant_id = format!("grant-c-{sub}");
        code.expires_at = 9_000;
        store.insert_code(&code).await.unwrap();
        store.put_consent(sub, "c1", "openid", 100).await.unwrap();
        store.put_totp(&totp(sub, Some(100)), true).await.unwrap();
    }
    assert_eq!(store.end_everything_for("s1", 200, 5_000).await.unwrap(), 2);
    assert!(store.get_user("s1").await.unwrap().is_some());
    assert_eq!(store.get_session("session-s1-0").await.unwrap(), None);
    assert_eq!(store.get_session("session-s1-1").await.unwrap(), None);
    assert_eq!(store.get_refresh_token("refresh-s1").await.unwrap(), None);
    assert!(matches!(
        store.redeem_code("code-s1", 300).await.unwrap(),
        Redemption::Unknown
    ));
    assert!(store.is_grant_revoked("grant-r-s1").await.unwrap());
    assert!(store.is_grant_revoked("grant-c-s1").await.unwrap());
    assert!(store.get_consent("s1", "c1").await.unwrap().is_some());
    assert!(store.get_totp("s1").await.unwrap().is_some());
    // Bob keeps everything.
    assert!(store.get_session("session-s2-0").await.unwrap().is_some());
    assert!(
        store
            .get_refresh_token("refresh-s2")
            .await
            .unwrap()
            .is_some()
    );
    assert!(!store.is_grant_revoked("grant-r-s2").await.unwrap());
    // Twice is harmless.
    assert_eq!(store.end_everything_for("s1", 300, 5_000).await.unwrap(), 0);
}

// ---------------------------------------------------------------------------
// Back-channel logout

fn pending_logout(id: &str, due: i64, expires: i64) -> PendingLogout {
    PendingLogout {
        id: id.into(),
        client_id: "app".into(),
        sub: "s1".into(),
        sid: Some("sid-1".into()),
        attempts: 0,
        due_at: due,
        created_at: 50,
        expires_at: expires,
    }
}

fn logout_ids(got: &[PendingLogout]) -> Vec<&str> {
    let mut ids: Vec<&str> = got.iter().map(|l| l.id.as_str()).collect();
    ids.sort();
    ids
}

fn sc(client_id: &str, sid: Option<&str>) -> SessionClient {
    SessionClient {
        client_id: client_id.into(),
        sid: sid.map(str::to_string),
    }
}

/// A grant keeps the session it was made in; a session's clients are those
/// whose grants it made, each once.
async fn grant_uses_tell_which_clients_a_session_reached(db: &TestDb) {
    let store = db.open().await;
    for (grant, sub, client, sid) in [
        ("g1", "s1", "a", Some("x")),
        ("g2", "s1", "a", Some("x")),
        ("g3", "s1", "b", Some("x")),
        ("g4", "s1", "b", Some("y")),
        ("g5", "s1", "c", None),
        ("g6", "s2", "a", Some("x")),
    ] {
        store
            .record_grant_use(grant, sub, client, sid, 100, 9_000)
            .await
            .unwrap();
    }
    // A later use without a session (a refresh noted elsewhere) keeps it.
    store
        .record_grant_use("g4", "s1", "b", None, 200, 9_000)
        .await
        .unwrap();
    assert_eq!(
        store.session_clients("s1", Some("x")).await.unwrap(),
        [sc("a", Some("x")), sc("b", Some("x"))]
    );
    assert_eq!(
        store.session_clients("s1", None).await.unwrap(),
        [
            sc("a", Some("x")),
            sc("b", Some("x")),
            sc("b", Some("y")),
            sc("c", None)
        ]
    );
    assert!(
        store
            .session_clients("s1", Some("nope"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.session_clients("s3", None).await.unwrap().is_empty());
}

async fn logouts_are_claimed_delivered_and_retried(db: &TestDb) {
    let store = db.open().await;
    let mut no_sid = pending_logout("l2", 100, 5000);
    no_sid.sid = None;
    store
        .enqueue_logouts(&[
            pending_logout("l1", 100, 5000),
            no_sid.clone(),
            pending_logout("later", 900, 5000),
            pending_logout("dead", 100, 150),
        ])
        .await
        .unwrap();
    store.enqueue_logouts(&[]).await.unwrap();
    let got = store.claim_logouts("c1", 200, 300, 10).await.unwrap();
    assert_eq!(logout_ids(&got), ["l1", "l2"]);
    assert_eq!(
        got.iter().find(|l| l.id == "l1").unwrap(),
        &pending_logout("l1", 100, 5000)
    );
    assert_eq!(got.iter().find(|l| l.id == "l2").unwrap(), &no_sid);
    // Claimed: nobody else gets them while the lease runs.
    assert!(
        store
            .claim_logouts("c2", 250, 350, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Another claim may not act on them.
    assert!(!store.delete_logout("l1", "c2").await.unwrap());
    assert!(!store.retry_logout("l1", "c2", 400).await.unwrap());
    assert!(store.delete_logout("l1", "c1").await.unwrap());
    assert!(!store.delete_logout("l1", "c1").await.unwrap());
    assert!(store.retry_logout("l2", "c1", 400).await.unwrap());
    // Not due again before 400; then claimed with its attempt counted.
    assert!(
        store
            .claim_logouts("c3", 399, 500, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store.claim_logouts("c3", 400, 500, 1).await.unwrap();
    assert_eq!(logout_ids(&again), ["l2"]);
    assert_eq!(again[0].attempts, 1);
    assert_eq!(again[0].due_at, 400);
    // "later" when due; l2 again, since c3's lease ran out without a word.
    let later = store.claim_logouts("c4", 950, 1000, 10).await.unwrap();
    assert_eq!(logout_ids(&later), ["l2", "later"]);
    assert!(
        store
            .claim_logouts("c5", 950, 1000, 0)
            .await
            .unwrap()
            .is_empty()
    );
    // Purge: the expired delivery goes (the others expire at 5000).
    assert_eq!(store.purge_logouts(1000, 100).await.unwrap(), 1);
    assert_eq!(store.purge_logouts(6000, 1).await.unwrap(), 1);
    assert_eq!(store.purge_logouts(6000, 100).await.unwrap(), 1);
    assert_eq!(store.purge_logouts(6000, 100).await.unwrap(), 0);
}

/// Many claims at once on two nodes: no delivery is claimed twice.
async fn a_logout_is_claimed_by_one_node_under_concurrency(db: &TestDb) {
    let store = db.open().await;
    let other = db.open().await;
    let rows: Vec<PendingLogout> = (0..20)
        .map(|i| pending_logout(&format!("l{i:02}"), 100, 5000))
        .collect();
    store.enqueue_logouts(&rows).await.unwrap();
    let claimed = race_claims(&store, &other, |node, claim, limit| async move {
        let rows = node.claim_logouts(&claim, 200, 300, limit).await.unwrap();
        rows.into_iter().map(|l| l.id).collect()
    })
    .await;
    assert_eq!(claimed.len(), 20, "{claimed:?}");
}

/// A node that claimed deliveries and died: when its lease ends another
/// node claims them, and the dead claim can no longer act on them.
async fn a_dead_nodes_logout_claim_runs_out(db: &TestDb) {
    let store = db.open().await;
    store
        .enqueue_logouts(&[pending_logout("l1", 100, 5000)])
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_logouts("dead", 200, 320, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .claim_logouts("alive", 319, 500, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let taken = store.claim_logouts("alive", 320, 500, 10).await.unwrap();
    assert_eq!(logout_ids(&taken), ["l1"]);
    assert!(!store.delete_logout("l1", "dead").await.unwrap());
    assert!(!store.retry_logout("l1", "dead", 600).await.unwrap());
    assert!(store.delete_logout("l1", "alive").await.unwrap());
}

async fn users_are_searched_by_name_sub_or_email_page_by_page(db: &TestDb) {
    let store = db.open().await;
    for (sub, name) in [
        ("sub-1", "alice"),
        ("sub-2", "bob"),
        ("sub-3", "carol"),
        ("x_y-4", "dave"),
    ] {
        store.create_user(&user(sub, name, 1)).await.unwrap();
    }
    // Erin's name contains "alice" in a claim that is not the email.
    let mut erin = user("sub-5", "erin", 1);
    erin.claims.insert("name".into(), json!("Not Alice"));
    erin.claims
        .insert("email".into(), json!("Erin@Mail.Example"));
    store.create_user(&erin).await.unwrap();
    let names = |users: Vec<UserRecord>| users.into_iter().map(|u| u.username).collect::<Vec<_>>();
    let all = store.search_users("", None, 10).await.unwrap();
    assert_eq!(names(all), ["alice", "bob", "carol", "dave", "erin"]);
    let page = store.search_users("", None, 2).await.unwrap();
    assert_eq!(names(page), ["alice", "bob"]);
    let next = store.search_users("", Some("bob"), 2).await.unwrap();
    assert_eq!(names(next), ["carol", "dave"]);
    let last = store.search_users("", Some("dave"), 2).await.unwrap();
    assert_eq!(names(last), ["erin"]);
    assert_eq!(
        names(store.search_users("ALI", None, 10).await.unwrap()),
        ["alice"]
    );
    assert_eq!(
        names(store.search_users("sub-3", None, 10).await.unwrap()),
        ["carol"]
    );
    assert_eq!(
        names(store.search_users("mail.exa", None, 10).await.unwrap()),
        ["erin"]
    );
    assert_eq!(
        names(store.search_users("example.com", None, 10).await.unwrap()),
        ["alice", "bob", "carol", "dave"]
    );
    // LIKE wildcards are plain characters.
    assert_eq!(
        names(store.search_users("x_y", None, 10).await.unwrap()),
        ["dave"]
    );
    assert!(store.search_users("%", None, 10).await.unwrap().is_empty());
    assert!(
        store
            .search_users("nobody", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_user_is_locked_and_unlocked(db: &TestDb) {
    let store = db.open().await;
    store.create_user(&user("sub-a", "alice", 1)).await.unwrap();
    assert_eq!(store.user_locked_at("sub-a").await.unwrap(), None);
    assert!(store.set_user_locked("sub-a", Some(50)).await.unwrap());
    assert_eq!(store.user_locked_at("sub-a").await.unwrap(), Some(50));
    // Updating the user's other attributes keeps it.
    let mut alice = store.get_user("sub-a").await.unwrap().unwrap();
    alice.username = "alice2".into();
    store.update_user(&alice).await.unwrap();
    assert_eq!(store.user_locked_at("sub-a").await.unwrap(), Some(50));
    assert!(store.set_user_locked("sub-a", None).await.unwrap());
    assert_eq!(store.user_locked_at("sub-a").await.unwrap(), None);
    assert!(!store.set_user_locked("nobody", Some(1)).await.unwrap());
    assert_eq!(store.user_locked_at("nobody").await.unwrap(), None);
}

/// Error occurrences counted per bucket (aligned on its length) and cause,
/// from a time on, for every client or one.
async fn errors_are_counted_per_bucket_cause_and_client(db: &TestDb) {
    let store = db.open().await;
    let other_cause = |id: &str, at: i64| ErrorRecord {
        cause: "invalid_client_secret".into(),
        code: "invalid_client".into(),
        status: 401,
        client_id: Some("web".into()),
        ..error_record(id, at)
    };
    let no_client = |id: &str, at: i64| ErrorRecord {
        client_id: None,
        ..error_record(id, at)
    };
    for record in [
        error_record("old", 3599),
        error_record("a", 3600),
        error_record("b", 3700),
        other_cause("c", 3800),
        no_client("d", 7199),
        error_record("e", 7200),
        other_cause("f", 10_000),
    ] {
        store.record_error(&record).await.unwrap();
    }
    let count = |bucket_start: i64, code: &str, cause: &str, count: i64| ErrorCount {
        bucket_start,
        code: code.into(),
        cause: cause.into(),
        count,
    };
    assert_eq!(
        store.count_errors(3600, 3600, None).await.unwrap(),
        [
            count(3600, "invalid_client", "invalid_client_secret", 1),
            count(3600, "invalid_request", "invalid_redirect_uri", 3),
            count(7200, "invalid_client", "invalid_client_secret", 1),
            count(7200, "invalid_request", "invalid_redirect_uri", 1),
        ]
    );
    assert_eq!(
        store.count_errors(0, 86_400, Some("app")).await.unwrap(),
        [count(0, "invalid_request", "invalid_redirect_uri", 4)]
    );
    assert_eq!(
        store.count_errors(3700, 60, Some("web")).await.unwrap(),
        [
            count(3780, "invalid_client", "invalid_client_secret", 1),
            count(9960, "invalid_client", "invalid_client_secret", 1),
        ]
    );
    assert!(
        store
            .count_errors(10_001, 3600, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.count_errors(0, 0, None).await.is_err());
}

/// A client's last use: the latest time noted stays, every client's are
/// listed, and they go with their client.
async fn a_client_use_keeps_the_latest_time_and_goes_with_its_client(db: &TestDb) {
    let store = db.open().await;
    store.create_client(&client("app", 1)).await.unwrap();
    store.create_client(&client("web", 1)).await.unwrap();
    assert_eq!(store.client_last_used("app").await.unwrap(), None);
    store.record_client_use("app", 200).await.unwrap();
    store.record_client_use("app", 150).await.unwrap();
    assert_eq!(store.client_last_used("app").await.unwrap(), Some(200));
    store.record_client_use("app", 260).await.unwrap();
    store.record_client_use("web", 90).await.unwrap();
    assert_eq!(store.client_last_used("app").await.unwrap(), Some(260));
    assert_eq!(
        store.list_client_uses().await.unwrap(),
        [("app".to_string(), 260), ("web".to_string(), 90)]
    );
    assert!(store.record_client_use("nobody", 300).await.is_err());
    assert!(store.delete_client("app").await.unwrap());
    assert_eq!(store.client_last_used("app").await.unwrap(), None);
    store.create_client(&client("app", 400)).await.unwrap();
    assert_eq!(store.client_last_used("app").await.unwrap(), None);
    assert_eq!(
        store.list_client_uses().await.unwrap(),
        [("web".to_string(), 90)]
    );
}
