//! The command line: `serve`, `migrate`, and management commands that work
//! on the configured database directly (so they work before the server
//! runs). Exit codes: 0 success, 1 failure, 2 bad settings or usage.

use crate::config::{Config, LogFormat};
use crate::manage;
use clap::{Args, Parser, Subcommand};
use latchkey_core::Occurrence;
use latchkey_core::audit::kind::{
    self as audit_kind, ADMIN_USER_CREATED, ADMIN_USER_DELETED, ADMIN_USER_UPDATED,
};
use serde_json::{Value, json};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "latchkey",
    version,
    about = "Latchkey: an OpenID Connect provider",
    after_help = "Settings come from latchkey.toml (or --config) and LATCHKEY_* environment variables.\n\nExamples:\n  latchkey serve\n  LATCHKEY_ADMIN_TOKEN=$(openssl rand -hex 32) latchkey serve\n  latchkey client create --name 'My app' --redirect-uri https://app.example/cb\n  latchkey user create --username alice --password-stdin\n  latchkey errors explain invalid_grant"
)]
pub struct Cli {
    /// TOML settings file (default: latchkey.toml in the working directory, if present).
    #[arg(long, global = true, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (creates the schema and signing keys on first start).
    #[command(
        after_help = "Example:\n  LATCHKEY_ISSUER=https://id.example LATCHKEY_LISTEN=0.0.0.0:8080 latchkey serve"
    )]
    Serve,
    /// Apply pending database migrations and exit.
    #[command(
        after_help = "Example:\n  LATCHKEY_DATABASE_URL=postgres://postgres@127.0.0.1/latchkey latchkey migrate"
    )]
    Migrate,
    /// Manage clients (applications).
    #[command(
        subcommand,
        after_help = "Examples:\n  latchkey client create --name 'My app' --redirect-uri https://app.example/cb\n  latchkey client list\n  latchkey client show my-app"
    )]
    Client(ClientCommand),
    /// Manage resources: the APIs clients may ask tokens for (RFC 8707).
    #[command(
        subcommand,
        after_help = "Examples:\n  latchkey resource create https://api.example/ --name 'Example API' --scope 'api:read api:write'\n  latchkey resource list\n  latchkey resource show https://api.example/"
    )]
    Resource(ResourceCommand),
    /// Manage users.
    #[command(
        subcommand,
        after_help = "Examples:\n  echo 'correct horse battery' | latchkey user create --username alice --password-stdin\n  latchkey user list\n  latchkey user show alice"
    )]
    User(UserCommand),
    /// Manage signing keys.
    #[command(
        subcommand,
        after_help = "Examples:\n  latchkey keys list\n  latchkey keys rotate"
    )]
    Keys(KeysCommand),
    /// Read the audit trail.
    #[command(
        subcommand,
        after_help = "Examples:\n  latchkey audit list\n  latchkey audit list --kind sign_in --limit 20\n  latchkey audit list --actor admin:admin_token --json | jq '.events[].kind'"
    )]
    Audit(AuditCommand),
    /// Look up error codes and causes.
    #[command(
        subcommand,
        after_help = "Examples:\n  latchkey errors list\n  latchkey errors explain invalid_grant\n  latchkey errors docs > errors.md"
    )]
    Errors(ErrorsCommand),
    /// The admin API's reference.
    #[command(
        subcommand,
        after_help = "Example:\n  latchkey admin openapi > docs/admin-openapi.json"
    )]
    Admin(AdminCommand),
    /// The configuration reference.
    #[command(
        subcommand,
        after_help = "Examples:\n  latchkey settings docs\n  latchkey settings docs --readme README.md"
    )]
    Settings(SettingsCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  latchkey completions bash > /etc/bash_completion.d/latchkey\n  latchkey completions zsh > \"${fpath[1]}/_latchkey\"\n  latchkey completions fish > ~/.config/fish/completions/latchkey.fish\n  source <(latchkey completions bash)"
    )]
    Completions {
        /// The shell to complete in.
        shell: crate::manual::Shell,
    },
    /// Print the manual page latchkey(1) as roff, or write a page for every
    /// command into a directory.
    #[command(
        after_help = "Examples:\n  latchkey man | man -l -\n  latchkey man --dir /usr/local/share/man/man1"
    )]
    Man {
        /// Write latchkey.1 and one page per command (latchkey-client-create.1, ...) here instead of printing.
        #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
        dir: Option<PathBuf>,
    },
    /// Play a client in the terminal: print the sign-in address, wait for
    /// the browser to come back, redeem the code, print the ID token claims
    /// and userinfo. The server must be running at the issuer.
    #[command(
        after_help = "Example:\n  latchkey client create --client-id my-app --redirect-uri http://127.0.0.1:9999/cb --scope 'openid email profile'\n  echo \"$SECRET\" | latchkey try my-app --secret-stdin\n\nThe client needs an http://127.0.0.1 (or [::1], localhost) redirect URI to listen on."
    )]
    Try {
        /// The client to play (its redirect URI and authentication method are read from the database).
        client_id: String,
        /// Read the client's secret from standard input.
        #[arg(long)]
        secret_stdin: bool,
        /// The loopback redirect URI to listen on (default: the client's first one).
        #[arg(long, value_name = "URI")]
        redirect_uri: Option<String>,
        /// The scope to ask for.
        #[arg(long, default_value = "openid profile email")]
        scope: String,
        /// Seconds to wait for the browser.
        #[arg(long, default_value_t = 300)]
        wait: u64,
    },
}

#[derive(Args, Default)]
struct ClientFields {
    /// Display name shown on the consent page.
    #[arg(long)]
    name: Option<String>,
    /// A redirect URI (repeat for several).
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Vec<String>,
    /// A grant type: authorization_code, refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:device_code (repeat for several).
    #[arg(long = "grant-type", value_name = "GRANT")]
    grant_types: Vec<String>,
    /// Scopes the client may request, space separated.
    #[arg(long)]
    scope: Option<String>,
    /// token_endpoint_auth_method: client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt, none.
    #[arg(long = "auth-method", value_name = "METHOD")]
    auth_method: Option<String>,
    /// application_type: web (the default) or native (RFC 8252: loopback redirect URIs match on any port, private-use schemes, PKCE always).
    #[arg(long = "application-type", value_name = "TYPE")]
    application_type: Option<String>,
    /// First-party client: never show the consent page.
    #[arg(long)]
    skip_consent: bool,
    /// request_object_signing_alg: RS256, PS256, ES256, EdDSA, or none for unsigned request objects.
    #[arg(long = "request-object-alg", value_name = "ALG")]
    request_object_alg: Option<String>,
    /// A URL the client may pass as request_uri (repeat for several).
    #[arg(long = "request-uri", value_name = "URL")]
    request_uris: Vec<String>,
    /// require_pushed_authorization_requests: authorization requests must come through /par.
    #[arg(long = "require-par")]
    require_par: bool,
    /// profile: fapi2 holds this client to the FAPI 2.0 Security Profile (docs/fapi2.md).
    #[arg(long, value_name = "PROFILE")]
    profile: Option<String>,
    /// A browser origin (https://host[:port]) that may call the token endpoints with CORS (repeat for several; a public client defaults to its redirect URIs' origins).
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origins: Vec<String>,
    /// Further RFC 7591 metadata as a JSON object (merged; flags win).
    #[arg(long, value_name = "JSON")]
    metadata: Option<String>,
}

