//! What a completed sign-in leaves behind: for an authorization request,
//! the code's record (RFC 6749 §4.1.2; the code itself goes to the client,
//! only its hash is kept).

use crate::grant::CodeRecord;
use crate::request::AuthorizeRequest;
use crate::session::SessionRecord;
use crate::vtr::Vector;

/// The record of a code issued for `req` to the user of `session`, with
/// the vector achieved as `acr`. `code_hash` and `grant_id` are the
/// caller's (random values, the code hashed); `ttl` is `tokens.code_ttl`.
pub fn code_record(
    req: &AuthorizeRequest,
    session: &SessionRecord,
    achieved: Vector,
    code_hash: String,
    grant_id: String,
    now: i64,
    ttl: i64,
) -> CodeRecord {
    CodeRecord {
        code_hash,
        grant_id,
        client_id: req.client_id().to_string(),
        redirect_uri: req
            .redirect_uri_sent()
            .then(|| req.redirect_uri().to_string()),
        sub: session.sub.clone(),
        scope: req.scopes().to_string(),
        nonce: req.nonce().map(str::to_string),
        code_challenge: req.code_challenge().map(str::to_string),
        code_challenge_method: req.code_challenge_method().map(|m| m.to_string()),
        auth_time: session.auth_time,
        acr: Some(achieved.to_string()),
        amr: session.amr.clone(),
        sid: Some(session.sid.clone()),
        claims: req.claims().cloned(),
        resources: req.resources().to_vec(),
        created_at: now,
        expires_at: now + ttl,
        dpop_jkt: req.dpop_jkt().map(str::to_string),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_code_carries_the_sign_in_and_the_request() {
        use crate::request::{CodeChallengeMethod, Validated};
        let req = AuthorizeRequest::validated(Validated {
            redirect_uri_sent: false,
            scopes: crate::scope::Scope::split("openid email"),
            nonce: Some("n".into()),
            pkce: Some(("x".into(), CodeChallengeMethod::S256)),
            ..Validated::example()
        });
        let session = SessionRecord {
            id_hash: "h".into(),
            sid: "sid".into(),
            sub: "u".into(),
            auth_time: 5,
            amr: vec!["pwd".into()],
            acr: None,
            created_at: 5,
            expires_at: 50,
            user_agent: None,
            address: None,
        };
        let r = code_record(
            &req,
            &session,
            crate::vtr::CL,
            "ch".into(),
            "g".into(),
            10,
            60,
        );
        assert_eq!(
            r.redirect_uri, None,
            "a request without redirect_uri binds none"
        );
        assert_eq!(r.scope, "openid email");
        assert_eq!((r.auth_time, r.expires_at), (5, 70));
        assert_eq!(r.acr.as_deref(), Some("Cl"));
        assert_eq!(r.sid.as_deref(), Some("sid"));
        assert_eq!(r.code_challenge_method.as_deref(), Some("S256"));
        assert_eq!(r.nonce.as_deref(), Some("n"));
    }
}
