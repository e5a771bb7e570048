//! Every setting, declared once: its key, the kind of value it takes (with
//! bounds and default), and the text of its row in the README's
//! configuration reference. [`Config::load`](super::Config::load) reads each
//! one through its declaration, and `latchkey settings docs` prints the
//! reference table from [`SETTINGS`], so the parser, the defaults and the
//! documentation cannot drift apart.

use super::{ConfigError, Raw, Sources, bad, env_name};
use std::fmt::Display;
use std::str::FromStr;

/// What the configuration reference says about a setting.
pub trait Declared: Sync {
    fn key(&self) -> &'static str;
    /// The environment variable; `None` for settings read from the file only.
    fn env(&self) -> Option<String> {
        Some(env_name(self.key()))
    }
    /// The default as the reference shows it (Markdown).
    fn shown_default(&self) -> String;
    /// What the setting means and accepts (Markdown).
    fn doc(&self) -> &'static str;
}

/// Text with a default value.
pub struct Text {
    pub key: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
}

impl Text {
    /// The value given, else the default.
    pub(super) fn read(&self, sources: &Sources) -> Result<String, ConfigError> {
        Ok(sources
            .string(self.key)?
            .unwrap_or_else(|| self.default.to_string()))
    }
}

impl Declared for Text {
    fn key(&self) -> &'static str {
        self.key
    }
    fn shown_default(&self) -> String {
        format!("`{}`", self.default)
    }
    fn doc(&self) -> &'static str {
        self.doc
    }
}

/// Text that may be left unset.
pub struct Optional {
    pub key: &'static str,
    /// What happens when it is unset, as the reference says it.
    pub unset: &'static str,
    pub doc: &'static str,
}

impl Optional {
    pub(super) fn read(&self, sources: &Sources) -> Result<Option<String>, ConfigError> {
        sources.string(self.key)
    }
}

impl Declared for Optional {
    fn key(&self) -> &'static str {
        self.key
    }
    fn shown_default(&self) -> String {
        self.unset.to_string()
    }
    fn doc(&self) -> &'static str {
        self.doc
    }
}

/// `true` or `false` (in the environment also `1`/`0`, `yes`/`no`, `on`/`off`).
pub struct Flag {
    pub key: &'static str,
    pub default: bool,
    pub doc: &'static str,
}

impl Flag {
    pub(super) fn read(&self, sources: &Sources) -> Result<bool, ConfigError> {
        sources.bool(self.key, self.default)
    }
}

impl Declared for Flag {
    fn key(&self) -> &'static str {
        self.key
    }
    fn shown_default(&self) -> String {
        format!("`{}`", self.default)
    }
    fn doc(&self) -> &'static str {
        self.doc
    }
}

/// A whole number of seconds within bounds. Stored as `i64`, the type
/// timestamps are computed in, which the bounds always fit.
pub struct Seconds {
    pub key: &'static str,
    pub default: i64,
    pub min: i64,
    pub max: i64,
    pub doc: &'static str,
}

impl Seconds {
    pub(super) fn read(&self, sources: &Sources) -> Result<i64, ConfigError> {
        match sources.number(self.key, self.min, self.max) {
            Ok(value) => Ok(value.unwrap_or(self.default)),
            Err(got) => Err(bad(
                self.key,
                format!(
                    "expected a whole number of seconds from {} to {}, got {got}",
                    self.min, self.max
                ),
            )),
        }
    }
}

impl Declared for Seconds {
    fn key(&self) -> &'static str {
        self.key
    }
    fn shown_default(&self) -> String {
        format!("`{}`", self.default)
    }
    fn doc(&self) -> &'static str {
        self.doc
    }
}

/// A whole number of something (requests, characters, ...) within bounds,
/// stored in the type its users count in.
pub struct Count<T: 'static> {
    pub key: &'static str,
    pub default: T,
    pub min: T,
    pub max: T,
    /// What is counted, plural: "requests".
    pub unit: &'static str,
    /// 0 turns the feature off (said so in the reference and the error).
    pub off: bool,
    pub doc: &'static str,
}

