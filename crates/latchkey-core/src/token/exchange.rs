//! Token exchange (RFC 8693): a client trades a token of ours, an access
//! token or an ID token, for a new access token for the same user, for
//! this server or another audience. Without an actor token the new token
//! simply speaks for the user (impersonation); with one, the actor is
//! recorded in `act`, earlier actors nested inside (delegation, §4.1).
//!
//! Choices (RFC 8693 §5 leaves policy to the server):
//! - A client exchanges its own tokens, and those of the clients its
//!   `token_exchange.subject_clients` names; an actor token must be one
//!   issued to the client itself.
//! - The target (`audience` or `resource`, one of them) is this server
//!   unless named; others must be in `token_exchange.audiences`, or be a
//!   resource the operator registered (RFC 8707) that allows the client,
//!   whose token then carries only the scopes the resource accepts.
//! - The scope is at most the subject token's (none for an ID token), cut
//!   to `token_exchange.scopes` when set; `offline_access` never, since
//!   no refresh token is issued, and the admin API's scopes never (they
//!   belong to the console's own tokens).
//! - The new token lives no longer than the subject token, and keeps its
//!   grant, so revoking the user's grant ends it too.

use super::access::{self, AccessClaims};
use super::{TokenContext, TokenResponse, param};
use crate::Occurrence;
use crate::authorize::RawParams;
use crate::catalogue::*;
use crate::client::{ClientRecord, ExchangePolicy};
use crate::resource_record::ResourceRecord;
use crate::scope::Scope;
use crate::store::Store;
use serde_json::Value;

/// An access token of this server (RFC 8693 §3).
pub const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
/// An ID token of this server (RFC 8693 §3).
pub const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";

/// What a presented token says, whichever its type.
#[derive(Debug, Clone, PartialEq)]
struct Presented {
    /// The local `sub` (a pairwise client's token is read back to it).
    sub: String,
    /// Whether `sub` is a user (else a client, by client_credentials).
    user: bool,
    /// The client it was issued to.
    client_id: String,
    /// Its scope; `None` for an ID token.
    scope: Option<Scope>,
    exp: i64,
    act: Option<Value>,
    grant_id: Option<String>,
    auth_time: Option<i64>,
    acr: Option<String>,
    amr: Option<Vec<String>>,
}

/// Which of the two tokens is being read, for the error.
#[derive(Clone, Copy)]
enum Role {
    Subject,
    Actor,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Subject => "subject_token",
            Role::Actor => "actor_token",
        }
    }

    fn invalid(self, why: &str) -> Occurrence {
        let cause = match self {
            Role::Subject => &EXCHANGE_SUBJECT_INVALID,
            Role::Actor => &EXCHANGE_ACTOR_INVALID,
        };
        cause.with_detail(format!("the {}: {why}", self.name()))
    }
}

/// Read and check a presented token of `token_type`. Store failures pass
/// through; anything else wrong with the token is the role's cause.
async fn presented(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    role: Role,
    token: &str,
    token_type: &str,
) -> Result<Presented, Occurrence> {
    match token_type {
        ACCESS_TOKEN => {
            let (c, _) = access::check_issued(store, ctx.keys, ctx.issuer, token, ctx.now)
                .await
                .map_err(|occ| {
                    if occ.cause.status >= 500 {
                        occ
                    } else {
                        role.invalid(&occ.description())
                    }
                })?;
            // A DPoP-bound token is traded only by the holder of its key
            // (RFC 9449 §7.1's rule at a resource, applied here).
            crate::dpop::check_token_binding(c.cnf.as_ref().map(|k| k.jkt.as_str()), ctx.dpop_jkt)
                .map_err(|occ| role.invalid(&occ.description()))?;
            let sub = access::local_sub(ctx.secrets, &c)
                .map_err(|occ| role.invalid(&occ.description()))?;
            Ok(Presented {
                sub,
                user: c.grant_id.is_some(),
                client_id: c.client_id,
                scope: Some(Scope::split(&c.scope)),
                exp: c.exp,
                act: c.act,
                grant_id: c.grant_id,
                auth_time: c.auth_time,
                acr: c.acr,
                amr: c.amr,
            })
        }
        ID_TOKEN => {
            let presented = id_token(ctx, role, token)?;
            // A pairwise client's ID token names the user by a `sub` that
            // cannot be read back without a session.
            if store
                .get_client(&presented.client_id)
                .await?
                .is_some_and(|c| c.metadata.is_pairwise())
            {
                return Err(role.invalid(
                    "ID tokens of a pairwise client cannot be exchanged; present its access token",
                ));
            }
            Ok(presented)
        }
        other => Err(EXCHANGE_TOKEN_TYPE_UNSUPPORTED.with_detail(format!(
            "{}_type {other}; use {ACCESS_TOKEN} or {ID_TOKEN}",
            role.name()
        ))),
    }
}

