//! One turn at a time per key on this node (the sign-in checks of one
//! account): a map of small semaphores that removes each entry as soon as
//! nobody holds or waits for it, so idle keys cost nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Semaphore;

/// Turns in progress per key on this node, at most one each.
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
