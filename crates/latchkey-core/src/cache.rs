//! A bounded in-memory map for answers that sit on hot paths (clients,
//! revocation answers, verified access tokens). Beyond its capacity it
//! starts over rather than grow. `forget` empties it and bumps a
//! generation, so a lookup that read its source before a change cannot put
//! its stale answer in afterwards.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

struct Inner<V> {
    generation: u64,
    map: HashMap<String, V>,
}

/// Cheap to clone: clones share the map. `{:?}` shows its size, never
/// its keys (verified access tokens are keys).
pub struct Cache<V> {
    capacity: usize,
    inner: Arc<RwLock<Inner<V>>>,
}

impl<V> Clone for Cache<V> {
    fn clone(&self) -> Self {
        Cache {
            capacity: self.capacity,
            inner: self.inner.clone(),
        }
    }
}

impl<V> std::fmt::Debug for Cache<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        f.debug_struct("Cache")
            .field("capacity", &self.capacity)
            .field("generation", &inner.generation)
            .field("entries", &inner.map.len())
            .finish_non_exhaustive()
    }
}

impl<V> Default for Cache<V> {
    /// Room for 10,000 entries.
    fn default() -> Self {
        Cache::new(10_000)
    }
}

impl<V> Cache<V> {
    pub fn new(capacity: usize) -> Self {
        Cache {
            capacity,
            inner: Arc::new(RwLock::new(Inner {
                generation: 0,
                map: HashMap::new(),
            })),
        }
    }
}

impl<V: Clone> Cache<V> {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner<V>> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner<V>> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached value, and the generation to hand back to `put` on a miss.
    pub fn get(&self, key: &str) -> Result<V, u64> {
        let inner = self.read();
        inner.map.get(key).cloned().ok_or(inner.generation)
    }

    /// Keep a value read from its source, unless the cache was forgotten
    /// since the read began.
    pub fn put(&self, generation: u64, key: &str, value: &V) {
        let mut inner = self.write();
        if inner.generation != generation {
            return;
        }
        if inner.map.len() >= self.capacity {
            inner.map.clear();
        }
        inner.map.insert(key.to_string(), value.clone());
    }

    /// Bumped by every `forget`: a value derived from the whole source
    /// (an index) is current while this has not moved since it was read.
    pub fn generation(&self) -> u64 {
        self.read().generation
    }

    pub fn forget(&self) {
        let mut inner = self.write();
        inner.generation += 1;
        inner.map.clear();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_read_is_not_kept_after_forget() {
        let cache: Cache<u32> = Cache::new(10);
        let generation = cache.get("k").unwrap_err();
        cache.forget();
        cache.put(generation, "k", &1);
        assert!(cache.get("k").is_err());
        let generation = cache.get("k").unwrap_err();
        cache.put(generation, "k", &2);
        assert_eq!(cache.get("k"), Ok(2));
    }

    #[test]
    fn forget_moves_the_generation() {
        let cache: Cache<u32> = Cache::new(10);
        let before = cache.generation();
        cache.put(before, "k", &1);
        assert_eq!(cache.generation(), before);
        cache.forget();
        assert_eq!(cache.generation(), before + 1);
    }

    #[test]
    fn beyond_capacity_it_starts_over_and_clones_share_it() {
        let cache: Cache<u32> = Cache::new(2);
        let shared = cache.clone();
        for (i, key) in ["a", "b", "c"].into_iter().enumerate() {
            let generation = cache.get(key).unwrap_err();
            cache.put(generation, key, &(i as u32));
        }
        assert!(shared.get("a").is_err() && shared.get("b").is_err());
        assert_eq!(shared.get("c"), Ok(2));
    }
}