/// An ID token we signed, unexpired. Told from our access tokens by its
/// type (`JWT`, not `at+jwt`); its audience is the client it was issued to.
fn id_token(ctx: &TokenContext<'_>, role: Role, token: &str) -> Result<Presented, Occurrence> {
    let claims = super::id_token::verify_ours(ctx.keys, ctx.issuer, token)
        .map_err(|why| role.invalid(why))?;
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp <= ctx.now {
        return Err(role.invalid("it has expired"));
    }
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
    let client_id = match (claims.get("aud"), text("azp")) {
        (_, Some(azp)) => azp,
        (Some(Value::String(aud)), None) => aud.clone(),
        (Some(Value::Array(list)), None) if list.len() == 1 => list
            .first()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => return Err(role.invalid("it names no single client")),
    };
    if client_id == ctx.issuer {
        return Err(role.invalid("its audience is this server: it is not an ID token"));
    }
    let amr = claims.get("amr").and_then(|a| {
        a.as_array().map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
    });
    let sub = text("sub").ok_or_else(|| role.invalid("it has no subject"))?;
    Ok(Presented {
        sub,
        user: true,
        client_id,
        scope: None,
        exp,
        act: None,
        grant_id: None,
        auth_time: claims.get("auth_time").and_then(Value::as_i64),
        acr: text("acr"),
        amr,
    })
}

/// The audience asked for: `audience` or `resource` (the same if both),
/// this server when neither; allowed by the policy, or a resource the
/// operator registered (RFC 8707) that allows the client, returned with
/// it (the token then carries only the scopes it accepts).
async fn target(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    policy: &ExchangePolicy,
    params: &RawParams,
) -> Result<(String, Option<ResourceRecord>), Occurrence> {
    let audience = param(params, "audience")?;
    let resource = param(params, "resource")?;
    let target = match (audience, resource) {
        (Some(a), Some(r)) if a != r => {
            return Err(EXCHANGE_TARGET_NOT_ALLOWED
                .with_detail("audience and resource name different targets; name one"));
        }
        (Some(t), _) | (None, Some(t)) => t,
        (None, None) => ctx.issuer,
    };
    if target == ctx.issuer || policy.audiences.iter().any(|a| a == target) {
        return Ok((target.to_string(), None));
    }
    let registered = store
        .get_resource(target)
        .await?
        .filter(|r| r.allows(&client.client_id));
    match registered {
        Some(r) => Ok((target.to_string(), Some(r))),
        None => Err(EXCHANGE_TARGET_NOT_ALLOWED.with_detail(format!(
            "{target} is not in the client's token_exchange.audiences, nor a registered resource it may ask for"
        ))),
    }
}

