//! Dynamic client registration (RFC 7591) and its management protocol
//! (RFC 7592): what a request may ask for, the registration access token,
//! and the client information response. No HTTP, no SQL.
//!
//! Choices where the RFCs leave room:
//! - Unknown metadata is ignored and not stored (RFC 7591 §2: the server
//!   MUST ignore metadata it does not understand). Fields the server
//!   controls (`client_id`, `client_secret`, ...) are ignored on
//!   registration: the server issues them.
//! - No software statement is trusted: a statement that is not a signed
//!   compact JWS is `invalid_software_statement`, a well-formed one is
//!   `software_statement_unapproved`. Ignoring it instead would register
//!   metadata other than what its issuer vouched for (§2.3 says the
//!   statement's values win).
//! - A token exchange policy (`token_exchange`) is the operator's, refused
//!   here like `skip_consent`.
//! - A dynamically registered client is never first-party: `skip_consent`
//!   set to true is refused, so consent is always asked.
//! - Scopes and grant types are held to the operator's sets ([`Allowed`]:
//!   `registration.allowed_scopes`, `registration.allowed_grant_types`).
//!   Values outside them are refused, naming them, rather than dropped
//!   (RFC 7591 §3.2.1 allows either): a client never holds less than its
//!   registration says. No `scope` means every OpenID scope, so it is
//!   refused too when the operator did not allow all of them. Clients the
//!   operator creates (admin API, CLI) are not held to these sets.
//! - An update (RFC 7592 §2.2) replaces the metadata and does not rotate
//!   the client secret; `client_secret`, when sent, must be the current one.
//! - The registration access token is not rotated; it lives as long as the
//!   client. It is 256 random bits bound to the client_id by a keyed MAC,
//!   and stored only as a keyed hash.

use crate::Occurrence;
use crate::authorize::STANDARD_SCOPES;
use crate::catalogue::{
    INVALID_CLIENT_METADATA, INVALID_SOFTWARE_STATEMENT, REGISTRATION_ACCESS_TOKEN_INVALID,
    REGISTRATION_CLIENT_UNKNOWN, REGISTRATION_GRANT_TYPE_NOT_ALLOWED,
    REGISTRATION_SCOPE_NOT_ALLOWED, SOFTWARE_STATEMENT_UNAPPROVED,
};
use crate::client::{ClientMetadata, ClientRecord};
use crate::crypto::{CryptoError, Secrets, b64url_decode, random_token};
use crate::store::ClientStore;
use serde_json::{Map, Value, json};

/// `registration.mode`: who may register clients at `/register`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `/register` and the registration client URIs answer as not enabled.
    Off,
    /// Registration needs the initial access token `registration.token`.
    Token,
    /// Anyone may register.
    Open,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "off" => Some(Mode::Off),
            "token" => Some(Mode::Token),
            "open" => Some(Mode::Open),
            _ => None,
        }
    }
}

/// The grant types registered clients may use unless the operator says
/// otherwise: no `client_credentials`, which would let anyone who can
/// register obtain tokens without a user.
pub const DEFAULT_ALLOWED_GRANT_TYPES: &[&str] = &["authorization_code", "refresh_token"];

/// What a dynamically registered client may hold: the operator's sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// `registration.allowed_scopes`.
    pub scopes: Vec<String>,
    /// `registration.allowed_grant_types`.
    pub grant_types: Vec<String>,
}