/// The numbers a [`Count`] may hold.
pub trait Whole: Copy + PartialOrd + Display + FromStr + TryFrom<i64> + Sync {
    const ZERO: Self;
}

impl Whole for i64 {
    const ZERO: Self = 0;
}

impl Whole for usize {
    const ZERO: Self = 0;
}

impl<T: Whole> Count<T> {
    pub(super) fn read(&self, sources: &Sources) -> Result<T, ConfigError> {
        match sources.number(self.key, self.min, self.max) {
            Ok(value) => Ok(value.unwrap_or(self.default)),
            Err(_) => {
                let off = if self.off && self.min == T::ZERO {
                    " (off)"
                } else {
                    ""
                };
                Err(bad(
                    self.key,
                    format!(
                        "expected a whole number of {} from {}{off} to {}",
                        self.unit, self.min, self.max
                    ),
                ))
            }
        }
    }
}

impl<T: Whole> Declared for Count<T> {
    fn key(&self) -> &'static str {
        self.key
    }
    fn shown_default(&self) -> String {
        if self.off && self.default == T::ZERO {
            format!("`{}` (off)", self.default)
        } else {
            format!("`{}`", self.default)
        }
    }
    fn doc(&self) -> &'static str {
        self.doc
    }
}

/// A number of things done at once per node, by default the number of
/// cores.
pub struct PerCore {
    pub key: &'static str,
    pub max: usize,
    /// What runs at once, plural: "verifications".
    pub unit: &'static str,
    pub doc: &'static str,
}

impl PerCore {
    pub(super) fn read(&self, sources: &Sources) -> Result<usize, ConfigError> {
        match sources.number(self.key, 1, self.max) {
            Ok(Some(n)) => Ok(n),
            Ok(None) => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
            Err(_) => Err(bad(
                self.key,
                format!(
                    "expected a whole number of {} from 1 to {}",
                    self.unit, self.max
                ),
            )),
        }
    }
}

impl Declared for PerCore {
    fn key(&self) -> &'static str {
        self.key
    }
    fn shown_default(&self) -> String {
        "the number of cores".into()
    }
    fn doc(&self) -> &'static str {
        self.doc
    }
}

/// One of a few words, each meaning a value.
pub struct Choice<T: 'static> {
    pub key: &'static str,
    /// Used when the setting is unset.
    pub default: (&'static str, T),
    pub others: &'static [(&'static str, T)],
    pub doc: &'static str,
}

impl<T: Copy + Sync> Choice<T> {
    fn options(&self) -> impl Iterator<Item = &(&'static str, T)> {
        std::iter::once(&self.default).chain(self.others)
    }

    pub(super) fn read(&self, sources: &Sources) -> Result<T, ConfigError> {
        let Some(given) = sources.string(self.key)? else {
            return Ok(self.default.1);
        };
        let given = given.trim();
        if let Some((_, value)) = self.options().find(|(word, _)| *word == given) {
            return Ok(*value);
        }
        let words: Vec<&str> = self.options().map(|(word, _)| *word).collect();
        let accepted = match words.split_last() {
            Some((last, [])) => (*last).to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        Err(bad(self.key, format!("expected {accepted}, got {given:?}")))
    }
}

impl<T: Copy + Sync> Declared for Choice<T> {
    fn key(&self) -> &'static str {
        self.key
    }
    fn shown_default(&self) -> String {
        format!("`{}`", self.default.0)
    }
    fn doc(&self) -> &'static str {
        self.doc
    }
}

/// A list: an array of strings in the file, or one string whose items are
/// separated by spaces or commas. An empty list is refused.
pub struct List {
    pub key: &'static str,
    pub default: fn() -> Vec<String>,
    pub doc: &'static str,
}

impl List {
    pub(super) fn read(&self, sources: &Sources) -> Result<Vec<String>, ConfigError> {
        Ok(sources.list(self.key)?.unwrap_or_else(|| (self.default)()))
    }
}

impl Declared for List {
    fn key(&self) -> &'static str {
        self.key
    }
    fn shown_default(&self) -> String {
        format!("`{}`", (self.default)().join(" "))
    }
    fn doc(&self) -> &'static str {
        self.doc
    }
}

