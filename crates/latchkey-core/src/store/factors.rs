//! Second factors and identity confidence: the TOTP authenticator (sealed),
//! recovery codes (keyed hashes), and the factors a session has satisfied.

use super::StoreResult;
use crate::factors::TotpRecord;

#[async_trait::async_trait]
pub trait FactorStore: Send + Sync {
    /// The user's identity confidence (0 when never set).
    async fn identity_confidence(&self, sub: &str) -> StoreResult<u8>;
    /// False when there is no such user.
    async fn set_identity_confidence(&self, sub: &str, level: u8, now: i64) -> StoreResult<bool>;

    async fn get_totp(&self, sub: &str) -> StoreResult<Option<TotpRecord>>;
    /// Store an authenticator, replacing the user's. With `replace_confirmed`
    /// false (an enrolment starting) a confirmed one is kept and false
    /// returned.
    async fn put_totp(&self, totp: &TotpRecord, replace_confirmed: bool) -> StoreResult<bool>;
    /// Confirm a pending enrolment with the step of its first code; false
    /// when there is none pending.
    async fn confirm_totp(&self, sub: &str, step: i64, now: i64) -> StoreResult<bool>;
    /// Accept `step` for a confirmed authenticator, atomically across nodes:
    /// false when it (or a later step) was already accepted, a replay.
    async fn use_totp_step(&self, sub: &str, step: i64) -> StoreResult<bool>;
    /// Remove the authenticator and the recovery codes; false when none.
    async fn delete_totp(&self, sub: &str) -> StoreResult<bool>;

    /// Replace the user's recovery codes (keyed hashes).
    async fn put_recovery_codes(&self, sub: &str, hashes: &[String], now: i64) -> StoreResult<()>;
    /// Use a recovery code once: false when unknown or already used.
    async fn use_recovery_code(&self, sub: &str, hash: &str, now: i64) -> StoreResult<bool>;
    /// How many unused recovery codes the user has.
    async fn recovery_codes_left(&self, sub: &str) -> StoreResult<i64>;

    /// Record the factors a session has satisfied (a step-up keeps the
    /// session and its `sid`); false when the session is gone.
    async fn set_session_amr(&self, id_hash: &str, amr: &[String]) -> StoreResult<bool>;
}