impl ClientFields {
    fn to_json(&self) -> Result<serde_json::Map<String, Value>, String> {
        let mut map = match &self.metadata {
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(m)) => m,
                Ok(_) => return Err("--metadata must be a JSON object".into()),
                Err(e) => return Err(format!("--metadata is not valid JSON: {e}")),
            },
            None => serde_json::Map::new(),
        };
        if let Some(v) = &self.name {
            map.insert("client_name".into(), json!(v));
        }
        if !self.redirect_uris.is_empty() {
            map.insert("redirect_uris".into(), json!(self.redirect_uris));
        }
        if !self.grant_types.is_empty() {
            map.insert("grant_types".into(), json!(self.grant_types));
        }
        if let Some(v) = &self.scope {
            map.insert("scope".into(), json!(v));
        }
        if let Some(v) = &self.auth_method {
            map.insert("token_endpoint_auth_method".into(), json!(v));
        }
        if let Some(v) = &self.application_type {
            map.insert("application_type".into(), json!(v));
        }
        if self.skip_consent {
            map.insert("skip_consent".into(), json!(true));
        }
        if let Some(v) = &self.request_object_alg {
            map.insert("request_object_signing_alg".into(), json!(v));
        }
        if !self.request_uris.is_empty() {
            map.insert("request_uris".into(), json!(self.request_uris));
        }
        if self.require_par {
            map.insert("require_pushed_authorization_requests".into(), json!(true));
        }
        if let Some(v) = &self.profile {
            map.insert("profile".into(), json!(v));
        }
        if !self.cors_origins.is_empty() {
            map.insert("allowed_cors_origins".into(), json!(self.cors_origins));
        }
        Ok(map)
    }
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Register a client; prints it with its secret (shown only this once).
    #[command(
        after_help = "Examples:\n  latchkey client create --name 'My app' --redirect-uri https://app.example/cb --scope 'openid email'\n  latchkey client create --client-id svc --grant-type client_credentials --scope api:read\n  latchkey client create --name 'TV app' --auth-method none --grant-type urn:ietf:params:oauth:grant-type:device_code --grant-type refresh_token --scope 'openid profile'\n  latchkey client create --name 'Desktop app' --application-type native --auth-method none --redirect-uri http://127.0.0.1/callback\n  latchkey client create --name 'Browser app' --auth-method none --redirect-uri https://app.example/cb --cors-origin https://app.example --metadata '{\"refresh_token_ttl\":86400}'\n  latchkey client create --name 'FAPI app' --redirect-uri https://app.example/cb --require-par --request-object-alg ES256 --metadata '{\"jwks_uri\":\"https://app.example/jwks\"}'\n  latchkey client create --metadata '{\"redirect_uris\":[\"https://app.example/cb\"],\"token_endpoint_auth_method\":\"none\"}'"
    )]
    Create {
        /// Choose the client_id (default: generated).
        #[arg(long)]
        client_id: Option<String>,
        /// Choose the secret (default: 256 random bits). One with characters that form-encoding changes (anything but letters, digits and - . _ *) is accepted with a warning.
        #[arg(long)]
        secret: Option<String>,
        #[command(flatten)]
        fields: ClientFields,
    },
    /// List clients, each with its last use; with --search, those whose
    /// id, name or a redirect URI contains the text (ignoring case).
    #[command(
        after_help = "Examples:\n  latchkey client list | jq -r '.[].client_id'\n  latchkey client list --search shop"
    )]
    List {
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
    },
    /// Show one client.
    #[command(after_help = "Example:\n  latchkey client show my-app")]
    Show { client_id: String },
    /// Change a client's metadata (only the fields given).
    #[command(
        after_help = "Examples:\n  latchkey client update my-app --redirect-uri https://app.example/cb2\n  latchkey client update my-app --metadata '{\"logo_uri\":\"https://app.example/logo.png\"}'\n  latchkey client update my-app --new-secret"
    )]
    Update {
        client_id: String,
        /// Replace the secret with a new random one (printed once).
        #[arg(long)]
        new_secret: bool,
        #[command(flatten)]
        fields: ClientFields,
    },
    /// Issue a new secret (printed once); with --grace the old one keeps working that long.
    #[command(
        after_help = "Examples:\n  latchkey client rotate-secret my-app --grace 1h\n  latchkey client rotate-secret my-app --grace 86400\n  latchkey client rotate-secret my-app"
    )]
    RotateSecret {
        client_id: String,
        /// How long the previous secret stays valid: seconds (86400) or a number with s, m, h or d (30m, 1h, 7d); at most 30 days. Default 0: it stops at once.
        #[arg(long, value_parser = parse_grace, default_value = "0")]
        grace: i64,
    },
    /// Deactivate a client: its requests are refused with unauthorized_client.
    #[command(after_help = "Example:\n  latchkey client deactivate my-app")]
    Deactivate { client_id: String },
    /// Reactivate a deactivated client.
    #[command(after_help = "Example:\n  latchkey client activate my-app")]
    Activate { client_id: String },
    /// Delete a client.
    #[command(after_help = "Example:\n  latchkey client delete my-app")]
    Delete { client_id: String },
}