/// The scope of the new token: what was asked (or all that is
/// available), each value carried by the subject token and allowed by
/// the policy.
fn scope(
    policy: &ExchangePolicy,
    subject: &Presented,
    requested: Option<&str>,
) -> Result<Scope, Occurrence> {
    let allowed = |s: &str| {
        let in_subject = subject.scope.as_ref().map(|scope| scope.contains(s));
        let in_policy = policy
            .scopes
            .as_ref()
            .map(|list| list.iter().any(|p| p == s));
        // The admin API's scopes belong to the console's own tokens: an
        // exchange never carries them on, whatever a policy lists.
        s != "offline_access"
            && !crate::user::ADMIN_SCOPES.contains(&s)
            && match (in_subject, in_policy) {
                (Some(a), Some(b)) => a && b,
                (Some(a), None) => a,
                (None, Some(b)) => b,
                // An ID token and no policy: nothing.
                (None, None) => false,
            }
    };
    match requested {
        None => {
            let from: Vec<String> = match (&subject.scope, &policy.scopes) {
                (Some(scope), _) => scope.iter().map(str::to_string).collect(),
                (None, Some(list)) => list.clone(),
                (None, None) => Vec::new(),
            };
            Ok(Scope::split(
                &from
                    .iter()
                    .filter(|s| allowed(s))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
            ))
        }
        Some(requested) => {
            let asked =
                Scope::parse(requested).map_err(|e| SCOPE_MALFORMED.with_detail(e.to_string()))?;
            if let Some(s) = asked.iter().find(|s| !allowed(s)) {
                return Err(EXCHANGE_SCOPE_NOT_ALLOWED.with_detail(format!("scope {s}")));
            }
            Ok(asked)
        }
    }
}

