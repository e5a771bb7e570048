//! One case per checklist row: the cause, and whether the answer is a page
//! or a redirect (oxide-auth's silent/error split, made explicit).

#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;
use crate::client::ClientMetadata;

fn client(f: impl FnOnce(&mut ClientMetadata)) -> ClientRecord {
    let mut metadata = ClientMetadata {
        redirect_uris: vec!["https://app.example/cb".into()],
        ..Default::default()
    };
    f(&mut metadata);
    ClientRecord {
        client_id: "app".into(),
        secret_hash: Some("h".into()),
        previous_secret: None,
        active: true,
        metadata,
        created_at: 0,
        updated_at: 0,
    }
}

const OK: &str = "client_id=app&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=xyz";

fn run(
    query: &str,
    c: Option<&ClientRecord>,
    policy: &Policy,
) -> Result<AuthorizeRequest, Rejection> {
    validate(&RawParams::parse(query), c, policy, &[])
}

fn page(query: &str, c: Option<&ClientRecord>) -> &'static str {
    let r = run(query, c, &Policy::default()).unwrap_err();
    assert!(
        r.target.is_none(),
        "{query}: expected a page, got a redirect"
    );
    r.occ.cause.id
}

fn redirect_with(query: &str, c: &ClientRecord, policy: &Policy) -> &'static str {
    let r = run(query, Some(c), policy).unwrap_err();
    let target = r.target.expect("expected a redirect");
    assert_eq!(target.uri(), "https://app.example/cb");
    r.occ.cause.id
}

fn redirect(query: &str, c: &ClientRecord) -> &'static str {
    redirect_with(query, c, &Policy::default())
}

#[test]
fn authorize_accepts_a_good_request() {
    let c = client(|_| {});
    let req = run(OK, Some(&c), &Policy::default()).unwrap();
    assert_eq!(req.scopes().iter().collect::<Vec<_>>(), ["openid"]);
    assert_eq!(req.state(), Some("xyz"));
    assert!(req.redirect_uri_sent());
    assert_eq!(req.response_mode(), ResponseMode::Query);
}

#[test]
fn authorize_drops_repeated_scope_values_keeping_the_first_order() {
    let c = client(|m| m.scope = Some("openid email profile".into()));
    let q = OK.replace("scope=openid", "scope=email+openid+email+profile+openid");
    let req = run(&q, Some(&c), &Policy::default()).unwrap();
    assert_eq!(
        req.scopes().iter().collect::<Vec<_>>(),
        ["email", "openid", "profile"]
    );
}

#[test]
fn authorize_page_when_client_or_redirect_uri_cannot_be_trusted() {
    let c = client(|m| m.redirect_uris.push("https://app.example/cb2".into()));
    assert_eq!(page("response_type=code", Some(&c)), "client_id_missing");
    assert_eq!(
        page("client_id=nobody&response_type=code", None),
        "client_id_unknown"
    );
    assert_eq!(
        page("client_id=app&client_id=app", Some(&c)),
        "repeated_parameter"
    );
    assert_eq!(
        page("client_id=app&response_type=code&scope=openid", Some(&c)),
        "redirect_uri_missing"
    );
    assert_eq!(
        page(
            "client_id=app&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
            Some(&c)
        ),
        "redirect_uri_mismatch"
    );
    assert_eq!(
        page("client_id=app&redirect_uri=nope", Some(&c)),
        "redirect_uri_malformed"
    );
    let c = client(|m| m.redirect_uris.clear());
    assert_eq!(
        page("client_id=app", Some(&c)),
        "no_redirect_uri_registered"
    );
}

