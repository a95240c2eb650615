//! The merges of a byte-level BPE model, applied to the bytes of one pre-token exactly as
//! `tokenizers`' `BPE` model applies them.
//!
//! `tokenizers` starts from one symbol per byte (the byte-level alphabet maps each byte to
//! one character of the vocabulary), then repeatedly merges the adjacent pair with the
//! lowest merge rank, the leftmost of equal ranks, into the token the merge names, until no
//! adjacent pair has a merge. With `ignore_merges`, a pre-token that is itself in the
//! vocabulary is that one token. [`ByteBpe::count`] computes the same number of tokens; it
//! knows a vocabulary entry is one token without merging when `ignore_merges` says so or
//! when merging its bytes was found, at load, to give that very entry back.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use ahash::RandomState;

/// A merge: its rank (lower merges first) and the token it makes.
#[derive(Debug, Clone, Copy)]
struct Merge {
    rank: u32,
    token: u32,
}

/// No merge: ranks below it are real.
const NO_MERGE: Merge = Merge { rank: u32::MAX, token: 0 };

/// Words up to this many bytes are merged in arrays on the stack; longer ones with a heap.
const SHORT_WORD: usize = 32;

/// A byte-level BPE model reduced to what counting needs.
#[derive(Debug)]
pub(crate) struct ByteBpe {
    /// The token of each single byte.
    byte_tokens: [u32; 256],
    /// Merges by `(left << 32) | right`.
    merges: HashMap<u64, Merge, RandomState>,
    /// Byte strings known to be exactly one token.
    whole: HashMap<Box<[u8]>, u32, RandomState>,
}

/// A token of the model, as bytes.
pub(crate) struct VocabEntry {
    pub(crate) bytes: Vec<u8>,
    pub(crate) id: u32,
}

fn pair(left: u32, right: u32) -> u64 {
    (u64::from(left) << 32) | u64::from(right)
}

impl ByteBpe {
    /// A model from its vocabulary (every token as bytes) and its merges in rank order, each
    /// naming its left and right tokens. Fails when a byte has no token or a merge names a
    /// token, or makes a string, that is not in the vocabulary.
    pub(crate) fn new(
        vocabulary: Vec<VocabEntry>,
        merges: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>,
        ignore_merges: bool,
    ) -> Result<Self, String> {
        let hasher = || RandomState::with_seeds(1, 2, 3, 4);
        let mut ids: HashMap<Box<[u8]>, u32, RandomState> =
            HashMap::with_capacity_and_hasher(vocabulary.len(), hasher());
        for entry in vocabulary {
            ids.insert(entry.bytes.into_boxed_slice(), entry.id);
        }
        let mut byte_tokens = [0; 256];
        for (byte, token) in (0..=255u8).zip(byte_tokens.iter_mut()) {
            *token = *ids.get(&[byte][..]).ok_or_else(|| format!("byte {byte:#04x} has no token"))?;
        }
        let mut merge_map = HashMap::with_hasher(hasher());
        let mut merged = Vec::new();
        for (rank, (left, right)) in merges.into_iter().enumerate() {
            let id = |bytes: &[u8]| {
                ids.get(bytes).copied().ok_or_else(|| format!("merge {rank} names a token not in the vocabulary"))
            };
            merged.clear();
            merged.extend_from_slice(&left);
            merged.extend_from_slice(&right);
            let rank = u32::try_from(rank).map_err(|_| "more than 2^32 merges".to_owned())?;
            // As in `tokenizers`, a pair listed twice keeps its later rank.
            merge_map.insert(pair(id(&left)?, id(&right)?), Merge { rank, token: id(&merged)? });
        }
        let mut bpe = Self { byte_tokens, merges: merge_map, whole: HashMap::with_hasher(hasher()) };
        bpe.whole =
            if ignore_merges { ids } else { ids.into_iter().filter(|(bytes, id)| bpe.merge(bytes) == [*id]).collect() };
        Ok(bpe)
    }

    /// The number of tokens of `word`.
    pub(crate) fn count(&self, word: &[u8]) -> u64 {
        if word.is_empty() {
            0
        } else if self.whole.contains_key(word) {
            1
        } else if word.len() <= SHORT_WORD {
            self.merge_short(word) as u64
        } else {
            self.merge(word).len() as u64
        }
    }

    fn merge_of(&self, left: u32, right: u32) -> Merge {
        self.merges.get(&pair(left, right)).copied().unwrap_or(NO_MERGE)
    }

    /// The number of tokens of a short `word` after every merge: the same merges as
    /// [`ByteBpe::merge`] in the same order (the lowest rank first, the leftmost of equal
    /// ranks), on arrays that keep each adjacent pair's merge.
    fn merge_short(&self, word: &[u8]) -> usize {
        let mut tokens = [0u32; SHORT_WORD];
        let mut merges = [NO_MERGE; SHORT_WORD];
        let mut len = word.len();
        for (token, &byte) in tokens.iter_mut().zip(word) {
            *token = self.byte_tokens[usize::from(byte)];
        }
        for i in 0..len - 1 {
            merges[i] = self.merge_of(tokens[i], tokens[i + 1]);
        }
        loop {
            let (at, best) = merges[..len - 1]
                .iter()
                .enumerate()
                .fold((0, NO_MERGE), |(at, best), (i, m)| if m.rank < best.rank { (i, *m) } else { (at, best) });
            if best.rank == NO_MERGE.rank {
                return len;
            }
            tokens[at] = best.token;
            tokens.copy_within(at + 2..len, at + 1);
            merges.copy_within(at + 2..len, at + 1);
            len -= 1;
            if at > 0 {
                merges[at - 1] = self.merge_of(tokens[at - 1], tokens[at]);
            }
            merges[at] = if at + 1 < len { self.merge_of(tokens[at], tokens[at + 1]) } else { NO_MERGE };
        }
    }

