//! How often refused admin requests reach the audit trail
//! (`admin.access_denied`): once per address per minute.

use std::collections::HashMap;
use std::sync::Mutex;

/// How often refused admin requests reach the trail: the first refusal
/// from an address in a minute is kept; the rest of that minute are
/// counted and logged, and the next kept event says how many there were.
/// An attacker guessing tokens cannot flood the trail, and every address
/// that tried is still in it. Per node, in memory.
#[derive(Default)]
pub struct DeniedLimiter {
    seen: Mutex<HashMap<String, (i64, u64)>>,
}

/// The most addresses remembered at once; past it, old minutes are
/// forgotten first.
const DENIED_ADDRESSES: usize = 10_000;

impl DeniedLimiter {
    /// Whether a refusal from `address` at `now` is kept, and how many
    /// refusals from it went unkept before it.
    pub fn admit(&self, address: &str, now: i64) -> Option<u64> {
        let minute = now.div_euclid(60);
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= DENIED_ADDRESSES {
            seen.retain(|_, (m, _)| *m == minute);
        }
        if seen.len() >= DENIED_ADDRESSES && !seen.contains_key(address) {
            return None;
        }
        match seen.get_mut(address) {
            Some((m, skipped)) if *m == minute => {
                *skipped += 1;
                None
            }
            Some(entry) => {
                let skipped = entry.1;
                *entry = (minute, 0);
                Some(skipped)
            }
            None => {
                seen.insert(address.to_string(), (minute, 0));
                Some(0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_denial_per_address_per_minute_is_kept() {
        let limiter = DeniedLimiter::default();
        assert_eq!(limiter.admit("192.0.2.1", 600), Some(0));
        assert_eq!(limiter.admit("192.0.2.1", 601), None);
        assert_eq!(limiter.admit("192.0.2.1", 659), None);
        assert_eq!(limiter.admit("192.0.2.2", 610), Some(0));
        assert_eq!(limiter.admit("192.0.2.1", 660), Some(2));
        assert_eq!(limiter.admit("192.0.2.1", 661), None);
    }
}