/// Tables read from the file only; they have no environment name.
pub struct FileOnly {
    pub key: &'static str,
    pub doc: &'static str,
}

impl Declared for FileOnly {
    fn key(&self) -> &'static str {
        self.key
    }
    fn env(&self) -> Option<String> {
        None
    }
    fn shown_default(&self) -> String {
        "none".into()
    }
    fn doc(&self) -> &'static str {
        self.doc
    }
}

impl Sources {
    /// A whole number within `min..=max`: `Ok(None)` when unset, `Err` with
    /// the value given when it is not one.
    fn number<T: Whole>(&self, key: &str, min: T, max: T) -> Result<Option<T>, String> {
        let value = match self.values.get(key) {
            None => return Ok(None),
            Some(Raw::File(toml::Value::Integer(i))) => T::try_from(*i).ok(),
            Some(Raw::Env(s)) => s.trim().parse::<T>().ok(),
            Some(_) => None,
        };
        match value {
            Some(v) if min <= v && v <= max => Ok(Some(v)),
            _ => Err(self.values.get(key).map(Raw::text).unwrap_or_default()),
        }
    }
}

pub const ISSUER: Text = Text {
    key: "issuer",
    default: "http://127.0.0.1:8080",
    doc: "the issuer identifier; every endpoint URL derives from it (https, or http for development; no query or fragment)",
};

pub const LISTEN: Text = Text {
    key: "listen",
    default: "127.0.0.1:8080",
    doc: "address and port to bind, e.g. `0.0.0.0:8080` or `[::]:8080`",
};

pub const DATABASE_URL: Text = Text {
    key: "database_url",
    default: "sqlite://latchkey-data/latchkey.db",
    doc: "`sqlite://PATH` (relative to the working directory; an existing empty file is a fresh database) or `postgres://USER@HOST:PORT/DB`",
};

pub const SECRET: Optional = Optional {
    key: "secret",
    unset: "generated into the data directory, with a warning",
    doc: "at least 32 characters; seals signing keys at rest and keys the secret hashes. Required in production, identical on every node",
};

pub const ADMIN_TOKEN: Optional = Optional {
    key: "admin_token",
    unset: "unset: admin API only for people's access tokens",
    doc: "bearer token for the whole admin API (at least 16 characters), for automation; administrators use their own access tokens (see Administrators)",
};

pub const ADMIN_READONLY_TOKEN: Optional = Optional {
    key: "admin_readonly_token",
    unset: "unset",
    doc: "bearer token for admin reads; a write with it gets 403 `request_forbidden`",
};

pub const LOG_FORMAT: Choice<super::LogFormat> = Choice {
    key: "log_format",
    default: ("text", super::LogFormat::Text),
    others: &[("json", super::LogFormat::Json)],
    doc: "`text` or `json`",
};

pub const EXTENDED_CODES: Flag = Flag {
    key: "errors.extended_codes",
    default: false,
    doc: "send provider-specific cause names (`jti_known`, `user_canceled_request`, ...) as `error` instead of the registered parent code, for clients migrating from those providers",
};

pub const ACCESS_TOKEN_TTL: Seconds = Seconds {
    key: "tokens.access_token_ttl",
    default: 900,
    min: 1,
    max: latchkey_core::token::ACCESS_TOKEN_TTL_MAX,
    doc: "seconds an access token lives; a retired signing key stays published at least this long",
};

pub const CODE_TTL: Seconds = Seconds {
    key: "tokens.code_ttl",
    default: 60,
    min: 1,
    max: 600,
    doc: "seconds an authorization code lives (1 to 600)",
};

pub const DEVICE_CODE_TTL: Seconds = Seconds {
    key: "device.code_ttl",
    default: 600,
    min: 60,
    max: 3600,
    doc: "seconds a device code and its user code live (RFC 8628), from 60 to 3600; polls after that get `expired_token`",
};

pub const DEVICE_INTERVAL: Seconds = Seconds {
    key: "device.interval",
    default: 5,
    min: 1,
    max: 60,
    doc: "seconds a device is asked to wait between polls of `/token` (the `interval` of `/device_authorization`), from 1 to 60. A poll that comes sooner gets `slow_down` and adds 5 seconds to that device's interval (RFC 8628 §3.5)",
};

