//! Does the user need to sign in, to choose an account, to pass a second
//! factor, to consent, or is the sign-in complete? (OIDC Core §3.1.2.3,
//! §3.1.2.4; RFC 8485.) Pure: the caller loads the session, the user's
//! factors and the remembered consent and performs the outcome.

use crate::Occurrence;
use crate::catalogue::{
    CONSENT_REQUIRED, IDENTITY_CONFIDENCE_TOO_LOW, INTERACTION_REQUIRED, LOGIN_REQUIRED,
};
use crate::request::{Prompt, Purpose};
use crate::scope::Scope;
use crate::session::Consent;
use crate::vtr::{Assessment, Vector, assess};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Login,
    /// `prompt=select_account` with a session: continue as that user or
    /// use another account.
    SelectAccount,
    /// The requested vector needs a second factor the session lacks (the
    /// user enrols one if they have none).
    SecondFactor,
    Consent,
    /// Complete (issue the code, approve the device); the vector achieved
    /// (`acr`, `vot`).
    Issue(Vector),
}

/// What is known about the browser and the user.
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    /// `auth_time` of the browser's session, if it has a live one.
    pub auth_time: Option<i64>,
    /// Resuming an interaction created at this time: a sign-in after it
    /// satisfies `prompt=login`.
    pub resumed_at: Option<i64>,
    /// The first-party flag of the client (`skip_consent`).
    pub skip_consent: bool,
    /// What the user already allowed this client.
    pub granted: Option<&'a Consent>,
    pub now: i64,
    /// The session includes a second factor.
    pub second_factor: bool,
    /// The signed-in user's identity confidence (`P0` = 0 .. `P2` = 2).
    pub identity: u8,
    /// The signed-in user has a confirmed authenticator (else a second
    /// factor means enrolling one).
    pub enrolled: bool,
}

