//! Outgoing mail and the single-use links it carries: the rows of the
//! outbox (a message waiting for the SMTP server) and of the links
//! (password recovery, email verification), and the retry rule.
//!
//! A request only puts a message in the outbox; a worker on each node
//! claims due rows for a lease, sends them, and deletes them once sent. A
//! link is kept as a keyed hash only; the outbox row holds the message
//! (with its link) until it is sent, so it lives briefly.

/// A message waiting in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMail {
    pub id: String,
    /// The recipient's address.
    pub to: String,
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML alternative.
    pub html: String,
    /// Sending attempts that failed so far.
    pub attempts: i64,
    /// Not sent before this time (the next retry).
    pub due_at: i64,
    pub created_at: i64,
    /// Dropped unsent after this time (the link inside would be dead).
    pub expires_at: i64,
}

/// What a single-use link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Choose a new password (forgotten password).
    Recovery,
    /// Confirm the `email` claim.
    Verify,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Recovery => "recovery",
            LinkPurpose::Verify => "verify",
        }
    }

    pub fn parse(s: &str) -> Option<LinkPurpose> {
        match s {
            "recovery" => Some(LinkPurpose::Recovery),
            "verify" => Some(LinkPurpose::Verify),
            _ => None,
        }
    }
}

/// A single-use link as stored: its keyed hash, never the link.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRecord {
    pub hash: String,
    pub purpose: LinkPurpose,
    pub sub: String,
    /// For a verification link: the address it confirms (the claim may
    /// have changed since).
    pub email: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    /// Set once, when the link is used.
    pub used_at: Option<i64>,
}

/// How a link presented stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Live,
    Used,
    Expired,
}

impl LinkRecord {
    pub fn state(&self, now: i64) -> LinkState {
        if self.used_at.is_some() {
            LinkState::Used
        } else if self.expires_at <= now {
            LinkState::Expired
        } else {
            LinkState::Live
        }
    }
}

/// Attempts after which a message is given up.
pub const MAX_ATTEMPTS: i64 = 10;
/// Seconds before the first retry; each further retry waits twice as long.
pub const RETRY_BASE: i64 = 5;
/// The longest wait between two attempts.
pub const RETRY_MAX: i64 = 900;
/// Seconds a claimed message stays claimed: a node that dies mid-send
/// leaves it to another node after this.
pub const CLAIM_LEASE: i64 = 120;
/// Seconds a message may wait in the outbox at most.
pub const OUTBOX_TTL: i64 = 3600;
/// Seconds a verification link lives.
pub const VERIFY_LINK_TTL: i64 = 7 * 24 * 3600;
/// Seconds a used or expired link is kept, so it is answered "used" or
/// "expired" rather than "unknown".
pub const LINK_GRACE: i64 = 24 * 3600;

/// When to try again after `attempts` failures (counting the one that just
/// failed), or `None` to give up.
pub fn next_attempt(attempts: i64, now: i64) -> Option<i64> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let shift = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let wait = RETRY_BASE.saturating_mul(1_i64 << shift).min(RETRY_MAX);
    Some(now + wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_then_give_up() {
        assert_eq!(next_attempt(1, 100), Some(105));
        assert_eq!(next_attempt(2, 100), Some(110));
        assert_eq!(next_attempt(3, 100), Some(120));
        assert_eq!(next_attempt(9, 100), Some(100 + RETRY_MAX));
        assert_eq!(next_attempt(MAX_ATTEMPTS, 100), None);
    }

    #[test]
    fn a_link_is_live_used_or_expired() {
        let mut l = LinkRecord {
            hash: "h".into(),
            purpose: LinkPurpose::Recovery,
            sub: "s".into(),
            email: None,
            created_at: 0,
            expires_at: 10,
            used_at: None,
        };
        assert_eq!(l.state(5), LinkState::Live);
        assert_eq!(l.state(10), LinkState::Expired);
        l.used_at = Some(3);
        assert_eq!(l.state(5), LinkState::Used);
        assert_eq!(LinkPurpose::parse("verify"), Some(LinkPurpose::Verify));
    }
}