pub const REFRESH_TOKEN_TTL: Seconds = Seconds {
    key: "tokens.refresh_token_ttl",
    default: 2_592_000,
    min: 60,
    max: 31_536_000,
    doc: "seconds a refresh token lives (30 days); a client may set a shorter `refresh_token_ttl` in its metadata ([Browser apps](#browser-apps))",
};

pub const REFRESH_GRACE: Seconds = Seconds {
    key: "tokens.refresh_grace",
    default: 0,
    min: 0,
    max: 300,
    doc: "seconds a rotated refresh token may be presented again and get the same successor; after that, reuse revokes the family",
};

pub const ACCESS_TOKEN_ALG: Choice<latchkey_core::keys::Alg> = Choice {
    key: "tokens.access_token_alg",
    default: ("ES256", latchkey_core::keys::Alg::Es256),
    others: &[("RS256", latchkey_core::keys::Alg::Rs256)],
    doc: "`ES256` or `RS256` (`EdDSA` and `PS256` are not available yet)",
};

pub const REQUIRE_STATE: Flag = Flag {
    key: "policy.require_state",
    default: false,
    doc: "a missing `state` at /authorize is refused (cause `invalid_state`)",
};

pub const MIN_PARAMETER_LENGTH: Count<usize> = Count {
    key: "policy.min_parameter_length",
    default: 0,
    min: 0,
    max: 512,
    unit: "characters",
    off: true,
    doc: "a `state` shorter than this is refused (`invalid_state`); a `nonce` shorter than this too (`insufficient_entropy`)",
};

/// `policy.require_pkce`: whether every client must use PKCE.
pub const REQUIRE_PKCE: Choice<bool> = Choice {
    key: "policy.require_pkce",
    default: ("public", false),
    others: &[("all", true)],
    doc: "`public` (public clients and native apps must use PKCE with S256) or `all`",
};

pub const ALLOW_PLAIN_PKCE: Flag = Flag {
    key: "policy.allow_plain_pkce",
    default: false,
    doc: "accept `code_challenge_method=plain`",
};

pub const VTR_DEFAULT: Text = Text {
    key: "vtr.default",
    default: "Cl",
    doc: "the vector of trust a request gets when it has no `vtr` and no `acr_values` naming one: a vector (`Cl`, `Cl.Cm`, `Cl.Cm.P2`) or a JSON array of them; GOV.UK-like deployments set `Cl.Cm`. A vector asking for identity with one factor (`Cl.P2`) stops start-up",
};

pub const UI_NAME: Text = Text {
    key: "ui.name",
    default: "Latchkey",
    doc: "the product name shown on the sign-in, consent and error pages",
};

pub const UI_LOGO_URI: Optional = Optional {
    key: "ui.logo_uri",
    unset: "unset",
    doc: "an https URL (or a path on this server) of a logo shown above every page",
};

pub const ALLOW_PRIVATE_NETWORKS: Flag = Flag {
    key: "fetch.allow_private_networks",
    default: false,
    doc: "let client-supplied URLs (`jwks_uri`, `request_uris`) point at loopback or private addresses and use http; for development and tests only. Otherwise such fetches are https only, no redirects, 5 s, 64 KiB, public addresses only, pinned to the address resolved",
};

pub const MAX_IN_FLIGHT: Count<usize> = Count {
    key: "limits.max_in_flight",
    default: 1024,
    min: 1,
    max: 1_000_000,
    unit: "requests",
    off: false,
    doc: "requests in flight per node; beyond it, 503 `temporarily_unavailable` (cause `overloaded`) with `Retry-After: 1`, at once (health and metrics are never shed). A GET /authorize for a client this node has in memory, with a redirect URI registered for it, is redirected to the client with that error, `state` and `iss` instead (decided without the database; otherwise the 503 page)",
};