/// - no session, `prompt=login` not yet honoured in this flow, or the
///   session older than `max_age` → sign in (`login_required` with `prompt=none`).
/// - `prompt=select_account` with a session, on arrival → the account chooser.
/// - no requested vector allows the user's identity confidence →
///   `identity_confidence_too_low` (G8), whatever `prompt` says.
/// - a vector needs the second factor the session lacks → the second-factor
///   page (`interaction_required` with `prompt=none`, U12).
/// - a third-party client without a remembered consent covering every
///   requested scope (and releasing every claim asked for by name), or
///   `prompt=consent` → consent (`consent_required`
///   with `prompt=none`); a device's request is always confirmed, the
///   account page's never asked (the person acts on their own account).
pub fn decide(req: &Purpose, s: Situation<'_>) -> Result<Next, Occurrence> {
    let silent = req.has_prompt(Prompt::None);
    let login = match s.auth_time {
        None => Some("no one is signed in"),
        Some(t) if req.has_prompt(Prompt::Login) && s.resumed_at.is_none_or(|r| t < r) => {
            Some("the request asked for a new sign-in")
        }
        Some(t) if req.max_age().is_some_and(|m| s.now - t > m) => {
            Some("the sign-in is older than max_age")
        }
        Some(_) => None,
    };
    if let Some(why) = login {
        return if silent {
            Err(LOGIN_REQUIRED.with_detail(why))
        } else {
            Ok(Next::Login)
        };
    }
    if req.has_prompt(Prompt::SelectAccount) && s.resumed_at.is_none() {
        return Ok(Next::SelectAccount);
    }
    let achieved = match assess(req.vtr(), s.second_factor, s.identity) {
        Assessment::Met(v) => v,
        Assessment::IdentityTooLow { needed, has } => {
            return Err(IDENTITY_CONFIDENCE_TOO_LOW.with_detail(format!(
                "the request needs identity confidence P{needed}; the user has P{has}"
            )));
        }
        Assessment::NeedsSecondFactor if silent => {
            let why = if s.enrolled {
                "the sign-in lacks the second factor the requested vector needs"
            } else {
                "the requested vector needs a second factor and the user must enrol one"
            };
            return Err(INTERACTION_REQUIRED.with_detail(why));
        }
        Assessment::NeedsSecondFactor => return Ok(Next::SecondFactor),
    };
    // Claims asked for by name are covered only by a remembered consent
    // whose scopes release them: the consent remembers scopes, not claims.
    // Resources (RFC 8707) are covered when each was allowed before.
    let covered = s.granted.is_some_and(|g| {
        Scope::split(&g.scope).covers(req.scopes())
            && g.covers_resources(req.resources())
            && req.claims().is_none_or(|c| {
                c.beyond(&req.scopes().to_string())
                    .iter()
                    .all(|name| crate::claims::released_by(&g.scope, name))
            })
    });
    let consent = req.asks_consent()
        && (req.always_confirm()
            || (!s.skip_consent && (!covered || req.has_prompt(Prompt::Consent))));
    if consent {
        return if silent {
            Err(CONSENT_REQUIRED
                .with_detail("the user has not yet allowed this application these scopes"))
        } else {
            Ok(Next::Consent)
        };
    }
    Ok(Next::Issue(achieved))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::vtr::{CL, CL_CM};

    use crate::request::{AuthorizeRequest, DeviceRequest, Validated};

    fn asking(prompt: &[Prompt], max_age: Option<i64>, vtr: Vec<Vector>) -> Purpose {
        Purpose::Authorize(AuthorizeRequest::validated(Validated {
            scopes: Scope::split("openid email"),
            prompt: prompt.to_vec(),
            max_age,
            vtr,
            ..Validated::example()
        }))
    }

    fn req(prompt: &[Prompt], max_age: Option<i64>) -> Purpose {
        asking(prompt, max_age, Vec::new())
    }

    fn set_vtr(p: &mut Purpose, vtr: Vec<crate::vtr::Vector>) {
        let prompt: Vec<Prompt> = p
            .authorize()
            .map(|r| r.prompt().to_vec())
            .unwrap_or_default();
        *p = asking(&prompt, p.max_age(), vtr);
    }

    fn set_prompt(p: &mut Purpose, prompt: Vec<Prompt>) {
        *p = asking(&prompt, p.max_age(), p.vtr().to_vec());
    }

    /// A remembered consent of `scope` and `resources` (leaked: tests only).
    fn consent(scope: &str, resources: &[&str]) -> &'static Consent {
        Box::leak(Box::new(Consent {
            scope: scope.into(),
            resources: resources.iter().map(|r| r.to_string()).collect(),
        }))
    }

    fn at(auth_time: Option<i64>, granted: Option<&str>) -> Situation<'static> {
        Situation {
            auth_time,
            resumed_at: None,
            skip_consent: false,
            granted: granted.map(|g| consent(g, &[])),
            now: 1000,
            second_factor: false,
            identity: 0,
            enrolled: false,
        }
    }

    #[test]
    fn login_consent_issue() {
        assert_eq!(
            decide(&req(&[], None), at(None, None)).unwrap(),
            Next::Login
        );
        assert_eq!(
            decide(&req(&[], None), at(Some(900), None)).unwrap(),
            Next::Consent
        );
        assert_eq!(
            decide(&req(&[], None), at(Some(900), Some("openid"))).unwrap(),
            Next::Consent
        );
        assert_eq!(
            decide(&req(&[], None), at(Some(900), Some("email openid profile"))).unwrap(),
            Next::Issue(CL)
        );
        let first_party = Situation {
            skip_consent: true,
            ..at(Some(900), None)
        };
        assert_eq!(
            decide(&req(&[Prompt::Consent], None), first_party).unwrap(),
            Next::Issue(CL)
        );
    }

    #[test]
    fn claims_asked_by_name_need_a_consent_that_releases_them() {
        let claims = crate::claims::ClaimsRequest::parse(
            r#"{"id_token":{"email":null},"userinfo":{"name":null}}"#,
        )
        .unwrap();
        let asked = Purpose::Authorize(AuthorizeRequest::validated(Validated {
            claims: Some(claims),
            ..Validated::example()
        }));
        for granted in [Some("openid"), Some("openid email"), None] {
            assert_eq!(
                decide(&asked, at(Some(900), granted)).unwrap(),
                Next::Consent,
                "{granted:?}"
            );
        }
        assert_eq!(
            decide(&asked, at(Some(900), Some("openid email profile"))).unwrap(),
            Next::Issue(CL)
        );
    }

    #[test]
    fn resources_are_covered_once_each_was_allowed() {
        let asked = Purpose::Authorize(AuthorizeRequest::validated(Validated {
            resources: vec!["https://api.example/".into()],
            ..Validated::example()
        }));
        let scope = "email openid profile";
        let with = |granted| Situation {
            granted: Some(granted),
            ..at(Some(900), None)
        };
        // The scopes alone, or another API, are not enough.
        assert_eq!(
            decide(&asked, at(Some(900), Some(scope))).unwrap(),
            Next::Consent
        );
        let other = consent(scope, &["https://other.example/"]);
        assert_eq!(decide(&asked, with(other)).unwrap(), Next::Consent);
        let allowed = consent(scope, &["https://other.example/", "https://api.example/"]);
        assert_eq!(decide(&asked, with(allowed)).unwrap(), Next::Issue(CL));
        // Asking again (prompt=consent) still shows it.
        let mut again = asked.clone();
        set_prompt(&mut again, vec![Prompt::Consent]);
        assert_eq!(decide(&again, with(allowed)).unwrap(), Next::Consent);
    }

    #[test]
    fn prompt_none_fails_instead_of_interacting() {
        let none = req(&[Prompt::None], None);
        assert_eq!(
            decide(&none, at(None, None)).unwrap_err().cause.id,
            "login_required"
        );
        assert_eq!(
            decide(&none, at(Some(900), None)).unwrap_err().cause.id,
            "consent_required"
        );
        assert_eq!(
            decide(&none, at(Some(900), Some("openid email"))).unwrap(),
            Next::Issue(CL)
        );
    }

    #[test]
    fn prompt_login_and_max_age() {
        let login = req(&[Prompt::Login], None);
        assert_eq!(
            decide(&login, at(Some(900), Some("openid email"))).unwrap(),
            Next::Login
        );
        let resumed = Situation {
            resumed_at: Some(950),
            ..at(Some(960), Some("openid email"))
        };
        assert_eq!(decide(&login, resumed).unwrap(), Next::Issue(CL));
        let aged = req(&[], Some(60));
        assert_eq!(
            decide(&aged, at(Some(900), Some("openid email"))).unwrap(),
            Next::Login
        );
        assert_eq!(
            decide(&aged, at(Some(950), Some("openid email"))).unwrap(),
            Next::Issue(CL)
        );
        let consent = req(&[Prompt::Consent], None);
        assert_eq!(
            decide(&consent, at(Some(900), Some("openid email"))).unwrap(),
            Next::Consent
        );
    }

    #[test]
    fn vectors_step_up_and_identity() {
        let mut cm = req(&[], None);
        set_vtr(&mut cm, vec![CL_CM]);
        let signed_in = at(Some(900), Some("openid email"));
        assert_eq!(decide(&cm, signed_in).unwrap(), Next::SecondFactor);
        let stepped = Situation {
            second_factor: true,
            ..signed_in
        };
        assert_eq!(decide(&cm, stepped).unwrap(), Next::Issue(CL_CM));
        set_prompt(&mut cm, vec![Prompt::None]);
        assert_eq!(
            decide(&cm, signed_in).unwrap_err().cause.id,
            "interaction_required"
        );
        let mut p2 = req(&[], None);
        set_vtr(
            &mut p2,
            vec![crate::vtr::Vector::parse("Cl.Cm.P2").unwrap()],
        );
        assert_eq!(
            decide(&p2, stepped).unwrap_err().cause.id,
            "identity_confidence_too_low"
        );
        let proven = Situation {
            identity: 2,
            ..stepped
        };
        assert!(matches!(decide(&p2, proven).unwrap(), Next::Issue(_)));
    }

    #[test]
    fn select_account_on_arrival_only() {
        let choose = req(&[Prompt::SelectAccount], None);
        let signed_in = at(Some(900), Some("openid email"));
        assert_eq!(decide(&choose, signed_in).unwrap(), Next::SelectAccount);
        assert_eq!(decide(&choose, at(None, None)).unwrap(), Next::Login);
        let resumed = Situation {
            resumed_at: Some(950),
            ..signed_in
        };
        assert_eq!(decide(&choose, resumed).unwrap(), Next::Issue(CL));
    }

    #[test]
    fn a_device_is_always_confirmed() {
        let device = Purpose::Device {
            device: DeviceRequest {
                client_id: "tv".into(),
                user_code_hash: "h".into(),
                scopes: Scope::split("openid"),
                vtr: Vec::new(),
                resources: Vec::new(),
            },
        };
        let first_party = Situation {
            skip_consent: true,
            ..at(Some(900), Some("openid"))
        };
        assert_eq!(decide(&device, first_party).unwrap(), Next::Consent);
        assert_eq!(decide(&device, at(None, None)).unwrap(), Next::Login);
    }

    #[test]
    fn the_account_page_asks_a_recent_sign_in_and_no_consent() {
        use crate::request::AccountRequest;
        let mut request = AccountRequest::new("/account");
        let plain = Purpose::Account {
            account: request.clone(),
        };
        assert_eq!(decide(&plain, at(None, None)).unwrap(), Next::Login);
        assert_eq!(decide(&plain, at(Some(10), None)).unwrap(), Next::Issue(CL));
        request.max_age = Some(300);
        request.vtr = vec![CL_CM];
        let again = Purpose::Account { account: request };
        assert_eq!(decide(&again, at(Some(600), None)).unwrap(), Next::Login);
        assert_eq!(
            decide(&again, at(Some(900), None)).unwrap(),
            Next::SecondFactor
        );
        let stepped = Situation {
            second_factor: true,
            ..at(Some(900), None)
        };
        assert_eq!(decide(&again, stepped).unwrap(), Next::Issue(CL_CM));
    }
}
