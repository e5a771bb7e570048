//! The migrations of each database, as data: the files under
//! `migrations/` and what differs between the databases when applying
//! them. The runner is `migrate.rs`.

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// What differs between the databases when migrating.
pub struct Dialect {
    /// Statement opening a migration transaction.
    pub begin: &'static str,
    /// Run first inside that transaction, if set, to keep other nodes out
    /// until it ends.
    pub lock: Option<&'static str>,
    /// Run next, if set, to keep the database's notices out of the log:
    /// PostgreSQL reports each `CREATE TABLE IF NOT EXISTS` of a table that
    /// exists, once per migration at every start.
    pub quiet: Option<&'static str>,
    pub migrations: &'static [Migration],
}

pub(crate) const SQLITE: Dialect = Dialect {
    // Take the write lock up front: a second process waits (busy_timeout)
    // instead of failing when it tries to upgrade a read lock.
    begin: "BEGIN IMMEDIATE",
    lock: None,
    quiet: None,
    migrations: &[
        Migration {
            version: 1,
            name: "0001_init",
            sql: include_str!("../migrations/sqlite/0001_init.sql"),
        },
        Migration {
            version: 2,
            name: "0002_tokens",
            sql: include_str!("../migrations/sqlite/0002_tokens.sql"),
        },
        Migration {
            version: 3,
            name: "0003_sessions",
            sql: include_str!("../migrations/sqlite/0003_sessions.sql"),
        },
        Migration {
            version: 4,
            name: "0004_login_throttle",
            sql: include_str!("../migrations/sqlite/0004_login_throttle.sql"),
        },
        Migration {
            version: 5,
            name: "0005_pushed_requests",
            sql: include_str!("../migrations/sqlite/0005_pushed_requests.sql"),
        },
        Migration {
            version: 6,
            name: "0006_registration",
            sql: include_str!("../migrations/sqlite/0006_registration.sql"),
        },
        Migration {
            version: 7,
            name: "0007_second_factors",
            sql: include_str!("../migrations/sqlite/0007_second_factors.sql"),
        },
        Migration {
            version: 8,
            name: "0008_upstream",
            sql: include_str!("../migrations/sqlite/0008_upstream.sql"),
        },
        Migration {
            version: 9,
            name: "0009_changes",
            sql: include_str!("../migrations/sqlite/0009_changes.sql"),
        },
        Migration {
            version: 10,
            name: "0010_settings",
            sql: include_str!("../migrations/sqlite/0010_settings.sql"),
        },
        Migration {
            version: 11,
            name: "0011_user_lookup",
            sql: include_str!("../migrations/sqlite/0011_user_lookup.sql"),
        },
        Migration {
            version: 12,
            name: "0012_device_grants",
            sql: include_str!("../migrations/sqlite/0012_device_grants.sql"),
        },
        Migration {
            version: 13,
            name: "0013_mail",
            sql: include_str!("../migrations/sqlite/0013_mail.sql"),
        },
        Migration {
            version: 14,
            name: "0014_passkeys",
            sql: include_str!("../migrations/sqlite/0014_passkeys.sql"),
        },
        Migration {
            version: 15,
            name: "0015_account",
            sql: include_str!("../migrations/sqlite/0015_account.sql"),
        },
        Migration {
            version: 16,
            name: "0016_claims_request",
            sql: include_str!("../migrations/sqlite/0016_claims_request.sql"),
        },
        Migration {
            version: 17,
            name: "0017_dpop",
            sql: include_str!("../migrations/sqlite/0017_dpop.sql"),
        },
        Migration {
            version: 18,
            name: "0018_backchannel_logout",
            sql: include_str!("../migrations/sqlite/0018_backchannel_logout.sql"),
        },
        Migration {
            version: 19,
            name: "0019_resources",
            sql: include_str!("../migrations/sqlite/0019_resources.sql"),
        },
        Migration {
            version: 20,
            name: "0020_consent_resources",
            sql: include_str!("../migrations/sqlite/0020_consent_resources.sql"),
        },
        Migration {
            version: 21,
            name: "0021_previous_secret",
            sql: include_str!("../migrations/sqlite/0021_previous_secret.sql"),
        },
        Migration {
            version: 22,
            name: "0022_revocation_reason",
            sql: include_str!("../migrations/sqlite/0022_revocation_reason.sql"),
        },
        Migration {
            version: 23,
            name: "0023_roles",
            sql: include_str!("../migrations/sqlite/0023_roles.sql"),
        },
        Migration {
            version: 24,
            name: "0024_client_uses",
            sql: include_str!("../migrations/sqlite/0024_client_uses.sql"),
        },
        Migration {
            version: 25,
            name: "0025_user_lock",
            sql: include_str!("../migrations/sqlite/0025_user_lock.sql"),
        },
        Migration {
            version: 26,
            name: "0026_device_resources",
            sql: include_str!("../migrations/sqlite/0026_device_resources.sql"),
        },
    ],
};