pub const PASSWORD_HASHING: PerCore = PerCore {
    key: "limits.password_hashing",
    max: 1024,
    unit: "verifications",
    doc: "Argon2id password verifications running at once on a node. Each holds 19 MiB while it runs; sign-ins beyond the limit wait their turn, so a burst cannot multiply memory",
};

pub const CLIENT_RPS: Count<i64> = Count {
    key: "limits.client_rps",
    default: 0,
    min: 0,
    max: 1_000_000,
    unit: "requests per second",
    off: true,
    doc: "requests per second each client may send to `/token`, `/par`, `/introspect` and `/revoke` (counted after it authenticates); beyond it, 429 `temporarily_unavailable` (cause `rate_limited`) with `Retry-After: 1`. Counted in the database in one-second windows, so the limit holds for the whole deployment (see \"Rate limits share the login throttle's machinery\" under Architecture)",
};

pub const MAINTENANCE: Flag = Flag {
    key: "maintenance",
    default: false,
    doc: "answer 503 `temporarily_unavailable` (cause `maintenance`, `Retry-After: 60`) everywhere but health, metrics and the admin API; /authorize redirects it to a verified client; `/health/ready` reports `maintenance`. The admin API switches maintenance for every node at run time (`PUT /admin/v1/maintenance`); this setting adds to that switch",
};

pub const REQUEST_OBJECTS: Flag = Flag {
    key: "request_objects.enabled",
    default: true,
    doc: "accept request objects (RFC 9101): `request`, and `request_uri` at a URL the client registered in `request_uris` (fetched within the `fetch.*` fence). `false`: `request` gets `request_not_supported`, every `request_uri` gets `request_uri_not_supported` except those of requests pushed to `/par`, which keep working",
};

pub const PAR_REQUIRED: Flag = Flag {
    key: "par.required",
    default: false,
    doc: "every authorization request must come through `/par` (RFC 9126); one sent directly to `/authorize` gets `invalid_request` (cause `par_required`). Per client: `require_pushed_authorization_requests`",
};

pub const PROFILE: Optional = Optional {
    key: "profile",
    unset: "unset",
    doc: "`fapi2` enforces the FAPI 2.0 Security Profile for every client: PAR with `redirect_uri`, PKCE with S256, `private_key_jwt` only (assertion `aud` the issuer), DPoP-bound access tokens, ES256/PS256 signatures only, codes living at most 60 seconds (a longer `tokens.code_ttl` is capped). Clients registered before it was set are checked on each request. Needs `tokens.access_token_alg` `ES256`. A client may ask for it alone with `\"profile\": \"fapi2\"` in its metadata. See [docs/fapi2.md](docs/fapi2.md)",
};

pub const DPOP_REQUIRE_NONCE: Flag = Flag {
    key: "dpop.require_nonce",
    default: false,
    doc: "every DPoP proof at /token, /par and /userinfo must carry a nonce this server gave out (RFC 9449 §8, §9): a proof without one, or with one older than two 5-minute windows, is answered `use_dpop_nonce` with the current nonce in the `DPoP-Nonce` header. Nonces are derived from `secret` and the time, so every node accepts every node's",
};

pub const LOGIN_FAILURES: Count<i64> = Count {
    key: "limits.login_failures",
    default: 5,
    min: 1,
    max: 1000,
    unit: "failed sign-ins",
    off: false,
    doc: "sign-in attempts per account within 15 minutes that may fail. Each attempt is counted in the database *before* the password is checked (one conditional statement, shared by every node), so parallel guesses cannot pass the limit; beyond it, the login page answers 429 `login_throttled` with `Retry-After` and says when to try again. A success clears the account. Wrong one-time and recovery codes count the same way per account: 429 `totp_throttled`",
};

pub const ADDRESS_FAILURES: Count<i64> = Count {
    key: "limits.address_failures",
    default: 100,
    min: 1,
    max: 1_000_000,
    unit: "failed sign-ins",
    off: false,
    doc: "failed sign-ins from one client address, across accounts, within 15 minutes. Beyond it, wrong passwords from that address are answered 429 and a warning is logged; a right password still signs in, so people sharing an address (an office, a proxy) are never locked out by someone else's failures",
};

