//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2, §3):
//! which client asks, where the browser goes afterwards, and whether the
//! ID token it presents as a hint is one we signed. And the Logout Token
//! of back-channel logout (OpenID Connect Back-Channel Logout 1.0 §2.4).

use crate::Occurrence;
use crate::catalogue::{
    CLIENT_ID_UNKNOWN, ID_TOKEN_HINT_INVALID, POST_LOGOUT_REDIRECT_URI_MISMATCH,
};
use crate::client::ClientRecord;
use crate::keys::KeySet;
use serde_json::Value;

/// The claims of an ID token we issued, as far as logout needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub sub: String,
    pub client_id: String,
    pub sid: Option<String>,
}

/// Verify `token` as an ID token signed by one of our keys for `issuer`
/// ([`crate::token::id_token::verify_ours`]). An expired token is still a
/// valid hint (§2: the OP should accept it). Our access tokens are signed
/// with the same keys but are no ID tokens: they are told apart by their
/// type and their audience (this server, where an ID token names a client).
pub fn verify_hint(token: &str, keys: &KeySet, issuer: &str) -> Result<Hint, Occurrence> {
    let bad = |why: &str| ID_TOKEN_HINT_INVALID.with_detail(why.to_string());
    let claims = crate::token::id_token::verify_ours(keys, issuer, token).map_err(bad)?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let client_id = audiences
        .first()
        .map(|a| a.to_string())
        .ok_or_else(|| bad("it has no audience"))?;
    if audiences.contains(&issuer) {
        return Err(bad(
            "its audience is this server, not a client: it is not an ID token",
        ));
    }
    Ok(Hint {
        sub: text("sub").ok_or_else(|| bad("it has no subject"))?,
        client_id,
        sid: text("sid"),
    })
}

/// The claims of a Logout Token (Back-Channel Logout §2.4) telling
/// `client_id` that `sub` logged out (of session `sid`, when named). No
/// `nonce`, ever (§2.4: it would let it pass for an ID token).
pub fn logout_token_claims(
    issuer: &str,
    client_id: &str,
    sub: &str,
    sid: Option<&str>,
    now: i64,
    jti: &str,
) -> Value {
    let mut claims = serde_json::json!({
        "iss": issuer,
        "sub": sub,
        "aud": client_id,
        "iat": now,
        "exp": now + crate::backchannel::TOKEN_TTL,
        "jti": jti,
        "events": { crate::backchannel::EVENT: {} },
    });
    if let (Some(sid), Some(obj)) = (sid, claims.as_object_mut()) {
        obj.insert("sid".into(), Value::String(sid.to_string()));
    }
    claims
}

/// A Logout Token for `client`, signed like its ID tokens (its
/// `id_token_signed_response_alg`) with `typ` `logout+jwt`.
pub fn sign_logout_token(
    keys: &crate::keys::KeySet,
    client: &ClientRecord,
    claims: &Value,
) -> Result<String, Occurrence> {
    use crate::keys::Alg;
    let alg = Alg::parse(&client.metadata.id_token_signed_response_alg).unwrap_or(Alg::Rs256);
    let Some(key) = keys.signer(alg) else {
        return Err(crate::catalogue::INTERNAL_ERROR
            .occur()
            .debug(format!("no active {} signing key", alg.as_str())));
    };
    Ok(key.sign_jwt(crate::backchannel::TYP, claims)?)
}