#[derive(Subcommand)]
enum ResourceCommand {
    /// Register a resource (an API) by its identifier, an absolute URI without a fragment.
    #[command(
        after_help = "Examples:\n  latchkey resource create https://api.example/ --name 'Example API' --scope 'api:read api:write'\n  latchkey resource create https://billing.example/ --name Billing --scope billing --allowed-client my-app"
    )]
    Create {
        /// The identifier clients send in `resource`, exactly.
        resource: String,
        #[command(flatten)]
        fields: ResourceFields,
    },
    /// List resources.
    #[command(after_help = "Example:\n  latchkey resource list | jq -r '.[].resource'")]
    List,
    /// Show one resource.
    #[command(after_help = "Example:\n  latchkey resource show https://api.example/")]
    Show { resource: String },
    /// Change a resource (only the fields given).
    #[command(
        after_help = "Examples:\n  latchkey resource update https://api.example/ --scope 'api:read'\n  latchkey resource update https://api.example/ --allowed-client my-app --allowed-client other-app\n  latchkey resource update https://api.example/ --any-client"
    )]
    Update {
        resource: String,
        #[command(flatten)]
        fields: ResourceFields,
        /// Allow every client (clear the list of allowed clients).
        #[arg(long, conflicts_with = "allowed_clients")]
        any_client: bool,
    },
    /// Delete a resource: grants naming it get no new tokens for it.
    #[command(after_help = "Example:\n  latchkey resource delete https://api.example/")]
    Delete { resource: String },
}

#[derive(Args)]
struct ResourceFields {
    /// Display name shown on the consent page.
    #[arg(long)]
    name: Option<String>,
    /// The scopes the resource accepts, space separated.
    #[arg(long)]
    scope: Option<String>,
    /// A client allowed to ask for it (repeatable; none: every client).
    #[arg(long = "allowed-client", value_name = "CLIENT_ID")]
    allowed_clients: Vec<String>,
}

impl ResourceFields {
    fn to_json(&self) -> serde_json::Map<String, Value> {
        let mut body = serde_json::Map::new();
        if let Some(name) = &self.name {
            body.insert("name".into(), json!(name));
        }
        if let Some(scope) = &self.scope {
            body.insert("scope".into(), json!(scope));
        }
        if !self.allowed_clients.is_empty() {
            body.insert("allowed_clients".into(), json!(self.allowed_clients));
        }
        body
    }
}

#[derive(Args)]
struct PasswordInput {
    /// The password (visible in the process list: prefer --password-stdin).
    #[arg(long, conflicts_with = "password_stdin")]
    password: Option<String>,
    /// Read the password from standard input.
    #[arg(long)]
    password_stdin: bool,
}

impl PasswordInput {
    fn read(&self) -> Result<Option<String>, String> {
        if self.password_stdin {
            return read_stdin().map(Some);
        }
        Ok(self.password.clone())
    }
}

/// A secret given on standard input (kept out of the process list), without
/// its line ending.
fn read_stdin() -> Result<String, String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(s.trim_end_matches(['\r', '\n']).to_string())
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user.
    #[command(
        after_help = "Example:\n  echo 'correct horse battery' | latchkey user create --username alice --password-stdin --claims '{\"email\":\"alice@example.com\",\"email_verified\":true,\"name\":\"Alice\"}'"
    )]
    Create {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        password: PasswordInput,
        /// Standard claims as a JSON object (email, name, ...).
        #[arg(long, value_name = "JSON")]
        claims: Option<String>,
        /// An administrative role: admin (everything) or auditor
        /// (read-only); repeat for both. The first admin is made this way.
        #[arg(long, value_name = "ROLE")]
        role: Vec<String>,
    },
    /// List users: every user, oldest first; with --search, --after or
    /// --limit, the users found, by username (as GET /admin/v1/users).
    #[command(
        after_help = "Examples:\n  latchkey user list\n  latchkey user list --search example.com --limit 20\n  latchkey user list --search example.com --limit 20 --after carol"
    )]
    List {
        /// Text the username, sub or email contains (ignoring ASCII case).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Start after this username (the last one of the previous page).
        #[arg(long, value_name = "USERNAME")]
        after: Option<String>,
        /// At most this many users (1 to 1000; 100 by default).
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
    /// Show a user (by sub or username).
    #[command(after_help = "Example:\n  latchkey user show alice")]
    Show { user: String },
    /// Change a user's username, claims (merged; null removes one), identity
    /// confidence or second factor.
    #[command(
        after_help = "Examples:\n  latchkey user update alice --claims '{\"name\":\"Alice Liddell\"}'\n  latchkey user update alice --identity-confidence P2\n  echo JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP | latchkey user update alice --totp-secret-stdin\n  latchkey user update alice --remove-totp\n  latchkey user update alice --role admin\n  latchkey user update alice --role none"
    )]
    Update {
        user: String,
        #[arg(long)]
        username: Option<String>,
        #[arg(long, value_name = "JSON")]
        claims: Option<String>,
        /// Identity confidence recorded for the user: P0, P1 or P2.
        #[arg(long, value_name = "LEVEL")]
        identity_confidence: Option<String>,
        /// Set the user's TOTP key (base32, at least 128 bits), e.g. one
        /// provisioned on a hardware token (visible in the process list:
        /// prefer --totp-secret-stdin).
        #[arg(long, value_name = "BASE32", conflicts_with_all = ["remove_totp", "totp_secret_stdin"])]
        totp_secret: Option<String>,
        /// Read the TOTP key from standard input.
        #[arg(long, conflicts_with = "remove_totp")]
        totp_secret_stdin: bool,
        /// Remove the user's TOTP authenticator and recovery codes.
        #[arg(long)]
        remove_totp: bool,
        /// Lock the user: every sign-in is refused (user_locked), and their
        /// sessions, refresh tokens and codes end at once.
        #[arg(long, conflicts_with = "unlock")]
        lock: bool,
        /// Unlock a locked user.
        #[arg(long)]
        unlock: bool,
        /// Replace the user's roles: admin, auditor (repeat for both), or
        /// none to remove every role.
        #[arg(long, value_name = "ROLE")]
        role: Vec<String>,
    },
    /// Delete a user: their sessions end and their tokens stop working.
    #[command(after_help = "Example:\n  latchkey user delete alice")]
    Delete { user: String },
    /// Set a user's password.
    #[command(
        after_help = "Example:\n  echo 'new password here' | latchkey user set-password alice --password-stdin"
    )]
    SetPassword {
        user: String,
        #[command(flatten)]
        password: PasswordInput,
    },
    /// Send a user the password reset email /recover sends (mail must be
    /// on, and the user must have an email address); a running server
    /// delivers it.
    #[command(after_help = "Example:\n  latchkey user reset-password alice")]
    ResetPassword { user: String },
    /// List or remove a user's passkeys.
    #[command(
        subcommand,
        after_help = "Examples:\n  latchkey user passkeys list alice\n  latchkey user passkeys remove alice 0b5c3b1e-8f0e-4c55-9d0c-2f7c1a4b6e21"
    )]
    Passkeys(PasskeysCommand),
    /// List or end a user's browser sessions.
    #[command(
        subcommand,
        after_help = "Examples:\n  latchkey user sessions list alice\n  latchkey user sessions end alice 3q2-X0Cm6k1x0ZqvCxY4mQ\n  latchkey user sessions end alice --all"
    )]
    Sessions(SessionsCommand),
}