pub const PROXY_TRUSTED: Optional = Optional {
    key: "proxy.trusted",
    unset: "empty",
    doc: "CIDR list (comma or space separated) of the reverse proxies in front of Latchkey. From those peers only, the client address is read from `Forwarded` (RFC 7239) or `X-Forwarded-For`: the rightmost address that is not a trusted proxy. From any other peer the headers are ignored. Whether cookies are `Secure` follows the issuer: an https issuer means https in the browser, whatever the hop behind the proxy uses",
};

pub const REGISTRATION_MODE: Choice<latchkey_core::registration::Mode> = Choice {
    key: "registration.mode",
    default: ("off", latchkey_core::registration::Mode::Off),
    others: &[
        ("token", latchkey_core::registration::Mode::Token),
        ("open", latchkey_core::registration::Mode::Open),
    ],
    doc: "dynamic client registration at `/register`: `off` (answers 404 `registration_disabled`, not in discovery), `token` (the initial access token `registration.token` is required as Bearer) or `open` (anyone may register)",
};

pub const REGISTRATION_TOKEN: Optional = Optional {
    key: "registration.token",
    unset: "unset",
    doc: "the initial access token when `registration.mode` is `token`: at least 16 characters, different from `admin_token`; required in that mode (start-up fails otherwise), unused in the others",
};

pub const ALLOWED_SCOPES: List = List {
    key: "registration.allowed_scopes",
    default: || latchkey_core::registration::Allowed::default().scopes,
    doc: "the scopes a client registered at `/register` may hold, separated by spaces or commas (or a list of strings in the file). A registration or update asking for others is refused with `invalid_client_metadata` (cause `registration_scope_not_allowed`) naming them; when not every OpenID scope is listed, a registration must name its `scope`. Clients created with the admin API or CLI are not limited. A value that is not a scope token stops start-up",
};

pub const ALLOWED_GRANT_TYPES: List = List {
    key: "registration.allowed_grant_types",
    default: || latchkey_core::registration::Allowed::default().grant_types,
    doc: "the grant types a client registered at `/register` may use, from `authorization_code`, `refresh_token`, `client_credentials` and `urn:ietf:params:oauth:grant-type:device_code`, written like `registration.allowed_scopes`; others are refused with `invalid_client_metadata` (cause `registration_grant_type_not_allowed`). `client_credentials` is off by default: it would give anyone who can register tokens without a user. An unknown grant type stops start-up",
};

pub const ACCOUNT_EDITABLE_CLAIMS: List = List {
    key: "account.editable_claims",
    default: || {
        [
            "name",
            "given_name",
            "family_name",
            "middle_name",
            "nickname",
            "picture",
            "website",
            "locale",
            "zoneinfo",
        ]
        .map(String::from)
        .to_vec()
    },
    doc: "the claims people may edit themselves on the account page (`/account`), written like `registration.allowed_scopes`; an empty value leaves the profile read-only. `email`, `email_verified`, `phone_number_verified` and `sub` are never editable there (a verified email signs its user in): listing one stops start-up",
};

pub const ACCOUNT_REAUTH_AFTER: Seconds = Seconds {
    key: "account.reauth_after",
    default: 300,
    min: 30,
    max: 86_400,
    doc: "seconds a sign-in counts as recent for a change on the account page (profile, password, second factor, sessions, applications). An older sign-in, or one without the second factor the user has, first signs in again (password, then the second factor), then returns to the page",
};

pub const AUDIT_RETENTION_DAYS: Count<i64> = Count {
    key: "audit.retention_days",
    default: 90,
    min: 1,
    max: 3650,
    unit: "days",
    off: false,
    doc: "days the audit trail (sign-ins, account, client and key changes, refused admin requests; `GET /admin/v1/audit`, `latchkey audit list`) keeps an event; older events are purged with the other expired rows",
};

pub const WEBAUTHN_RP_ID: Optional = Optional {
    key: "webauthn.rp_id",
    unset: "the issuer's host",
    doc: "the relying party id of passkeys: the issuer's host or a parent domain of it (passkeys made for `example.com` work on `login.example.com`). Passkeys are bound to it, so changing it orphans every passkey. A value that does not cover the issuer's host stops start-up. When the issuer's host is an IP address (the default issuer), passkeys are off (browsers refuse IP addresses) and the start-up log says so",
};

