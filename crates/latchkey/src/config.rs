//! Settings: an optional TOML file, then `LATCHKEY_*` environment variables
//! (the environment wins). Every key's environment name is `LATCHKEY_` plus
//! the key in upper case with dots turned into underscores. The names are a
//! contract; each is declared once in [`settings`] (key, kind, bounds,
//! default and documentation), [`SETTINGS`] lists them all, and the README's
//! reference is generated from it. Everything is validated before the port
//! is bound.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub mod settings;
use settings::*;
pub use settings::{Declared, SETTINGS, markdown, replace_in_readme};

/// `LATCHKEY_` + upper case key, dots to underscores.
pub fn env_name(key: &str) -> String {
    format!("LATCHKEY_{}", key.to_ascii_uppercase().replace('.', "_"))
}

/// The issuer, for links printed by commands that need no other setting
/// (`latchkey errors`): the environment, else the file, else the default.
/// Nothing is validated or created.
pub fn issuer_for_links(file: Option<&Path>) -> String {
    if let Ok(issuer) = std::env::var(env_name("issuer")) {
        return issuer;
    }
    let path = file
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("latchkey.toml"));
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| toml::from_str::<toml::Table>(&text).ok())
        .and_then(|t| t.get("issuer").and_then(|v| v.as_str()).map(str::to_string))
        .unwrap_or_else(|| ISSUER.default.into())
}

/// Variables in our namespace that are not settings: the log filter, and
/// the test harness's own.
fn other_variable(name: &str) -> bool {
    name == "LATCHKEY_LOG" || name.starts_with("LATCHKEY_TEST_")
}

/// A warning for each `LATCHKEY_*` variable that names no setting (a typo
/// would otherwise be ignored without a word), with the closest setting.
pub fn unknown_variables(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let known: Vec<String> = SETTINGS.iter().filter_map(|s| s.env()).collect();
    let mut warnings = Vec::new();
    for name in names {
        if !name.starts_with("LATCHKEY_") || known.contains(&name) || other_variable(&name) {
            continue;
        }
        let closest = known
            .iter()
            .map(|k| (strsim::levenshtein(k, &name), k))
            .min()
            .filter(|(distance, _)| *distance <= 4);
        warnings.push(match closest {
            Some((_, k)) => format!("{name} names no setting and is ignored; did you mean {k}?"),
            None => format!(
                "{name} names no setting and is ignored; the configuration reference in the README lists them"
            ),
        });
    }
    warnings
}

/// A bad setting: names the key and what it accepts. Start-up exits with 2.
#[derive(Debug, thiserror::Error)]
#[error("{}", describe_error(key, env, message))]
pub struct ConfigError {
    pub key: String,
    pub env: String,
    pub message: String,
}

fn describe_error(key: &str, env: &str, message: &str) -> String {
    if key.starts_with("--") {
        // A command-line option has no environment name.
        format!("invalid option {key}: {message}")
    } else {
        format!("invalid setting {key} ({env}): {message}")
    }
}

fn bad(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_string(),
        env: env_name(key),
        message: message.into(),
    }
}

/// `smtp.tls`: how the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    StartTls,
    Tls,
    None,
}

/// Outgoing mail (`smtp.*`); present exactly when `smtp.host` is set.
#[derive(Clone)]
pub struct MailConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<latchkey_core::secret::Secret<String>>,
    /// `smtp.from`, checked to be a mailbox.
    pub from: String,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("from", &self.from)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The validated configuration, passed down read-only.
#[derive(Clone)]
pub struct Config {
    /// No trailing slash.
    pub issuer: String,
    pub listen: SocketAddr,
    pub database_url: String,
    pub secret: String,
    /// Set when the secret was generated or read from the data directory.
    pub secret_file: Option<PathBuf>,
    pub admin_token: Option<String>,
    pub admin_readonly_token: Option<String>,
    pub log_format: LogFormat,
    pub extended_codes: bool,
    /// Seconds, like the three below.
    pub access_token_ttl: i64,
    pub code_ttl: i64,
    pub refresh_token_ttl: i64,
    pub refresh_grace: i64,
    /// `device.code_ttl`: seconds a device authorization lasts.
    pub device_code_ttl: i64,
    /// `device.interval`: the polling interval a device starts with.
    pub device_interval: i64,
    pub access_token_alg: latchkey_core::keys::Alg,
    pub policy: Policy,
    pub login_failures: i64,
    /// `limits.address_failures`.
    pub address_failures: i64,
    /// `proxy.trusted`: peers whose forwarding headers are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Requests per second per client at the client-authenticated
    /// endpoints; 0 is off.
    pub client_rps: i64,
    pub ui_name: String,
    pub allow_private_networks: bool,
    pub max_in_flight: usize,
    /// Argon2id verifications at once (`limits.password_hashing`).
    pub password_hashing: usize,
    pub maintenance: bool,
    pub ui_logo_uri: Option<String>,
    /// `registration.mode`.
    pub registration_mode: latchkey_core::registration::Mode,
    /// `registration.token`: set exactly when the mode is `token`.
    pub registration_token: Option<String>,
    /// `registration.allowed_scopes` and `registration.allowed_grant_types`.
    pub registration_allowed: latchkey_core::registration::Allowed,
    pub request_objects: bool,
    pub par_required: bool,
    /// `profile = "fapi2"`: the FAPI 2.0 Security Profile for every client
    /// (also in `policy.fapi2`, for /authorize).
    pub fapi2: bool,
    /// `dpop.require_nonce`: DPoP proofs must carry a server nonce.
    pub dpop_require_nonce: bool,
    /// `[[upstream]]` identity providers, in file order (file only).
    pub upstreams: Vec<UpstreamConfig>,
    /// `account.editable_claims`: never `email`, `email_verified`,
    /// `phone_number_verified` or `sub`.
    pub account_editable_claims: Vec<String>,
    /// `account.reauth_after`: seconds a sign-in counts as recent.
    pub account_reauth_after: i64,
    /// `audit.retention_days`.
    pub audit_retention_days: i64,
    /// `webauthn.rp_id`, checked against the issuer; `None` when passkeys
    /// are off (the issuer's host is an IP address and no RP ID was set).
    pub webauthn_rp_id: Option<String>,
    /// `webauthn.rp_name` (default `ui.name`).
    pub webauthn_rp_name: String,
    /// `webauthn.offer_after_password`.
    pub webauthn_offer_after_password: bool,
    /// `smtp.*`: `None` when mail is off.
    pub mail: Option<MailConfig>,
    /// `recovery.link_ttl`.
    pub recovery_link_ttl: i64,
    /// `policy.require_verified_email`.
    pub require_verified_email: bool,
    /// `backchannel_logout.timeout`: seconds one delivery may take.
    pub backchannel_timeout: i64,
    /// `backchannel_logout.retry_base` and `backchannel_logout.attempts`.
    pub backchannel_retry: latchkey_core::backchannel::RetryRule,
}

pub use latchkey_core::authorize::Policy;
use latchkey_core::upstream::UpstreamConfig;

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("issuer", &self.issuer)
            .field("listen", &self.listen)
            .field("database_url", &redact_url(&self.database_url))
            .field("secret", &"[redacted]")
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "[redacted]"),
            )
            .field("log_format", &self.log_format)
            .field("extended_codes", &self.extended_codes)
            .field("mail", &self.mail)
            .finish()
    }
}