#[derive(Subcommand)]
enum SessionsCommand {
    /// List a user's live browser sessions (by sub or username), newest
    /// first: sid, when and how they signed in, browser and address.
    #[command(after_help = "Example:\n  latchkey user sessions list alice")]
    List { user: String },
    /// End one session (by its sid) or every one (--all), as a logout
    /// would: the grants made in it without offline_access are revoked,
    /// and a running server sends the clients their Logout Tokens.
    #[command(
        after_help = "Examples:\n  latchkey user sessions end alice 3q2-X0Cm6k1x0ZqvCxY4mQ\n  latchkey user sessions end alice --all"
    )]
    End {
        user: String,
        /// The session's sid, as `sessions list` shows it.
        #[arg(required_unless_present = "all")]
        sid: Option<String>,
        /// End every session of the user.
        #[arg(long, conflicts_with = "sid")]
        all: bool,
    },
}

#[derive(Subcommand)]
enum PasskeysCommand {
    /// List a user's passkeys (by sub or username): id, name, created and
    /// last used.
    #[command(after_help = "Example:\n  latchkey user passkeys list alice")]
    List { user: String },
    /// Remove one of a user's passkeys: signing in with it is refused from
    /// then on.
    #[command(
        after_help = "Example:\n  latchkey user passkeys remove alice 0b5c3b1e-8f0e-4c55-9d0c-2f7c1a4b6e21"
    )]
    Remove { user: String, id: String },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// List signing keys and whether /jwks publishes them.
    #[command(after_help = "Example:\n  latchkey keys list")]
    List,
    /// Add a new active key; old keys stay published until their tokens expire.
    #[command(after_help = "Examples:\n  latchkey keys rotate\n  latchkey keys rotate --alg ES256")]
    Rotate {
        /// Only this algorithm (ES256 or RS256); default: all.
        #[arg(long)]
        alg: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// List events, newest first, matching every filter given (compared
    /// exactly).
    #[command(
        after_help = "Examples:\n  latchkey audit list --target user:0b5c3b1e-8f0e-4c55-9d0c-2f7c1a4b6e21\n  latchkey audit list --kind admin.access_denied --json\n  latchkey audit list --before 1200"
    )]
    List {
        /// Who acted: user:{sub}, admin:{token name}, client:{client_id} or system.
        #[arg(long)]
        actor: Option<String>,
        /// What was acted on: user:{sub}, client:{client_id}, keys, ...
        #[arg(long)]
        target: Option<String>,
        /// The kind of event (sign_in, client.created, ...).
        #[arg(long)]
        kind: Option<String>,
        /// Only events older than this id (the "next" of the previous page).
        #[arg(long, value_name = "ID")]
        before: Option<i64>,
        /// The most events to print (1 to 200).
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Print JSON, as GET /admin/v1/audit answers, instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ErrorsCommand {
    /// List every error code and its causes.
    #[command(after_help = "Example:\n  latchkey errors list | grep -A3 invalid_grant")]
    List,
    /// Explain a code, a cause, an error redirect URL, or an error reference
    /// (the error_id a page or answer shows: looked up in the database).
    #[command(
        after_help = "Examples:\n  latchkey errors explain invalid_grant\n  latchkey errors explain code_reused\n  latchkey errors explain 'https://app.example/cb?error=access_denied&error_description=...'\n  latchkey errors explain 01a2415a-9406-7584-b101-142611b325fd"
    )]
    Explain { what: String },
    /// Print the error reference as Markdown (docs/errors.md).
    #[command(after_help = "Example:\n  latchkey errors docs > docs/errors.md")]
    Docs,
    /// Count the errors this deployment kept, by code and cause, over the
    /// last 24 hours by hour or the last 7 days by day, UTC (as GET
    /// /admin/v1/errors).
    #[command(
        after_help = "Examples:\n  latchkey errors counts\n  latchkey errors counts --span week --client my-app\n  latchkey errors counts --json"
    )]
    Counts {
        /// day (the last 24 hours, by hour) or week (the last 7 days, by day).
        #[arg(long, default_value = "day", value_parser = ["day", "week"])]
        span: String,
        /// Count one client's errors only.
        #[arg(long, value_name = "CLIENT_ID")]
        client: Option<String>,
        /// Print JSON, as GET /admin/v1/errors answers, instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Print the OpenAPI 3.1 document of the admin API (/admin/v1) as JSON
    /// (docs/admin-openapi.json); a running server serves it at
    /// /admin/v1/openapi.json with its issuer as the server.
    #[command(after_help = "Example:\n  latchkey admin openapi > docs/admin-openapi.json")]
    Openapi,
}

#[derive(Subcommand)]
enum SettingsCommand {
    /// Print the settings reference table (Markdown), generated from the
    /// settings' declarations.
    #[command(after_help = "Example:\n  latchkey settings docs --readme README.md")]
    Docs {
        /// Replace the table in this file between its settings:begin and
        /// settings:end marker comments instead of printing it.
        #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
        readme: Option<PathBuf>,
    },
}

/// Parse arguments, run, and map the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Commands that need no settings.
    if let Command::Errors(cmd) = &cli.command
        && let Some(code) = errors_command(cmd, cli.config.as_deref())
    {
        return code;
    }
    if let Command::Settings(cmd) = &cli.command {
        return settings_command(cmd);
    }
    if let Command::Admin(AdminCommand::Openapi) = &cli.command {
        out(&crate::http::openapi::committed());
        return ExitCode::SUCCESS;
    }
    if let Command::Completions { shell } = &cli.command {
        use std::io::Write;
        let _ = std::io::stdout().write_all(&crate::manual::completions(*shell));
        return ExitCode::SUCCESS;
    }
    if let Command::Man { dir } = &cli.command {
        return man_command(dir.as_deref());
    }
    let config = match Config::from_process(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("latchkey: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(config.log_format, matches!(cli.command, Command::Serve));
    let names = std::env::vars_os().filter_map(|(k, _)| k.into_string().ok());
    for warning in crate::config::unknown_variables(names) {
        tracing::warn!("{warning}");
    }
    let serving = matches!(cli.command, Command::Serve);
    if let Err(e) =
        crate::failpoints::configure(std::env::var("FAILPOINTS").ok().as_deref(), !serving)
    {
        eprintln!("latchkey: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("latchkey: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(cli.command, config));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failed::Start(e)) => {
            eprintln!("latchkey: {e}");
            ExitCode::FAILURE
        }
        Err(Failed::Usage(e)) => {
            eprintln!("latchkey: {e}");
            ExitCode::from(2)
        }
        Err(Failed::Refused(occ)) => {
            eprintln!(
                "latchkey: {} ({}): {}",
                occ.cause.code.as_str(),
                occ.cause.id,
                occ.description()
            );
            for f in &occ.fields {
                eprintln!("  {}: {}", f.field, f.summary);
            }
            eprintln!("how to fix: {}", occ.cause.fix);
            ExitCode::FAILURE
        }
    }
}