#[test]
fn authorize_redirect_errors_after_verification() {
    let c = client(|_| {});
    let base = "client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=xyz";
    let cases = [
        ("&scope=openid", "response_type_missing"),
        (
            "&response_type=token&scope=openid",
            "unsupported_response_type",
        ),
        (
            "&response_type=code+id_token&scope=openid",
            "unsupported_response_type",
        ),
        (
            "&response_type=code&scope=openid&response_mode=jwt.query",
            "unsupported_response_mode",
        ),
        ("&response_type=code", "scope_missing"),
        ("&response_type=code&scope=email", "scope_missing_openid"),
        (
            "&response_type=code&scope=openid+launch_missiles",
            "unknown_scope",
        ),
        (
            "&response_type=code&scope=openid&scope=email",
            "repeated_parameter",
        ),
        (
            "&response_type=code&scope=openid&request=eyJ",
            "request_not_supported",
        ),
        (
            "&response_type=code&scope=openid&request_uri=urn%3Ax",
            "request_uri_not_supported",
        ),
        (
            "&response_type=code&scope=openid&prompt=sometimes",
            "prompt_value_unknown",
        ),
        (
            "&response_type=code&scope=openid&prompt=none+login",
            "prompt_none_combined",
        ),
        (
            "&response_type=code&scope=openid&max_age=-1",
            "max_age_invalid",
        ),
        (
            "&response_type=code&scope=openid&code_challenge_method=S256",
            "pkce_challenge_invalid",
        ),
        (
            "&response_type=code&scope=openid&code_challenge=short&code_challenge_method=S256",
            "pkce_challenge_invalid",
        ),
        (
            "&response_type=code&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=plain",
            "pkce_plain_not_allowed",
        ),
        (
            "&response_type=code&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S512",
            "pkce_method_unsupported",
        ),
    ];
    for (extra, cause) in cases {
        assert_eq!(redirect(&format!("{base}{extra}"), &c), cause, "{extra}");
    }
    // The target echoes state.
    let r = run(
        &format!("{base}&response_type=token&scope=openid"),
        Some(&c),
        &Policy::default(),
    )
    .unwrap_err();
    let crate::error::render::Redirect::Location(loc) = r.target.unwrap().error(
        &r.occ,
        crate::error::render::RenderCtx {
            issuer: "https://id.example",
            extended_codes: false,
        },
    ) else {
        panic!()
    };
    assert!(loc.contains("state=xyz") && loc.contains("iss=https%3A%2F%2Fid.example"));
}

#[test]
fn authorize_redirect_client_rules() {
    let deactivated = ClientRecord {
        active: false,
        ..client(|_| {})
    };
    assert_eq!(redirect(OK, &deactivated), "client_deactivated");
    let cc_only = client(|m| m.response_types.clear());
    assert_eq!(redirect(OK, &cc_only), "response_type_not_allowed");
    let limited = client(|m| m.scope = Some("openid email".into()));
    assert_eq!(
        redirect(
            &OK.replace("scope=openid", "scope=openid+profile"),
            &limited
        ),
        "scope_not_allowed"
    );
    let public = client(|m| m.token_endpoint_auth_method = "none".into());
    assert_eq!(redirect(OK, &public), "pkce_required");
    let with_pkce = format!(
        "{OK}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
    );
    assert!(run(&with_pkce, Some(&public), &Policy::default()).is_ok());
    // Plain OAuth clients need no openid.
    let oauth = client(|m| m.scope = Some("api:read".into()));
    assert!(
        run(
            &OK.replace("scope=openid", "scope=api%3Aread"),
            Some(&oauth),
            &Policy::default()
        )
        .is_ok()
    );
}

#[test]
fn a_request_validated_earlier_is_usable_while_its_client_is_active() {
    let c = client(|_| {});
    let req = run(OK, Some(&c), &Policy::default()).unwrap();
    // Later changes to the registration do not undo the validation...
    let moved = client(|m| m.redirect_uris = vec!["https://app.example/new".into()]);
    assert!(still_usable(&req, &moved).is_ok());
    // ...but a deactivated client is refused, at the request's own target.
    let deactivated = ClientRecord {
        active: false,
        ..client(|_| {})
    };
    let r = still_usable(&req, &deactivated).unwrap_err();
    assert_eq!(r.occ.cause.id, "client_deactivated");
    let target = r.target.expect("expected a redirect");
    assert_eq!(target.uri(), "https://app.example/cb");
}