pub const WEBAUTHN_RP_NAME: Optional = Optional {
    key: "webauthn.rp_name",
    unset: "`ui.name`",
    doc: "the relying party name the browser and the authenticator show when a passkey is made",
};

pub const WEBAUTHN_OFFER_AFTER_PASSWORD: Flag = Flag {
    key: "webauthn.offer_after_password",
    default: true,
    doc: "after a password sign-in, a user without a passkey is offered to add one (\"Add a passkey\" / \"Not now\") before going on to the application",
};

pub const UPSTREAM: FileOnly = FileOnly {
    key: "[[upstream]]",
    doc: "upstream OpenID providers offered as \"Sign in with ...\" on the login page; keys below",
};

pub const SMTP_HOST: Optional = Optional {
    key: "smtp.host",
    unset: "unset: mail off",
    doc: "the SMTP server that sends Latchkey's mail (password recovery, email verification, password-change notices). Unset, every mail feature is off: the login page offers no \"Forgot your password?\" and `/recover` and `/verify-email` answer 404 `mail_disabled`. See [docs/mail.md](docs/mail.md)",
};

pub const SMTP_PORT: Count<i64> = Count {
    key: "smtp.port",
    default: 587,
    min: 1,
    max: 65535,
    unit: "port numbers",
    off: false,
    doc: "the SMTP server's port (587 for submission with STARTTLS, 465 for implicit TLS)",
};

pub const SMTP_TLS: Choice<super::SmtpTls> = Choice {
    key: "smtp.tls",
    default: ("starttls", super::SmtpTls::StartTls),
    others: &[("tls", super::SmtpTls::Tls), ("none", super::SmtpTls::None)],
    doc: "`starttls` (upgrade required, the server's certificate checked), `tls` (implicit TLS from the first byte) or `none` (plain text: a relay on the same host or for tests only)",
};

pub const SMTP_USERNAME: Optional = Optional {
    key: "smtp.username",
    unset: "unset: no authentication",
    doc: "the user name to authenticate to the SMTP server with (with `smtp.password`)",
};

pub const SMTP_PASSWORD: Optional = Optional {
    key: "smtp.password",
    unset: "unset",
    doc: "the SMTP password; a secret: never logged, shown as `[redacted]`. Required with `smtp.username`",
};

pub const SMTP_FROM: Optional = Optional {
    key: "smtp.from",
    unset: "required with `smtp.host`",
    doc: "the sender of every message, an address or `Name <address>`",
};

pub const RECOVERY_LINK_TTL: Seconds = Seconds {
    key: "recovery.link_ttl",
    default: 900,
    min: 60,
    max: 86_400,
    doc: "seconds a password recovery link works (from 60 to 86400); it works once, and its message is dropped unsent after this long too",
};

pub const REQUIRE_VERIFIED_EMAIL: Flag = Flag {
    key: "policy.require_verified_email",
    default: false,
    doc: "refuse the sign-in of a user whose email is not verified (cause `email_not_verified`), whichever way they sign in: password, passkey, or an upstream identity provider (which must vouch for the address with `email_verified`); the page offers to send the verification link again (with mail on)",
};

pub const BACKCHANNEL_LOGOUT_TIMEOUT: Seconds = Seconds {
    key: "backchannel_logout.timeout",
    default: 5,
    min: 1,
    max: 30,
    doc: "seconds one delivery of a Logout Token to a client's `backchannel_logout_uri` may take (back-channel logout), from 1 to 30; a slower answer counts as a failed attempt. Deliveries run in a worker on each node, never in the request that ended the session",
};

pub const BACKCHANNEL_LOGOUT_RETRY_BASE: Seconds = Seconds {
    key: "backchannel_logout.retry_base",
    default: 10,
    min: 1,
    max: 900,
    doc: "seconds before a failed delivery of a Logout Token is tried again (anything but a 2xx answer fails); each further retry waits twice as long, at most 15 minutes",
};