/// `webauthn.rp_id`: the issuer's host by default, which must be a name
/// (browsers refuse passkeys on IP addresses: then passkeys are off); a
/// value set must cover the issuer's host.
fn webauthn_rp_id(sources: &Sources, issuer: &str) -> Result<Option<String>, ConfigError> {
    let host = url::Url::parse(issuer)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let rp_id = match WEBAUTHN_RP_ID.read(sources)? {
        Some(id) => id.trim().to_ascii_lowercase(),
        None if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') => {
            return Ok(None);
        }
        None => host,
    };
    latchkey_core::passkey::check_rp(&rp_id, issuer).map_err(|m| {
        bad(
            WEBAUTHN_RP_ID.key,
            format!("expected the issuer's host or a parent domain of it: {m}"),
        )
    })?;
    Ok(Some(rp_id))
}

/// A database URL with its password hidden, for logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("redacted"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// A raw value from the file (typed) or the environment (text).
enum Raw {
    File(toml::Value),
    Env(String),
}

impl Raw {
    fn text(&self) -> String {
        match self {
            Raw::File(toml::Value::String(s)) | Raw::Env(s) => s.clone(),
            Raw::File(v) => v.to_string(),
        }
    }
}

/// A CIDR list such as `10.0.0.0/8, 192.168.1.7`: a bare address is a
/// network of one.
fn parse_networks(list: &str) -> Result<Vec<ipnet::IpNet>, String> {
    list.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map(|n| n.trunc())
                .map_err(|_| {
                    format!("expected CIDR networks such as 10.0.0.0/8 or 2001:db8::/32, separated by commas, got {item:?}")
                })
        })
        .collect()
}

struct Sources {
    values: BTreeMap<String, Raw>,
}

impl Sources {
    fn string(&self, key: &str) -> Result<Option<String>, ConfigError> {
        match self.values.get(key) {
            None => Ok(None),
            Some(Raw::File(toml::Value::String(s))) | Some(Raw::Env(s)) => Ok(Some(s.clone())),
            Some(Raw::File(_)) => Err(bad(key, "expected a string")),
        }
    }

    fn bool(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        match self.values.get(key) {
            None => Ok(default),
            Some(Raw::File(toml::Value::Boolean(b))) => Ok(*b),
            Some(Raw::Env(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                other => Err(bad(key, format!("expected true or false, got {other:?}"))),
            },
            Some(raw) => Err(bad(
                key,
                format!("expected true or false, got {}", raw.text()),
            )),
        }
    }

    /// A list: an array of strings in the file, or one string whose items
    /// are separated by spaces or commas. `None` when unset; an empty list
    /// is refused.
    fn list(&self, key: &str) -> Result<Option<Vec<String>>, ConfigError> {
        let items: Vec<String> = match self.values.get(key) {
            None => return Ok(None),
            Some(Raw::File(toml::Value::String(s))) | Some(Raw::Env(s)) => s
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|item| !item.is_empty())
                .map(str::to_string)
                .collect(),
            Some(Raw::File(toml::Value::Array(list))) => list
                .iter()
                .map(|v| v.as_str().map(|s| s.trim().to_string()))
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| bad(key, "expected a list of strings"))?,
            Some(_) => return Err(bad(key, "expected a list of strings")),
        };
        if items.is_empty() {
            return Err(bad(
                key,
                "expected at least one item, separated by spaces or commas",
            ));
        }
        Ok(Some(items))
    }
}

/// Where the configuration comes from.
pub struct Origin<'a> {
    /// `--config PATH`; `None` means `latchkey.toml` in the working
    /// directory if it exists.
    pub file: Option<&'a Path>,
    /// The environment (a parameter so tests need not touch the process's).
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

impl Config {
    /// What these settings allow of a client's metadata.
    pub fn client_limits(&self) -> latchkey_core::client::ServerLimits {
        latchkey_core::client::ServerLimits {
            refresh_token_ttl: self.refresh_token_ttl,
            fapi2: self.fapi2,
            loopback_issuer: url::Url::parse(&self.issuer).is_ok_and(|u| {
                matches!(
                    u.host_str(),
                    Some("localhost") | Some("127.0.0.1") | Some("[::1]")
                )
            }),
        }
    }