/// The registered `post_logout_redirect_uri` (exact match) of `client`.
pub fn check_post_logout_uri(
    uri: &str,
    client: Option<&ClientRecord>,
) -> Result<String, Occurrence> {
    let client = client.ok_or_else(|| {
        CLIENT_ID_UNKNOWN.with_detail(
            "post_logout_redirect_uri needs client_id or id_token_hint to name the client",
        )
    })?;
    if let Some(registered) = client
        .metadata
        .post_logout_redirect_uris
        .iter()
        .find(|r| *r == uri)
    {
        crate::authorize::redirect_uri::sendable_registered(registered)
    } else {
        Err(POST_LOGOUT_REDIRECT_URI_MISMATCH
            .with_detail(format!("not registered for client {}", client.client_id)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::crypto::Secrets;
    use crate::keys::{Alg, KeySet, generate};
    use serde_json::json;

    #[test]
    fn hints_we_signed_are_accepted_even_expired_others_are_not() {
        let secrets = Secrets::new("test").unwrap();
        let records = vec![
            generate(Alg::Rs256, &secrets, 0).unwrap(),
            generate(Alg::Es256, &secrets, 0).unwrap(),
        ];
        let keys = KeySet::from_records(&records, &secrets, 0).unwrap();
        let signer = keys.signer(Alg::Rs256).unwrap();
        let claims = json!({"iss": "https://id.example", "sub": "u1", "aud": "app", "sid": "s1", "exp": 1, "iat": 0});
        let token = signer.sign_jwt("JWT", &claims).unwrap();
        let hint = verify_hint(&token, &keys, "https://id.example").unwrap();
        assert_eq!(
            hint,
            Hint {
                sub: "u1".into(),
                client_id: "app".into(),
                sid: Some("s1".into())
            }
        );
        // Another issuer, another key set, garbage.
        assert!(verify_hint(&token, &keys, "https://other.example").is_err());
        let other =
            KeySet::from_records(&[generate(Alg::Rs256, &secrets, 0).unwrap()], &secrets, 0)
                .unwrap();
        assert!(verify_hint(&token, &other, "https://id.example").is_err());
        let err = verify_hint("not-a-jwt", &keys, "https://id.example").unwrap_err();
        assert!(err.is(&ID_TOKEN_HINT_INVALID));
    }

    #[test]
    fn logout_tokens_carry_the_event_and_never_a_nonce() {
        let secrets = Secrets::new("test").unwrap();
        let records = vec![generate(Alg::Es256, &secrets, 0).unwrap()];
        let keys = KeySet::from_records(&records, &secrets, 0).unwrap();
        let claims = logout_token_claims("https://id.example", "app", "u1", Some("s1"), 100, "j1");
        assert_eq!(
            claims,
            json!({"iss": "https://id.example", "sub": "u1", "aud": "app", "iat": 100,
                "exp": 220, "jti": "j1", "sid": "s1",
                "events": {"http://schemas.openid.net/event/backchannel-logout": {}}})
        );
        let no_sid = logout_token_claims("https://id.example", "app", "u1", None, 100, "j1");
        assert!(no_sid.get("sid").is_none());
        let client = ClientRecord {
            client_id: "app".into(),
            secret_hash: None,
            previous_secret: None,
            active: true,
            metadata: crate::client::ClientMetadata {
                id_token_signed_response_alg: "ES256".into(),
                ..Default::default()
            },
            created_at: 0,
            updated_at: 0,
        };
        let token = sign_logout_token(&keys, &client, &claims).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
        assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
        // A Logout Token is no ID token: it is refused as a logout hint.
        let err = verify_hint(&token, &keys, "https://id.example").unwrap_err();
        assert!(err.is(&ID_TOKEN_HINT_INVALID));
        // Without a key of the client's algorithm it cannot be signed.
        let rs = ClientRecord {
            metadata: Default::default(),
            ..client
        };
        assert!(sign_logout_token(&keys, &rs, &claims).is_err());
    }

    #[test]
    fn our_access_tokens_are_not_hints() {
        let secrets = Secrets::new("test").unwrap();
        let records = vec![generate(Alg::Es256, &secrets, 0).unwrap()];
        let keys = KeySet::from_records(&records, &secrets, 0).unwrap();
        let signer = keys.signer(Alg::Es256).unwrap();
        let issuer = "https://id.example";
        let access = json!({"iss": issuer, "sub": "u1", "aud": issuer, "client_id": "app",
            "scope": "openid", "exp": 1, "iat": 0, "jti": "j"});
        let why = |token: &str| {
            let err = verify_hint(token, &keys, issuer).unwrap_err();
            assert!(err.is(&ID_TOKEN_HINT_INVALID));
            err.detail.clone().unwrap()
        };
        let token = signer.sign_jwt(crate::token::access::TYP, &access).unwrap();
        assert!(why(&token).contains("access token"));
        // Typed as an ID token, its audience still gives it away.
        let token = signer.sign_jwt("JWT", &access).unwrap();
        assert!(why(&token).contains("audience is this server"));
        let both = json!({"iss": issuer, "sub": "u1", "aud": ["app", issuer], "exp": 1, "iat": 0});
        assert!(why(&signer.sign_jwt("JWT", &both).unwrap()).contains("audience"));
        let other = json!({"iss": issuer, "sub": "u1", "aud": "app", "exp": 1, "iat": 0});
        assert!(why(&signer.sign_jwt("logout+jwt", &other).unwrap()).contains("typ"));
        // An ID token of the same keys, with or without typ JWT, is a hint.
        let id = signer.sign_jwt("jwt", &other).unwrap();
        assert_eq!(verify_hint(&id, &keys, issuer).unwrap().client_id, "app");
    }
}