#[test]
fn authorize_redirect_policy_rows() {
    let c = client(|_| {});
    let strict = Policy {
        require_state: true,
        min_parameter_length: 8,
        require_pkce_all: true,
        allow_plain_pkce: false,
        vtr_default: Vec::new(),
        fapi2: false,
    };
    let no_state = OK.replace("&state=xyz", "");
    let pkce =
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
    assert_eq!(
        redirect_with(&format!("{no_state}{pkce}"), &c, &strict),
        "invalid_state"
    );
    assert_eq!(
        redirect_with(&format!("{OK}{pkce}"), &c, &strict),
        "invalid_state"
    );
    let long_state = OK.replace("state=xyz", "state=abcdefgh12");
    assert_eq!(
        redirect_with(&format!("{long_state}{pkce}&nonce=n"), &c, &strict),
        "insufficient_entropy"
    );
    assert_eq!(redirect_with(&long_state, &c, &strict), "pkce_required");
    assert!(
        run(
            &format!("{long_state}{pkce}&nonce=0123456789"),
            Some(&c),
            &strict
        )
        .is_ok()
    );
    let plain = Policy {
        allow_plain_pkce: true,
        ..Policy::default()
    };
    let req = run(
        &format!("{OK}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
        Some(&c),
        &plain,
    )
    .unwrap();
    assert_eq!(
        req.code_challenge_method(),
        Some(CodeChallengeMethod::Plain)
    );
}

#[test]
fn vtr_and_acr_values_choose_the_vectors() {
    use crate::vtr::{CL, CL_CM};
    let c = client(|_| {});
    let p = Policy::default();
    assert_eq!(
        run(OK, Some(&c), &p).unwrap().vtr(),
        Vec::<crate::vtr::Vector>::new()
    );
    let cm = run(&format!("{OK}&vtr=%5B%22Cl.Cm%22%5D"), Some(&c), &p).unwrap();
    assert_eq!(cm.vtr(), vec![CL_CM]);
    let acr = run(&format!("{OK}&acr_values=urn%3Ax+Cl.Cm"), Some(&c), &p).unwrap();
    assert_eq!(acr.vtr(), vec![CL_CM]);
    let default = Policy {
        vtr_default: vec![CL_CM],
        ..Policy::default()
    };
    assert_eq!(run(OK, Some(&c), &default).unwrap().vtr(), vec![CL_CM]);
    let wins = run(
        &format!("{OK}&vtr=%5B%22Cl%22%5D&acr_values=Cl.Cm"),
        Some(&c),
        &default,
    );
    assert_eq!(wins.unwrap().vtr(), vec![CL]);
    assert_eq!(
        redirect_with(&format!("{OK}&vtr=%5B%22Cl.P2%22%5D"), &c, &p),
        "vtr_not_valid"
    );
    assert_eq!(
        redirect_with(&format!("{OK}&vtr=Cl.Cm"), &c, &p),
        "vtr_malformed"
    );
    assert_eq!(
        redirect_with(&format!("{OK}&vtr=%5B%22Cl.Cx%22%5D"), &c, &p),
        "vtr_unsupported"
    );
}

#[test]
fn native_apps_always_need_pkce_and_get_answers_on_their_port() {
    let cb = "http%3A%2F%2F127.0.0.1%3A53127%2Fcallback";
    let query =
        format!("client_id=app&response_type=code&scope=openid&redirect_uri={cb}&state=xyz");
    let pkce =
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
    for method in ["none", "client_secret_basic"] {
        let c = client(|m| {
            m.application_type = "native".into();
            m.token_endpoint_auth_method = method.into();
            m.redirect_uris = vec!["http://127.0.0.1/callback".into()];
        });
        for require_pkce_all in [false, true] {
            let policy = Policy {
                require_pkce_all,
                ..Policy::default()
            };
            let r = run(&query, Some(&c), &policy).unwrap_err();
            assert_eq!(r.occ.cause.id, "pkce_required", "{method}");
            assert!(r.occ.description().contains("native apps"));
            // Errors go back to the port the app listens on.
            let target = r.target.expect("a redirect");
            assert_eq!(target.uri(), "http://127.0.0.1:53127/callback");
            let req = run(&format!("{query}{pkce}"), Some(&c), &policy).unwrap();
            assert_eq!(req.redirect_uri(), "http://127.0.0.1:53127/callback");
            assert!(req.redirect_uri_sent());
        }
    }
}

/// Where a failed request object, request_uri or a shed request is
/// answered: only ever a URI registered for the outer client_id.
#[test]
fn error_target_uses_only_registered_uris_of_the_outer_client() {
    let one = client(|_| {});
    let two = client(|m| m.redirect_uris.push("https://app.example/cb2".into()));
    let raw = RawParams::parse;
    let cb = "https://app.example/cb";
    let cb2 = "https://app.example/cb2";
    let target = |outer: &str, object: Option<&str>, c: &ClientRecord| {
        error_target(&raw(outer), object.map(raw).as_ref(), c, &Policy::default())
    };
    let to = |uri: &str, mode, state: Option<&str>| {
        Some(
            RedirectTarget::verified(
                redirect_uri::choose(Some(uri), &two.metadata).unwrap(),
                mode,
                state.map(str::to_string),
            )
            .for_client("app", "RS256"),
        )
    };
    let q = |uri: &str, state: Option<&str>| to(uri, ResponseMode::Query, state);
    // Unverified: the outer redirect URI and state, when registered.
    assert_eq!(
        target(
            "client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb2&state=o",
            None,
            &two
        ),
        q(cb2, Some("o"))
    );
    // None named: the only registered one; with several, none.
    assert_eq!(target("client_id=app", None, &one), q(cb, None));
    assert_eq!(target("client_id=app", None, &two), None);
    // Unregistered, malformed or repeated: none.
    for bad in [
        "client_id=app&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
        "client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%2F",
        "client_id=app&redirect_uri=%2Fcb",
        "client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
    ] {
        assert_eq!(target(bad, None, &one), None, "{bad}");
    }
    // Another client_id outside than the client given: none.
    assert_eq!(target("client_id=other", None, &one), None);
    assert_eq!(target("state=o", None, &one), None);
    // Verified object: its redirect URI, state and response_mode win.
    assert_eq!(
        target(
            "client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=o",
            Some("redirect_uri=https%3A%2F%2Fapp.example%2Fcb2&state=i&response_mode=fragment"),
            &two
        ),
        to(cb2, ResponseMode::Fragment, Some("i"))
    );
    // ... unless its URI is not registered: then the outer URI, still with
    // the object's state (the outer one is not the client's word).
    assert_eq!(
        target(
            "client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=o",
            Some("redirect_uri=https%3A%2F%2Fevil.example%2Fcb"),
            &two
        ),
        q(cb, None)
    );
    assert_eq!(
        target(
            "client_id=app",
            Some("redirect_uri=https%3A%2F%2Fevil.example%2Fcb"),
            &two
        ),
        None
    );
    // Under the FAPI 2.0 profile a JWT response is signed with ES256 for a
    // client that registered no algorithm (RS256 otherwise).
    let fapi2 = Policy {
        fapi2: true,
        ..Policy::default()
    };
    assert_eq!(
        error_target(&raw("client_id=app"), None, &one, &fapi2),
        Some(
            RedirectTarget::verified(
                redirect_uri::choose(Some(cb), &one.metadata).unwrap(),
                ResponseMode::Query,
                None,
            )
            .for_client("app", "ES256")
        )
    );
}

/// Under the FAPI 2.0 profile (for every client, or one client's own) a
/// request without PKCE S256 or without redirect_uri is refused, each
/// with its cause, redirected to the client.
#[test]
fn authorize_redirect_fapi2_rules() {
    let c = client(|_| {});
    let fapi2 = Policy {
        fapi2: true,
        ..Policy::default()
    };
    let pkce =
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
    assert!(run(&format!("{OK}{pkce}"), Some(&c), &fapi2).is_ok());
    assert_eq!(redirect_with(OK, &c, &fapi2), "fapi2_pkce_required");
    assert_eq!(
        redirect_with(&format!("{OK}&code_challenge=abc"), &c, &fapi2),
        "fapi2_pkce_required"
    );
    assert!(
        run(OK, Some(&c), &Policy::default()).is_ok(),
        "outside the profile"
    );
    let own = client(|m| m.profile = Some("fapi2".into()));
    assert_eq!(
        redirect_with(OK, &own, &Policy::default()),
        "fapi2_pkce_required"
    );
}

fn with_claims(json: &str) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("claims", json);
    format!("{OK}&{}", s.finish())
}

