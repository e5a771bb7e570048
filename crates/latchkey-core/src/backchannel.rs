//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0): the
//! queue of Logout Tokens waiting to be delivered to clients, and the
//! retry rule.
//!
//! When a session ends, one row is queued per client that received tokens
//! in it (and has a `backchannel_logout_uri`); a worker on each node claims
//! due rows for a lease, signs a fresh Logout Token for each attempt and
//! POSTs it, deletes the row on a 2xx answer, and otherwise makes it due
//! again later, giving up after the last attempt. The row holds no token:
//! only who is logged out of which client.

/// The event a Logout Token carries (§2.4).
pub const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// The `typ` header of a Logout Token (§2.4, RFC 8725 §3.11).
pub const TYP: &str = "logout+jwt";
/// Seconds a Logout Token is valid (`exp - iat`): each attempt signs its own.
pub const TOKEN_TTL: i64 = 120;
/// Seconds a claimed delivery stays claimed: a node that dies mid-POST
/// leaves it to another node after this.
pub const CLAIM_LEASE: i64 = 120;
/// Seconds a queued delivery may wait at most, whatever its retries.
pub const QUEUE_TTL: i64 = 24 * 3600;
/// The longest wait between two attempts.
pub const RETRY_MAX: i64 = 900;

/// A Logout Token to deliver: to whom, about which user and session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogout {
    pub id: String,
    pub client_id: String,
    pub sub: String,
    /// The session that ended (`sid` of the ID tokens); `None` when every
    /// session of the user ended and the client did not ask for `sid`.
    pub sid: Option<String>,
    /// Attempts that failed so far.
    pub attempts: i64,
    /// Not attempted before this time (the next retry).
    pub due_at: i64,
    pub created_at: i64,
    /// Dropped undelivered after this time.
    pub expires_at: i64,
}

/// A client that received tokens for a user, and the session it received
/// them in (`None`: a grant made without a browser session).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SessionClient {
    pub client_id: String,
    pub sid: Option<String>,
}

/// How deliveries are retried (`backchannel_logout.*` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryRule {
    /// Seconds before the first retry; each further one waits twice as long.
    pub base: i64,
    /// Attempts in all before a delivery is given up.
    pub attempts: i64,
}

impl RetryRule {
    /// When to try again after `attempts` failures (counting the one that
    /// just failed), or `None` to give up.
    pub fn next_attempt(&self, attempts: i64, now: i64) -> Option<i64> {
        if attempts >= self.attempts {
            return None;
        }
        let shift = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
        let wait = self
            .base
            .max(1)
            .saturating_mul(1_i64 << shift)
            .min(RETRY_MAX);
        Some(now + wait)
    }
}

/// The deliveries a session's end calls for. `ended`: the session that
/// ended, or `None` when every session of the user ended. `clients`: the
/// clients that received tokens for the user (with the session of each
/// grant), each with whether it has a `backchannel_logout_uri` and whether
/// it asked for `sid` (`backchannel_logout_session_required`).
///
/// One session ending: one delivery per client that received tokens in it,
/// with its `sid`. Every session ending: a client that does not need `sid`
/// gets one token naming only the user (all its sessions, §2.4); one that
/// needs it gets one per session it received tokens in.
pub fn deliveries(
    ended: Option<&str>,
    clients: &[SessionClient],
    wants: impl Fn(&str) -> Option<bool>,
) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let mut push = |client_id: &str, sid: Option<&str>| {
        let row = (client_id.to_string(), sid.map(str::to_string));
        if !out.contains(&row) {
            out.push(row);
        }
    };
    for c in clients {
        let Some(session_required) = wants(&c.client_id) else {
            continue;
        };
        match (ended, c.sid.as_deref()) {
            (Some(ended), Some(sid)) if ended == sid => push(&c.client_id, Some(sid)),
            (Some(_), _) => {}
            (None, sid) if session_required => {
                if let Some(sid) = sid {
                    push(&c.client_id, Some(sid));
                }
            }
            (None, _) => push(&c.client_id, None),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_then_give_up() {
        let rule = RetryRule {
            base: 5,
            attempts: 4,
        };
        assert_eq!(rule.next_attempt(1, 100), Some(105));
        assert_eq!(rule.next_attempt(2, 100), Some(110));
        assert_eq!(rule.next_attempt(3, 100), Some(120));
        assert_eq!(rule.next_attempt(4, 100), None);
        let long = RetryRule {
            base: 600,
            attempts: 50,
        };
        assert_eq!(long.next_attempt(30, 0), Some(RETRY_MAX));
    }

    fn sc(client_id: &str, sid: Option<&str>) -> SessionClient {
        SessionClient {
            client_id: client_id.into(),
            sid: sid.map(str::to_string),
        }
    }

    #[test]
    fn one_session_ending_reaches_the_clients_of_that_session() {
        let clients = [
            sc("a", Some("s1")),
            sc("a", Some("s1")),
            sc("b", Some("s1")),
            sc("c", Some("s2")),
            sc("d", None),
            sc("quiet", Some("s1")),
        ];
        let wants = |id: &str| (id != "quiet").then_some(false);
        assert_eq!(
            deliveries(Some("s1"), &clients, wants),
            vec![
                ("a".into(), Some("s1".into())),
                ("b".into(), Some("s1".into()))
            ]
        );
    }

    #[test]
    fn every_session_ending_names_the_user_or_each_session() {
        let clients = [
            sc("a", Some("s1")),
            sc("a", Some("s2")),
            sc("a", None),
            sc("strict", Some("s1")),
            sc("strict", Some("s2")),
            sc("strict", None),
        ];
        let wants = |id: &str| Some(id == "strict");
        assert_eq!(
            deliveries(None, &clients, wants),
            vec![
                ("a".into(), None),
                ("strict".into(), Some("s1".into())),
                ("strict".into(), Some("s2".into())),
            ]
        );
    }
}