enum Failed {
    Start(crate::server::StartError),
    Usage(String),
    Refused(Occurrence),
}

impl From<Occurrence> for Failed {
    fn from(o: Occurrence) -> Self {
        Failed::Refused(o)
    }
}

impl From<crate::server::StartError> for Failed {
    fn from(e: crate::server::StartError) -> Self {
        Failed::Start(e)
    }
}

/// Write to standard output, ignoring a closed pipe (`... | head`).
fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

fn print(value: &Value) {
    out(&format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    ));
}

/// A created or updated client: its `warnings` go to stderr, one line
/// each, and the client to stdout as `client show` prints it.
/// A grace period: whole seconds, or a number followed by s, m, h or d;
/// from 0 to 30 days.
fn parse_grace(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (number, unit) = match text.chars().last() {
        Some(c) if c.is_ascii_alphabetic() => (text.strip_suffix(c).unwrap_or(text), c),
        _ => (text, 's'),
    };
    let per = match unit.to_ascii_lowercase() {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return Err(format!("{text}: the unit is s, m, h or d")),
    };
    let n: i64 = number
        .parse()
        .map_err(|_| format!("{text}: a whole number of seconds, or one with s, m, h or d"))?;
    let max = manage::clients::MAX_GRACE_SECONDS;
    match n.checked_mul(per) {
        Some(secs) if (0..=max).contains(&secs) => Ok(secs),
        _ => Err(format!("{text}: from 0 to 30 days ({max} seconds)")),
    }
}

fn print_client(mut value: Value) {
    let warnings = value.as_object_mut().and_then(|map| map.remove("warnings"));
    for w in warnings
        .as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let field = w["field"].as_str().unwrap_or_default();
        let summary = w["summary"].as_str().unwrap_or_default();
        eprintln!("latchkey: warning: {field}: {summary}");
    }
    print(&value);
}

fn parse_json_object(flag: &str, text: &str) -> Result<Value, Failed> {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(Failed::Usage(format!("{flag} must be a JSON object"))),
        Err(e) => Err(Failed::Usage(format!("{flag} is not valid JSON: {e}"))),
    }
}

