//! The `claims` request parameter (OIDC Core §5.5): individual claims a
//! client asks for in the ID token and at the UserInfo endpoint, beside
//! (or instead of) the scopes that release them in groups (§5.4).
//!
//! Part of the data model: parsed once at `/authorize` (or `/par`, or from
//! a request object), kept in the sign-in, the code and the refresh
//! tokens of the grant, so a refreshed access token still releases at
//! `/userinfo` what was asked for.
//!
//! Choices:
//! - only the claims this server can return are kept: the user claims of
//!   [`SCOPE_CLAIMS`] and `acr`; every other name is ignored, as §5.5
//!   says (`sub`, `auth_time`, `amr`, `nonce` are always in the ID token
//!   anyway);
//! - a claim asked for by name is released when the user allows it: the
//!   consent page lists it, and a remembered consent covers it only when
//!   its scopes release that claim;
//! - `essential`, `value` and `values` of user claims do not change what is
//!   released (the user's value, when there is one); for `acr` they are
//!   the vectors of trust asked for ([`ClaimsRequest::acr`]).

use crate::Occurrence;
use crate::catalogue::{CLAIMS_MALFORMED, CLAIMS_MEMBER_INVALID};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Claims each scope releases (OIDC Core §5.4).
pub const SCOPE_CLAIMS: &[(&str, &[&str])] = &[
    (
        "profile",
        &[
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
        ],
    ),
    ("email", &["email", "email_verified"]),
    ("address", &["address"]),
    ("phone", &["phone_number", "phone_number_verified"]),
];

/// The scope that releases the user claim `name`, if any.
pub fn scope_of(name: &str) -> Option<&'static str> {
    SCOPE_CLAIMS
        .iter()
        .find(|(_, names)| names.contains(&name))
        .map(|(scope, _)| *scope)
}

/// Whether `scope` (space separated) releases the user claim `name`.
pub fn released_by(scope: &str, name: &str) -> bool {
    scope_of(name).is_some_and(|s| scope.split(' ').any(|x| x == s))
}

/// One requested claim: `null`, or `{"essential", "value", "values"}`
/// (OIDC Core §5.5.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requested {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub essential: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Value>>,
}

/// A parsed `claims` parameter, holding only the claims this server can
/// return. Stored as JSON in interactions, codes and refresh tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimsRequest {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub userinfo: BTreeMap<String, Requested>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub id_token: BTreeMap<String, Requested>,
}

/// Whether this server can return the claim `name` when asked by name.
fn known(name: &str, in_id_token: bool) -> bool {
    scope_of(name).is_some() || (in_id_token && name == "acr")
}

impl ClaimsRequest {
    /// Parse the `claims` parameter (OIDC Core §5.5):
    /// - a JSON object (else `claims_malformed`);
    /// - its `userinfo` and `id_token` members, when present, are objects;
    ///   each claim in them is `null` or an object whose `essential` is a
    ///   boolean and whose `values` is an array (else
    ///   `claims_member_invalid`, naming the member);
    /// - other top-level members and unknown claims are ignored.
    pub fn parse(text: &str) -> Result<ClaimsRequest, Occurrence> {
        let value: Value = serde_json::from_str(text).map_err(|_| {
            CLAIMS_MALFORMED.with_detail(
                "claims is not JSON; send a JSON object with userinfo and id_token members",
            )
        })?;
        let Value::Object(top) = value else {
            return Err(CLAIMS_MALFORMED.with_detail(
                "claims is JSON but not an object; send an object with userinfo and id_token members",
            ));
        };
        Ok(ClaimsRequest {
            userinfo: member(&top, "userinfo")?,
            id_token: member(&top, "id_token")?,
        })
    }

    /// Nothing this server can return was asked for.
    pub fn is_empty(&self) -> bool {
        self.userinfo.is_empty() && self.id_token.is_empty()
    }