/// `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`. The
/// client is authenticated and registered for the grant.
pub async fn exchange(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    client: &ClientRecord,
    params: &RawParams,
) -> Result<TokenResponse, Occurrence> {
    let missing = |what: &str| EXCHANGE_PARAMETERS_INCOMPLETE.with_detail(what.to_string());
    let subject_token =
        param(params, "subject_token")?.ok_or_else(|| missing("subject_token is required"))?;
    let subject_type = param(params, "subject_token_type")?
        .ok_or_else(|| missing("subject_token_type is required"))?;
    if let Some(requested) = param(params, "requested_token_type")?
        && requested != ACCESS_TOKEN
    {
        return Err(EXCHANGE_TOKEN_TYPE_UNSUPPORTED.with_detail(format!(
            "requested_token_type {requested}; this server issues {ACCESS_TOKEN}"
        )));
    }
    let actor = match (
        param(params, "actor_token")?,
        param(params, "actor_token_type")?,
    ) {
        (Some(token), Some(kind)) => Some((token, kind)),
        (Some(_), None) => return Err(missing("actor_token_type is required with actor_token")),
        (None, Some(_)) => return Err(missing("actor_token_type was sent without actor_token")),
        (None, None) => None,
    };
    let default_policy = ExchangePolicy::default();
    let policy = client
        .metadata
        .token_exchange
        .as_ref()
        .unwrap_or(&default_policy);

    let subject = presented(store, ctx, Role::Subject, subject_token, subject_type).await?;
    if subject.client_id != client.client_id && !policy.subject_clients.contains(&subject.client_id)
    {
        return Err(EXCHANGE_SUBJECT_CLIENT_NOT_ALLOWED.with_detail(format!(
            "the subject_token was issued to {}, which is not in token_exchange.subject_clients",
            subject.client_id
        )));
    }
    let act = match actor {
        None => subject.act.clone(),
        Some((token, kind)) => {
            let actor = presented(store, ctx, Role::Actor, token, kind).await?;
            if actor.client_id != client.client_id {
                return Err(Role::Actor.invalid(&format!(
                    "it was issued to {}, not to the client making the exchange",
                    actor.client_id
                )));
            }
            let mut act = serde_json::Map::new();
            act.insert("sub".into(), Value::String(actor.sub));
            if let Some(earlier) = subject.act.clone() {
                act.insert("act".into(), earlier);
            }
            Some(Value::Object(act))
        }
    };
    let (aud, resource) = target(store, ctx, client, policy, params).await?;
    let requested = param(params, "scope")?;
    let scope = scope(policy, &subject, requested)?;
    let scope = match &resource {
        Some(r) => crate::resource::target(r, &scope, requested.is_some())?.scope,
        None => scope.to_string(),
    };
    let exp = (ctx.now + ctx.access_token_ttl).min(subject.exp);
    // The user as this client knows them (pairwise clients have their own
    // `sub`; the local one travels sealed, as in any of their tokens).
    let (sub, sub_sealed) = if subject.user && client.metadata.is_pairwise() {
        (
            client.subject(ctx.secrets, &subject.sub),
            Some(access::seal_sub(ctx.secrets, &subject.sub)?),
        )
    } else {
        (subject.sub.clone(), None)
    };
    let claims = AccessClaims {
        iss: ctx.issuer.to_string(),
        sub,
        sub_sealed,
        userinfo_claims: None,
        aud,
        client_id: client.client_id.clone(),
        scope: scope.clone(),
        iat: ctx.now,
        exp,
        jti: crate::crypto::random_token()?,
        auth_time: subject.auth_time,
        acr: subject.acr.clone(),
        amr: subject.amr.clone(),
        grant_id: subject.grant_id.clone(),
        act,
        cnf: ctx.cnf(),
    };
    Ok(TokenResponse {
        access_token: access::sign(ctx, &claims)?.into(),
        token_type: ctx.token_type(),
        expires_in: exp - ctx.now,
        scope,
        refresh_token: None,
        id_token: None,
        issued_token_type: Some(ACCESS_TOKEN),
        sub: Some(subject.sub),
        grant_id: None,
        sid: None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn subject(scope: Option<&str>) -> Presented {
        Presented {
            sub: "alice".into(),
            user: true,
            client_id: "web".into(),
            scope: scope.map(Scope::split),
            exp: 2000,
            act: None,
            grant_id: None,
            auth_time: None,
            acr: None,
            amr: None,
        }
    }

    fn policy(scopes: Option<&[&str]>) -> ExchangePolicy {
        ExchangePolicy {
            scopes: scopes.map(|l| l.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        }
    }

    #[test]
    fn the_scope_is_at_most_the_subjects_cut_to_the_policy() {
        let s = subject(Some("openid orders:read orders:write offline_access"));
        let all = |p: &ExchangePolicy| scope(p, &s, None).unwrap().to_string();
        assert_eq!(all(&policy(None)), "openid orders:read orders:write");
        assert_eq!(all(&policy(Some(&["orders:read", "other"]))), "orders:read");
        let asked = |p: &ExchangePolicy, r: &str| scope(p, &s, Some(r)).map(|s| s.to_string());
        assert_eq!(asked(&policy(None), "orders:read").unwrap(), "orders:read");
        for (p, r) in [
            (policy(None), "orders:delete"),
            (policy(None), "offline_access"),
            (policy(Some(&["orders:read"])), "orders:write"),
            (policy(Some(&["other"])), "other"),
        ] {
            let err = asked(&p, r).unwrap_err();
            assert!(err.is(&EXCHANGE_SCOPE_NOT_ALLOWED), "{r}: {err}");
        }
    }

    /// A console token's `admin` and `admin:read` are never carried on,
    /// even by a policy that lists them.
    #[test]
    fn the_admin_scopes_are_never_exchanged() {
        let s = subject(Some("openid admin admin:read orders:read"));
        for (p, kept) in [
            (policy(None), "openid orders:read"),
            (
                policy(Some(&["admin", "admin:read", "orders:read"])),
                "orders:read",
            ),
        ] {
            assert_eq!(scope(&p, &s, None).unwrap().to_string(), kept);
            for asked in ["admin", "admin:read"] {
                let err = scope(&p, &s, Some(asked)).unwrap_err();
                assert!(err.is(&EXCHANGE_SCOPE_NOT_ALLOWED), "{asked}: {err}");
            }
        }
    }

    #[test]
    fn an_id_token_brings_no_scope_but_the_policys() {
        let s = subject(None);
        assert_eq!(scope(&policy(None), &s, None).unwrap().to_string(), "");
        assert!(scope(&policy(None), &s, Some("openid")).is_err());
        let p = policy(Some(&["orders:read"]));
        assert_eq!(scope(&p, &s, None).unwrap().to_string(), "orders:read");
        assert_eq!(
            scope(&p, &s, Some("orders:read")).unwrap().to_string(),
            "orders:read"
        );
    }
}
