//! Resource indicators (RFC 8707): which registered API an access token is
//! for. A client names resources at /authorize (or /par, or in a request
//! object); they are kept with the code and every refresh token of the
//! grant. At /token it names at most one, and the access token's `aud` is
//! that resource, its `scope` the granted scopes the resource accepts.
//!
//! Choices (RFC 8707 leaves policy to the server):
//! - A resource must be registered by the operator, character for
//!   character, and allow the client (an empty `allowed_clients` allows
//!   every client).
//! - When resources are named, each scope beyond the OpenID ones must be
//!   accepted by one of them; a scope none accepts is refused
//!   (`scope_not_accepted_by_resource`) rather than dropped, so a client
//!   never believes it holds what no token will carry.
//! - Tokens have one audience. A token request names at most one resource
//!   (§2.2); naming none, the token is for the first resource the
//!   authorization request named, the grant's own order, and the refresh
//!   token gets tokens for the others. A grant without resources issues
//!   tokens for this server, as before. This server (the issuer) is a
//!   resource of every user grant, accepting the OpenID scopes: naming it
//!   gets a token for /userinfo.
//! - At most [`MAX_PER_REQUEST`] resources in one authorization request.

use crate::Occurrence;
use crate::authorize::STANDARD_SCOPES;
use crate::authorize::params::RawParams;
use crate::catalogue::*;
use crate::resource_record::{ResourceRecord, check_identifier};
use crate::scope::Scope;
use crate::store::{ResourceStore, StoreResult};

/// The most resources one authorization request may name.
pub const MAX_PER_REQUEST: usize = 10;

/// The `resource` values of a request, in order, each once.
pub fn named(raw: &RawParams) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for v in raw.all("resource") {
        if !out.contains(&v) {
            out.push(v);
            if out.len() > MAX_PER_REQUEST {
                break;
            }
        }
    }
    out
}

/// The registered records of the well-formed `values` (the caller checks
/// the rest with [`check_named`]); none when there are too many.
pub async fn load(store: &dyn ResourceStore, values: &[&str]) -> StoreResult<Vec<ResourceRecord>> {
    let mut out = Vec::new();
    if values.len() > MAX_PER_REQUEST {
        return Ok(out);
    }
    for v in values {
        if check_identifier(v).is_ok()
            && let Some(record) = store.get_resource(v).await?
        {
            out.push(record);
        }
    }
    Ok(out)
}

/// The resources an authorization request names, checked against what the
/// store holds for them (`known`, from [`load`]): each well-formed,
/// registered and allowing `client_id`; and every requested scope beyond
/// the OpenID ones accepted by one of them.
pub fn check_named(
    values: &[&str],
    known: &[ResourceRecord],
    client_id: &str,
    scopes: &Scope,
) -> Result<Vec<String>, Occurrence> {
    if values.len() > MAX_PER_REQUEST {
        return Err(RESOURCE_TOO_MANY.with_detail(format!(
            "at most {MAX_PER_REQUEST} resources in one request"
        )));
    }
    let mut records = Vec::with_capacity(values.len());
    for v in values {
        check_identifier(v)?;
        let Some(record) = known.iter().find(|r| r.identifier == *v) else {
            return Err(RESOURCE_UNKNOWN.with_detail(format!("resource {v}")));
        };
        if !record.allows(client_id) {
            return Err(RESOURCE_CLIENT_NOT_ALLOWED
                .with_detail(format!("resource {v} for client_id {client_id}")));
        }
        records.push(record);
    }
    if !records.is_empty()
        && let Some(s) = scopes
            .iter()
            .find(|s| !STANDARD_SCOPES.contains(s) && !records.iter().any(|r| r.accepts(s)))
    {
        return Err(SCOPE_NOT_ACCEPTED_BY_RESOURCE.with_detail(format!("scope {s}")));
    }
    Ok(values.iter().map(|v| v.to_string()).collect())
}

/// What an access token is for: its audience and its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub aud: String,
    pub scope: String,
}

/// The one resource a token request names, if any: well-formed, and only
/// one (tokens have one audience, RFC 8707 §2.2).
pub fn named_at_token(params: &RawParams) -> Result<Option<&str>, Occurrence> {
    let values = named(params);
    match values[..] {
        [] => Ok(None),
        [one] => {
            check_identifier(one)?;
            Ok(Some(one))
        }
        _ => Err(RESOURCE_TOO_MANY
            .with_detail("name one resource per token request; tokens have one audience")),
    }
}

/// The target of a token from a user grant authorized for `granted`
/// resources: the one named at /token (which must be among them), else the
/// first granted; `None` for a grant without resources (a token for this
/// server). `scope` is the scope of these tokens; `strict` when the
/// request named it (then a scope the resource does not accept is refused
/// rather than left out).
pub async fn for_grant(
    store: &dyn ResourceStore,
    issuer: &str,
    client_id: &str,
    granted: &[String],
    named: Option<&str>,
    scope: &Scope,
    strict: bool,
) -> Result<Option<Target>, Occurrence> {
    if named == Some(issuer) {
        return Ok(Some(for_this_server(issuer, scope, strict)?));
    }
    check_granted(granted, named)?;
    let chosen = match named {
        Some(r) => r,
        None => match granted.first() {
            Some(first) => first.as_str(),
            None => return Ok(None),
        },
    };
    let record = registered(store, chosen, client_id).await?;
    Ok(Some(target(&record, scope, strict)?))
}