    /// The user claims asked for in the ID token.
    pub fn id_token_claims(&self) -> impl Iterator<Item = &str> {
        self.id_token
            .keys()
            .map(String::as_str)
            .filter(|n| scope_of(n).is_some())
    }

    /// The user claims asked for at the UserInfo endpoint.
    pub fn userinfo_claims(&self) -> impl Iterator<Item = &str> {
        self.userinfo.keys().map(String::as_str)
    }

    /// The user claims asked for by name (in either place) that `scope`
    /// does not release: what the consent page lists beside the scopes,
    /// in order, each once.
    pub fn beyond(&self, scope: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for name in self.id_token_claims().chain(self.userinfo_claims()) {
            if !released_by(scope, name) && !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    /// `acr` asked for in the ID token with `value` or `values`: whether it
    /// is essential, and the values in order (OIDC Core §5.5.1.1).
    pub fn acr(&self) -> Option<(bool, Vec<&str>)> {
        let r = self.id_token.get("acr")?;
        let mut values: Vec<&str> = Vec::new();
        if let Some(Value::String(v)) = &r.value {
            values.push(v);
        }
        for v in r.values.iter().flatten() {
            if let Value::String(v) = v {
                values.push(v);
            }
        }
        (!values.is_empty()).then_some((r.essential, values))
    }
}

/// The claims named in `names` that `user_claims` holds, with their values.
pub fn select<'a>(
    names: impl Iterator<Item = &'a str>,
    user_claims: &Map<String, Value>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for name in names {
        if let Some(v) = user_claims.get(name) {
            out.insert(name.to_string(), v.clone());
        }
    }
    out
}

/// One member (`userinfo` or `id_token`) of the parameter.
fn member(top: &Map<String, Value>, name: &str) -> Result<BTreeMap<String, Requested>, Occurrence> {
    let mut out = BTreeMap::new();
    let claims = match top.get(name) {
        None => return Ok(out),
        Some(Value::Object(claims)) => claims,
        Some(_) => {
            return Err(CLAIMS_MEMBER_INVALID.with_detail(format!(
                "claims.{name} must be a JSON object of claim names"
            )));
        }
    };
    for (claim, spec) in claims {
        let invalid = |why: &str| {
            // The claim name is the client's text: only its safe characters
            // go into the description.
            let shown: String = claim
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                .take(64)
                .collect();
            CLAIMS_MEMBER_INVALID.with_detail(format!("claims.{name}.{shown} {why}"))
        };
        let requested = match spec {
            Value::Null => Requested::default(),
            Value::Object(o) => {
                let essential = match o.get("essential") {
                    None | Some(Value::Null) => false,
                    Some(Value::Bool(b)) => *b,
                    Some(_) => return Err(invalid("has an essential that is not true or false")),
                };
                let values = match o.get("values") {
                    None | Some(Value::Null) => None,
                    Some(Value::Array(list)) => Some(list.clone()),
                    Some(_) => return Err(invalid("has values that is not an array")),
                };
                Requested {
                    essential,
                    value: o.get("value").filter(|v| !v.is_null()).cloned(),
                    values,
                }
            }
            _ => return Err(invalid("must be null or an object")),
        };
        if known(claim, name == "id_token") {
            out.insert(claim.clone(), requested);
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_example_of_the_spec_is_read() {
        let r = ClaimsRequest::parse(
            r#"{"userinfo":{"given_name":{"essential":true},"nickname":null,
                "email":{"essential":true},"email_verified":{"essential":true},
                "picture":null,"http://example.info/claims/groups":null},
              "id_token":{"auth_time":{"essential":true},
                "acr":{"values":["urn:mace:incommon:iap:silver"]}}}"#,
        )
        .unwrap();
        assert_eq!(
            r.userinfo_claims().collect::<Vec<_>>(),
            [
                "email",
                "email_verified",
                "given_name",
                "nickname",
                "picture"
            ],
            "the unknown claim is ignored"
        );
        assert_eq!(r.id_token_claims().count(), 0, "acr is no user claim");
        assert_eq!(r.acr(), Some((false, vec!["urn:mace:incommon:iap:silver"])));
        assert!(r.userinfo["email"].essential && !r.userinfo["nickname"].essential);
    }

    #[test]
    fn malformed_parameters_name_what_is_wrong() {
        for (text, cause, says) in [
            ("{", &CLAIMS_MALFORMED, "not JSON"),
            ("[]", &CLAIMS_MALFORMED, "not an object"),
            ("\"x\"", &CLAIMS_MALFORMED, "not an object"),
            (
                r#"{"userinfo":[]}"#,
                &CLAIMS_MEMBER_INVALID,
                "claims.userinfo",
            ),
            (
                r#"{"id_token":{"email":true}}"#,
                &CLAIMS_MEMBER_INVALID,
                "claims.id_token.email must be null or an object",
            ),
            (
                r#"{"id_token":{"email":{"essential":"yes"}}}"#,
                &CLAIMS_MEMBER_INVALID,
                "essential",
            ),
            (
                r#"{"userinfo":{"name":{"values":"a"}}}"#,
                &CLAIMS_MEMBER_INVALID,
                "values",
            ),
        ] {
            let e = ClaimsRequest::parse(text).unwrap_err();
            assert!(e.is(cause), "{text}");
            assert!(
                e.description().contains(says),
                "{text}: {}",
                e.description()
            );
        }
        // An unknown claim of the wrong type is still the wrong type.
        let e = ClaimsRequest::parse(r#"{"userinfo":{"x\"y":3}}"#).unwrap_err();
        assert!(e.description().contains("claims.userinfo.xy "));
    }

    #[test]
    fn empty_and_foreign_members_ask_nothing() {
        for text in [
            "{}",
            r#"{"userinfo":{},"other":1}"#,
            r#"{"id_token":{"sub":null,"https://x.example/c":null}}"#,
        ] {
            assert!(ClaimsRequest::parse(text).unwrap().is_empty(), "{text}");
        }
    }

    #[test]
    fn what_the_consent_lists_and_what_is_selected() {
        let r = ClaimsRequest::parse(
            r#"{"id_token":{"email":{"essential":true},"acr":null},
                "userinfo":{"name":null,"email":null,"phone_number":null}}"#,
        )
        .unwrap();
        assert_eq!(r.beyond("openid"), ["email", "name", "phone_number"]);
        assert_eq!(r.beyond("openid profile phone"), ["email"]);
        assert!(r.beyond("openid email profile phone").is_empty());
        assert_eq!(r.acr(), None, "acr without values asks for no vector");
        let user = json!({"email": "a@example.com", "name": "A", "locale": "de"});
        let user = user.as_object().unwrap();
        assert_eq!(
            Value::Object(select(r.id_token_claims(), user)),
            json!({"email": "a@example.com"})
        );
        assert_eq!(
            Value::Object(select(r.userinfo_claims(), user)),
            json!({"email": "a@example.com", "name": "A"}),
            "a claim the user lacks is left out"
        );
    }

    #[test]
    fn acr_values_in_order_and_essential() {
        let r = ClaimsRequest::parse(
            r#"{"id_token":{"acr":{"essential":true,"value":"Cl.Cm","values":["Cl",3]}}}"#,
        )
        .unwrap();
        assert_eq!(r.acr(), Some((true, vec!["Cl.Cm", "Cl"])));
    }

    #[test]
    fn stored_and_read_back_alike() {
        let r = ClaimsRequest::parse(
            r#"{"id_token":{"email":{"essential":true}},"userinfo":{"name":null}}"#,
        )
        .unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            r#"{"userinfo":{"name":{}},"id_token":{"email":{"essential":true}}}"#
        );
        assert_eq!(serde_json::from_str::<ClaimsRequest>(&json).unwrap(), r);
    }
}