async fn run(command: Command, config: Config) -> Result<(), Failed> {
    match command {
        Command::Serve => return Ok(crate::server::serve(config).await?),
        Command::Migrate => {
            let applied = latchkey_store::migrate(&config.database_url)
                .await
                .map_err(|e| Failed::Start(crate::server::StartError(e.to_string())))?;
            if applied.is_empty() {
                println!("database is up to date");
            }
            for name in applied {
                println!("applied {name}");
            }
            return Ok(());
        }
        Command::Errors(ErrorsCommand::Explain { what }) => {
            let (store, _) = crate::server::open(&config).await?;
            return explain_occurrence(store.as_ref(), &what, &config.issuer).await;
        }
        Command::Errors(ErrorsCommand::Counts { span, client, json }) => {
            let (store, _) = crate::server::open(&config).await?;
            let span = manage::errors::Span::parse(&span)
                .ok_or_else(|| Failed::Usage(format!("--span is day or week, not {span}")))?;
            let now = latchkey_core::now_unix();
            let counts =
                manage::errors::counts(store.as_ref(), span, now, client.as_deref()).await?;
            match json {
                true => print(&json!(manage::errors::CountsView::of(
                    &counts,
                    &config.issuer
                ))),
                false => out(&counts_table(&counts)),
            }
            return Ok(());
        }
        Command::Errors(_)
        | Command::Settings(_)
        | Command::Admin(_)
        | Command::Completions { .. }
        | Command::Man { .. } => return Ok(()),
        _ => {}
    }
    let (store, secrets) = crate::server::open(&config).await?;
    let store = store.as_ref();
    let limits = config.client_limits();
    let fetcher = &crate::http::fetch::Fetcher::new(config.allow_private_networks);
    match command {
        Command::Client(cmd) => match cmd {
            ClientCommand::Create {
                client_id,
                secret,
                fields,
            } => {
                let mut body = fields.to_json().map_err(Failed::Usage)?;
                if let Some(id) = client_id {
                    body.insert("client_id".into(), json!(id));
                }
                if let Some(s) = secret {
                    body.insert("client_secret".into(), json!(s));
                }
                let created =
                    manage::clients::create(store, &secrets, fetcher, limits, Value::Object(body))
                        .await?;
                let event = crate::audit::client_created(&cli_actor(), None, &created);
                crate::audit::append(store, event).await;
                print_client(created);
            }
            ClientCommand::List { search } => print(&crate::builtin::without_built_ins(
                manage::clients::listed(store, search.as_deref().unwrap_or_default()).await?,
            )),
            ClientCommand::Show { client_id } => print(&manage::clients::view(
                &manage::clients::get(store, &client_id).await?,
                None,
            )),
            ClientCommand::Update {
                client_id,
                new_secret,
                fields,
            } => {
                let mut body = fields.to_json().map_err(Failed::Usage)?;
                if new_secret {
                    let secret = latchkey_core::crypto::random_token().map_err(Occurrence::from)?;
                    body.insert("client_secret".into(), json!(secret));
                }
                let change = Value::Object(body);
                print_client(
                    update_client(store, &secrets, fetcher, limits, &client_id, change).await?,
                );
            }
            ClientCommand::RotateSecret { client_id, grace } => {
                crate::builtin::guard_client(&client_id)?;
                let rotated =
                    manage::clients::rotate_secret(store, &secrets, &client_id, grace).await?;
                let event =
                    crate::audit::client_secret_rotated(&cli_actor(), None, &client_id, grace);
                crate::audit::append(store, event).await;
                print_client(rotated);
            }
            ClientCommand::Deactivate { client_id } => print_client(
                update_client(
                    store,
                    &secrets,
                    fetcher,
                    limits,
                    &client_id,
                    json!({"active": false}),
                )
                .await?,
            ),
            ClientCommand::Activate { client_id } => print_client(
                update_client(
                    store,
                    &secrets,
                    fetcher,
                    limits,
                    &client_id,
                    json!({"active": true}),
                )
                .await?,
            ),
            ClientCommand::Delete { client_id } => {
                crate::builtin::guard_client(&client_id)?;
                manage::clients::delete(store, &client_id).await?;
                let event = latchkey_core::audit::AuditEvent::new(
                    &cli_actor(),
                    latchkey_core::audit::kind::CLIENT_DELETED,
                    format!("client:{client_id}"),
                );
                crate::audit::append(store, event).await;
                println!("deleted client {client_id}");
            }
        },
        Command::Resource(cmd) => match cmd {
            ResourceCommand::Create { resource, fields } => {
                let mut body = fields.to_json();
                body.insert("resource".into(), json!(resource));
                print(&manage::resources::create(store, Value::Object(body)).await?);
                let event = crate::audit::resource_changed(
                    &cli_actor(),
                    audit_kind::RESOURCE_CREATED,
                    &resource,
                );
                crate::audit::append(store, event).await;
            }
            ResourceCommand::List => print(&crate::builtin::without_built_ins(
                manage::resources::list(store).await?,
            )),
            ResourceCommand::Show { resource } => print(&manage::resources::view(
                &manage::resources::get(store, &resource).await?,
            )),
            ResourceCommand::Update {
                resource,
                fields,
                any_client,
            } => {
                crate::builtin::guard_resource(store, &resource).await?;
                let mut body = fields.to_json();
                if any_client {
                    body.insert("allowed_clients".into(), json!([]));
                }
                let names: Vec<String> = body.keys().cloned().collect();
                print(&manage::resources::update(store, &resource, Value::Object(body)).await?);
                let event = crate::audit::resource_changed(
                    &cli_actor(),
                    audit_kind::RESOURCE_UPDATED,
                    &resource,
                )
                .with("fields", names);
                crate::audit::append(store, event).await;
            }
            ResourceCommand::Delete { resource } => {
                crate::builtin::guard_resource(store, &resource).await?;
                manage::resources::delete(store, &resource).await?;
                let event = crate::audit::resource_changed(
                    &cli_actor(),
                    audit_kind::RESOURCE_DELETED,
                    &resource,
                );
                crate::audit::append(store, event).await;
                println!("deleted resource {resource}");
            }
        },
        Command::User(cmd) => match cmd {
            UserCommand::Create {
                username,
                password,
                claims,
                role,
            } => {
                let mut body = serde_json::Map::new();
                body.insert("username".into(), json!(username));
                if let Some(p) = password.read().map_err(Failed::Usage)? {
                    body.insert("password".into(), json!(p));
                }
                if let Some(c) = claims {
                    body.insert("claims".into(), parse_json_object("--claims", &c)?);
                }
                if !role.is_empty() {
                    body.insert("roles".into(), roles_arg(&role)?);
                }
                let fields = body.keys().cloned().collect();
                let created = manage::users::create(store, &secrets, Value::Object(body)).await?;
                let sub = created
                    .get("sub")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                audit_user(store, ADMIN_USER_CREATED, sub, fields).await;
                if let Some(event) = manage::users::roles_event(&cli_actor(), None, &created, &[]) {
                    crate::audit::append(store, event).await;
                }
                crate::mail::verify_new_user(&config, store, &secrets, &created).await;
                print(&created);
            }
            UserCommand::List {
                search,
                after,
                limit,
            } => {
                use manage::users::{SEARCH_DEFAULT, SEARCH_MAX, UserQuery};
                let query = match (&search, &after, limit) {
                    (None, None, None) => None,
                    _ => Some(UserQuery {
                        text: search.unwrap_or_default(),
                        after,
                        limit: match limit.unwrap_or(SEARCH_DEFAULT) {
                            n @ 1..=SEARCH_MAX => n,
                            n => {
                                return Err(Failed::Usage(format!(
                                    "--limit must be from 1 to {SEARCH_MAX}, not {n}"
                                )));
                            }
                        },
                    }),
                };
                print(&manage::users::find(store, query.as_ref()).await?);
            }
            UserCommand::Show { user } => print(
                &manage::users::describe(store, &manage::users::get(store, &user).await?).await?,
            ),
            UserCommand::Update {
                user,
                username,
                claims,
                identity_confidence,
                totp_secret,
                totp_secret_stdin,
                remove_totp,
                lock,
                unlock,
                role,
            } => {
                let mut body = serde_json::Map::new();
                if let Some(u) = username {
                    body.insert("username".into(), json!(u));
                }
                if let Some(c) = claims {
                    body.insert("claims".into(), parse_json_object("--claims", &c)?);
                }
                if let Some(level) = identity_confidence {
                    body.insert("identity_confidence".into(), json!(level));
                }
                let totp_secret = if totp_secret_stdin {
                    Some(read_stdin().map_err(Failed::Usage)?)
                } else {
                    totp_secret
                };
                if let Some(key) = totp_secret {
                    body.insert("totp_secret".into(), json!(key));
                }
                if remove_totp {
                    body.insert("totp_secret".into(), Value::Null);
                }
                if lock || unlock {
                    body.insert("locked".into(), json!(lock));
                }
                let previous = match role.is_empty() {
                    true => None,
                    false => {
                        body.insert("roles".into(), roles_arg(&role)?);
                        let sub = manage::users::get(store, &user).await?.sub;
                        Some(manage::users::roles_of(store, &sub).await?)
                    }
                };
                let fields = body.keys().cloned().collect();
                let updated =
                    manage::users::update(store, &secrets, &user, Value::Object(body)).await?;
                let sub = updated
                    .get("sub")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                audit_user(store, ADMIN_USER_UPDATED, sub, fields).await;
                if let Some(previous) = previous
                    && let Some(event) =
                        manage::users::roles_event(&cli_actor(), None, &updated, &previous)
                {
                    crate::audit::append(store, event).await;
                }
                print(&updated);
            }
            UserCommand::Delete { user } => {
                let sub = manage::users::get(store, &user).await?.sub;
                manage::users::delete(store, &sub).await?;
                audit_user(store, ADMIN_USER_DELETED, &sub, Vec::new()).await;
                println!("deleted user {user}");
            }
            UserCommand::SetPassword { user, password } => {
                let Some(p) = password.read().map_err(Failed::Usage)? else {
                    return Err(Failed::Usage("give --password or --password-stdin".into()));
                };
                let sub = manage::users::get(store, &user).await?.sub;
                manage::users::set_password(store, &secrets, &sub, p).await?;
                audit_user(store, ADMIN_USER_UPDATED, &sub, vec!["password".into()]).await;
                println!("password set for {user}");
            }
            UserCommand::Passkeys(PasskeysCommand::List { user }) => {
                print(&manage::passkeys::list(store, &user).await?)
            }
            UserCommand::ResetPassword { user } => {
                let (found, to) =
                    manage::users::send_reset_mail(&config, store, &secrets, &user).await?;
                let event = latchkey_core::audit::AuditEvent::new(
                    &cli_actor(),
                    audit_kind::RECOVERY_REQUESTED,
                    format!("user:{}", found.sub),
                )
                .with("lang", crate::mail::lang_of(&found).tag());
                crate::audit::append(store, event).await;
                print(&json!({"sub": found.sub, "sent_to": to}));
            }
            UserCommand::Sessions(SessionsCommand::List { user }) => {
                print(&json!(manage::users::sessions(store, &user).await?))
            }
            UserCommand::Sessions(SessionsCommand::End { user, sid, all: _ }) => {
                let sub = manage::users::get(store, &user).await?.sub;
                let horizon = crate::backchannel::horizon(&config, latchkey_core::now_unix());
                let event = latchkey_core::audit::AuditEvent::new(
                    &cli_actor(),
                    audit_kind::ADMIN_SESSIONS_ENDED,
                    format!("user:{sub}"),
                );
                let event = match sid {
                    Some(sid) => {
                        manage::users::end_session(store, &sub, &sid, horizon).await?;
                        println!("ended session {sid} of user {user}");
                        event.with("sid", sid)
                    }
                    None => {
                        let (ended, _) = manage::users::end_sessions(store, &sub, horizon).await?;
                        print(&json!({"sub": sub, "sessions_ended": ended}));
                        event.with("sessions_ended", ended)
                    }
                };
                crate::audit::append(store, event).await;
            }
            UserCommand::Passkeys(PasskeysCommand::Remove { user, id }) => {
                let actor = latchkey_core::audit::Actor::Admin("cli".into());
                manage::passkeys::remove(store, &user, &id, &actor, None).await?;
                println!("removed passkey {id} of user {user}");
            }
        },
        Command::Try {
            client_id,
            secret_stdin,
            redirect_uri,
            scope,
            wait,
        } => {
            let client = manage::clients::get(store, &client_id).await?;
            let secret = if secret_stdin {
                Some(read_stdin().map_err(Failed::Usage)?)
            } else {
                None
            };
            let opts = crate::try_sign_in::Options {
                issuer: config.issuer.clone(),
                client,
                secret,
                redirect_uri,
                scope,
                wait: std::time::Duration::from_secs(wait),
            };
            match crate::try_sign_in::run(opts).await {
                Ok(result) => print(&result),
                Err(why) => return Err(Failed::Start(crate::server::StartError(why))),
            }
        }
        Command::Keys(cmd) => match cmd {
            KeysCommand::List => {
                manage::keys::ensure(store, &secrets).await?;
                print(&manage::keys::list(store).await?);
            }
            KeysCommand::Rotate { alg } => {
                let algs = manage::keys::algorithms(alg.as_deref()).map_err(|_| {
                    Failed::Usage(format!(
                        "--alg is all, ES256 or RS256, not {}",
                        alg.as_deref().unwrap_or_default()
                    ))
                })?;
                manage::keys::ensure(store, &secrets).await?;
                let new =
                    manage::keys::rotate(store, &secrets, &algs, config.access_token_ttl).await?;
                crate::audit::append(store, crate::audit::keys_rotated(&cli_actor(), &new)).await;
                let now = latchkey_core::now_unix();
                print(&manage::keys::rotated(&new, now));
            }
        },
        Command::Audit(AuditCommand::List {
            actor,
            target,
            kind,
            before,
            limit,
            json,
        }) => {
            use latchkey_core::audit::{AuditQuery, PAGE_MAX};
            if !(1..=PAGE_MAX).contains(&limit) {
                return Err(Failed::Usage(format!(
                    "--limit must be from 1 to {PAGE_MAX}, not {limit}"
                )));
            }
            let query = AuditQuery {
                actor,
                target,
                kind,
                before,
                limit,
            };
            let events = store.list_audit(&query).await.map_err(Occurrence::from)?;
            let next = (events.len() as i64 == limit)
                .then(|| events.last().map(|e| e.id))
                .flatten();
            if json {
                print(&json!({ "events": events, "next": next }));
            } else {
                out(&audit_table(&events, next));
            }
        }
        Command::Serve
        | Command::Migrate
        | Command::Errors(_)
        | Command::Settings(_)
        | Command::Admin(_)
        | Command::Completions { .. }
        | Command::Man { .. } => {}
    }
    Ok(())
}