impl Default for Allowed {
    /// The OpenID scopes, and the grants that need a user.
    fn default() -> Self {
        Allowed {
            scopes: STANDARD_SCOPES.iter().map(|s| s.to_string()).collect(),
            grant_types: DEFAULT_ALLOWED_GRANT_TYPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

impl Allowed {
    /// Refuse metadata outside the sets. Every refused value is named; the
    /// grant types decide the cause when both are at fault.
    fn check(&self, metadata: &ClientMetadata) -> Result<(), Occurrence> {
        let outside = |values: Vec<&str>, set: &[String]| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for v in values {
                if !set.iter().any(|a| a == v) && !out.iter().any(|o| o == v) {
                    out.push(v.to_string());
                }
            }
            out
        };
        let mut problems: Vec<(&'static crate::Cause, &str, String)> = Vec::new();
        let grants = outside(
            metadata.grant_types.iter().map(String::as_str).collect(),
            &self.grant_types,
        );
        if !grants.is_empty() {
            problems.push((
                &REGISTRATION_GRANT_TYPE_NOT_ALLOWED,
                "grant_types",
                format!(
                    "{} not allowed for registered clients on this server (allowed: {})",
                    grants.join(", "),
                    self.grant_types.join(" ")
                ),
            ));
        }
        match &metadata.scope {
            Some(scope) => {
                let scopes = outside(scope.split(' ').collect(), &self.scopes);
                if !scopes.is_empty() {
                    problems.push((
                        &REGISTRATION_SCOPE_NOT_ALLOWED,
                        "scope",
                        format!(
                            "{} not allowed for registered clients on this server (allowed: {})",
                            scopes.join(", "),
                            self.scopes.join(" ")
                        ),
                    ));
                }
            }
            // A client without `scope` may ask for every OpenID scope.
            None if !STANDARD_SCOPES
                .iter()
                .all(|s| self.scopes.iter().any(|a| a == s)) =>
            {
                problems.push((
                    &REGISTRATION_SCOPE_NOT_ALLOWED,
                    "scope",
                    format!(
                        "required on this server: name the scopes the client needs, from {}",
                        self.scopes.join(" ")
                    ),
                ));
            }
            None => {}
        }
        let Some((cause, _, _)) = problems.first() else {
            return Ok(());
        };
        let detail = problems
            .iter()
            .map(|(_, field, msg)| format!("{field}: {msg}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut occ = cause.with_detail(detail);
        for (_, field, msg) in problems {
            occ = occ.field(field, msg);
        }
        Err(occ)
    }
}

/// Response fields the server sets: RFC 7592 §2.2 forbids sending them
/// back in an update.
const SERVER_FIELDS: &[&str] = &[
    "registration_access_token",
    "registration_client_uri",
    "client_secret_expires_at",
    "client_id_issued_at",
];

/// A checked registration or update request.
#[derive(Debug)]
pub struct Requested {
    pub metadata: ClientMetadata,
    /// Only in an update: the secret the client echoed, to be compared
    /// with the current one by the caller (it holds the hash).
    pub client_secret: Option<crate::secret::Secret<String>>,
}

/// `POST /register` (RFC 7591 §3.1): the metadata to register.
pub fn register_request(body: Value, allowed: &Allowed) -> Result<Requested, Occurrence> {
    let mut body = object(body)?;
    for ignored in ["client_id", "client_secret"].iter().chain(SERVER_FIELDS) {
        body.remove(*ignored);
    }
    Ok(Requested {
        metadata: metadata_of(body, allowed)?,
        client_secret: None,
    })
}

/// `PUT /register/{client_id}` (RFC 7592 §2.2): the full new metadata.
pub fn update_request(
    body: Value,
    client_id: &str,
    allowed: &Allowed,
) -> Result<Requested, Occurrence> {
    let mut body = object(body)?;
    for field in SERVER_FIELDS {
        if body.contains_key(*field) {
            return Err(INVALID_CLIENT_METADATA
                .with_detail(format!(
                    "{field} is set by the server and must not be sent in an update (RFC 7592 2.2)"
                ))
                .field(*field, "must not be sent in an update"));
        }
    }
    match body.remove("client_id") {
        Some(Value::String(id)) if id == client_id => {}
        Some(Value::String(_)) => {
            return Err(INVALID_CLIENT_METADATA
                .with_detail("client_id must be the client_id of this registration")
                .field("client_id", "differs from the registration's client_id"));
        }
        _ => {
            return Err(INVALID_CLIENT_METADATA
                .with_detail("an update must include the client_id as a string (RFC 7592 2.2)")
                .field("client_id", "required"));
        }
    }
    let client_secret = match body.remove("client_secret") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.into()),
        Some(_) => {
            return Err(INVALID_CLIENT_METADATA
                .with_detail("client_secret must be a string")
                .field("client_secret", "must be a string"));
        }
    };
    Ok(Requested {
        metadata: metadata_of(body, allowed)?,
        client_secret,
    })
}

fn object(body: Value) -> Result<Map<String, Value>, Occurrence> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(INVALID_CLIENT_METADATA.with_detail("the body must be a JSON object")),
    }
}

/// The shared metadata rules, plus what only dynamic registration refuses.
fn metadata_of(
    mut body: Map<String, Value>,
    allowed: &Allowed,
) -> Result<ClientMetadata, Occurrence> {
    if let Some(statement) = body.remove("software_statement") {
        return Err(software_statement(&statement));
    }
    match body.remove("skip_consent") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(_) => {
            return Err(INVALID_CLIENT_METADATA
                .with_detail("skip_consent: a dynamically registered client is never first-party; users are always asked for consent")
                .field("skip_consent", "not available through dynamic registration"));
        }
    }
    // Whose tokens a client may exchange, and for which APIs, is the
    // operator's to say, never the client's own.
    match body.remove("token_exchange") {
        None | Some(Value::Null) => {}
        Some(_) => {
            return Err(INVALID_CLIENT_METADATA
                .with_detail("token_exchange: a token exchange policy is set by the operator (admin API or CLI), not through dynamic registration")
                .field("token_exchange", "not available through dynamic registration"));
        }
    }
    let metadata = ClientMetadata::from_json(&Value::Object(body))?;
    metadata.validate()?;
    allowed.check(&metadata)?;
    Ok(metadata)
}