    /// Read and validate every setting. May create the data directory and
    /// a generated secret (the only side effect).
    pub fn load(origin: Origin<'_>) -> Result<Config, ConfigError> {
        let mut values = BTreeMap::new();
        let mut upstream_table = None;
        let explicit = origin.file.is_some();
        let path = origin
            .file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("latchkey.toml"));
        if explicit || path.exists() {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| bad("--config", format!("cannot read {}: {e}", path.display())))?;
            let mut table: toml::Table = toml::from_str(&text).map_err(|e| {
                bad(
                    "--config",
                    format!("{} is not valid TOML: {e}", path.display()),
                )
            })?;
            upstream_table = table.remove("upstream");
            flatten("", table, &mut values)?;
        }
        for setting in SETTINGS {
            if let Some(v) = setting.env().and_then(|name| (origin.env)(&name)) {
                values.insert(setting.key().to_string(), Raw::Env(v));
            }
        }
        let sources = Sources { values };
        let allow_private_networks = ALLOW_PRIVATE_NETWORKS.read(&sources)?;
        let upstreams = upstreams(upstream_table, allow_private_networks)?;

        let issuer = check_issuer(&ISSUER.read(&sources)?)?;
        let listen_text = LISTEN.read(&sources)?;
        let listen: SocketAddr = listen_text.trim().parse().map_err(|_| {
            bad(
                LISTEN.key,
                format!("expected an IP address and port such as 127.0.0.1:8080 or [::]:8080, got {listen_text:?}"),
            )
        })?;
        let database_url = DATABASE_URL.read(&sources)?;
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(bad(
                DATABASE_URL.key,
                format!(
                    "expected sqlite://PATH or postgres://USER@HOST:PORT/DB, got {:?}",
                    redact_url(&database_url)
                ),
            ));
        }
        let (secret, secret_file) = match SECRET.read(&sources)? {
            Some(s) if s.chars().count() >= 32 => (s, None),
            Some(_) => {
                return Err(bad(
                    SECRET.key,
                    "must be at least 32 characters (e.g. the output of: openssl rand -base64 32)",
                ));
            }
            None => {
                let file = data_dir(&database_url).join("secret");
                (load_or_create_secret(&file)?, Some(file))
            }
        };
        let admin_token = token(&sources, &ADMIN_TOKEN)?;
        let admin_readonly_token = token(&sources, &ADMIN_READONLY_TOKEN)?;
        if admin_token.is_some() && admin_token == admin_readonly_token {
            return Err(bad(
                ADMIN_READONLY_TOKEN.key,
                "must differ from admin_token",
            ));
        }
        let (registration_mode, registration_token) = registration(&sources, &admin_token)?;
        let registration_allowed = registration_allowed(&sources)?;
        let ui_name = match UI_NAME.read(&sources)? {
            n if !n.trim().is_empty() && n.chars().count() <= 80 => n.trim().to_string(),
            _ => return Err(bad(UI_NAME.key, "expected 1 to 80 characters")),
        };
        let webauthn_rp_id = webauthn_rp_id(&sources, &issuer)?;
        let webauthn_rp_name = match WEBAUTHN_RP_NAME.read(&sources)? {
            None => None,
            Some(n) if !n.trim().is_empty() && n.chars().count() <= 80 => {
                Some(n.trim().to_string())
            }
            Some(_) => return Err(bad(WEBAUTHN_RP_NAME.key, "expected 1 to 80 characters")),
        };
        let mail = mail(&sources)?;
        let fapi2 = match PROFILE.read(&sources)? {
            None => false,
            Some(p) if p.trim() == latchkey_core::client::PROFILE_FAPI2 => true,
            Some(p) => {
                return Err(bad(
                    PROFILE.key,
                    format!(
                        "expected fapi2 (the FAPI 2.0 Security Profile) or no value, got {p:?}"
                    ),
                ));
            }
        };
        let access_token_alg = ACCESS_TOKEN_ALG.read(&sources)?;
        if fapi2 && access_token_alg != latchkey_core::keys::Alg::Es256 {
            return Err(bad(
                ACCESS_TOKEN_ALG.key,
                "must be ES256 with profile = fapi2: the FAPI 2.0 Security Profile (section 5.4.1) does not allow RS256",
            ));
        }
        Ok(Config {
            fapi2,
            mail,
            recovery_link_ttl: RECOVERY_LINK_TTL.read(&sources)?,
            require_verified_email: REQUIRE_VERIFIED_EMAIL.read(&sources)?,
            backchannel_timeout: BACKCHANNEL_LOGOUT_TIMEOUT.read(&sources)?,
            backchannel_retry: latchkey_core::backchannel::RetryRule {
                base: BACKCHANNEL_LOGOUT_RETRY_BASE.read(&sources)?,
                attempts: BACKCHANNEL_LOGOUT_ATTEMPTS.read(&sources)?,
            },
            webauthn_rp_id,
            webauthn_offer_after_password: WEBAUTHN_OFFER_AFTER_PASSWORD.read(&sources)?,
            issuer,
            listen,
            database_url,
            secret,
            secret_file,
            admin_token,
            admin_readonly_token,
            log_format: LOG_FORMAT.read(&sources)?,
            extended_codes: EXTENDED_CODES.read(&sources)?,
            access_token_ttl: ACCESS_TOKEN_TTL.read(&sources)?,
            // FAPI 2.0 §5.3.2.2: at most 60 seconds under the profile.
            code_ttl: latchkey_core::fapi2::code_ttl(CODE_TTL.read(&sources)?, fapi2),
            refresh_token_ttl: REFRESH_TOKEN_TTL.read(&sources)?,
            refresh_grace: REFRESH_GRACE.read(&sources)?,
            device_code_ttl: DEVICE_CODE_TTL.read(&sources)?,
            device_interval: DEVICE_INTERVAL.read(&sources)?,
            access_token_alg,
            max_in_flight: MAX_IN_FLIGHT.read(&sources)?,
            password_hashing: PASSWORD_HASHING.read(&sources)?,
            maintenance: MAINTENANCE.read(&sources)?,
            request_objects: REQUEST_OBJECTS.read(&sources)?,
            par_required: PAR_REQUIRED.read(&sources)?,
            dpop_require_nonce: DPOP_REQUIRE_NONCE.read(&sources)?,
            allow_private_networks,
            upstreams,
            webauthn_rp_name: webauthn_rp_name.unwrap_or_else(|| ui_name.clone()),
            ui_name,
            ui_logo_uri: match UI_LOGO_URI.read(&sources)? {
                None => None,
                Some(u) if u.starts_with('/') || u.starts_with("https://") => Some(u),
                Some(u) => {
                    return Err(bad(
                        UI_LOGO_URI.key,
                        format!("expected an https URL or a path, got {u:?}"),
                    ));
                }
            },
            registration_mode,
            registration_token,
            registration_allowed,
            client_rps: CLIENT_RPS.read(&sources)?,
            account_editable_claims: editable_claims(&sources)?,
            account_reauth_after: ACCOUNT_REAUTH_AFTER.read(&sources)?,
            audit_retention_days: AUDIT_RETENTION_DAYS.read(&sources)?,
            login_failures: LOGIN_FAILURES.read(&sources)?,
            address_failures: ADDRESS_FAILURES.read(&sources)?,
            trusted_proxies: match PROXY_TRUSTED.read(&sources)? {
                None => Vec::new(),
                Some(list) => parse_networks(&list).map_err(|m| bad(PROXY_TRUSTED.key, m))?,
            },
            policy: Policy {
                vtr_default: latchkey_core::vtr::parse_default(&VTR_DEFAULT.read(&sources)?)
                    .map_err(|m| {
                        bad(
                            VTR_DEFAULT.key,
                            format!("expected a vector such as Cl or Cl.Cm, or a JSON array of them: {m}"),
                        )
                    })?,
                require_state: REQUIRE_STATE.read(&sources)?,
                min_parameter_length: MIN_PARAMETER_LENGTH.read(&sources)?,
                require_pkce_all: REQUIRE_PKCE.read(&sources)?,
                allow_plain_pkce: ALLOW_PLAIN_PKCE.read(&sources)?,
                fapi2,
            },
        })
    }

    /// From the process environment.
    pub fn from_process(file: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load(Origin {
            file,
            env: &|name| std::env::var(name).ok(),
        })
    }
}

fn flatten(
    prefix: &str,
    table: toml::Table,
    out: &mut BTreeMap<String, Raw>,
) -> Result<(), ConfigError> {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(inner) if !is_setting(&key) => flatten(&key, inner, out)?,
            value => {
                if !is_setting(&key) {
                    return Err(bad(
                        &key,
                        "unknown setting; see the configuration reference in the README for the accepted keys",
                    ));
                }
                out.insert(key, Raw::File(value));
            }
        }
    }
    Ok(())
}

/// A bad value in the `n`th `[[upstream]]` entry (file only, so there is
/// no environment name).
fn bad_upstream(n: usize, field: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: format!("upstream.{field}"),
        env: format!("[[upstream]] entry {n} of the configuration file"),
        message: message.into(),
    }
}

/// The keys an `[[upstream]]` entry accepts.
const UPSTREAM_KEYS: &[&str] = &[
    "id",
    "name",
    "issuer",
    "client_id",
    "client_secret",
    "scopes",
    "link_by_email",
];

