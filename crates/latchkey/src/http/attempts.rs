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
//! - On each node, one check at a time per account ([`Slots`]): queued
//!   attempts already hold their reservations, so the queue is bounded by
//!   the limit too.
//!
//! Keys are keyed hashes: a password typed into the username field is not
//! kept readable in the database.

use crate::app::App;
use latchkey_core::session::Reservation;
use latchkey_core::throttle::Window;
use latchkey_core::{Cause, Occurrence};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Semaphore;

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

pub fn address_key(app: &App, ip: IpAddr) -> String {
    key(app, "address", &ip.to_string())
}

fn limit(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Reserve one attempt for `key` within `limit` per window: `Ok(None)` when
/// granted, `Ok(Some(seconds))` to wait when the window is full.
pub async fn reserve(
    app: &App,
    key: &str,
    limit_per_window: u64,
) -> Result<Option<i64>, Occurrence> {
    let now = latchkey_core::now_unix();
    let reservation = app
        .store
        .reserve_attempt(key, now, WINDOW, limit(limit_per_window))
        .await?;
    Ok(match reservation {
        Reservation::Granted => None,
        Reservation::Refused { window_start } => {
            Some((window_start + WINDOW - now).clamp(1, WINDOW))
        }
    })
}

/// Seconds `key` must wait with `limit` failures per window; `None` if
/// it need not.
pub async fn waiting(
    app: &App,
    key: &str,
    limit_per_window: u64,
) -> Result<Option<i64>, Occurrence> {
    let window = Window {
        limit: limit(limit_per_window),
        secs: WINDOW,
    };
    let now = latchkey_core::now_unix();
    Ok(app
        .store
        .login_failures(key)
        .await?
        .and_then(|(failures, start)| window.wait(failures, start, now)))
}

/// Count one failure for an address. Says so in the log once the address
/// reaches its limit: from then on its wrong passwords get 429.
pub async fn record_address_failure(app: &App, key: &str, ip: IpAddr) -> Result<(), Occurrence> {
    let (failures, _) = app
        .store
        .record_login_failure(key, latchkey_core::now_unix(), WINDOW)
        .await?;
    if failures == limit(app.config.address_failures) {
        tracing::warn!(
            address = %ip,
            failures,
            "sign-ins from this address failed limits.address_failures times in 15 minutes across accounts; its wrong passwords are answered 429 until the window ends"
        );
    }
    Ok(())
}

/// The throttled cause with its wait, for the log and `Retry-After`.
pub fn throttled(cause: &'static Cause, what: &str, wait: i64) -> Occurrence {
    cause
        .with_detail(format!(
            "too many failed {what}; try again in {} minute(s)",
            minutes(wait)
        ))
        .retry_after(u64::try_from(wait).unwrap_or(60))
}

/// Whole minutes, rounded up, for people.
pub fn minutes(wait: i64) -> i64 {
    (wait + 59) / 60
}

/// Checks in progress per account on this node, at most one each.
#[derive(Default)]
pub struct Slots {
    held: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// A turn to check an account's secret; the next one waits until it ends.
pub struct Slot<'a> {
    slots: &'a Slots,
    key: String,
    semaphore: Arc<Semaphore>,
    acquired: bool,
}

impl Slots {
    pub async fn acquire(&self, key: &str) -> Slot<'_> {
        let semaphore = self
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(1)))
            .clone();
        let mut slot = Slot {
            slots: self,
            key: key.to_string(),
            semaphore,
            acquired: false,
        };
        // The semaphore is never closed. The permit is given back in
        // `drop`, which also runs when the request is abandoned while
        // waiting, so the map never keeps an entry nobody uses.
        if let Ok(permit) = slot.semaphore.acquire().await {
            permit.forget();
            slot.acquired = true;
        }
        slot
    }

    /// Accounts with a check running or waiting (for tests).
    pub fn in_use(&self) -> usize {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut held = self
            .slots
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if self.acquired {
            self.semaphore.add_permits(1);
        }
        // Only the map and this slot hold it: nobody runs or waits.
        if Arc::strong_count(&self.semaphore) == 2 {
            held.remove(&self.key);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_check_at_a_time_per_account_and_nothing_left_behind() {
        let slots = Arc::new(Slots::default());
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let (slots, running, most) = (slots.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    let account = if i % 2 == 0 { "a" } else { "b" };
                    let _slot = slots.acquire(account).await;
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        // Two accounts: at most two checks at once, never two of one account.
        assert!(most.load(Ordering::SeqCst) <= 2);
        assert_eq!(slots.in_use(), 0);

        // A waiter that gives up leaves nothing behind either.
        let first = slots.acquire("a").await;
        let waiter =
            tokio::time::timeout(std::time::Duration::from_millis(20), slots.acquire("a")).await;
        assert!(waiter.is_err(), "the second check waits for the first");
        drop(first);
        assert_eq!(slots.in_use(), 0);
    }
}
