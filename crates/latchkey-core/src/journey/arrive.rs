//! On arrival, and after every step: which session counts, what is still
//! missing, and so what comes next. Three pure calls, in order:
//! [`counted_session`] (hints against the browser's session), [`needs`]
//! (what the caller must load) and [`arrive`] (the outcome).

use super::Outcome;
use super::Page;
use super::decide::{Next, Situation, decide};
use crate::Occurrence;
use crate::catalogue::ACCOUNT_SELECTION_REQUIRED;
use crate::request::{Prompt, Purpose};
use crate::session::{Consent, SessionRecord};
use crate::user::UserRecord;
use crate::vtr::has_second_factor;

/// The browser's session, if it counts for this request. An
/// `id_token_hint` names the user the client expects (OIDC Core
/// §3.1.2.1): a session of someone else does not count, and with
/// `prompt=none` the user would have to switch accounts, which only they
/// can do. After a sign-in in this flow (`resuming`), the session counts.
pub fn counted_session(
    purpose: &Purpose,
    session: Option<SessionRecord>,
    hinted_sub: Option<&str>,
    resuming: bool,
) -> Result<Option<SessionRecord>, Occurrence> {
    let other = !resuming && matches!((&session, hinted_sub), (Some(s), Some(h)) if h != s.sub);
    if other && purpose.has_prompt(Prompt::None) {
        return Err(ACCOUNT_SELECTION_REQUIRED
            .with_detail("the id_token_hint names another user than the one signed in"));
    }
    Ok(session.filter(|_| !other))
}

/// What [`arrive`] needs besides the request and the session; each is
/// loaded only when asked for (the store is the cost of a step).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// The signed-in user: a silent request's `login_hint` is compared
    /// with them.
    pub user: bool,
    /// The consent remembered for this user and client.
    pub consent: bool,
    /// The user's identity confidence (a vector asks for `P1`/`P2`).
    pub identity: bool,
    /// Whether the user has a confirmed authenticator (a vector asks for
    /// a second factor the session lacks).
    pub enrolled: bool,
}

pub fn needs(purpose: &Purpose, session: Option<&SessionRecord>, resuming: bool) -> Needs {
    let Some(session) = session else {
        return Needs::default();
    };
    let vtr = purpose.vtr();
    Needs {
        user: purpose.has_prompt(Prompt::None) && !resuming && purpose.login_hint().is_some(),
        consent: purpose.asks_consent() && !purpose.always_confirm(),
        identity: vtr.iter().any(|v| v.identity_needed() > 0),
        enrolled: vtr.iter().any(|v| v.second_factor) && !has_second_factor(&session.amr),
    }
}

/// What the browser brings and the caller loaded as [`needs`] said.
#[derive(Debug, Clone, Copy)]
pub struct Arrival<'a> {
    /// From [`counted_session`].
    pub session: Option<&'a SessionRecord>,
    /// When the sign-in in progress began, if resuming one.
    pub resumed_at: Option<i64>,
    pub user: Option<&'a UserRecord>,
    pub granted: Option<&'a Consent>,
    /// The client's first-party flag (`skip_consent`).
    pub skip_consent: bool,
    pub identity: u8,
    pub enrolled: bool,
    pub now: i64,
}