/// `[[upstream]]`: an array of tables, each validated completely.
fn upstreams(
    raw: Option<toml::Value>,
    allow_private: bool,
) -> Result<Vec<UpstreamConfig>, ConfigError> {
    let entries = match raw {
        None => return Ok(Vec::new()),
        Some(toml::Value::Array(entries)) => entries,
        Some(_) => {
            return Err(ConfigError {
                key: "upstream".into(),
                env: "file only".into(),
                message: "write each provider as an [[upstream]] table".into(),
            });
        }
    };
    let mut out: Vec<UpstreamConfig> = Vec::new();
    for (i, entry) in entries.into_iter().enumerate() {
        let n = i + 1;
        let toml::Value::Table(table) = entry else {
            return Err(bad_upstream(n, "id", "expected a table"));
        };
        if let Some(unknown) = table.keys().find(|k| !UPSTREAM_KEYS.contains(&k.as_str())) {
            return Err(bad_upstream(
                n,
                unknown,
                format!(
                    "unknown key; an [[upstream]] entry accepts {}",
                    UPSTREAM_KEYS.join(", ")
                ),
            ));
        }
        let text = |field: &str| -> Result<String, ConfigError> {
            match table.get(field) {
                Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                Some(toml::Value::String(_)) | None => {
                    Err(bad_upstream(n, field, "is required and must not be empty"))
                }
                Some(_) => Err(bad_upstream(n, field, "expected a string")),
            }
        };
        let id = text("id")?;
        latchkey_core::upstream::check_id(&id).map_err(|m| bad_upstream(n, "id", m))?;
        if out.iter().any(|u| u.id == id) {
            return Err(bad_upstream(n, "id", format!("{id:?} is used twice")));
        }
        let name = text("name")?;
        if name.chars().count() > 80 {
            return Err(bad_upstream(n, "name", "expected 1 to 80 characters"));
        }
        let issuer = text("issuer")?;
        match url::Url::parse(&issuer) {
            Ok(u) if u.query().is_some() || u.fragment().is_some() => {
                return Err(bad_upstream(
                    n,
                    "issuer",
                    "must not contain a query or a fragment",
                ));
            }
            Ok(u) if u.scheme() == "https" && u.host_str().is_some() => {}
            Ok(u) if u.scheme() == "http" && u.host_str().is_some() && allow_private => {}
            _ => {
                return Err(bad_upstream(
                    n,
                    "issuer",
                    format!(
                        "expected an https URL (http only with fetch.allow_private_networks), got {issuer:?}"
                    ),
                ));
            }
        }
        let client_id = text("client_id")?;
        let client_secret = text("client_secret")?;
        let scopes: Vec<String> = match table.get("scopes") {
            None => vec!["openid".into(), "email".into(), "profile".into()],
            Some(toml::Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
            Some(toml::Value::Array(list)) => list
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| bad_upstream(n, "scopes", "expected a list of strings"))?,
            Some(_) => return Err(bad_upstream(n, "scopes", "expected a list of strings")),
        };
        if !scopes.iter().any(|s| s == "openid") {
            return Err(bad_upstream(n, "scopes", "must include openid"));
        }
        if scopes.iter().any(|s| {
            s.is_empty()
                || s.chars()
                    .any(|c| c.is_whitespace() || c == '"' || c == '\\')
        }) {
            return Err(bad_upstream(n, "scopes", "each scope is one word"));
        }
        let link_by_email = match table.get("link_by_email") {
            None => false,
            Some(toml::Value::Boolean(b)) => *b,
            Some(_) => return Err(bad_upstream(n, "link_by_email", "expected true or false")),
        };
        out.push(UpstreamConfig {
            id,
            name,
            issuer,
            client_id,
            client_secret: client_secret.into(),
            scopes,
            link_by_email,
        });
    }
    Ok(out)
}

/// A bearer token: unset or empty is none.
fn token(sources: &Sources, setting: &Optional) -> Result<Option<String>, ConfigError> {
    let key = setting.key;
    match setting.read(sources)? {
        None => Ok(None),
        Some(t) if t.is_empty() => Ok(None),
        Some(t)
            if t.chars().count() < 16 || t.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Err(bad(
                key,
                "must be at least 16 characters with no white space (e.g. the output of: openssl rand -hex 32)",
            ))
        }
        Some(t) => Ok(Some(t)),
    }
}

/// `smtp.*`: mail is on exactly when `smtp.host` is set; then `smtp.from`
/// is required, and a user name needs its password.
fn mail(sources: &Sources) -> Result<Option<MailConfig>, ConfigError> {
    let Some(host) = SMTP_HOST
        .read(sources)?
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
    else {
        return Ok(None);
    };
    if host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@') {
        return Err(bad(
            SMTP_HOST.key,
            format!("expected a host name or IP address, got {host:?}"),
        ));
    }
    let port = u16::try_from(SMTP_PORT.read(sources)?)
        .map_err(|_| bad(SMTP_PORT.key, "expected a port number from 1 to 65535"))?;
    let from = SMTP_FROM
        .read(sources)?
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty())
        .ok_or_else(|| {
            bad(
                SMTP_FROM.key,
                "is required when smtp.host is set: the sender of every message, e.g. Latchkey <id@example.com>",
            )
        })?;
    if from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(bad(
            SMTP_FROM.key,
            format!("expected an address or Name <address>, got {from:?}"),
        ));
    }
    let username = SMTP_USERNAME.read(sources)?.filter(|u| !u.is_empty());
    let password = SMTP_PASSWORD
        .read(sources)?
        .filter(|p| !p.is_empty())
        .map(latchkey_core::secret::Secret::new);
    if username.is_some() && password.is_none() {
        return Err(bad(
            SMTP_PASSWORD.key,
            "is required when smtp.username is set",
        ));
    }
    Ok(Some(MailConfig {
        host,
        port,
        tls: SMTP_TLS.read(sources)?,
        username,
        password,
        from,
    }))
}

/// `registration.mode` and, in token mode, its required token. A token
/// set in another mode is not used.
fn registration(
    sources: &Sources,
    admin_token: &Option<String>,
) -> Result<(latchkey_core::registration::Mode, Option<String>), ConfigError> {
    use latchkey_core::registration::Mode;
    let mode = REGISTRATION_MODE.read(sources)?;
    let token = token(sources, &REGISTRATION_TOKEN)?;
    match (mode, token) {
        (Mode::Token, None) => Err(bad(
            REGISTRATION_TOKEN.key,
            "is required when registration.mode is token: the initial access token clients send as Bearer to /register (at least 16 characters, e.g. the output of: openssl rand -hex 32)",
        )),
        (Mode::Token, Some(t)) if admin_token.as_deref() == Some(t.as_str()) => {
            Err(bad(REGISTRATION_TOKEN.key, "must differ from admin_token"))
        }
        (Mode::Token, Some(t)) => Ok((mode, Some(t))),
        (_, _) => Ok((mode, None)),
    }
}

/// The claims the account page may edit: claim names, none of those that
/// sign a user in or identify them.
fn editable_claims(sources: &Sources) -> Result<Vec<String>, ConfigError> {
    let claims = ACCOUNT_EDITABLE_CLAIMS.read(sources)?;
    for claim in &claims {
        if ["email", "email_verified", "phone_number_verified", "sub"].contains(&claim.as_str()) {
            return Err(bad(
                ACCOUNT_EDITABLE_CLAIMS.key,
                format!("{claim} cannot be edited on the account page"),
            ));
        }
        let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':');
        if claim.is_empty() || claim.len() > 64 || !claim.chars().all(name_char) {
            return Err(bad(
                ACCOUNT_EDITABLE_CLAIMS.key,
                format!("{claim:?} is not a claim name (letters, digits, _ - . :)"),
            ));
        }
    }
    Ok(claims)
}

/// `registration.allowed_scopes` and `registration.allowed_grant_types`:
/// scope tokens (RFC 6749 §3.3) and grant types this server implements.
fn registration_allowed(
    sources: &Sources,
) -> Result<latchkey_core::registration::Allowed, ConfigError> {
    use latchkey_core::client::GRANT_TYPES;
    let scopes = ALLOWED_SCOPES.read(sources)?;
    let scope_char = |b: u8| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E);
    if let Some(bad_scope) = scopes.iter().find(|s| !s.bytes().all(scope_char)) {
        return Err(bad(
            ALLOWED_SCOPES.key,
            format!(
                "{bad_scope:?} is not a scope token (RFC 6749 3.3: visible ASCII without \" or \\)"
            ),
        ));
    }
    let grant_types = ALLOWED_GRANT_TYPES.read(sources)?;
    if let Some(unknown) = grant_types
        .iter()
        .find(|g| !GRANT_TYPES.contains(&g.as_str()))
    {
        return Err(bad(
            ALLOWED_GRANT_TYPES.key,
            format!(
                "{unknown:?} is not a grant type this server implements; expected some of {}",
                GRANT_TYPES.join(", ")
            ),
        ));
    }
    Ok(latchkey_core::registration::Allowed {
        scopes,
        grant_types,
    })
}