/// A token for this server, named as the resource of a user grant: it is
/// a resource of every grant, accepting the OpenID scopes (for /userinfo).
fn for_this_server(issuer: &str, scope: &Scope, strict: bool) -> Result<Target, Occurrence> {
    if strict && let Some(s) = scope.iter().find(|s| !STANDARD_SCOPES.contains(s)) {
        return Err(
            SCOPE_NOT_ACCEPTED_BY_RESOURCE.with_detail(format!("scope {s} for resource {issuer}"))
        );
    }
    let kept: Vec<&str> = scope
        .iter()
        .filter(|s| STANDARD_SCOPES.contains(s))
        .collect();
    Ok(Target {
        aud: issuer.to_string(),
        scope: kept.join(" "),
    })
}

/// A token request may name only a resource of its grant (RFC 8707 §2.2).
pub fn check_granted(granted: &[String], named: Option<&str>) -> Result<(), Occurrence> {
    match named {
        Some(r) if !granted.iter().any(|g| g == r) => {
            Err(RESOURCE_NOT_GRANTED.with_detail(format!("resource {r}")))
        }
        _ => Ok(()),
    }
}

/// The record of a resource `client_id` may still ask for.
pub async fn registered(
    store: &dyn ResourceStore,
    identifier: &str,
    client_id: &str,
) -> Result<ResourceRecord, Occurrence> {
    let Some(record) = store.get_resource(identifier).await? else {
        return Err(RESOURCE_UNKNOWN.with_detail(format!("resource {identifier}")));
    };
    if !record.allows(client_id) {
        return Err(RESOURCE_CLIENT_NOT_ALLOWED
            .with_detail(format!("resource {identifier} for client_id {client_id}")));
    }
    Ok(record)
}

/// A token for `record`: the scopes of `scope` it accepts (`strict`:
/// refusing one beyond the OpenID scopes that it does not accept).
pub fn target(record: &ResourceRecord, scope: &Scope, strict: bool) -> Result<Target, Occurrence> {
    if strict
        && let Some(s) = scope
            .iter()
            .find(|s| !STANDARD_SCOPES.contains(s) && !record.accepts(s))
    {
        return Err(SCOPE_NOT_ACCEPTED_BY_RESOURCE
            .with_detail(format!("scope {s} for resource {}", record.identifier)));
    }
    let kept: Vec<&str> = scope.iter().filter(|s| record.accepts(s)).collect();
    Ok(Target {
        aud: record.identifier.clone(),
        scope: kept.join(" "),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn api(id: &str, scopes: &[&str], clients: &[&str]) -> ResourceRecord {
        ResourceRecord {
            identifier: id.into(),
            name: "API".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            allowed_clients: clients.iter().map(|s| s.to_string()).collect(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn named_resources_are_registered_allowed_and_accept_the_scopes() {
        let known = [
            api("https://a.example/", &["a:read"], &[]),
            api("https://b.example/", &["b:read"], &["other"]),
        ];
        let scopes = Scope::split("openid a:read");
        let ok = check_named(&["https://a.example/"], &known, "c", &scopes).unwrap();
        assert_eq!(ok, ["https://a.example/"]);
        let cause = |values: &[&str], scopes: &str| {
            check_named(values, &known, "c", &Scope::split(scopes))
                .unwrap_err()
                .cause
                .id
        };
        assert_eq!(cause(&["https://c.example/"], "openid"), "resource_unknown");
        assert_eq!(
            cause(&["https://b.example/"], "openid"),
            "resource_client_not_allowed"
        );
        assert_eq!(cause(&["/a"], "openid"), "resource_not_absolute");
        assert_eq!(
            cause(&["https://a.example/"], "openid b:read"),
            "scope_not_accepted_by_resource"
        );
        let many: Vec<String> = (0..11).map(|i| format!("https://{i}.example/")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(cause(&many, "openid"), "resource_too_many");
        // Without resources, scopes are not theirs to judge.
        assert!(check_named(&[], &known, "c", &Scope::split("x:y")).is_ok());
    }

    #[test]
    fn a_token_carries_the_scopes_its_resource_accepts() {
        let r = api("https://a.example/", &["a:read", "a:write"], &[]);
        let t = target(&r, &Scope::split("openid a:write email"), false).unwrap();
        assert_eq!(t.aud, "https://a.example/");
        assert_eq!(t.scope, "a:write");
        let refused = target(&r, &Scope::split("a:read b:read"), true).unwrap_err();
        assert_eq!(refused.cause.id, "scope_not_accepted_by_resource");
        assert!(target(&r, &Scope::split("openid a:read"), true).is_ok());
    }

    #[test]
    fn one_resource_per_token_request() {
        let p = RawParams::parse("resource=https://a.example/&resource=https://a.example/");
        assert_eq!(named_at_token(&p).unwrap(), Some("https://a.example/"));
        let p = RawParams::parse("resource=https://a.example/&resource=https://b.example/");
        assert_eq!(
            named_at_token(&p).unwrap_err().cause.id,
            "resource_too_many"
        );
        let p = RawParams::parse("resource=https%3A%2F%2Fa.example%2F%23x");
        assert_eq!(
            named_at_token(&p).unwrap_err().cause.id,
            "resource_has_fragment"
        );
    }
}