    /// The tokens of `word` after every merge, as `tokenizers`' `Word::merge_all` makes them.
    fn merge(&self, word: &[u8]) -> Vec<u32> {
        let n = word.len();
        let mut tokens: Vec<u32> = word.iter().map(|&b| self.byte_tokens[usize::from(b)]).collect();
        if n < 2 {
            return tokens;
        }
        // A doubly linked list over the symbols; a merged-away symbol is marked dead.
        let mut next: Vec<usize> = (1..=n).collect();
        let mut prev: Vec<Option<usize>> = (0..n).map(|i| i.checked_sub(1)).collect();
        let mut alive = vec![true; n];
        let mut queue = BinaryHeap::with_capacity(n);
        let candidate = |left: usize, right: usize, tokens: &[u32]| {
            self.merges.get(&pair(tokens[left], tokens[right])).map(|m| Reverse((m.rank, left, m.token)))
        };
        queue.extend((0..n - 1).filter_map(|i| candidate(i, i + 1, &tokens)));
        while let Some(Reverse((_, at, token))) = queue.pop() {
            let right = next[at];
            if !alive[at] || right >= n {
                continue;
            }
            // The pair may have changed since it was queued: merge only what is still there.
            if self.merges.get(&pair(tokens[at], tokens[right])).is_none_or(|m| m.token != token) {
                continue;
            }
            tokens[at] = token;
            alive[right] = false;
            next[at] = next[right];
            if next[at] < n {
                prev[next[at]] = Some(at);
            }
            if let Some(before) = prev[at] {
                queue.extend(candidate(before, at, &tokens));
            }
            if next[at] < n {
                queue.extend(candidate(at, next[at], &tokens));
            }
        }
        tokens.into_iter().zip(alive).filter_map(|(token, alive)| alive.then_some(token)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes `a`, `b`, `c` plus every other byte, then the given multi-byte tokens.
    fn model(tokens: &[&str], merges: &[(&str, &str)], ignore_merges: bool) -> ByteBpe {
        let mut vocabulary: Vec<VocabEntry> =
            (0..=255u8).map(|b| VocabEntry { bytes: vec![b], id: u32::from(b) }).collect();
        for (i, token) in tokens.iter().enumerate() {
            vocabulary.push(VocabEntry { bytes: token.as_bytes().to_vec(), id: 256 + i as u32 });
        }
        let merges = merges.iter().map(|(l, r)| (l.as_bytes().to_vec(), r.as_bytes().to_vec()));
        ByteBpe::new(vocabulary, merges, ignore_merges).unwrap()
    }

    #[test]
    fn merges_lowest_rank_first_and_leftmost_on_ties() {
        let bpe = model(&["ab", "bc", "abc"], &[("b", "c"), ("a", "b"), ("a", "bc")], false);
        // "bc" merges first, then "a"+"bc".
        assert_eq!(bpe.merge(b"abc"), [258]);
        assert_eq!(bpe.merge(b"abab"), [256, 256]);
        assert_eq!(bpe.merge(b"bcbc"), [257, 257]);
        assert_eq!(bpe.count(b""), 0);
        assert_eq!(bpe.count(b"x"), 1);
    }

    #[test]
    fn short_words_merge_as_long_ones_do() {
        // Every string of a, b, c up to 9 bytes, with merges whose ranks compete.
        let bpe = model(
            &["ab", "bc", "ca", "abc", "bca", "cab", "abca", "aa", "aaa"],
            &[
                ("a", "a"),
                ("b", "c"),
                ("a", "b"),
                ("c", "a"),
                ("ab", "c"),
                ("b", "ca"),
                ("c", "ab"),
                ("ab", "ca"),
                ("aa", "a"),
            ],
            false,
        );
        let mut words = vec![Vec::new()];
        for _ in 0..9 {
            words = words.iter().flat_map(|w: &Vec<u8>| [b'a', b'b', b'c'].map(|c| [&w[..], &[c]].concat())).collect();
            for word in &words {
                assert_eq!(bpe.merge_short(word), bpe.merge(word).len(), "{}", String::from_utf8_lossy(word));
            }
        }
    }

    #[test]
    fn ignore_merges_takes_whole_vocabulary_entries() {
        // "abc" cannot be reached by the merges: only ignore_merges makes it one token.
        let merges = [("a", "b")];
        assert_eq!(model(&["ab", "abc"], &merges, false).count(b"abc"), 2);
        assert_eq!(model(&["ab", "abc"], &merges, true).count(b"abc"), 1);
    }

    #[test]
    fn refuses_merges_outside_the_vocabulary() {
        let vocabulary = || (0..=255u8).map(|b| VocabEntry { bytes: vec![b], id: u32::from(b) }).collect::<Vec<_>>();
        let error = ByteBpe::new(vocabulary(), [(b"a".to_vec(), b"b".to_vec())], false).unwrap_err();
        assert!(error.contains("not in the vocabulary"), "{error}");
        let error = ByteBpe::new(vocabulary().into_iter().skip(1).collect(), [], false).unwrap_err();
        assert!(error.contains("0x00"), "{error}");
    }
}
