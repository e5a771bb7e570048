//! The OpenAPI 3.1 document of the admin API (`/admin/v1`), generated from
//! the handlers' `#[utoipa::path]` annotations and the types the answers
//! are serialized from, so it follows the code. Served at
//! `GET /admin/v1/openapi.json` and committed as `docs/admin-openapi.json`
//! (`latchkey admin openapi`).
//!
//! The handlers read request bodies as JSON themselves, to name the field
//! in each refusal; the request types here describe what they accept and
//! are not deserialized.

use super::admin;
#[cfg(test)]
use crate::manage;
use latchkey_core::client;
use serde_json::{Map, Value, json};
use std::sync::OnceLock;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Latchkey admin API",
        description = "Manage a Latchkey server's clients, resources, users, signing keys, audit trail and maintenance switch. Every refusal answers with the `AdminError` body; its `errorCode` is a cause of the error reference (`docs/errors.md`).",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        admin::clients::list_clients,
        admin::clients::create_client,
        admin::clients::show_client,
        admin::clients::update_client,
        admin::clients::delete_client,
        admin::clients::rotate_client_secret,
        admin::resources::list_resources,
        admin::resources::create_resource,
        admin::resources::show_resource,
        admin::resources::update_resource,
        admin::resources::delete_resource,
        admin::users::list_users,
        admin::users::create_user,
        admin::users::show_user,
        admin::users::update_user,
        admin::users::delete_user,
        admin::users::send_password_reset,
        admin::users::list_user_sessions,
        admin::users::end_user_sessions,
        admin::users::end_user_session,
        admin::users::list_passkeys,
        admin::users::delete_passkey,
        admin::keys::list_keys,
        admin::keys::rotate_keys,
        admin::errors::count_errors,
        admin::errors::show_error,
        admin::audit::list_audit,
        admin::maintenance::show_maintenance,
        admin::maintenance::set_maintenance,
        admin::openapi,
    ),
    components(schemas(latchkey_core::error::render::AdminErrorCause)),
    modifiers(&Bearer),
    tags(
        (name = "clients", description = "Registered clients (RFC 7591 metadata)"),
        (name = "resources", description = "Protected resources clients may name (RFC 8707)"),
        (name = "users", description = "Users, their sessions and passkeys"),
        (name = "keys", description = "Signing keys"),
        (name = "errors", description = "Error occurrences: one by the error_id an answer showed, and counts by code and cause over time"),
        (name = "audit", description = "The audit trail"),
        (name = "maintenance", description = "The maintenance switch of every node"),
        (name = "openapi", description = "This document"),
    )
)]
struct AdminApi;

/// The one security scheme: a bearer token.
struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "A bearer token (`Authorization: Bearer ...`) the server accepts for the admin API: \
                 `admin_token` (`LATCHKEY_ADMIN_TOKEN`) for every operation; \
                 `admin_readonly_token` (`LATCHKEY_ADMIN_READONLY_TOKEN`) for reads (GET and HEAD) \
                 only, a write with it is refused with 403 `request_forbidden`; \
                 or an administrator's access token from this server, for the resource \
                 `{issuer}/admin`: scope `admin` (held by users with the role `admin`) for every \
                 operation, `admin:read` (role `admin` or `auditor`) for reads. The role is checked \
                 on every call: 401 `admin_token_not_for_admin` or `admin_token_inactive`, \
                 403 `admin_scope_missing` or `admin_role_missing`. \
                 No token, or another one, is refused with 401 `request_unauthorized`.",
            ))
            .build();
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
        }
    }
}

/// The body of a client's creation or change: its metadata, plus the
/// members that are not metadata. Read-only members of an answer
/// (`client_id_issued_at`, `updated_at`, `client_secret_expires_at`,
/// `previous_secret_expires_at`, `warnings`) may be sent back and are
/// ignored, as are unknown members (RFC 7591 §2).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ClientWrite {
    #[serde(flatten)]
    metadata: client::ClientMetadata,
    /// On creation, the id to give (1 to 255 visible ASCII characters;
    /// generated when absent). On a change, the client's own id only.
    #[schema(min_length = 1, max_length = 255, pattern = "^[!-~]+$")]
    client_id: Option<String>,
    /// The secret to set (generated when absent and the authentication
    /// method uses one); refused for methods without a secret.
    client_secret: Option<String>,
    /// Switch the client on or off (created active).
    active: Option<bool>,
}