/// Why a software statement is refused (this server trusts no issuer).
fn software_statement(statement: &Value) -> Occurrence {
    match statement.as_str() {
        Some(jws) if is_signed_jws(jws) => SOFTWARE_STATEMENT_UNAPPROVED
            .with_detail("this server trusts no software statement issuer"),
        Some(_) => INVALID_SOFTWARE_STATEMENT.with_detail(
            "expected a compact JWS: header.payload.signature, signed (alg other than none)",
        ),
        None => INVALID_SOFTWARE_STATEMENT.with_detail("software_statement must be a string"),
    }
}

/// A compact JWS whose header names a signing algorithm and whose payload
/// is a JSON object (RFC 7591 §2.3). The signature is not checked: no
/// issuer is trusted.
fn is_signed_jws(jws: &str) -> bool {
    let parts: Vec<&str> = jws.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return false;
    };
    let json_object = |part: &str| {
        b64url_decode(part)
            .and_then(|bytes| serde_json::from_slice::<Map<String, Value>>(&bytes).ok())
    };
    let signed = json_object(header)
        .and_then(|h| h.get("alg").and_then(Value::as_str).map(str::to_string))
        .is_some_and(|alg| !alg.is_empty() && alg != "none");
    signed && json_object(payload).is_some() && !signature.is_empty()
}

/// What the MAC of a registration access token covers: its random part
/// and the client it was issued to.
fn mac_input(client_id: &str, random: &str) -> String {
    format!("registration_access_token\n{client_id}\n{random}")
}

/// A new registration access token for `client_id`: 256 random bits and
/// a MAC over them and the client_id. The MAC lets a token of a deleted
/// client be told apart from a guess without keeping anything, so the
/// answer for an unknown client reveals nothing to someone without a token.
pub fn mint_access_token(secrets: &Secrets, client_id: &str) -> Result<String, CryptoError> {
    let random = random_token()?;
    let mac = secrets.hash(&mac_input(client_id, &random));
    Ok(format!("{random}.{mac}"))
}

/// Whether `token` was minted by this server for `client_id` (the MAC
/// is itself a keyed hash, so `verify` compares it in constant time).
fn minted_for(secrets: &Secrets, client_id: &str, token: &str) -> bool {
    token
        .split_once('.')
        .is_some_and(|(random, mac)| secrets.verify(&mac_input(client_id, random), mac))
}

/// RFC 7592 §2 and §3: the client a registration access token opens.
/// A wrong token gets `registration_access_token_invalid` whether or not
/// the client exists (no existence oracle); a token this server minted for
/// a client that is gone gets `registration_client_unknown`. Both are 401.
pub async fn authenticate(
    store: &dyn ClientStore,
    secrets: &Secrets,
    client_id: &str,
    token: &str,
) -> Result<ClientRecord, Occurrence> {
    let Some(client) = store.get_client(client_id).await? else {
        if minted_for(secrets, client_id, token) {
            return Err(REGISTRATION_CLIENT_UNKNOWN
                .with_detail(format!("client_id {client_id}"))
                .client(client_id));
        }
        return Err(REGISTRATION_ACCESS_TOKEN_INVALID
            .occur()
            .debug(format!("no client {client_id}")));
    };
    let stored = store.get_registration_token_hash(client_id).await?;
    match stored {
        Some(hash) if secrets.verify(token, &hash) => Ok(client),
        Some(_) => Err(REGISTRATION_ACCESS_TOKEN_INVALID.occur().client(client_id)),
        None => Err(REGISTRATION_ACCESS_TOKEN_INVALID
            .occur()
            .debug("the client was not registered dynamically")
            .client(client_id)),
    }
}

/// `{issuer}/register/{client_id}`. Registered client_ids are base64url,
/// so they need no escaping in a path.
pub fn client_uri(issuer: &str, client_id: &str) -> String {
    format!("{issuer}/register/{client_id}")
}

