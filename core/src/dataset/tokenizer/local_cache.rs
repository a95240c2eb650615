//! A small cache of each thread, in front of the shared [`super::cache::CountCache`]s: the
//! counts a thread looked up last, direct-mapped by key. A hit costs no lock and touches no
//! memory another thread writes, which the shared caches' locks and counters do.
//!
//! Slots remember which shared cache they belong to, so one thread may serve several
//! caches; a slot is simply overwritten by the next key that maps to it. Hits are counted
//! here and added to the shared cache's counter in batches (see [`LocalHits`]).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Slots per thread: 4096 of 32 bytes, 128 KiB.
const SLOTS: usize = 4096;

/// Local hits are added to the shared counter once this many have gathered.
const FLUSH_EVERY: u64 = 256;

#[derive(Clone, Copy, Default)]
struct Slot {
    /// The owning cache's id; 0: empty.
    cache: u64,
    key: u128,
    value: u64,
}

struct Local {
    slots: Vec<Slot>,
    /// Hits not yet added to their cache's counter, by cache id.
    pending: Vec<(u64, u64)>,
}

thread_local! {
    static LOCAL: RefCell<Local> = RefCell::new(Local { slots: vec![Slot::default(); SLOTS], pending: Vec::new() });
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A shared cache's identity in the threads' local caches, and its count of local hits.
pub(crate) struct LocalHits {
    id: u64,
    hits: AtomicU64,
}

impl LocalHits {
    /// A new identity, with no hits.
    pub(crate) fn new() -> Self {
        Self { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), hits: AtomicU64::new(0) }
    }

    fn slot(&self, key: u128) -> usize {
        // Keys are uniform hashes; the id moves caches that share a thread apart.
        ((key as u64) ^ self.id.wrapping_mul(0x9e37_79b9_7f4a_7c15)) as usize % SLOTS
    }

    /// The value this thread last saw under `key` for this cache, counted as a hit.
    pub(crate) fn get(&self, key: u128) -> Option<u64> {
        LOCAL.with_borrow_mut(|local| {
            let slot = local.slots[self.slot(key)];
            if slot.cache != self.id || slot.key != key {
                return None;
            }
            let pending = match local.pending.iter_mut().find(|(id, _)| *id == self.id) {
                Some((_, pending)) => pending,
                None => {
                    local.pending.push((self.id, 0));
                    &mut local.pending.last_mut().expect("just pushed").1
                }
            };
            *pending += 1;
            if *pending >= FLUSH_EVERY {
                self.hits.fetch_add(std::mem::take(pending), Ordering::Relaxed);
            }
            Some(slot.value)
        })
    }

    /// Remembers `value` under `key` in this thread.
    pub(crate) fn put(&self, key: u128, value: u64) {
        LOCAL.with_borrow_mut(|local| {
            let index = self.slot(key);
            local.slots[index] = Slot { cache: self.id, key, value };
        });
    }

    /// The local hits counted so far: all of this thread's, and those of other threads in
    /// batches of [`FLUSH_EVERY`].
    pub(crate) fn hits(&self) -> u64 {
        let own = LOCAL.with_borrow_mut(|local| {
            local.pending.iter_mut().find(|(id, _)| *id == self.id).map_or(0, |(_, pending)| std::mem::take(pending))
        });
        self.hits.fetch_add(own, Ordering::Relaxed) + own
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_sharing_a_thread_keep_apart() {
        let (a, b) = (LocalHits::new(), LocalHits::new());
        a.put(7, 1);
        assert_eq!(a.get(7), Some(1));
        assert_eq!(b.get(7), None);
        b.put(7, 2);
        assert_eq!(b.get(7), Some(2));
        assert_eq!(a.get(8), None);
        assert_eq!((a.hits(), b.hits()), (1, 1));
    }

    #[test]
    fn hits_of_other_threads_arrive_in_batches() {
        let cache = LocalHits::new();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                cache.put(1, 5);
                for _ in 0..FLUSH_EVERY * 2 + 3 {
                    assert_eq!(cache.get(1), Some(5));
                }
            });
        });
        assert_eq!(cache.hits(), FLUSH_EVERY * 2);
    }
}