/// The optional body of a secret rotation. No other member is accepted.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SecretRotation {
    /// How long the previous secret keeps working, in seconds (at most 30
    /// days; absent or `null`: it stops at once).
    #[schema(minimum = 0, maximum = 2_592_000)]
    grace_seconds: Option<i64>,
}

/// The optional body of a key rotation. No other member is accepted.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct KeyRotation {
    /// `ES256` or `RS256` to rotate that algorithm only; `all` (or
    /// absent) for every one.
    #[schema(pattern = "^(all|ES256|RS256)$")]
    alg: Option<String>,
}

/// A resource to register. No other member is accepted, except
/// `created_at` and `updated_at`, ignored so that an answer can be sent
/// back as it came.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ResourceCreate {
    /// Its identifier: an absolute URI without a fragment (RFC 8707 §2),
    /// compared exactly.
    #[schema(format = "uri")]
    resource: String,
    /// Shown on the consent page: 1 to 200 characters once trimmed.
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// The scopes it accepts, space separated (RFC 6749 §3.3).
    scope: Option<String>,
    /// The client ids that may name it; empty (the default) allows every client.
    allowed_clients: Option<Vec<String>>,
    /// Ignored.
    created_at: Option<i64>,
    /// Ignored.
    updated_at: Option<i64>,
}

/// The attributes of a resource to change; the identifier stays (a
/// `resource` member must name it). No other member is accepted, except
/// `created_at` and `updated_at`, ignored.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ResourcePatch {
    /// The resource's own identifier only.
    #[schema(format = "uri")]
    resource: Option<String>,
    /// Shown on the consent page: 1 to 200 characters once trimmed.
    #[schema(min_length = 1, max_length = 200)]
    name: Option<String>,
    /// The scopes it accepts, space separated; empty for none.
    scope: Option<String>,
    /// The client ids that may name it; empty allows every client.
    allowed_clients: Option<Vec<String>>,
    /// Ignored.
    created_at: Option<i64>,
    /// Ignored.
    updated_at: Option<i64>,
}

/// `P0` to `P2` (RFC 8485): how well the user's identity was proved.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub enum IdentityConfidence {
    P0,
    P1,
    P2,
}

/// A user to create. No other member is accepted.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UserCreate {
    /// Unique; the name they sign in with.
    username: String,
    /// Their password (without one, the user signs in another way).
    password: Option<String>,
    /// Standard claims (OIDC Core §5.1): `email`, `email_verified`, `name`,
    /// ... but not `sub`, which the server assigns. A verified `email` must
    /// not be another user's.
    #[schema(value_type = Option<Object>)]
    claims: Option<Map<String, Value>>,
    /// `null` is `P0`.
    identity_confidence: Option<IdentityConfidence>,
    /// A TOTP key in base32, at least 128 bits (26 characters): set and
    /// confirmed at once. `null`: none.
    totp_secret: Option<String>,
    /// Roles to grant: `admin` (everything), `auditor` (reads only).
    #[schema(value_type = Option<Vec<crate::manage::users::Role>>)]
    roles: Option<Vec<String>>,
    /// Created locked out (no sign-in until unlocked).
    locked: Option<bool>,
}

/// The attributes of a user to change. No other member is accepted.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UserPatch {
    username: Option<String>,
    /// A new password.
    password: Option<String>,
    /// Merged into the user's claims; a claim set to `null` is removed.
    /// `sub` cannot be set.
    #[schema(value_type = Option<Object>)]
    claims: Option<Map<String, Value>>,
    /// `null` resets it to `P0`.
    identity_confidence: Option<IdentityConfidence>,
    /// A TOTP key in base32, at least 128 bits (26 characters), set and
    /// confirmed at once; `null` removes the second factor.
    totp_secret: Option<String>,
    /// The roles the user holds from now on; `[]` or `null` removes them.
    #[schema(value_type = Option<Vec<crate::manage::users::Role>>)]
    roles: Option<Vec<String>>,
    /// Lock the user out (ending their sessions and tokens) or let them in again.
    locked: Option<bool>,
}

