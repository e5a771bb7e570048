//! One error that happened: a cause, public detail, private debug text and a
//! unique id that ties the response to its log line.

use super::{Cause, to_error_charset};
use uuid::Uuid;

/// One invalid field of a request body (admin `errorCauses`, registration).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub summary: String,
}

/// An error that happened. Built from a [`Cause`]; rendered once at the edge.
/// Boxed, so `Result<T, Occurrence>` stays one pointer wide on hot paths.
#[derive(Debug, Clone)]
pub struct Occurrence(Box<OccurrenceData>);

/// The fields of an [`Occurrence`] (reached through `Deref`).
#[derive(Debug, Clone)]
pub struct OccurrenceData {
    pub cause: &'static Cause,
    /// Public detail (which parameter, which value): sent to the client.
    /// Never a secret.
    pub detail: Option<String>,
    /// Internal detail: logged and kept for the operator, never sent.
    pub debug: Option<String>,
    /// Time-ordered unique id, shown to the client and logged.
    pub error_id: Uuid,
    /// Field-level causes (admin API, registration).
    pub fields: Vec<FieldError>,
    /// Seconds after which a retry may succeed (`Retry-After`).
    pub retry_after: Option<u64>,
    /// The HTTP authentication scheme the client tried, for the
    /// `WWW-Authenticate` header of a 401 `invalid_client`.
    pub auth_scheme: Option<&'static str>,
    /// The client the request came from, when known (logs and records).
    pub client_id: Option<String>,
    /// Further auth-params of a resource's `WWW-Authenticate` challenge,
    /// as (name, value already in its wire form): what a step-up asked for
    /// (`acr_values`, `max_age`, RFC 9470 §3).
    pub challenge: Vec<(&'static str, String)>,
    /// The user a refusal acted on, when it did (`user:{sub}`): a replayed
    /// code or refresh token revokes the user's grant, which the audit
    /// trail records. Never sent.
    pub subject: Option<String>,
}

impl std::ops::Deref for Occurrence {
    type Target = OccurrenceData;
    fn deref(&self) -> &OccurrenceData {
        &self.0
    }
}

impl std::ops::DerefMut for Occurrence {
    fn deref_mut(&mut self) -> &mut OccurrenceData {
        &mut self.0
    }
}

impl Occurrence {
    pub fn new(cause: &'static Cause) -> Self {
        Occurrence(Box::new(OccurrenceData {
            cause,
            detail: None,
            debug: None,
            error_id: Uuid::now_v7(),
            fields: Vec::new(),
            retry_after: None,
            auth_scheme: None,
            client_id: None,
            challenge: Vec::new(),
            subject: None,
        }))
    }

    /// Add public detail (never a secret).
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Add internal detail for the log (may name internals, never secrets).
    pub fn debug(mut self, debug: impl Into<String>) -> Self {
        self.debug = Some(debug.into());
        self
    }

    /// Add the debug text of an internal error.
    pub fn source(self, err: &dyn std::error::Error) -> Self {
        let mut text = err.to_string();
        let mut cur = err.source();
        while let Some(inner) = cur {
            text.push_str(": ");
            text.push_str(&inner.to_string());
            cur = inner.source();
        }
        self.debug(text)
    }

    pub fn field(mut self, field: impl Into<String>, summary: impl Into<String>) -> Self {
        self.fields.push(FieldError {
            field: field.into(),
            summary: summary.into(),
        });
        self
    }

    /// Add an auth-param to the resource's challenge (see `challenge`).
    pub fn challenge_param(mut self, name: &'static str, wire_value: String) -> Self {
        self.challenge.push((name, wire_value));
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn client(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The user this refusal acted on ([`OccurrenceData::subject`]).
    pub fn subject(mut self, sub: &str) -> Self {
        self.subject = Some(format!("user:{sub}"));
        self
    }

    pub fn auth_scheme(mut self, scheme: &'static str) -> Self {
        self.auth_scheme = Some(scheme);
        self
    }

    /// `error_description`: the cause's summary, then the detail, forced into
    /// the RFC 6749 §5.2 character set.
    pub fn description(&self) -> String {
        let text = match &self.detail {
            Some(detail) if !detail.is_empty() => format!("{}: {}", self.cause.summary, detail),
            _ => self.cause.summary.to_string(),
        };
        to_error_charset(&text)
    }

    /// Whether this cause is the given catalogue entry.
    pub fn is(&self, cause: &Cause) -> bool {
        self.cause.id == cause.id
    }
}

impl std::fmt::Display for Occurrence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.cause.id,
            self.error_id,
            self.description()
        )
    }
}

impl std::error::Error for Occurrence {}
