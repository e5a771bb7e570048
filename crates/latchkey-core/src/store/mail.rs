//! The outbox of outgoing mail and the single-use links mail carries.
//! Claiming is one conditional UPDATE, so several nodes sharing a
//! database never send one message twice at once, and a claim is a lease:
//! a node that dies mid-send loses nothing.

use super::StoreResult;
use crate::mail::{LinkPurpose, LinkRecord, OutgoingMail};

#[async_trait::async_trait]
pub trait MailStore: Send + Sync {
    /// Put a message in the outbox.
    async fn enqueue_mail(&self, mail: &OutgoingMail) -> StoreResult<()>;
    /// Claim up to `limit` messages that are due (`due_at <= now`), not
    /// expired, and not claimed by a lease still running, for `claim`
    /// until `lease_until`. Claimed messages are returned.
    async fn claim_mail(
        &self,
        claim: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<OutgoingMail>>;
    /// Delete a message this claim holds (sent, or given up).
    async fn delete_mail(&self, id: &str, claim: &str) -> StoreResult<bool>;
    /// A failed attempt of a message this claim holds: count it, release
    /// the claim, and make it due again at `due_at`.
    async fn retry_mail(&self, id: &str, claim: &str, due_at: i64) -> StoreResult<bool>;

    async fn insert_link(&self, link: &LinkRecord) -> StoreResult<()>;
    /// The link with this hash and purpose, whatever its state.
    async fn get_link(&self, hash: &str, purpose: LinkPurpose) -> StoreResult<Option<LinkRecord>>;
    /// Use the link once: true only for the one call that found it unused
    /// and unexpired (a conditional write, safe across nodes).
    async fn use_link(&self, hash: &str, purpose: LinkPurpose, now: i64) -> StoreResult<bool>;

    /// Remove expired messages, and links expired for a while; at most
    /// `limit` rows per table.
    async fn purge_mail(&self, now: i64, limit: i64) -> StoreResult<u64>;
}