/// The body of `PUT /maintenance`. Other members are ignored.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct MaintenanceSwitch {
    /// On or off, for every node.
    enabled: bool,
}

/// The document as generated, before its server is set.
fn generated() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(AdminApi::openapi()).unwrap_or_default();
        refine(&mut doc);
        doc
    })
}

/// The document with `server` (an absolute URL, or `/admin/v1`) as the
/// base of every path.
pub fn document(server: &str) -> Value {
    let mut doc = generated().clone();
    if let Some(map) = doc.as_object_mut() {
        map.insert("servers".into(), json!([{ "url": server }]));
    }
    doc
}

/// `docs/admin-openapi.json`: the document with the relative server
/// `/admin/v1`, pretty-printed, members in a stable order.
pub fn committed() -> String {
    let doc = document("/admin/v1");
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// The refusals every operation that takes the bearer token shares, as
/// the `Caller` extractor and the layers answer them: read (`GET`) or
/// write. Each annotation names only its own answers, and a 404 of its
/// own when it looks something up.
fn shared_refusals(read: bool) -> [(&'static str, Value); 4] {
    let error =
        json!({"application/json": {"schema": {"$ref": "#/components/schemas/AdminError"}}});
    let forbidden = match read {
        true => {
            "An access token without the scope `admin` or `admin:read` (`admin_scope_missing`), or whose user holds neither role `admin` nor `auditor` now (`admin_role_missing`)"
        }
        false => {
            "The read-only token cannot write (`request_forbidden`); an access token without the scope `admin` (`admin_scope_missing`), or whose user does not hold the role `admin` now (`admin_role_missing`)"
        }
    };
    [
        (
            "401",
            json!({
                "content": error,
                "description": "No bearer token, or one the admin API does not take (`request_unauthorized`); an access token that is not for `{issuer}/admin` (`admin_token_not_for_admin`) or no longer active (`admin_token_inactive`)",
                "headers": {"WWW-Authenticate": {"description": "Bearer realm=\"{issuer}\"", "schema": {"type": "string"}}},
            }),
        ),
        ("403", json!({"content": error, "description": forbidden})),
        (
            "404",
            json!({
                "content": error,
                "description": "The admin API is off (`admin_api_disabled`: no `admin_token`)",
            }),
        ),
        (
            "503",
            json!({
                "content": error,
                "description": "The database is not answering (`store_unavailable`) or the node is overloaded (`overloaded`): try again after `Retry-After`",
                "headers": {"Retry-After": {"schema": {"type": "string"}}},
            }),
        ),
    ]
}

/// Add the shared refusals to every guarded operation, where its own
/// annotation does not describe that status already.
fn add_shared_refusals(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for (method, op) in item.iter_mut() {
            let bearer = op
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            if !bearer {
                continue;
            }
            for (status, answer) in shared_refusals(method == "get") {
                responses.entry(status).or_insert(answer);
            }
        }
    }
}

/// What the derive cannot say: the refusals every guarded operation
/// shares, the body of a secret rotation may be left out, and the closed
/// sets of client metadata values, taken from the constants validation
/// uses.
fn refine(doc: &mut Value) {
    add_shared_refusals(doc);
    if let Some(Value::Object(body)) =
        doc.pointer_mut("/paths/~1clients~1{client_id}~1secret/post/requestBody")
    {
        body.insert("required".into(), json!(false));
    }
    if let Some(Value::Object(body)) = doc.pointer_mut("/paths/~1keys~1rotate/post/requestBody") {
        body.insert("required".into(), json!(false));
    }
    let strings = |values: &[&str]| values.iter().map(|v| json!(v)).collect::<Vec<_>>();
    let mut object_algs = vec![json!("none")];
    object_algs.extend(strings(client::REQUEST_OBJECT_ALGS));
    let closed: [(&str, Vec<Value>, bool); 10] = [
        ("grant_types", strings(client::GRANT_TYPES), true),
        ("response_types", strings(client::RESPONSE_TYPES), true),
        (
            "token_endpoint_auth_method",
            strings(client::AUTH_METHODS),
            false,
        ),
        (
            "token_endpoint_auth_signing_alg",
            strings(client::CLIENT_SIGNING_ALGS),
            false,
        ),
        (
            "id_token_signed_response_alg",
            strings(client::ID_TOKEN_ALGS),
            false,
        ),
        ("request_object_signing_alg", object_algs, false),
        (
            "authorization_signed_response_alg",
            strings(client::ID_TOKEN_ALGS),
            false,
        ),
        ("application_type", strings(&["web", "native"]), false),
        ("subject_type", strings(client::SUBJECT_TYPES), false),
        ("profile", strings(&[client::PROFILE_FAPI2]), false),
    ];
    let Some(metadata) = doc.pointer_mut("/components/schemas/ClientMetadata") else {
        return;
    };
    for (name, values, items) in closed {
        let Some(property) = property_mut(metadata, name) else {
            continue;
        };
        let target = match items {
            true => property.get_mut("items"),
            false => Some(property),
        };
        if let Some(Value::Object(schema)) = target {
            let mut values = values;
            if nullable(schema) {
                values.push(Value::Null);
            }
            schema.insert("enum".into(), Value::Array(values));
        }
    }
    // URLs, and the key set validation asks for. (`sector_identifier_uri`
    // is left without a format: it is fetched when a client is written, and
    // a fuzzer drawing real-looking URLs would reach out to the network.)
    for name in [
        "jwks_uri",
        "client_uri",
        "logo_uri",
        "policy_uri",
        "tos_uri",
        "backchannel_logout_uri",
    ] {
        if let Some(Value::Object(schema)) = property_mut(metadata, name) {
            schema.insert("format".into(), json!("uri"));
        }
    }
    for name in ["redirect_uris", "post_logout_redirect_uris", "request_uris"] {
        if let Some(Value::Object(items)) =
            property_mut(metadata, name).and_then(|p| p.get_mut("items"))
        {
            items.insert("format".into(), json!("uri"));
        }
    }
    if let Some(jwks) = property_mut(metadata, "jwks") {
        *jwks = json!({
            "type": ["object", "null"],
            "description": "The client's public keys, inline: a JSON Web Key Set (RFC 7517 §5). Not with jwks_uri",
            "properties": {"keys": {"type": "array", "items": {"type": "object"}}},
            "required": ["keys"],
        });
    }
    // The flattened encryption members, inlined: encryption is not
    // offered, so a value other than null is refused.
    let asked = client::Encryption {
        authorization_encrypted_response_alg: Some(String::new()),
        authorization_encrypted_response_enc: Some(String::new()),
        request_object_encryption_alg: Some(String::new()),
        request_object_encryption_enc: Some(String::new()),
        id_token_encrypted_response_alg: Some(String::new()),
        id_token_encrypted_response_enc: Some(String::new()),
        userinfo_encrypted_response_alg: Some(String::new()),
        userinfo_encrypted_response_enc: Some(String::new()),
    };
    let own = metadata
        .get_mut("allOf")
        .and_then(Value::as_array_mut)
        .and_then(|parts| parts.iter_mut().find(|p| p.get("properties").is_some()))
        .map(Value::take);
    if let Some(mut own) = own {
        if let Some(Value::Object(properties)) = own.get_mut("properties") {
            for name in asked.asked() {
                properties.insert(
                    name.into(),
                    json!({
                        "type": "null",
                        "description": "Refused unless null: encryption is not offered (discovery lists no encryption algorithms); responses and request objects are signed only",
                    }),
                );
            }
        }
        if let Some(description) = metadata.get("description").cloned()
            && let Value::Object(map) = &mut own
        {
            map.insert("description".into(), description);
        }
        *metadata = own;
    }
    // Unknown members are ignored (RFC 7591 §2).
    if let Value::Object(map) = metadata {
        map.insert("additionalProperties".into(), json!(true));
    }
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        schemas.remove("Encryption");
        if let Some(patch) = client_patch(schemas) {
            schemas.insert("ClientPatch".into(), patch);
        }
    }
    if let Some(Value::Object(body)) =
        doc.pointer_mut("/paths/~1clients~1{client_id}/patch/requestBody/content/application~1json")
    {
        body.insert(
            "schema".into(),
            json!({"$ref": "#/components/schemas/ClientPatch"}),
        );
    }
}

