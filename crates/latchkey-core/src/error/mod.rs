//! The error catalogue: every failure Latchkey can report.
//!
//! Three layers (see README, "Errors"):
//! 1. [`ErrorCode`]: the registered value of `error` on the wire.
//! 2. [`Cause`]: one precise situation, a `static` in [`catalogue`]; it names
//!    its wire code, HTTP status, who must act and how to fix it.
//! 3. [`Occurrence`]: one error that happened, with public detail, private
//!    debug text and a unique `error_id`.
//!
//! Nothing fails with a free-text string: failing is naming a cause.

pub mod catalogue;
mod code;
pub mod docs;
mod occurrence;
mod record;
pub mod render;

pub use code::{ErrorCode, Provider};
pub use occurrence::{FieldError, Occurrence};
pub use record::{ErrorCount, ErrorRecord};

/// Who has to act to fix a cause. Shown on the docs page and the error page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The person signing in (try again, use another account, ...).
    EndUser,
    /// The developer of the client application (fix the request or registration).
    ClientDeveloper,
    /// Whoever runs this Latchkey deployment (configuration, capacity, bugs).
    Operator,
}

impl Actor {
    pub fn label(self) -> &'static str {
        match self {
            Actor::EndUser => "end user",
            Actor::ClientDeveloper => "client developer",
            Actor::Operator => "operator",
        }
    }
}

/// One precise situation the server detects. Written once in [`catalogue`],
/// documented from the same data, referenced by every place that fails.
#[derive(Debug)]
pub struct Cause {
    /// Stable public name (snake_case): `error_uri` anchor, logs, metrics.
    pub id: &'static str,
    /// The registered wire code this cause is reported as.
    pub code: ErrorCode,
    /// HTTP status on the JSON, bearer and admin channels.
    pub status: u16,
    /// One line, becomes the start of `error_description`. RFC 6749 §5.2
    /// characters only (checked by a test); no trailing period.
    pub summary: &'static str,
    /// Who must act.
    pub actor: Actor,
    /// How to fix it, in plain words.
    pub fix: &'static str,
    /// The specification section that defines this behaviour.
    pub spec: &'static str,
    /// Endpoints that can report it (for the docs page).
    pub endpoints: &'static [&'static str],
    /// Provider-specific wire name: with `errors.extended_codes = true` this
    /// is sent as `error` instead of the registered code.
    pub extended_code: Option<&'static str>,
    /// Checklist rows this cause satisfies (G1, U18, ...), for the
    /// catalogue's own tests; never published.
    pub checklist: &'static [&'static str],
    /// What a sign-in page tells the person, as a full sentence, when the
    /// summary is not the right wording for them; see [`Cause::page_text`].
    pub page: Option<&'static str>,
}

impl Cause {
    /// The sentence a page shows the person: [`Cause::page`], else the
    /// summary.
    pub fn page_text(&self) -> &'static str {
        self.page.unwrap_or(self.summary)
    }

    /// [`Cause::page_text`] in a person's language: the translation under
    /// `cause-<id>`, else the English.
    pub fn page_text_in(&self, lang: crate::i18n::Lang) -> String {
        let key = self.translation_key();
        if lang != crate::i18n::Lang::En && lang.has(&key) {
            return lang.t(&key);
        }
        self.page_text().to_string()
    }

    /// Where the languages keep this cause's page text: `cause-` and the
    /// id with dashes, in the style of every other message id.
    pub fn translation_key(&self) -> String {
        format!("cause-{}", self.id.replace('_', "-"))
    }

    /// Start an occurrence of this cause with no detail.
    pub fn occur(&'static self) -> Occurrence {
        Occurrence::new(self)
    }

    /// Start an occurrence with public detail (never a secret).
    pub fn with_detail(&'static self, detail: impl Into<String>) -> Occurrence {
        Occurrence::new(self).detail(detail)
    }

    /// The `error` value on the wire.
    pub fn wire_code(&self, extended: bool) -> &'static str {
        match (extended, self.extended_code) {
            (true, Some(name)) => name,
            _ => self.code.as_str(),
        }
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// RFC 6749 §5.2: `error` and `error_description` use %x20-21 / %x23-5B / %x5D-7E.
pub fn is_error_charset(s: &str) -> bool {
    s.bytes()
        .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// Force text into the RFC 6749 §5.2 character set: quotes become `'`,
/// backslashes `/`, control and non-ASCII characters `?`.
pub fn to_error_charset(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}
