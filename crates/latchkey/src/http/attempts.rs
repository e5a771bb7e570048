//! Guessing bounds for sign-in: passwords, one-time and recovery codes.
//!
//! - Per account, an attempt is *reserved* in the database before the
//!   secret is checked (one conditional upsert), so attempts sent in
//!   parallel, to any number of nodes, cannot all pass a check made before
//!   the slow Argon2id verification. A failed attempt stays counted; a
//!   success clears the account. `limits.login_failures` per window.
//! - Per client address, failures are counted after the check, with a much
//!   higher limit (`limits.address_failures`): many failures from one
//!   address across accounts are an attack, one person mistyping is not,
//!   and behind a proxy or NAT many people share an address. Beyond it,
//!   wrong passwords are answered 429; a right password still signs in, so
//!   nobody is locked out by other people's failures.
//! - On each node, one check at a time per account
//!   ([`crate::slots::Slots`]): queued attempts already hold their
//!   reservations, so the queue is bounded by the limit too.
//!
//! Keys are keyed hashes: a password typed into the username field is not
//! kept readable in the database.

use crate::app::App;
use latchkey_core::session::Reservation;
use latchkey_core::throttle::Window;
use latchkey_core::{Cause, Occurrence};
use std::net::IpAddr;

/// Seconds in a counting window.
pub const WINDOW: i64 = 900;

fn key(app: &App, kind: &str, value: &str) -> String {
    format!(
        "{kind}:{}",
        app.secrets.hash(&format!("attempts/{kind}/{value}"))
    )
}

/// The account a sign-in names, whether or not it exists (case-insensitive).
pub fn account_key(app: &App, username: &str) -> String {
    key(app, "account", &username.to_lowercase())
}

/// Wrong device codes typed from an address (`/device`).
pub fn device_key(app: &App, ip: IpAddr) -> String {
    key(app, "device", &ip.to_string())
}

/// Mail asked for (`kind`: recovery or verification, per name or address).
pub fn mail_key(app: &App, kind: &str, value: &str) -> String {
    key(app, &format!("mail-{kind}"), value)
}

pub fn address_key(app: &App, ip: IpAddr) -> String {
    key(app, "address", &ip.to_string())
}

/// Reserve one attempt for `key` within `limit` per window: `Ok(None)` when
/// granted, `Ok(Some(seconds))` to wait when the window is full.
pub async fn reserve(
    app: &App,
    key: &str,
    limit_per_window: i64,
) -> Result<Option<i64>, Occurrence> {
    let now = latchkey_core::now_unix();
    let reservation = app
        .store
        .reserve_attempt(key, now, WINDOW, limit_per_window)
        .await?;
    Ok(match reservation {
        Reservation::Granted => None,
        Reservation::Refused { window_start } => {
            Some((window_start + WINDOW - now).clamp(1, WINDOW))
        }
    })
}

/// Count one failure for an address, in the one statement that also
/// answers how many there were: `Some(seconds)` to wait when the failures
/// before this one already reached `limits.address_failures`. Says so in
/// the log once the address reaches the limit.
pub async fn record_address_failure(
    app: &App,
    key: &str,
    ip: IpAddr,
) -> Result<Option<i64>, Occurrence> {
    let now = latchkey_core::now_unix();
    let (failures, start) = app.store.record_login_failure(key, now, WINDOW).await?;
    let limit = app.config.address_failures;
    if failures == limit {
        tracing::warn!(
            address = %ip,
            failures,
            "sign-ins from this address failed limits.address_failures times in 15 minutes across accounts; its wrong passwords are answered 429 until the window ends"
        );
    }
    let window = Window {
        limit,
        secs: WINDOW,
    };
    Ok(window.wait(failures - 1, start, now))
}

/// The throttled cause with its wait, for the log and `Retry-After`.
pub fn throttled(cause: &'static Cause, what: &str, wait: i64) -> Occurrence {
    cause
        .with_detail(format!(
            "too many failed {what}; try again in {} minute(s)",
            latchkey_core::journey::login::minutes(wait)
        ))
        .retry_after(u64::try_from(wait).unwrap_or(60))
}
