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
        client_id: req.client_id.clone(),
        redirect_uri: req.redirect_uri_sent.then(|| req.redirect_uri.clone()),
        sub: session.sub.clone(),
        scope: req.scope(),
        nonce: req.nonce.clone(),
        code_challenge: req.code_challenge.clone(),
        code_challenge_method: req.code_challenge_method.clone(),
        auth_time: session.auth_time,
        acr: Some(achieved.to_string()),
        amr: session.amr.clone(),
        sid: Some(session.sid.clone()),
        created_at: now,
        expires_at: now + ttl,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_code_carries_the_sign_in_and_the_request() {
        let req = AuthorizeRequest {
            client_id: "c".into(),
            redirect_uri: "https://a.example/cb".into(),
            redirect_uri_sent: false,
            response_mode: "query".into(),
            scopes: vec!["openid".into(), "email".into()],
            state: None,
            nonce: Some("n".into()),
            code_challenge: Some("x".into()),
            code_challenge_method: Some("S256".into()),
            prompt: vec![],
            max_age: None,
            login_hint: None,
            id_token_hint: None,
            ui_locales: None,
            acr_values: None,
            vtr: vec![],
        };
        let session = SessionRecord {
            id_hash: "h".into(),
            sid: "sid".into(),
            sub: "u".into(),
            auth_time: 5,
            amr: vec!["pwd".into()],
            acr: None,
            created_at: 5,
            expires_at: 50,
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
    }
}