/// The body of a change to a client: the members of [`ClientWrite`], each
/// of which may also be `null` (the metadata's default again; for
/// `client_id`, `client_secret` and `active`, as if left out).
fn client_patch(schemas: &Map<String, Value>) -> Option<Value> {
    let mut properties = schemas
        .get("ClientMetadata")?
        .get("properties")?
        .as_object()?
        .clone();
    let write = schemas.get("ClientWrite")?.get("allOf")?.as_array()?;
    for part in write {
        if let Some(own) = part.get("properties").and_then(Value::as_object) {
            properties.extend(own.clone());
        }
    }
    for schema in properties.values_mut() {
        or_null(schema);
    }
    Some(json!({
        "type": "object",
        "description": "The members of a client to change (the body of a creation, ClientWrite): each replaces the stored one, and null restores its default. Unknown members are ignored (RFC 7591 §2), as are the read-only members of an answer.",
        "properties": properties,
        "additionalProperties": true,
    }))
}

/// Let `schema` also admit `null`.
fn or_null(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    match map.get_mut("type") {
        Some(Value::String(t)) if t == "null" => {}
        Some(Value::String(t)) => {
            let t = t.clone();
            map.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(types)) => {
            if !types.iter().any(|t| t == "null") {
                types.push(json!("null"));
            }
        }
        _ => {
            let has_null = map
                .get("oneOf")
                .and_then(Value::as_array)
                .is_some_and(|one| one.contains(&json!({"type": "null"})));
            if !has_null && (map.get("oneOf").is_some() || map.get("$ref").is_some()) {
                let inner = Value::Object(std::mem::take(map));
                map.insert("oneOf".into(), json!([{"type": "null"}, inner]));
            }
            return;
        }
    }
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}