#[test]
fn authorize_redirect_malformed_claims() {
    let c = client(|_| {});
    assert_eq!(redirect(&with_claims("{email"), &c), "claims_malformed");
    assert_eq!(redirect(&with_claims("[1]"), &c), "claims_malformed");
    assert_eq!(
        redirect(&with_claims(r#"{"id_token":"email"}"#), &c),
        "claims_member_invalid"
    );
    assert_eq!(
        redirect(&with_claims(r#"{"userinfo":{"name":{"essential":1}}}"#), &c),
        "claims_member_invalid"
    );
}

#[test]
fn claims_are_kept_with_the_request() {
    let c = client(|_| {});
    let p = Policy::default();
    let req = run(
        &with_claims(r#"{"id_token":{"email":{"essential":true}},"userinfo":{"name":null}}"#),
        Some(&c),
        &p,
    )
    .unwrap();
    let claims = req.claims().unwrap();
    assert_eq!(claims.id_token_claims().collect::<Vec<_>>(), ["email"]);
    assert_eq!(claims.userinfo_claims().collect::<Vec<_>>(), ["name"]);
    // Nothing this server can return: as if claims were not sent.
    let foreign = run(&with_claims(r#"{"userinfo":{"x":null}}"#), Some(&c), &p).unwrap();
    assert_eq!(foreign.claims(), None);
}

#[test]
fn an_acr_claim_chooses_vectors_like_acr_values() {
    use crate::vtr::{CL, CL_CM};
    let c = client(|_| {});
    let p = Policy::default();
    let vtr = |q: &str| run(q, Some(&c), &p).unwrap().vtr().to_vec();
    let essential =
        with_claims(r#"{"id_token":{"acr":{"essential":true,"values":["urn:x","Cl.Cm"]}}}"#);
    assert_eq!(vtr(&essential), vec![CL_CM]);
    // Essential wins over acr_values; acr_values over a voluntary claim.
    assert_eq!(vtr(&format!("{essential}&acr_values=Cl")), vec![CL_CM]);
    let voluntary = with_claims(r#"{"id_token":{"acr":{"value":"Cl.Cm"}}}"#);
    assert_eq!(vtr(&voluntary), vec![CL_CM]);
    assert_eq!(vtr(&format!("{voluntary}&acr_values=Cl")), vec![CL]);
    // vtr wins over everything.
    assert_eq!(vtr(&format!("{essential}&vtr=%5B%22Cl%22%5D")), vec![CL]);
    // A voluntary acr this server does not offer is ignored ...
    let unknown = with_claims(r#"{"id_token":{"acr":{"values":["urn:x"]}}}"#);
    assert!(vtr(&unknown).is_empty());
    // ... an essential one cannot be met.
    let unmet = with_claims(r#"{"id_token":{"acr":{"essential":true,"value":"urn:x"}}}"#);
    assert_eq!(redirect(&unmet, &c), "essential_acr_unavailable");
}
