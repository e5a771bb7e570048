//! The sign-in journey: from a request that needs a person (an
//! authorization request, a device's request) to its end (a code for the
//! client, an approved device) or a refusal.
//!
//! Sans-IO: every step is a pure function of what the request asks and
//! what the browser brings (its session, the submitted form) plus the facts
//! the caller was told to load ([`arrive::needs`]). The caller (the HTTP
//! layer) loads, calls the step, and performs the [`Outcome`]: shows the
//! page, finishes, or sends the refusal down the purpose's channel.
//!
//! Steps, one module each: [`arrive`] (on arrival and after every step: what
//! is still missing), [`login`], [`second_factor`], [`select_account`],
//! [`consent`]; [`finish`] makes what a completed sign-in leaves behind.

pub mod arrive;
pub mod consent;
pub mod decide;
pub mod finish;
pub mod login;
pub mod second_factor;
pub mod select_account;

use crate::Occurrence;
use crate::vtr::Vector;

/// How long a person has to finish signing in (seconds).
pub const INTERACTION_TTL: i64 = 600;

/// How long a browser session lasts: single sign-on across clients.
pub const SESSION_TTL: i64 = 12 * 3600;

/// A page of the journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Login,
    SelectAccount,
    SecondFactor,
    Consent,
    /// The offer to add a passkey, right after a password sign-in.
    Passkey,
}

impl Page {
    /// Its path: the sign-in's id travels as `?i=`.
    pub fn path(self) -> &'static str {
        match self {
            Page::Login => "/login",
            Page::SelectAccount => "/select-account",
            Page::SecondFactor => "/mfa",
            Page::Consent => "/consent",
            Page::Passkey => "/passkey",
        }
    }
}

/// What the caller does next.
#[derive(Debug)]
pub enum Outcome {
    /// Keep the sign-in (park it when new) and show this page.
    Show(Page),
    /// Everything asked for is met: issue the code or approve the device,
    /// with the vector of trust achieved.
    Finish(Vector),
    /// End the sign-in with this refusal, on the purpose's channel (the
    /// client's redirect URI, or the page for a device).
    Reject(Occurrence),
}