/// A property of an object schema, or of any object in its `allOf`.
fn property_mut<'a>(schema: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    if schema.pointer(&format!("/properties/{name}")).is_some() {
        return schema.pointer_mut(&format!("/properties/{name}"));
    }
    let parts = schema.get_mut("allOf")?.as_array_mut()?;
    parts
        .iter_mut()
        .find_map(|part| part.get_mut("properties").and_then(|p| p.get_mut(name)))
}

/// Whether a schema's `type` admits `null`.
fn nullable(schema: &Map<String, Value>) -> bool {
    match schema.get("type") {
        Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use latchkey_core::client::{ClientMetadata, ClientRecord};

    #[test]
    fn every_route_is_described() {
        let doc = document("/admin/v1");
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(paths.len(), 19, "{:?}", paths.keys());
    }

    /// Every refusal references the one error shape; every operation but
    /// the document itself needs the bearer token.
    #[test]
    fn errors_have_one_shape_and_operations_a_token() {
        let doc = document("/admin/v1");
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (status, answer) in op["responses"].as_object().unwrap() {
                    if status.starts_with('4') || status.starts_with('5') {
                        assert_eq!(
                            answer.pointer("/content/application~1json/schema/$ref"),
                            Some(&json!("#/components/schemas/AdminError")),
                            "{method} {path} {status}"
                        );
                    }
                }
                let security = match path.as_str() {
                    "/openapi.json" => json!([{}]),
                    _ => json!([{"bearer": []}]),
                };
                assert_eq!(op["security"], security, "{method} {path}");
            }
        }
    }

    /// The body of a rotation may be left out, but is never `null` (the
    /// handler refuses it).
    #[test]
    fn rotation_body_is_optional_not_null() {
        let doc = document("/admin/v1");
        for (path, schema) in [
            ("/clients/{client_id}/secret", "SecretRotation"),
            ("/keys/rotate", "KeyRotation"),
        ] {
            let body = &doc["paths"][path]["post"]["requestBody"];
            assert_eq!(body["required"], false, "{path}");
            assert_eq!(
                body["content"]["application/json"]["schema"]["$ref"],
                format!("#/components/schemas/{schema}")
            );
        }
    }

    /// A change may set any member of a client to `null` (its default).
    #[test]
    fn a_client_change_admits_null_everywhere() {
        let doc = document("/admin/v1");
        let schemas = &doc["components"]["schemas"];
        let patch = schemas["ClientPatch"]["properties"].as_object().unwrap();
        for name in schemas["ClientMetadata"]["properties"]
            .as_object()
            .unwrap()
            .keys()
        {
            assert!(patch.contains_key(name), "{name}");
        }
        for name in ["client_id", "client_secret", "active"] {
            assert!(patch.contains_key(name), "{name}");
        }
        for (name, schema) in patch {
            let admits = match &schema["type"] {
                Value::Array(types) => types.contains(&json!("null")),
                Value::String(t) => t == "null",
                _ => schema["oneOf"]
                    .as_array()
                    .unwrap()
                    .contains(&json!({"type": "null"})),
            };
            assert!(admits, "{name}: {schema}");
            if let Some(values) = schema["enum"].as_array() {
                assert!(values.contains(&Value::Null), "{name}");
            }
        }
        assert_eq!(
            doc["paths"]["/clients/{client_id}"]["patch"]["requestBody"]["content"]["application/json"]
                ["schema"]["$ref"],
            "#/components/schemas/ClientPatch"
        );
    }

    /// The members of an object schema, following `allOf` and `$ref`.
    fn members(
        doc: &Value,
        schema: &Value,
        properties: &mut Vec<String>,
        required: &mut Vec<String>,
    ) {
        if let Some(target) = schema["$ref"].as_str() {
            let name = target.trim_start_matches("#/components/schemas/");
            return members(
                doc,
                &doc["components"]["schemas"][name],
                properties,
                required,
            );
        }
        for part in schema["allOf"].as_array().into_iter().flatten() {
            members(doc, part, properties, required);
        }
        properties.extend(
            schema["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k.clone()),
        );
        required.extend(
            schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|k| k.as_str().unwrap().to_string()),
        );
    }

    /// An answer holds only members its schema names, and every member it requires.
    fn assert_fits(name: &str, answer: &Value) {
        let doc = document("/admin/v1");
        let (mut properties, mut required) = (Vec::new(), Vec::new());
        members(
            &doc,
            &doc["components"]["schemas"][name],
            &mut properties,
            &mut required,
        );
        let answer = answer.as_object().unwrap();
        for key in answer.keys() {
            assert!(properties.contains(key), "{name} has no member {key}");
        }
        for key in &required {
            assert!(answer.contains_key(key), "{name} requires {key}");
        }
    }

    /// Every operation that takes the bearer token documents the refusals
    /// of a token: 401, and 403 (a person's token may lack the scope or the
    /// role for reads too, not only the read-only token for writes).
    #[test]
    fn every_guarded_operation_documents_both_refusals() {
        let doc = document("/admin/v1");
        let mut guarded = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let bearer = op["security"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
                if !bearer {
                    continue;
                }
                guarded += 1;
                for status in ["401", "403"] {
                    let described = op["responses"][status]["description"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{method} {path} lacks {status}"));
                    assert!(
                        described.contains("admin_"),
                        "{method} {path} {status}: {described}"
                    );
                }
            }
        }
        assert!(guarded >= 25, "{guarded}");
    }

    #[test]
    fn answers_fit_their_schemas() {
        let mut metadata = ClientMetadata {
            redirect_uris: vec!["https://app.example/cb".into()],
            scope: Some("openid".into()),
            client_name: Some("App".into()),
            ..ClientMetadata::default()
        };
        metadata.token_exchange = Some(Default::default());
        let record = ClientRecord {
            client_id: "app".into(),
            secret_hash: None,
            previous_secret: Some(latchkey_core::client::PreviousSecret {
                hash: String::new(),
                expires_at: i64::MAX,
            }),
            active: true,
            metadata,
            created_at: 1,
            updated_at: 2,
        };
        let mut view = manage::clients::ClientView::of(&record, Some("secret"));
        view.grace_seconds = Some(60);
        assert_fits("Client", &view.json());
        let error = latchkey_core::catalogue::INVALID_CLIENT_METADATA
            .with_detail("bad")
            .field("scope", "bad");
        let ctx = latchkey_core::error::render::RenderCtx {
            issuer: "https://id.example",
            extended_codes: false,
        };
        let body = latchkey_core::error::render::admin_body(&error, ctx);
        assert_fits("AdminError", &serde_json::to_value(body).unwrap());
    }
}
