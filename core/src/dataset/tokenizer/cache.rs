//! Bounded concurrent caches of token counts, keyed by 128-bit hashes of what was counted.
//!
//! Two caches serve [`super::HfTokenCounter`]: one maps a piece of rendered text (the text
//! between two added tokens) to its token count, the other maps a prefix of a conversation to
//! the counts derived from it. Keys are 128-bit hashes, so a key stands for its text: two
//! different texts share a key with probability about `n² / 2¹²⁹` for `n` texts.
//!
//! Each cache is split into shards behind their own mutex, so validation threads rarely wait
//! on each other, and each shard keeps two generations: when the current one is full it
//! becomes the previous one and a new one starts; a hit in the previous generation moves the
//! entry forward. Memory stays bounded and the entries still in use survive.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::mem;
use std::sync::{Mutex, MutexGuard};

use ahash::RandomState;
use serde::Serialize;

use super::local_cache::LocalHits;

const SHARDS: usize = 16;

/// Fixed seeds: keys are only compared within one process, but fixed seeds keep runs
/// reproducible.
const SEEDS_LOW: [u64; 4] =
    [0x243f_6a88_85a3_08d3, 0x1319_8a2e_0370_7344, 0xa409_3822_299f_31d0, 0x082e_fa98_ec4e_6c89];
const SEEDS_HIGH: [u64; 4] =
    [0x4528_21e6_38d0_1377, 0xbe54_66cf_34e9_0c6c, 0xc0ac_29b7_c97c_50dd, 0x3f84_d5b5_b547_0917];

/// Builds 128-bit keys: two independent 64-bit hashes of the same input.
#[derive(Clone)]
pub(crate) struct KeyHasher {
    low: RandomState,
    high: RandomState,
}

impl KeyHasher {
    pub(crate) fn new() -> Self {
        let [a, b, c, d] = SEEDS_LOW;
        let [e, f, g, h] = SEEDS_HIGH;
        Self { low: RandomState::with_seeds(a, b, c, d), high: RandomState::with_seeds(e, f, g, h) }
    }

    /// The key of one value.
    #[cfg(test)]
    pub(crate) fn key<T: Hash + ?Sized>(&self, value: &T) -> u128 {
        combine(self.low.hash_one(value), self.high.hash_one(value))
    }

    /// The key of a text with a flag, in one pass over the text: what pieces and words are
    /// remembered by.
    pub(crate) fn text_key(&self, flag: bool, text: &str) -> u128 {
        xxhash_rust::xxh3::xxh3_128_with_seed(text.as_bytes(), u64::from(flag))
    }

    /// A key that grows with its input: feed values one after the other and read the key of
    /// everything fed so far at any point.
    pub(crate) fn rolling(&self) -> RollingKey {
        RollingKey { low: self.low.build_hasher(), high: self.high.build_hasher() }
    }
}

/// The key of a growing sequence of values (see [`KeyHasher::rolling`]).
pub(crate) struct RollingKey {
    low: ahash::AHasher,
    high: ahash::AHasher,
}

impl RollingKey {
    /// Appends one value.
    pub(crate) fn feed<T: Hash + ?Sized>(&mut self, value: &T) {
        value.hash(&mut self.low);
        value.hash(&mut self.high);
    }

    /// The key of everything fed so far.
    pub(crate) fn key(&self) -> u128 {
        combine(self.low.finish(), self.high.finish())
    }
}

fn combine(low: u64, high: u64) -> u128 {
    (u128::from(high) << 64) | u128::from(low)
}

/// Keys are already uniform hashes: the map uses their low 64 bits as they are.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u128` keys are hashed here; keep a correct fallback all the same.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u128(&mut self, value: u128) {
        // Truncation intended: the low half of a uniform hash.
        self.0 = value as u64;
    }
}

type Map = HashMap<u128, u64, BuildHasherDefault<PassThrough>>;

#[derive(Default)]
struct Shard {
    current: Map,
    previous: Map,
    /// Lookups this shard answered, and those it could not.
    hits: u64,
    misses: u64,
}

/// How often a cache answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CacheCounters {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that had to count.
    pub misses: u64,
}

impl CacheCounters {
    /// Hits over lookups, 0 when nothing was looked up.
    pub fn hit_rate(&self) -> f64 {
        let lookups = self.hits + self.misses;
        if lookups == 0 { 0.0 } else { self.hits as f64 / lookups as f64 }
    }
}

/// A bounded map from 128-bit keys to counts, shared by threads, with each thread's last
/// lookups in front of it (see [`super::local_cache`]).
pub(crate) struct CountCache {
    shards: Vec<Mutex<Shard>>,
    generation_capacity: usize,
    local: LocalHits,
}

impl CountCache {
    /// A cache holding at most about `capacity` entries (twice that for a moment while a
    /// generation turns over). A capacity of 0 stores nothing.
    pub(crate) fn new(capacity: usize) -> Self {
        let shards = if capacity == 0 { 0 } else { SHARDS };
        Self {
            shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect(),
            generation_capacity: capacity.div_ceil(SHARDS * 2).max(1),
            local: LocalHits::new(),
        }
    }

    /// Whether the cache stores anything.
    pub(crate) fn is_enabled(&self) -> bool {
        !self.shards.is_empty()
    }