/// The CLI as the audit trail names it.
fn cli_actor() -> latchkey_core::audit::Actor {
    latchkey_core::audit::Actor::Admin("cli".into())
}

/// `--role` values as the `roles` attribute: `none` alone is no role.
fn roles_arg(values: &[String]) -> Result<Value, Failed> {
    if values.iter().any(|v| v == "none") {
        if values.len() > 1 {
            return Err(Failed::Usage(
                "--role none removes every role; give it alone".into(),
            ));
        }
        return Ok(json!([]));
    }
    Ok(json!(values))
}

async fn audit_user(
    store: &dyn latchkey_core::store::Store,
    kind: &str,
    sub: &str,
    fields: Vec<String>,
) {
    let mut event =
        latchkey_core::audit::AuditEvent::new(&cli_actor(), kind, format!("user:{sub}"));
    if !fields.is_empty() {
        event = event.with("fields", fields);
    }
    crate::audit::append(store, event).await;
}

/// Update a client and record what changed in the audit trail.
async fn update_client(
    store: &dyn latchkey_core::store::Store,
    secrets: &latchkey_core::crypto::Secrets,
    fetcher: &crate::http::fetch::Fetcher,
    limits: latchkey_core::client::ServerLimits,
    client_id: &str,
    change: Value,
) -> Result<Value, Failed> {
    crate::builtin::guard_client(client_id)?;
    let fields = change
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let was_active = manage::clients::get(store, client_id).await?.active;
    let updated =
        manage::clients::update(store, secrets, fetcher, limits, client_id, change).await?;
    let events = crate::audit::client_updated(&cli_actor(), None, was_active, fields, &updated);
    crate::audit::append_all(store, events).await;
    Ok(updated)
}