pub const BACKCHANNEL_LOGOUT_ATTEMPTS: Count<i64> = Count {
    key: "backchannel_logout.attempts",
    default: 8,
    min: 1,
    max: 30,
    unit: "attempts",
    off: false,
    doc: "attempts to deliver one Logout Token before it is given up and logged with the cause `backchannel_logout_failed` (the client and the last failure named)",
};

/// Every setting Latchkey reads, in the order of the README's reference.
pub const SETTINGS: &[&dyn Declared] = &[
    &ISSUER,
    &LISTEN,
    &DATABASE_URL,
    &SECRET,
    &ADMIN_TOKEN,
    &ADMIN_READONLY_TOKEN,
    &LOG_FORMAT,
    &EXTENDED_CODES,
    &ACCESS_TOKEN_TTL,
    &CODE_TTL,
    &REFRESH_TOKEN_TTL,
    &REFRESH_GRACE,
    &DEVICE_CODE_TTL,
    &DEVICE_INTERVAL,
    &ACCESS_TOKEN_ALG,
    &REQUIRE_STATE,
    &MIN_PARAMETER_LENGTH,
    &REQUIRE_PKCE,
    &ALLOW_PLAIN_PKCE,
    &VTR_DEFAULT,
    &UI_NAME,
    &UI_LOGO_URI,
    &ALLOW_PRIVATE_NETWORKS,
    &MAX_IN_FLIGHT,
    &PASSWORD_HASHING,
    &CLIENT_RPS,
    &MAINTENANCE,
    &REQUEST_OBJECTS,
    &PAR_REQUIRED,
    &PROFILE,
    &DPOP_REQUIRE_NONCE,
    &LOGIN_FAILURES,
    &ADDRESS_FAILURES,
    &PROXY_TRUSTED,
    &REGISTRATION_MODE,
    &REGISTRATION_TOKEN,
    &ALLOWED_SCOPES,
    &ALLOWED_GRANT_TYPES,
    &ACCOUNT_EDITABLE_CLAIMS,
    &ACCOUNT_REAUTH_AFTER,
    &AUDIT_RETENTION_DAYS,
    &WEBAUTHN_RP_ID,
    &WEBAUTHN_RP_NAME,
    &WEBAUTHN_OFFER_AFTER_PASSWORD,
    &SMTP_HOST,
    &SMTP_PORT,
    &SMTP_TLS,
    &SMTP_USERNAME,
    &SMTP_PASSWORD,
    &SMTP_FROM,
    &RECOVERY_LINK_TTL,
    &REQUIRE_VERIFIED_EMAIL,
    &BACKCHANNEL_LOGOUT_TIMEOUT,
    &BACKCHANNEL_LOGOUT_RETRY_BASE,
    &BACKCHANNEL_LOGOUT_ATTEMPTS,
    &UPSTREAM,
];

/// Whether `key` names a setting read from the file or the environment.
pub fn is_setting(key: &str) -> bool {
    SETTINGS.iter().any(|s| s.env().is_some() && s.key() == key)
}

/// The README's configuration reference table (Markdown), generated from
/// [`SETTINGS`]: `latchkey settings docs` prints it.
pub fn markdown() -> String {
    let mut out =
        String::from("| key | environment | default | meaning |\n| --- | --- | --- | --- |\n");
    for s in SETTINGS {
        let env = s
            .env()
            .map_or_else(|| "file only".to_string(), |e| format!("`{e}`"));
        out.push_str(&format!(
            "| `{}` | {env} | {} | {} |\n",
            s.key(),
            s.shown_default(),
            s.doc()
        ));
    }
    out
}

/// The README with its settings table replaced by `table`, between the
/// marker comments; `None` when the markers are missing.
pub fn replace_in_readme(readme: &str, table: &str) -> Option<String> {
    let (head, rest) = readme.split_once(BEGIN)?;
    let (_, tail) = rest.split_once(END)?;
    Some(format!("{head}{BEGIN}\n{table}{END}{tail}"))
}

/// The marker comments around the settings table in the README.
pub const BEGIN: &str = "<!-- settings:begin -->";
pub const END: &str = "<!-- settings:end -->";