/// RFC 8414 §2 / OIDC Discovery §3: a URL with scheme and host, no query or
/// fragment. http is allowed for development.
fn check_issuer(raw: &str) -> Result<String, ConfigError> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = url::Url::parse(trimmed).map_err(|e| {
        bad(
            "issuer",
            format!("expected an absolute https URL, got {raw:?} ({e})"),
        )
    })?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(bad(
            "issuer",
            format!("expected an https (or http for development) URL with a host, got {raw:?}"),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("issuer", "must not contain a query or a fragment"));
    }
    Ok(trimmed.to_string())
}

/// The data directory: beside the SQLite database, or `latchkey-data`.
pub fn data_dir(database_url: &str) -> PathBuf {
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .filter(|p| !p.starts_with(":memory:"))
        .map(|p| p.split('?').next().unwrap_or(p).to_string());
    match path.as_deref().map(Path::new).and_then(Path::parent) {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        Some(_) => PathBuf::from("."),
        None => PathBuf::from("latchkey-data"),
    }
}

fn load_or_create_secret(file: &Path) -> Result<String, ConfigError> {
    if let Ok(existing) = std::fs::read_to_string(file) {
        let s = existing.trim().to_string();
        if s.len() >= 32 {
            return Ok(s);
        }
        return Err(bad(
            "secret",
            format!("{} holds fewer than 32 characters", file.display()),
        ));
    }
    let generated = latchkey_core::crypto::random_token()
        .map_err(|e| bad("secret", format!("could not generate one: {e}")))?;
    if let Some(dir) = file.parent() {
        latchkey_store::create_private_dir(dir)
            .map_err(|e| bad("secret", format!("cannot create {}: {e}", dir.display())))?;
    }
    write_private(file, &generated)
        .map_err(|e| bad("secret", format!("cannot write {}: {e}", file.display())))?;
    Ok(generated)
}