/// The audit trail as a table: time (UTC), outcome, kind, actor, target,
/// address, detail; then how to ask for the next page.
fn audit_table(events: &[latchkey_core::audit::AuditRecord], next: Option<i64>) -> String {
    let when = |at: i64| {
        time::OffsetDateTime::from_unix_timestamp(at)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| at.to_string())
    };
    let rows: Vec<Vec<String>> = events
        .iter()
        .map(|r| {
            let e = &r.event;
            [
                r.id.to_string(),
                when(e.at),
                e.outcome.as_str().to_string(),
                e.kind.clone(),
                e.actor.clone(),
                e.target.clone(),
                e.address.clone().unwrap_or_else(|| "-".into()),
                e.detail.to_string(),
            ]
            .to_vec()
        })
        .collect();
    let header = [
        "ID", "AT", "OUTCOME", "KIND", "ACTOR", "TARGET", "ADDRESS", "DETAIL",
    ];
    let mut text = table(&header, &rows);
    if let Some(next) = next {
        text.push_str(&format!("more: --before {next}\n"));
    }
    text
}

/// Columns padded to their widest cell, the last one as it is.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        text.push('\n');
        text
    };
    let mut text = line(header.to_vec());
    for row in rows {
        text.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    text
}

/// `errors counts` as a table: a row per cause, most frequent first, with
/// its count per bucket, oldest first.
fn counts_table(counts: &manage::errors::Counts) -> String {
    use manage::errors::Span;
    let span = match counts.span {
        Span::Day => "the last 24 hours, by hour (UTC)",
        Span::Week => "the last 7 days, by day (UTC)",
    };
    if counts.causes.is_empty() {
        return format!("no errors were kept over {span}\n");
    }
    let rows: Vec<Vec<String>> = counts
        .causes
        .iter()
        .map(|c| {
            let per_bucket: Vec<String> = c.per_bucket.iter().map(i64::to_string).collect();
            vec![
                c.total.to_string(),
                c.code.clone(),
                c.cause.clone(),
                per_bucket.join(" "),
            ]
        })
        .collect();
    format!(
        "errors over {span}\n{}",
        table(
            &["TOTAL", "CODE", "CAUSE", "PER BUCKET (OLDEST FIRST)"],
            &rows
        )
    )
}

/// An error reference (`error_id`): a UUID, as every answer and page shows.
fn is_error_reference(text: &str) -> bool {
    uuid::Uuid::parse_str(text.trim()).is_ok()
}

/// What happened under an error reference, from the occurrences this
/// deployment keeps, then what its cause means and how to fix it.
async fn explain_occurrence(
    store: &dyn latchkey_core::store::Store,
    reference: &str,
    issuer: &str,
) -> Result<(), Failed> {
    let reference = reference.trim().to_ascii_lowercase();
    let Some(record) = store
        .get_error(&reference)
        .await
        .map_err(Occurrence::from)?
    else {
        return Err(Failed::Start(crate::server::StartError(format!(
            "no error with the reference {reference} is kept in this database: it happened on another deployment, or longer ago than occurrences are kept"
        ))));
    };
    let when = time::OffsetDateTime::from_unix_timestamp(record.created_at)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| record.created_at.to_string());
    let mut text = format!(
        "error reference {reference}\n  when:        {when}\n  endpoint:    {}\n  client:      {}\n  answered:    {} {} (cause {})\n  description: {}\n",
        record.endpoint,
        record.client_id.as_deref().unwrap_or("(not known)"),
        record.status,
        record.code,
        record.cause,
        record.description,
    );
    if let Some(debug) = &record.debug {
        text.push_str(&format!("  detail:      {debug}\n"));
    }
    text.push_str(&format!(
        "  docs:        {}/errors/{}#{}\n\n",
        issuer.trim_end_matches('/'),
        record.code,
        record.cause
    ));
    if let Ok(explained) = latchkey_core::error::docs::explain_at(&record.cause, issuer) {
        text.push_str(&explained);
        text.push('\n');
    }
    out(&text);
    Ok(())
}

/// The errors commands that need no database; `None` for those that read
/// it (an error reference to explain, the counts), run with the settings.
fn errors_command(cmd: &ErrorsCommand, config_file: Option<&std::path::Path>) -> Option<ExitCode> {
    use latchkey_core::error::docs;
    Some(match cmd {
        ErrorsCommand::Explain { what } if is_error_reference(what) => return None,
        ErrorsCommand::Counts { .. } => return None,
        ErrorsCommand::List => {
            let mut text = String::new();
            for code in latchkey_core::ErrorCode::ALL {
                text.push_str(&format!("{} ({})\n", code.as_str(), code.status()));
                for cause in docs::causes_of(*code) {
                    text.push_str(&format!(
                        "  {:<36} {} {}\n",
                        cause.id, cause.status, cause.summary
                    ));
                }
            }
            out(&text);
            ExitCode::SUCCESS
        }
        ErrorsCommand::Explain { what } => {
            let issuer = crate::config::issuer_for_links(config_file);
            match docs::explain_at(what, &issuer) {
                Ok(text) => {
                    out(&format!("{text}\n"));
                    ExitCode::SUCCESS
                }
                Err(text) => {
                    eprintln!("{text}");
                    ExitCode::FAILURE
                }
            }
        }
        ErrorsCommand::Docs => {
            out(&docs::markdown());
            ExitCode::SUCCESS
        }
    })
}

fn man_command(dir: Option<&std::path::Path>) -> ExitCode {
    let done = match dir {
        None => crate::manual::page().map(|page| out(&page)),
        Some(dir) => crate::manual::write_pages(dir).map(|files| {
            for file in files {
                out(&format!("{}\n", file.display()));
            }
        }),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("latchkey: {message}");
            ExitCode::FAILURE
        }
    }
}

fn settings_command(cmd: &SettingsCommand) -> ExitCode {
    let SettingsCommand::Docs { readme } = cmd;
    let table = crate::config::markdown();
    let Some(path) = readme else {
        out(&table);
        return ExitCode::SUCCESS;
    };
    let replaced = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
        .and_then(|text| {
            crate::config::replace_in_readme(&text, &table).ok_or_else(|| {
                format!(
                    "{} has no settings table between {} and {}",
                    path.display(),
                    crate::config::settings::BEGIN,
                    crate::config::settings::END
                )
            })
        })
        .and_then(|text| {
            std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
        });
    match replaced {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("latchkey: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat, serving: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if serving { "info" } else { "warn" };
    let filter =
        EnvFilter::try_from_env("LATCHKEY_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