    /// The count stored under `key`, or `compute()` stored under it. The shard is not locked
    /// while computing, so two threads may compute the same count; both get the same answer.
    /// A disabled cache computes and counts nothing.
    pub(crate) fn get_or_try_insert<E>(&self, key: u128, compute: impl FnOnce() -> Result<u64, E>) -> Result<u64, E> {
        if !self.is_enabled() {
            return compute();
        }
        if let Some(value) = self.lookup(key) {
            return Ok(value);
        }
        let value = compute()?;
        self.insert(key, value);
        Ok(value)
    }

    /// The count stored under `key`, counted as a hit or a miss.
    pub(crate) fn lookup(&self, key: u128) -> Option<u64> {
        if let Some(value) = self.local.get(key) {
            return Some(value);
        }
        let found = self.lookup_shared(key);
        if let Some(value) = found {
            self.local.put(key, value);
        }
        found
    }

    /// [`CountCache::lookup`] in the shared maps only; a hit in the previous generation
    /// moves the entry to the current one.
    fn lookup_shared(&self, key: u128) -> Option<u64> {
        let mut shard = self.shard(key)?;
        let found = match shard.current.get(&key) {
            Some(&value) => Some(value),
            None => shard.previous.remove(&key).inspect(|&value| self.store(&mut shard, key, value)),
        };
        match found {
            Some(_) => shard.hits += 1,
            None => shard.misses += 1,
        }
        found
    }

    /// Stores `value` under `key`.
    pub(crate) fn insert(&self, key: u128, value: u64) {
        if let Some(mut shard) = self.shard(key) {
            self.store(&mut shard, key, value);
            drop(shard);
            self.local.put(key, value);
        }
    }

    fn store(&self, shard: &mut Shard, key: u128, value: u64) {
        if shard.current.len() >= self.generation_capacity {
            shard.previous = mem::take(&mut shard.current);
        }
        shard.current.insert(key, value);
    }

    fn shard(&self, key: u128) -> Option<MutexGuard<'_, Shard>> {
        if self.shards.is_empty() {
            return None;
        }
        // The high half picks the shard, the low half the bucket inside it.
        let index = ((key >> 64) as usize) % self.shards.len();
        // A poisoned shard only means another thread panicked mid-insert; its maps are
        // still valid maps, so keep using it.
        Some(self.shards[index].lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Hits and misses so far (other threads' hits in their own caches arrive in batches).
    pub(crate) fn counters(&self) -> CacheCounters {
        let mut counters = CacheCounters { hits: self.local.hits(), misses: 0 };
        for shard in &self.shards {
            let shard = shard.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            counters.hits += shard.hits;
            counters.misses += shard.misses;
        }
        counters
    }

    /// Entries held now, both generations.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                let shard = shard.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                shard.current.len() + shard.previous.len()
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(cache: &CountCache, key: u128, value: u64) -> u64 {
        cache.get_or_try_insert::<()>(key, || Ok(value)).unwrap()
    }

    #[test]
    fn remembers_and_counts_hits() {
        let cache = CountCache::new(1000);
        assert_eq!(count(&cache, 7, 3), 3);
        assert_eq!(count(&cache, 7, 99), 3, "the stored count wins");
        assert_eq!(cache.counters(), CacheCounters { hits: 1, misses: 1 });
        assert!((cache.counters().hit_rate() - 0.5).abs() < 1e-9);
    }

    #[test]
    fn stays_bounded_and_keeps_what_is_used() {
        let cache = CountCache::new(64);
        let hot = KeyHasher::new().key("hot");
        cache.insert(hot, 1);
        for i in 0..10_000u64 {
            cache.insert(KeyHasher::new().key(&i), i);
            assert_eq!(cache.lookup_shared(hot), Some(1), "an entry in use is never evicted");
        }
        assert!(cache.len() <= 2 * 64 + 2 * SHARDS, "{} entries", cache.len());
        assert_eq!(cache.lookup_shared(KeyHasher::new().key(&0u64)), None, "an entry not used since is gone");
    }

    #[test]
    fn capacity_zero_stores_nothing() {
        let cache = CountCache::new(0);
        assert!(!cache.is_enabled());
        assert_eq!(count(&cache, 1, 5), 5);
        assert_eq!(count(&cache, 1, 6), 6);
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn errors_are_not_stored() {
        let cache = CountCache::new(10);
        assert_eq!(cache.get_or_try_insert(1, || Err("no")), Err("no"));
        assert_eq!(count(&cache, 1, 4), 4);
    }

    #[test]
    fn rolling_keys_match_keys_of_the_same_sequence() {
        let hasher = KeyHasher::new();
        let mut rolling = hasher.rolling();
        let empty = rolling.key();
        rolling.feed("ab");
        let one = rolling.key();
        rolling.feed("c");
        assert_ne!(empty, one);
        assert_ne!(one, rolling.key());
        let mut again = hasher.rolling();
        again.feed("ab");
        again.feed("c");
        assert_eq!(again.key(), rolling.key());
        let mut split_differently = hasher.rolling();
        split_differently.feed("a");
        split_differently.feed("bc");
        assert_ne!(split_differently.key(), rolling.key(), "str hashing marks where each value ends");
    }
}
