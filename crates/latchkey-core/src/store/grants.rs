//! Grants, from the code to the tokens: authorization codes, refresh
//! tokens, revocation, the access-token denylist, client assertion jtis and
//! pushed authorization requests.

use super::StoreResult;
use crate::grant::{CodeRecord, PushedRequest, PushedTake, Redemption, RefreshRecord};
use crate::session::ConsentGrant;

#[async_trait::async_trait]
pub trait GrantStore: Send + Sync {
    // -----------------------------------------------------------------------
    // Authorization codes. `SessionStore::purge_sessions` removes expired ones.
    // -----------------------------------------------------------------------

    /// Keep an issued authorization code (by its hash).
    async fn insert_code(&self, code: &CodeRecord) -> StoreResult<()>;
    /// End a sign-in with its code, in one transaction: take the
    /// interaction (when one is named), remember the consent (when given)
    /// and keep the code. `false`, with nothing written, when the
    /// interaction was already taken: a sign-in completes once.
    async fn finish_with_code(
        &self,
        interaction: Option<&str>,
        consent: Option<ConsentGrant<'_>>,
        code: &CodeRecord,
    ) -> StoreResult<bool>;
    /// Redeem a code exactly once, atomically across nodes: the first call
    /// gets `Fresh`, every later one `Reused` (the caller then revokes the
    /// grant), an unknown hash `Unknown`.
    async fn redeem_code(&self, code_hash: &str, now: i64) -> StoreResult<Redemption> {
        self.redeem_code_then(code_hash, now, &mut |_| None).await
    }
    /// [`redeem_code`](Self::redeem_code), keeping in the same transaction
    /// the refresh token `then` makes from a fresh code (`None`: none to
    /// keep). The code is used whatever `then` decides: redemption is final.
    async fn redeem_code_then(
        &self,
        code_hash: &str,
        now: i64,
        then: &mut (dyn for<'r> FnMut(&'r CodeRecord) -> Option<RefreshRecord> + Send),
    ) -> StoreResult<Redemption>;

    // -----------------------------------------------------------------------
    // Tokens (the /token side: refresh tokens, revocation, assertion jtis).
    // `ChangeStore::purge_expired` also removes what expired here.
    // -----------------------------------------------------------------------

    /// Keep a new refresh token (by its hash).
    async fn insert_refresh_token(&self, token: &RefreshRecord) -> StoreResult<()>;
    async fn get_refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshRecord>>;
    /// Rotate `token_hash` into `successor`, atomically across nodes: only
    /// the call that finds the token neither rotated nor revoked wins
    /// (true) and inserts the successor; `successor_sealed` is the
    /// successor token sealed with `Secrets::seal`, kept so a retry within
    /// the grace window gets the same successor.
    async fn rotate_refresh_token(
        &self,
        token_hash: &str,
        now: i64,
        successor: &RefreshRecord,
        successor_sealed: &[u8],
    ) -> StoreResult<bool>;
    /// Revoke a grant: every refresh token of it, and (through
    /// `is_grant_revoked`) every access token carrying its id. Remembered
    /// until `keep_until`. Idempotent.
    async fn revoke_grant(&self, grant_id: &str, now: i64, keep_until: i64) -> StoreResult<()>;
    async fn is_grant_revoked(&self, grant_id: &str) -> StoreResult<bool>;
    /// Why a revoked grant was revoked, when that was recorded:
    /// [`SESSION_ENDED`](crate::grant::SESSION_ENDED) for a grant the end
    /// of its session revoked, [`CONSENT_REVOKED`](crate::grant::CONSENT_REVOKED)
    /// for one the user took back; `None` for any other (or no) revocation.
    async fn revocation_reason(&self, grant_id: &str) -> StoreResult<Option<String>>;
    /// Note that tokens of `grant_id` were issued to `client_id` for `sub`
    /// at `now`, in the browser session `sid` (if any): the connected
    /// application's last use, how its grants are found when the user
    /// revokes it, and which clients a session's end reaches
    /// (back-channel logout). Kept until `keep_until` (the longest any
    /// token of it lives). Idempotent; the later time wins.
    async fn record_grant_use(
        &self,
        grant_id: &str,
        sub: &str,
        client_id: &str,
        sid: Option<&str>,
        now: i64,
        keep_until: i64,
    ) -> StoreResult<()>;
    /// Denylist an access token by `jti` until it expires. Idempotent.
    async fn deny_access_token(&self, jti: &str, expires_at: i64) -> StoreResult<()>;
    async fn is_access_token_denied(&self, jti: &str) -> StoreResult<bool>;
    /// Record a client assertion's `jti` until `expires_at`: true when it
    /// was new, false when it was already recorded (a replay).
    async fn record_jti(&self, client_id: &str, jti: &str, expires_at: i64) -> StoreResult<bool>;
    /// Record a DPoP proof's `jti` for the key `jkt` until `expires_at`
    /// (RFC 9449 §11.1): true when it was new, false for a replay. A key
    /// space of its own, apart from client assertions.
    async fn record_dpop_jti(&self, jkt: &str, jti: &str, expires_at: i64) -> StoreResult<bool>;

    // -----------------------------------------------------------------------
    // Pushed authorization requests (RFC 9126). `ChangeStore::purge_expired`
    // removes them an hour after they expire (kept that long so a late or
    // repeated use is answered precisely).
    // -----------------------------------------------------------------------

    async fn insert_pushed_request(&self, pushed: &PushedRequest) -> StoreResult<()>;
    /// Use a pushed request exactly once, atomically across nodes: only the
    /// first call by the client that pushed it, before it expires, gets it.
    async fn take_pushed_request(
        &self,
        uri_hash: &str,
        client_id: &str,
        now: i64,
    ) -> StoreResult<PushedTake>;
}