fn write_private(file: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(file)?;
    f.write_all(content.as_bytes())?;
    f.write_all(b"\n")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(file: Option<&str>, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = std::env::temp_dir().join(format!("lk-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = file.map(|text| {
            let p = dir.join("latchkey.toml");
            std::fs::write(&p, text).unwrap();
            p
        });
        let mut env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env.entry("LATCHKEY_SECRET".into())
            .or_insert_with(|| "x".repeat(32));
        let db = format!("sqlite://{}/db.sqlite", dir.display());
        env.entry("LATCHKEY_DATABASE_URL".into()).or_insert(db);
        Config::load(Origin {
            file: path.as_deref(),
            env: &|k| env.get(k).cloned(),
        })
    }

    #[test]
    fn env_names_follow_the_rule() {
        assert_eq!(env_name("tokens.code_ttl"), "LATCHKEY_TOKENS_CODE_TTL");
        assert_eq!(
            env_name("errors.extended_codes"),
            "LATCHKEY_ERRORS_EXTENDED_CODES"
        );
    }

    /// The settings that hold secrets (the secret, the admin and
    /// registration tokens, an upstream's client secret, a database
    /// password) do not show in `{:?}`.
    #[test]
    fn secrets_do_not_show_in_debug() {
        let file = "[fetch]\nallow_private_networks = true\n[[upstream]]\nid = \"corp\"\nname = \"Corp\"\n\
issuer = \"https://id.corp.example\"\nclient_id = \"lk\"\nclient_secret = \"upstream-secret-4242\"\n";
        let secret = "s".repeat(40);
        let c = load(
            Some(file),
            &[
                ("LATCHKEY_SECRET", secret.as_str()),
                ("LATCHKEY_ADMIN_TOKEN", "admin-token-0123456789"),
                ("LATCHKEY_ADMIN_READONLY_TOKEN", "readonly-token-0123456789"),
                ("LATCHKEY_REGISTRATION_MODE", "token"),
                (
                    "LATCHKEY_REGISTRATION_TOKEN",
                    "registration-token-0123456789",
                ),
                (
                    "LATCHKEY_DATABASE_URL",
                    "postgres://lk:db-password-4242@127.0.0.1/lk",
                ),
            ],
        )
        .unwrap();
        let text = format!("{c:?} {:?}", c.upstreams);
        for hidden in [
            secret.as_str(),
            "admin-token-0123456789",
            "readonly-token-0123456789",
            "registration-token-0123456789",
            "upstream-secret-4242",
            "db-password-4242",
        ] {
            assert!(!text.contains(hidden), "{hidden} shows in {text}");
        }
    }

    /// Mail is on exactly with `smtp.host`; then `smtp.from` is required,
    /// a user name needs its password, and the password never shows.
    #[test]
    fn smtp_settings() {
        let c = load(None, &[]).unwrap();
        assert!(c.mail.is_none());
        assert_eq!(c.recovery_link_ttl, 900);
        assert!(!c.require_verified_email);
        let host = ("LATCHKEY_SMTP_HOST", "smtp.example.com");
        let from = ("LATCHKEY_SMTP_FROM", "Latchkey <id@example.com>");
        let e = load(None, &[host]).unwrap_err();
        assert!(e.to_string().contains("smtp.from"), "{e}");
        let e = load(None, &[host, ("LATCHKEY_SMTP_FROM", "not an address")]).unwrap_err();
        assert!(e.to_string().contains("smtp.from"), "{e}");
        let e = load(None, &[host, from, ("LATCHKEY_SMTP_USERNAME", "lk")]).unwrap_err();
        assert!(e.to_string().contains("smtp.password"), "{e}");
        let e = load(None, &[host, from, ("LATCHKEY_SMTP_TLS", "ssl")]).unwrap_err();
        assert!(e.to_string().contains("starttls, tls or none"), "{e}");
        let c = load(
            None,
            &[
                host,
                from,
                ("LATCHKEY_SMTP_USERNAME", "lk"),
                ("LATCHKEY_SMTP_PASSWORD", "smtp-password-4242"),
                ("LATCHKEY_SMTP_TLS", "tls"),
                ("LATCHKEY_SMTP_PORT", "465"),
            ],
        )
        .unwrap();
        let mail = c.mail.clone().unwrap();
        assert_eq!((mail.port, mail.tls), (465, SmtpTls::Tls));
        assert_eq!(
            mail.password.as_ref().unwrap().expose_str(),
            "smtp-password-4242"
        );
        assert!(!format!("{c:?}").contains("smtp-password-4242"));
        let c = load(None, &[host, from]).unwrap();
        let mail = c.mail.unwrap();
        assert_eq!((mail.port, mail.tls), (587, SmtpTls::StartTls));
    }

    /// Every declaration in the settings module is listed in `SETTINGS`
    /// (so it is read from the environment, accepted in the file and
    /// documented), and no key is listed twice.
    #[test]
    fn every_declared_setting_is_listed_once() {
        let source = include_str!("config/settings.rs");
        let declared: Vec<&str> = source
            .split("\n    key: \"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap())
            .collect();
        assert_eq!(declared.len(), SETTINGS.len(), "{declared:?}");
        for key in declared {
            let listed = SETTINGS.iter().filter(|s| s.key() == key).count();
            assert_eq!(listed, 1, "{key} is declared but listed {listed} times");
        }
    }

    /// Unset settings take the declared defaults.
    #[test]
    fn unset_settings_take_their_declared_defaults() {
        let c = load(None, &[]).unwrap();
        assert_eq!(c.access_token_ttl, ACCESS_TOKEN_TTL.default);
        assert_eq!(c.code_ttl, 60);
        assert_eq!(c.code_ttl, CODE_TTL.default);
        assert_eq!(c.refresh_token_ttl, 2_592_000);
        assert_eq!(c.refresh_grace, 0);
        assert_eq!(c.access_token_alg, latchkey_core::keys::Alg::Es256);
        assert_eq!(c.max_in_flight, 1024);
        assert!(c.password_hashing >= 1);
        assert_eq!((c.client_rps, c.login_failures), (0, 5));
        assert_eq!(c.policy.min_parameter_length, 0);
        assert!(!c.policy.require_pkce_all && !c.policy.require_state);
        assert_eq!(c.policy.vtr_default, [latchkey_core::vtr::CL]);
        assert_eq!(c.ui_name, "Latchkey");
    }

    /// The messages for bad values name what each kind of setting accepts.
    #[test]
    fn bad_numbers_and_choices_say_what_is_accepted() {
        let cases = [
            (
                "LATCHKEY_TOKENS_CODE_TTL",
                "0",
                "expected a whole number of seconds from 1 to 600, got 0",
            ),
            (
                "LATCHKEY_TOKENS_REFRESH_GRACE",
                "301",
                "expected a whole number of seconds from 0 to 300, got 301",
            ),
            (
                "LATCHKEY_LIMITS_MAX_IN_FLIGHT",
                "0",
                "expected a whole number of requests from 1 to 1000000",
            ),
            (
                "LATCHKEY_LIMITS_CLIENT_RPS",
                "-1",
                "expected a whole number of requests per second from 0 (off) to 1000000",
            ),
            (
                "LATCHKEY_LIMITS_LOGIN_FAILURES",
                "many",
                "expected a whole number of failed sign-ins from 1 to 1000",
            ),
            (
                "LATCHKEY_LIMITS_PASSWORD_HASHING",
                "1025",
                "expected a whole number of verifications from 1 to 1024",
            ),
            (
                "LATCHKEY_LOG_FORMAT",
                "xml",
                "expected text or json, got \"xml\"",
            ),
            (
                "LATCHKEY_REGISTRATION_MODE",
                "closed",
                "expected off, token or open, got \"closed\"",
            ),
            (
                "LATCHKEY_TOKENS_ACCESS_TOKEN_ALG",
                "HS256",
                "expected ES256 or RS256, got \"HS256\"",
            ),
        ];
        for (env, value, message) in cases {
            let e = load(None, &[(env, value)]).unwrap_err();
            assert_eq!(e.env, env);
            assert_eq!(e.message, message, "{env}={value}");
        }
        let e = load(Some("[tokens]\ncode_ttl = \"soon\"\n"), &[]).unwrap_err();
        assert_eq!(
            e.message,
            "expected a whole number of seconds from 1 to 600, got soon"
        );
    }

    /// The generated table has a row per setting with its environment name
    /// and default, and replaces the README's between the markers.
    #[test]
    fn the_reference_table_is_generated_from_the_declarations() {
        let table = markdown();
        assert_eq!(table.lines().count(), SETTINGS.len() + 2);
        assert!(table.contains(
            "| `tokens.code_ttl` | `LATCHKEY_TOKENS_CODE_TTL` | `60` | seconds an authorization code lives (1 to 600) |\n"
        ));
        assert!(
            table.contains("| `limits.client_rps` | `LATCHKEY_LIMITS_CLIENT_RPS` | `0` (off) |")
        );
        assert!(table.contains("| `[[upstream]]` | file only | none |"));
        let readme = format!("intro\n{}\nold\n{}\nrest\n", settings::BEGIN, settings::END);
        let replaced = replace_in_readme(&readme, &table).unwrap();
        assert_eq!(
            replaced,
            format!(
                "intro\n{}\n{table}{}\nrest\n",
                settings::BEGIN,
                settings::END
            )
        );
        assert!(replace_in_readme("no markers", &table).is_none());
    }

    #[test]
    fn policy_and_token_settings() {
        let c = load(
            None,
            &[
                ("LATCHKEY_POLICY_MIN_PARAMETER_LENGTH", "8"),
                ("LATCHKEY_POLICY_REQUIRE_PKCE", "all"),
                ("LATCHKEY_TOKENS_CODE_TTL", "30"),
                ("LATCHKEY_TOKENS_ACCESS_TOKEN_ALG", "RS256"),
            ],
        )
        .unwrap();
        assert_eq!(c.policy.min_parameter_length, 8);
        assert!(c.policy.require_pkce_all);
        assert_eq!(c.code_ttl, 30);
        assert_eq!(c.access_token_alg, latchkey_core::keys::Alg::Rs256);
        let c = load(
            None,
            &[
                ("LATCHKEY_DEVICE_CODE_TTL", "900"),
                ("LATCHKEY_DEVICE_INTERVAL", "2"),
            ],
        )
        .unwrap();
        assert_eq!((c.device_code_ttl, c.device_interval), (900, 2));
        let c = load(None, &[]).unwrap();
        assert_eq!((c.device_code_ttl, c.device_interval), (600, 5));
        for (name, value) in [
            ("LATCHKEY_DEVICE_CODE_TTL", "59"),
            ("LATCHKEY_DEVICE_CODE_TTL", "3601"),
            ("LATCHKEY_DEVICE_INTERVAL", "0"),
            ("LATCHKEY_DEVICE_INTERVAL", "61"),
        ] {
            let refused = load(None, &[(name, value)]).err().map(|e| e.env);
            assert_eq!(refused.as_deref(), Some(name), "{name}={value}");
        }
        let c = load(
            None,
            &[
                ("LATCHKEY_REQUEST_OBJECTS_ENABLED", "false"),
                ("LATCHKEY_PAR_REQUIRED", "true"),
            ],
        )
        .unwrap();
        assert!(!c.request_objects && c.par_required);
        let c = load(None, &[]).unwrap();
        assert!(c.request_objects && !c.par_required);
        let e = load(None, &[("LATCHKEY_PAR_REQUIRED", "maybe")]).unwrap_err();
        assert_eq!(e.key, "par.required");
        let e = load(None, &[("LATCHKEY_POLICY_REQUIRE_PKCE", "some")]).unwrap_err();
        assert_eq!(e.key, "policy.require_pkce");
    }

    #[test]
    fn the_fapi2_profile_caps_and_needs_es256() {
        let c = load(None, &[]).unwrap();
        assert!(!c.fapi2 && !c.policy.fapi2 && !c.client_limits().fapi2);
        let c = load(
            None,
            &[
                ("LATCHKEY_PROFILE", "fapi2"),
                ("LATCHKEY_TOKENS_CODE_TTL", "600"),
            ],
        )
        .unwrap();
        assert!(c.fapi2 && c.policy.fapi2 && c.client_limits().fapi2);
        assert_eq!(c.code_ttl, 60, "FAPI 2.0 section 5.3.2.2");
        let c = load(
            None,
            &[
                ("LATCHKEY_PROFILE", "fapi2"),
                ("LATCHKEY_TOKENS_CODE_TTL", "30"),
            ],
        )
        .unwrap();
        assert_eq!(c.code_ttl, 30, "a shorter setting stands");
        let e = load(None, &[("LATCHKEY_PROFILE", "fapi1")]).unwrap_err();
        assert_eq!(e.key, "profile");
        let e = load(
            None,
            &[
                ("LATCHKEY_PROFILE", "fapi2"),
                ("LATCHKEY_TOKENS_ACCESS_TOKEN_ALG", "RS256"),
            ],
        )
        .unwrap_err();
        assert_eq!(e.key, "tokens.access_token_alg");
    }

    #[test]
    fn registration_settings() {
        use latchkey_core::registration::Mode;
        let c = load(None, &[]).unwrap();
        assert_eq!(c.registration_mode, Mode::Off);
        let c = load(None, &[("LATCHKEY_REGISTRATION_MODE", "open")]).unwrap();
        assert_eq!(c.registration_mode, Mode::Open);
        assert!(c.registration_token.is_none());
        let token = ("LATCHKEY_REGISTRATION_TOKEN", "registration-0123456789");
        let c = load(None, &[("LATCHKEY_REGISTRATION_MODE", "token"), token]).unwrap();
        assert_eq!(c.registration_mode, Mode::Token);
        assert_eq!(c.registration_token.as_deref(), Some(token.1));
        let e = load(None, &[("LATCHKEY_REGISTRATION_MODE", "token")]).unwrap_err();
        assert_eq!(e.key, "registration.token");
        let e = load(
            None,
            &[
                ("LATCHKEY_REGISTRATION_MODE", "token"),
                ("LATCHKEY_REGISTRATION_TOKEN", "short"),
            ],
        )
        .unwrap_err();
        assert_eq!(e.key, "registration.token");
        let e = load(None, &[("LATCHKEY_REGISTRATION_MODE", "closed")]).unwrap_err();
        assert_eq!(e.key, "registration.mode");
        let e = load(
            Some("[registration]\nmode = \"token\"\ntoken = \"registration-0123456789\"\n"),
            &[],
        )
        .map(|c| c.registration_mode)
        .unwrap();
        assert_eq!(e, Mode::Token);
    }

    #[test]
    fn throttle_and_proxy_settings() {
        let c = load(None, &[]).unwrap();
        assert_eq!((c.login_failures, c.address_failures), (5, 100));
        assert!(c.trusted_proxies.is_empty());
        let c = load(
            None,
            &[
                (
                    "LATCHKEY_PROXY_TRUSTED",
                    "10.0.0.0/8, 192.168.1.7 2001:db8::/32",
                ),
                ("LATCHKEY_LIMITS_ADDRESS_FAILURES", "50"),
            ],
        )
        .unwrap();
        let nets: Vec<String> = c.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(nets, ["10.0.0.0/8", "192.168.1.7/32", "2001:db8::/32"]);
        assert_eq!(c.address_failures, 50);
        let e = load(
            None,
            &[("LATCHKEY_PROXY_TRUSTED", "10.0.0.0/8,proxy.local")],
        )
        .unwrap_err();
        assert_eq!(e.key, "proxy.trusted");
        assert!(e.to_string().contains("proxy.local"), "{e}");
        let e = load(None, &[("LATCHKEY_LIMITS_ADDRESS_FAILURES", "0")]).unwrap_err();
        assert_eq!(e.key, "limits.address_failures");
    }

    #[test]
    fn unknown_variables_are_named_with_the_closest_setting() {
        let names = [
            "LATCHKEY_LISTN",
            "LATCHKEY_LISTEN",
            "LATCHKEY_LOG",
            "LATCHKEY_TEST_POSTGRES_URL",
            "LATCHKEY_SOMETHING_ELSE_ENTIRELY",
            "PATH",
        ];
        let warnings = unknown_variables(names.iter().map(|n| n.to_string()));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].contains("LATCHKEY_LISTN")
                && warnings[0].contains("did you mean LATCHKEY_LISTEN?")
        );
        assert!(
            warnings[1].contains("LATCHKEY_SOMETHING_ELSE_ENTIRELY")
                && !warnings[1].contains("did you mean")
        );
    }

    #[test]
    fn a_missing_config_file_names_the_option_and_the_path() {
        let e = Config::load(Origin {
            file: Some(Path::new("/nonexistent/latchkey.toml")),
            env: &|_| None,
        })
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("invalid option --config: cannot read /nonexistent/latchkey.toml"),
            "{text}"
        );
        assert!(!text.contains("LATCHKEY_--CONFIG"), "{text}");
    }

    #[test]
    fn account_and_audit_settings() {
        let c = load(None, &[]).unwrap();
        assert!(c.account_editable_claims.iter().any(|x| x == "given_name"));
        assert_eq!((c.account_reauth_after, c.audit_retention_days), (300, 90));
        let c = load(
            None,
            &[
                ("LATCHKEY_ACCOUNT_EDITABLE_CLAIMS", "nickname locale"),
                ("LATCHKEY_ACCOUNT_REAUTH_AFTER", "60"),
                ("LATCHKEY_AUDIT_RETENTION_DAYS", "7"),
            ],
        )
        .unwrap();
        assert_eq!(c.account_editable_claims, ["nickname", "locale"]);
        assert_eq!((c.account_reauth_after, c.audit_retention_days), (60, 7));
        for (key, value) in [
            ("LATCHKEY_ACCOUNT_EDITABLE_CLAIMS", "name email"),
            ("LATCHKEY_ACCOUNT_EDITABLE_CLAIMS", "email_verified"),
            ("LATCHKEY_ACCOUNT_EDITABLE_CLAIMS", "na<me"),
            ("LATCHKEY_ACCOUNT_REAUTH_AFTER", "5"),
            ("LATCHKEY_AUDIT_RETENTION_DAYS", "0"),
        ] {
            assert!(load(None, &[(key, value)]).is_err(), "{key}={value}");
        }
    }

    #[test]
    fn registration_allowed_sets() {
        let c = load(None, &[]).unwrap();
        let defaults = latchkey_core::registration::Allowed::default();
        assert_eq!(c.registration_allowed, defaults);
        assert_eq!(
            defaults.scopes,
            [
                "openid",
                "profile",
                "email",
                "address",
                "phone",
                "offline_access"
            ]
        );
        assert_eq!(
            defaults.grant_types,
            ["authorization_code", "refresh_token"]
        );
        let c = load(
            None,
            &[
                (
                    "LATCHKEY_REGISTRATION_ALLOWED_SCOPES",
                    "openid,email  api:read",
                ),
                (
                    "LATCHKEY_REGISTRATION_ALLOWED_GRANT_TYPES",
                    "authorization_code, client_credentials",
                ),
            ],
        )
        .unwrap();
        assert_eq!(
            c.registration_allowed.scopes,
            ["openid", "email", "api:read"]
        );
        assert_eq!(
            c.registration_allowed.grant_types,
            ["authorization_code", "client_credentials"]
        );
        let file = "[registration]\nallowed_scopes = [\"openid\", \"api:read\"]\nallowed_grant_types = \"client_credentials\"\n";
        let c = load(Some(file), &[]).unwrap();
        assert_eq!(c.registration_allowed.scopes, ["openid", "api:read"]);
        assert_eq!(c.registration_allowed.grant_types, ["client_credentials"]);
        for (env, value, key) in [
            (
                "LATCHKEY_REGISTRATION_ALLOWED_GRANT_TYPES",
                "password",
                "registration.allowed_grant_types",
            ),
            (
                "LATCHKEY_REGISTRATION_ALLOWED_GRANT_TYPES",
                "",
                "registration.allowed_grant_types",
            ),
            (
                "LATCHKEY_REGISTRATION_ALLOWED_SCOPES",
                "openid a\\b",
                "registration.allowed_scopes",
            ),
            (
                "LATCHKEY_REGISTRATION_ALLOWED_SCOPES",
                " ,, ",
                "registration.allowed_scopes",
            ),
        ] {
            let e = load(None, &[(env, value)]).unwrap_err();
            assert_eq!(e.key, key, "{value}");
        }
        let e = load(Some("[registration]\nallowed_scopes = [1]\n"), &[]).unwrap_err();
        assert_eq!(e.key, "registration.allowed_scopes");
    }

    #[test]
    fn webauthn_settings_follow_the_issuer() {
        // The default issuer is an IP address: passkeys are off.
        let c = load(None, &[]).unwrap();
        assert_eq!(c.webauthn_rp_id, None);
        assert_eq!(c.webauthn_rp_name, "Latchkey");
        assert!(c.webauthn_offer_after_password);
        let c = load(
            None,
            &[
                ("LATCHKEY_ISSUER", "https://login.example.com"),
                ("LATCHKEY_UI_NAME", "Example"),
            ],
        )
        .unwrap();
        assert_eq!(c.webauthn_rp_id.as_deref(), Some("login.example.com"));
        assert_eq!(c.webauthn_rp_name, "Example");
        let c = load(
            None,
            &[
                ("LATCHKEY_ISSUER", "https://login.example.com"),
                ("LATCHKEY_WEBAUTHN_RP_ID", "Example.COM"),
                ("LATCHKEY_WEBAUTHN_RP_NAME", "Example sign-in"),
                ("LATCHKEY_WEBAUTHN_OFFER_AFTER_PASSWORD", "false"),
            ],
        )
        .unwrap();
        assert_eq!(c.webauthn_rp_id.as_deref(), Some("example.com"));
        assert_eq!(c.webauthn_rp_name, "Example sign-in");
        assert!(!c.webauthn_offer_after_password);
        for (issuer, rp_id) in [
            ("https://login.example.com", "other.com"),
            ("https://login.example.com", "ample.com"),
            ("http://127.0.0.1:8080", "127.0.0.1"),
        ] {
            let e = load(
                None,
                &[
                    ("LATCHKEY_ISSUER", issuer),
                    ("LATCHKEY_WEBAUTHN_RP_ID", rp_id),
                ],
            )
            .unwrap_err();
            assert_eq!(e.key, "webauthn.rp_id", "{rp_id}");
        }
    }

    #[test]
    fn defaults() {
        let c = load(None, &[]).unwrap();
        assert_eq!(c.issuer, "http://127.0.0.1:8080");
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.log_format, LogFormat::Text);
        assert!(!c.extended_codes);
        assert!(c.admin_token.is_none());
    }

    #[test]
    fn file_then_environment_wins() {
        let file = "issuer = \"https://id.example/\"\nlog_format = \"json\"\n[errors]\nextended_codes = true\n";
        let c = load(Some(file), &[]).unwrap();
        assert_eq!(c.issuer, "https://id.example");
        assert_eq!(c.log_format, LogFormat::Json);
        assert!(c.extended_codes);
        let c = load(
            Some(file),
            &[
                ("LATCHKEY_ERRORS_EXTENDED_CODES", "false"),
                ("LATCHKEY_LOG_FORMAT", "text"),
            ],
        )
        .unwrap();
        assert!(!c.extended_codes);
        assert_eq!(c.log_format, LogFormat::Text);
    }

    #[test]
    fn bad_values_name_the_key_and_what_is_accepted() {
        let e = load(None, &[("LATCHKEY_LISTEN", "nowhere")]).unwrap_err();
        assert_eq!(e.key, "listen");
        assert!(
            e.to_string().contains("LATCHKEY_LISTEN") && e.to_string().contains("127.0.0.1:8080")
        );
        let e = load(None, &[("LATCHKEY_ERRORS_EXTENDED_CODES", "maybe")]).unwrap_err();
        assert_eq!(e.key, "errors.extended_codes");
        let e = load(None, &[("LATCHKEY_ISSUER", "https://id.example/?x=1")]).unwrap_err();
        assert_eq!(e.key, "issuer");
        let e = load(None, &[("LATCHKEY_DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(e.key, "database_url");
        let e = load(None, &[("LATCHKEY_SECRET", "short")]).unwrap_err();
        assert_eq!(e.key, "secret");
        let e = load(None, &[("LATCHKEY_ADMIN_TOKEN", "abc")]).unwrap_err();
        assert_eq!(e.key, "admin_token");
        let e = load(None, &[("LATCHKEY_TOKENS_ACCESS_TOKEN_TTL", "-5")]).unwrap_err();
        assert_eq!(e.key, "tokens.access_token_ttl");
        let e = load(Some("isuer = \"typo\""), &[]).unwrap_err();
        assert_eq!(e.key, "isuer");
        let e = load(Some("log_format = 3"), &[]).unwrap_err();
        assert_eq!(e.key, "log_format");
    }

    #[test]
    fn upstream_providers_are_validated_at_start_up() {
        let good = "[fetch]\nallow_private_networks = true\n\n[[upstream]]\nid = \"corp\"\nname = \"Corp\"\n\
issuer = \"https://id.corp.example\"\nclient_id = \"lk\"\nclient_secret = \"s\"\nlink_by_email = true\n\n\
[[upstream]]\nid = \"dev\"\nname = \"Dev\"\nissuer = \"http://127.0.0.1:9\"\nclient_id = \"lk\"\n\
client_secret = \"s\"\nscopes = [\"openid\"]\n";
        let c = load(Some(good), &[]).unwrap();
        assert_eq!(c.upstreams.len(), 2);
        assert_eq!(c.upstreams[0].scopes, ["openid", "email", "profile"]);
        assert!(c.upstreams[0].link_by_email);
        assert!(!format!("{:?}", c.upstreams[0]).contains("\"s\""));
        let entry = |extra: &str| {
            format!(
                "[[upstream]]\nid = \"corp\"\nname = \"Corp\"\nclient_id = \"lk\"\nclient_secret = \"s\"\n{extra}"
            )
        };
        let cases = [
            (
                entry("issuer = \"http://id.corp.example\""),
                "upstream.issuer",
            ),
            (
                entry("issuer = \"https://id.corp.example?x\""),
                "upstream.issuer",
            ),
            (entry(""), "upstream.issuer"),
            (
                entry("issuer = \"https://a\"\nscopes = [\"email\"]"),
                "upstream.scopes",
            ),
            (
                entry("issuer = \"https://a\"\nlink_by_email = \"yes\""),
                "upstream.link_by_email",
            ),
            (
                entry("issuer = \"https://a\"\nsecret = \"x\""),
                "upstream.secret",
            ),
            (
                entry("issuer = \"https://a\"\n[[upstream]]\nid = \"corp\""),
                "upstream.id",
            ),
            ("[[upstream]]\nid = \"Bad Id\"".to_string(), "upstream.id"),
            ("upstream = 3".to_string(), "upstream"),
        ];
        for (file, key) in cases {
            let e = load(Some(&file), &[]).unwrap_err();
            assert_eq!(e.key, key, "{file}");
        }
    }

    #[test]
    fn a_missing_secret_is_generated_once_into_the_data_directory() {
        let dir = std::env::temp_dir().join(format!("lk-secret-{}", uuid::Uuid::new_v4()));
        let db = format!("sqlite://{}/data/lk.db", dir.display());
        let env = |k: &str| (k == "LATCHKEY_DATABASE_URL").then(|| db.clone());
        let a = Config::load(Origin {
            file: None,
            env: &env,
        })
        .unwrap();
        let b = Config::load(Origin {
            file: None,
            env: &env,
        })
        .unwrap();
        assert_eq!(a.secret, b.secret);
        assert_eq!(a.secret_file.unwrap(), dir.join("data").join("secret"));
    }

    #[test]
    fn data_dir_follows_the_database() {
        assert_eq!(
            data_dir("sqlite://latchkey-data/latchkey.db"),
            PathBuf::from("latchkey-data")
        );
        assert_eq!(data_dir("sqlite://db.sqlite"), PathBuf::from("."));
        assert_eq!(
            data_dir("postgres://x@h/db"),
            PathBuf::from("latchkey-data")
        );
    }
}