/// The client information response (RFC 7591 §3.2.1, RFC 7592 §3): every
/// registered metadata field, the client_id, the secret only when it was
/// just issued (it is kept hashed), and the registration access token the
/// request carried or was issued.
pub fn response(
    record: &ClientRecord,
    new_secret: Option<&str>,
    access_token: &str,
    issuer: &str,
) -> Value {
    let mut out = match serde_json::to_value(&record.metadata) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    // Latchkey's own first-party flag is never set for these clients.
    out.remove("skip_consent");
    out.insert("client_id".into(), json!(record.client_id));
    out.insert("client_id_issued_at".into(), json!(record.created_at));
    if let Some(secret) = new_secret {
        out.insert("client_secret".into(), json!(secret));
    }
    if record.metadata.uses_secret() {
        out.insert("client_secret_expires_at".into(), json!(0));
    }
    out.insert("registration_access_token".into(), json!(access_token));
    out.insert(
        "registration_client_uri".into(),
        json!(client_uri(issuer, &record.client_id)),
    );
    Value::Object(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::catalogue::INVALID_REDIRECT_URI;
    use crate::catalogue::{REGISTRATION_GRANT_TYPE_NOT_ALLOWED, REGISTRATION_SCOPE_NOT_ALLOWED};
    use crate::crypto::b64url;
    use crate::secret::Secret;

    // The default sets, unless a test says otherwise.
    fn register_request(body: Value) -> Result<Requested, Occurrence> {
        super::register_request(body, &Allowed::default())
    }

    fn update_request(body: Value, client_id: &str) -> Result<Requested, Occurrence> {
        super::update_request(body, client_id, &Allowed::default())
    }

    #[test]
    fn scopes_and_grants_are_held_to_the_allowed_sets() {
        let cb = json!(["https://a.example/cb"]);
        let refused = |body: Value| register_request(body).unwrap_err();
        let e = refused(
            json!({"grant_types": ["client_credentials"], "scope": "admin payments:write"}),
        );
        assert!(e.is(&REGISTRATION_GRANT_TYPE_NOT_ALLOWED));
        let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["grant_types", "scope"]);
        let d = e.description();
        assert!(
            d.contains("client_credentials") && d.contains("admin, payments:write"),
            "{d}"
        );
        let e = refused(json!({"redirect_uris": cb, "scope": "openid admin admin"}));
        assert!(e.is(&REGISTRATION_SCOPE_NOT_ALLOWED));
        assert!(
            e.description().contains("scope: admin not allowed"),
            "{}",
            e.description()
        );
        // Within the defaults.
        for body in [
            json!({"redirect_uris": cb, "scope": "openid email"}),
            json!({"redirect_uris": cb}),
            json!({"redirect_uris": cb, "grant_types": ["authorization_code", "refresh_token"]}),
        ] {
            assert!(register_request(body).is_ok());
        }
        // Widened; and narrowed, where no scope would mean every OpenID scope.
        let wide = Allowed {
            scopes: vec!["openid".into(), "api:read".into()],
            grant_types: vec!["authorization_code".into(), "client_credentials".into()],
        };
        let ok = super::register_request(
            json!({"grant_types": ["client_credentials"], "scope": "api:read"}),
            &wide,
        );
        assert!(ok.is_ok());
        let e = super::register_request(json!({"redirect_uris": cb}), &wide).unwrap_err();
        assert!(e.is(&REGISTRATION_SCOPE_NOT_ALLOWED));
        let e = super::register_request(
            json!({"redirect_uris": cb, "grant_types": ["authorization_code", "refresh_token"], "scope": "openid"}),
            &wide,
        )
        .unwrap_err();
        assert!(e.is(&REGISTRATION_GRANT_TYPE_NOT_ALLOWED));
        // The device grant only when the operator allows it.
        let device = json!({"grant_types": [crate::device::GRANT_TYPE],
                            "token_endpoint_auth_method": "none", "scope": "openid"});
        let e = register_request(device.clone()).unwrap_err();
        assert!(e.is(&REGISTRATION_GRANT_TYPE_NOT_ALLOWED));
        let devices = Allowed {
            grant_types: vec![crate::device::GRANT_TYPE.into(), "refresh_token".into()],
            ..Allowed::default()
        };
        assert!(super::register_request(device, &devices).is_ok());
        // Updates too.
        let e = update_request(
            json!({"client_id": "c1", "redirect_uris": cb, "scope": "openid admin"}),
            "c1",
        )
        .unwrap_err();
        assert!(e.is(&REGISTRATION_SCOPE_NOT_ALLOWED));
        // The shared rules are judged first.
        let e = refused(
            json!({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"}),
        );
        assert!(e.is(&INVALID_CLIENT_METADATA));
    }

    fn jws(header: Value, payload: Value) -> String {
        format!(
            "{}.{}.c2ln",
            b64url(header.to_string().as_bytes()),
            b64url(payload.to_string().as_bytes())
        )
    }

    #[test]
    fn registration_ignores_server_fields_and_unknown_metadata() {
        let r = register_request(json!({
            "client_id": "mine", "client_secret": "chosen", "registration_access_token": "x",
            "redirect_uris": ["https://a.example/cb"], "frobnicate": true
        }))
        .unwrap();
        assert_eq!(r.metadata.redirect_uris, vec!["https://a.example/cb"]);
        assert!(r.client_secret.is_none());
    }

    #[test]
    fn shared_validation_applies() {
        let e = register_request(json!({"redirect_uris": ["http://a.example/cb"]})).unwrap_err();
        assert!(e.is(&INVALID_REDIRECT_URI));
        let e = register_request(
            json!({"grant_types": ["password"], "redirect_uris": ["https://a.example/cb"]}),
        )
        .unwrap_err();
        assert!(e.is(&INVALID_CLIENT_METADATA));
        let e = register_request(json!([1])).unwrap_err();
        assert!(e.is(&INVALID_CLIENT_METADATA));
    }

    #[test]
    fn never_first_party() {
        let e = register_request(
            json!({"redirect_uris": ["https://a.example/cb"], "skip_consent": true}),
        )
        .unwrap_err();
        assert!(e.is(&INVALID_CLIENT_METADATA));
        assert_eq!(e.fields[0].field, "skip_consent");
        let r = register_request(
            json!({"redirect_uris": ["https://a.example/cb"], "skip_consent": false}),
        )
        .unwrap();
        assert!(!r.metadata.skip_consent);
    }

    #[test]
    fn software_statements_are_refused_by_kind() {
        let base = json!({"redirect_uris": ["https://a.example/cb"]});
        let with = |s: Value| {
            let mut b = base.clone();
            b["software_statement"] = s;
            register_request(b).unwrap_err()
        };
        assert!(with(json!("not-a-jwt")).is(&INVALID_SOFTWARE_STATEMENT));
        assert!(with(json!(42)).is(&INVALID_SOFTWARE_STATEMENT));
        let unsigned = jws(json!({"alg": "none"}), json!({"software_id": "x"}));
        assert!(with(json!(unsigned)).is(&INVALID_SOFTWARE_STATEMENT));
        let signed = jws(json!({"alg": "RS256"}), json!({"software_id": "x"}));
        assert!(with(json!(signed)).is(&SOFTWARE_STATEMENT_UNAPPROVED));
    }

    #[test]
    fn updates_name_the_client_and_leave_server_fields_out() {
        let ok = update_request(
            json!({"client_id": "c1", "client_secret": "s", "redirect_uris": ["https://a.example/cb"]}),
            "c1",
        )
        .unwrap();
        assert_eq!(ok.client_secret.as_ref().map(Secret::expose_str), Some("s"));
        for body in [
            json!({"redirect_uris": ["https://a.example/cb"]}),
            json!({"client_id": "c2", "redirect_uris": ["https://a.example/cb"]}),
            json!({"client_id": "c1", "client_id_issued_at": 1, "redirect_uris": ["https://a.example/cb"]}),
            json!({"client_id": "c1", "registration_access_token": "t", "redirect_uris": ["https://a.example/cb"]}),
        ] {
            assert!(
                update_request(body, "c1")
                    .unwrap_err()
                    .is(&INVALID_CLIENT_METADATA)
            );
        }
    }

    #[test]
    fn access_tokens_are_bound_to_their_client() {
        let secrets = Secrets::new(&"k".repeat(32)).unwrap();
        let t = mint_access_token(&secrets, "c1").unwrap();
        assert!(minted_for(&secrets, "c1", &t));
        assert!(!minted_for(&secrets, "c2", &t));
        assert!(!minted_for(&secrets, "c1", "guess"));
        assert!(!minted_for(&secrets, "c1", &format!("{t}x")));
        let other = Secrets::new(&"j".repeat(32)).unwrap();
        assert!(!minted_for(&other, "c1", &t));
    }
}
