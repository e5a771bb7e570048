//! Fixed-window counting, shared by login throttling (failures per account
//! and per address) and the per-client request rate. The store keeps one
//! counter and the start of its window per key (atomically, so every node
//! counts into the same window); this decides what the count means.

/// At most `limit` events per key in a window of `secs` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub limit: i64,
    pub secs: i64,
}

impl Window {
    /// Seconds to wait before the next event, when `counted` events of the
    /// window that began at `start` already reach the limit; `None` when
    /// one more is allowed (also once that window has ended).
    pub fn wait(&self, counted: i64, start: i64, now: i64) -> Option<i64> {
        (counted >= self.limit && start > now - self.secs).then(|| (start + self.secs - now).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::Window;

    #[test]
    fn the_limit_blocks_until_the_window_ends() {
        let w = Window { limit: 3, secs: 10 };
        assert_eq!(w.wait(2, 100, 100), None);
        assert_eq!(w.wait(3, 100, 100), Some(10));
        assert_eq!(w.wait(3, 100, 109), Some(1));
        assert_eq!(w.wait(3, 100, 110), None);
        // A one-second window: the rest of the current second, at least 1.
        let rps = Window { limit: 5, secs: 1 };
        assert_eq!(rps.wait(5, 7, 7), Some(1));
        assert_eq!(rps.wait(5, 7, 8), None);
    }
}