pub fn arrive(purpose: &Purpose, a: Arrival<'_>) -> Outcome {
    // A login_hint that does not name the signed-in user is the same
    // situation, whether or not the name it gives exists: answering
    // differently would tell anyone with a session which usernames exist.
    // So only the signed-in user is compared, by the names that sign them
    // in (username in any case, verified email).
    if purpose.has_prompt(Prompt::None)
        && a.resumed_at.is_none()
        && a.session.is_some()
        && let Some(hint) = purpose.login_hint()
    {
        let named = crate::user::pick_for_sign_in(hint, a.user.cloned().into_iter().collect());
        if !matches!(named, Ok(Some(_))) {
            return Outcome::Reject(
                ACCOUNT_SELECTION_REQUIRED
                    .with_detail("the login_hint names another user than the one signed in"),
            );
        }
    }
    let situation = Situation {
        auth_time: a.session.map(|s| s.auth_time),
        resumed_at: a.resumed_at,
        skip_consent: a.skip_consent,
        granted: a.granted,
        now: a.now,
        second_factor: a.session.is_some_and(|s| has_second_factor(&s.amr)),
        identity: a.identity,
        enrolled: a.enrolled,
    };
    match decide(purpose, situation) {
        Err(occ) => Outcome::Reject(occ),
        Ok(Next::Issue(achieved)) if a.session.is_some() => Outcome::Finish(achieved),
        Ok(Next::Issue(_) | Next::Login) => Outcome::Show(Page::Login),
        Ok(Next::SelectAccount) => Outcome::Show(Page::SelectAccount),
        Ok(Next::SecondFactor) => Outcome::Show(Page::SecondFactor),
        Ok(Next::Consent) => Outcome::Show(Page::Consent),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::request::{AuthorizeRequest, Validated};

    fn purpose(prompt: Vec<Prompt>, login_hint: Option<&str>) -> Purpose {
        Purpose::Authorize(AuthorizeRequest::validated(Validated {
            prompt,
            login_hint: login_hint.map(str::to_string),
            ..Validated::example()
        }))
    }

    fn session(sub: &str) -> SessionRecord {
        SessionRecord {
            id_hash: "h".into(),
            sid: "sid".into(),
            sub: sub.into(),
            auth_time: 900,
            amr: vec!["pwd".into()],
            acr: None,
            created_at: 900,
            expires_at: 9000,
            user_agent: None,
            address: None,
        }
    }

    fn user(sub: &str, username: &str) -> UserRecord {
        UserRecord {
            sub: sub.into(),
            username: username.into(),
            password_hash: None,
            claims: Default::default(),
            created_at: 0,
            updated_at: 0,
        }
    }

    fn arrival<'a>(s: Option<&'a SessionRecord>, u: Option<&'a UserRecord>) -> Arrival<'a> {
        Arrival {
            session: s,
            resumed_at: None,
            user: u,
            granted: Some(Box::leak(Box::new(Consent {
                scope: "openid".into(),
                resources: Vec::new(),
            }))),
            skip_consent: false,
            identity: 0,
            enrolled: false,
            now: 1000,
        }
    }

    #[test]
    fn a_hint_for_someone_else_sets_the_session_aside() {
        let p = purpose(vec![], None);
        let kept = counted_session(&p, Some(session("alice")), Some("bob"), false).unwrap();
        assert!(kept.is_none());
        let resumed = counted_session(&p, Some(session("alice")), Some("bob"), true).unwrap();
        assert!(resumed.is_some());
        let silent = purpose(vec![Prompt::None], None);
        let err = counted_session(&silent, Some(session("alice")), Some("bob"), false).unwrap_err();
        assert_eq!(err.cause.id, "account_selection_required");
    }

    #[test]
    fn a_silent_login_hint_must_name_the_signed_in_user() {
        let p = purpose(vec![Prompt::None], Some("Alice"));
        let s = session("s1");
        let needs = needs(&p, Some(&s), false);
        assert!(needs.user && needs.consent && !needs.identity && !needs.enrolled);
        let alice = user("s1", "alice");
        assert!(matches!(
            arrive(&p, arrival(Some(&s), Some(&alice))),
            Outcome::Finish(_)
        ));
        let bob = user("s1", "bob");
        match arrive(&p, arrival(Some(&s), Some(&bob))) {
            Outcome::Reject(occ) => assert_eq!(occ.cause.id, "account_selection_required"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_session_means_the_login_page_and_nothing_to_load() {
        let p = purpose(vec![], None);
        assert_eq!(needs(&p, None, false), Needs::default());
        assert!(matches!(
            arrive(&p, arrival(None, None)),
            Outcome::Show(Page::Login)
        ));
    }
}