pub(crate) const POSTGRES: Dialect = Dialect {
    begin: "BEGIN",
    // Released at commit or rollback. The key is arbitrary but fixed
    // ("latchkey" in ASCII).
    lock: Some("SELECT pg_advisory_xact_lock(7809651199139603833)"),
    // Until the end of the migration transaction only.
    quiet: Some("SET LOCAL client_min_messages = warning"),
    migrations: &[
        Migration {
            version: 1,
            name: "0001_init",
            sql: include_str!("../migrations/postgres/0001_init.sql"),
        },
        Migration {
            version: 2,
            name: "0002_tokens",
            sql: include_str!("../migrations/postgres/0002_tokens.sql"),
        },
        Migration {
            version: 3,
            name: "0003_sessions",
            sql: include_str!("../migrations/postgres/0003_sessions.sql"),
        },
        Migration {
            version: 4,
            name: "0004_login_throttle",
            sql: include_str!("../migrations/postgres/0004_login_throttle.sql"),
        },
        Migration {
            version: 5,
            name: "0005_pushed_requests",
            sql: include_str!("../migrations/postgres/0005_pushed_requests.sql"),
        },
        Migration {
            version: 6,
            name: "0006_registration",
            sql: include_str!("../migrations/postgres/0006_registration.sql"),
        },
        Migration {
            version: 7,
            name: "0007_second_factors",
            sql: include_str!("../migrations/postgres/0007_second_factors.sql"),
        },
        Migration {
            version: 8,
            name: "0008_upstream",
            sql: include_str!("../migrations/postgres/0008_upstream.sql"),
        },
        Migration {
            version: 9,
            name: "0009_changes",
            sql: include_str!("../migrations/postgres/0009_changes.sql"),
        },
        Migration {
            version: 10,
            name: "0010_settings",
            sql: include_str!("../migrations/postgres/0010_settings.sql"),
        },
        Migration {
            version: 11,
            name: "0011_user_lookup",
            sql: include_str!("../migrations/postgres/0011_user_lookup.sql"),
        },
        Migration {
            version: 12,
            name: "0012_device_grants",
            sql: include_str!("../migrations/postgres/0012_device_grants.sql"),
        },
        Migration {
            version: 13,
            name: "0013_mail",
            sql: include_str!("../migrations/postgres/0013_mail.sql"),
        },
        Migration {
            version: 14,
            name: "0014_passkeys",
            sql: include_str!("../migrations/postgres/0014_passkeys.sql"),
        },
        Migration {
            version: 15,
            name: "0015_account",
            sql: include_str!("../migrations/postgres/0015_account.sql"),
        },
        Migration {
            version: 16,
            name: "0016_claims_request",
            sql: include_str!("../migrations/postgres/0016_claims_request.sql"),
        },
        Migration {
            version: 17,
            name: "0017_dpop",
            sql: include_str!("../migrations/postgres/0017_dpop.sql"),
        },
        Migration {
            version: 18,
            name: "0018_backchannel_logout",
            sql: include_str!("../migrations/postgres/0018_backchannel_logout.sql"),
        },
        Migration {
            version: 19,
            name: "0019_resources",
            sql: include_str!("../migrations/postgres/0019_resources.sql"),
        },
        Migration {
            version: 20,
            name: "0020_consent_resources",
            sql: include_str!("../migrations/postgres/0020_consent_resources.sql"),
        },
        Migration {
            version: 21,
            name: "0021_previous_secret",
            sql: include_str!("../migrations/postgres/0021_previous_secret.sql"),
        },
        Migration {
            version: 22,
            name: "0022_revocation_reason",
            sql: include_str!("../migrations/postgres/0022_revocation_reason.sql"),
        },
        Migration {
            version: 23,
            name: "0023_roles",
            sql: include_str!("../migrations/postgres/0023_roles.sql"),
        },
        Migration {
            version: 24,
            name: "0024_client_uses",
            sql: include_str!("../migrations/postgres/0024_client_uses.sql"),
        },
        Migration {
            version: 25,
            name: "0025_user_lock",
            sql: include_str!("../migrations/postgres/0025_user_lock.sql"),
        },
        Migration {
            version: 26,
            name: "0026_device_resources",
            sql: include_str!("../migrations/postgres/0026_device_resources.sql"),
        },
    ],
};
