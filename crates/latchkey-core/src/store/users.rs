//! Users: the local accounts, found by subject, username or verified email.

use super::StoreResult;
use crate::user::UserRecord;

#[async_trait::async_trait]
pub trait UserStore: Send + Sync {
    // Users. `create_user` fails with `Conflict` when the username is taken.
    async fn create_user(&self, user: &UserRecord) -> StoreResult<()>;
    async fn get_user(&self, sub: &str) -> StoreResult<Option<UserRecord>>;
    async fn get_user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    /// The users a typed sign-in name may mean (a few at most): that
    /// username exactly or ignoring ASCII case, or that verified email
    /// ignoring ASCII case. [`crate::user::pick_for_sign_in`] chooses.
    async fn find_users_for_sign_in(&self, name: &str) -> StoreResult<Vec<UserRecord>>;
    /// Users whose verified email is `email_key` ([`crate::user::email_key`]).
    async fn find_users_by_verified_email(&self, email_key: &str) -> StoreResult<Vec<UserRecord>>;
    async fn list_users(&self) -> StoreResult<Vec<UserRecord>>;
    /// Replaces the stored record; `Conflict` when the new username is taken.
    async fn update_user(&self, user: &UserRecord) -> StoreResult<bool>;
    /// Delete a user and end everything that lets anyone act as them, in
    /// one transaction: sessions, pending codes and refresh tokens go, the
    /// grants they belong to are revoked (kept until `keep_until`, so the
    /// access tokens already issued from them stop working), and consents,
    /// second factors and upstream links go. False when no such user.
    async fn delete_user(&self, sub: &str, now: i64, keep_until: i64) -> StoreResult<bool>;
    /// End everything that lets anyone act as the user, keeping the user,
    /// in one transaction (after a password reset): every session ends,
    /// pending codes and refresh tokens go, and the grants they belong to
    /// are revoked (kept until `keep_until`, so access tokens already
    /// issued from them stop working). Returns the sessions ended.
    async fn end_everything_for(&self, sub: &str, now: i64, keep_until: i64) -> StoreResult<u64>;
    /// The administrative roles the user holds ([`crate::user::Role`]
    /// names, sorted); `None` when no such user.
    async fn user_roles(&self, sub: &str) -> StoreResult<Option<Vec<String>>>;
    /// Replaces the user's roles; false when no such user.
    async fn set_user_roles(&self, sub: &str, roles: &[String], now: i64) -> StoreResult<bool>;
}
