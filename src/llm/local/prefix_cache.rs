//! Which conversation's KV cache to compute on. The model holds one live sequence; the states of
//! a few other recent conversations are kept aside (copied out of llama.cpp), so that a follow-up
//! in any of the last few chats, or a regenerate, only computes the tokens that are new.
//!
//! Entries are found by content, not by chat id: the one sharing the longest token prefix with
//! the new prompt wins. That covers a follow-up (the old prompt + answer is a prefix of the new
//! one), a regenerate (the same prompt) and two chats opening with the same system prompt.

/// Saved sequences: their tokens and an opaque state `S`, least recently used first.
pub struct PrefixCache<S> {
    entries: Vec<Entry<S>>,
    capacity: usize,
}

struct Entry<S> {
    tokens: Vec<i32>,
    state: S,
}

/// A saved sequence taken out of the cache.
pub struct Hit<S> {
    pub tokens: Vec<i32>,
    pub state: S,
    /// How many leading tokens it shares with the prompt it was looked up for.
    pub shared: usize,
}

impl<S> PrefixCache<S> {
    /// Keeps at most `capacity` saved sequences (0 = keep none).
    pub fn new(capacity: usize) -> Self {
        PrefixCache {
            entries: Vec::new(),
            capacity,
        }
    }

    /// How many sequences it keeps at the most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }

    /// Takes out the saved sequence sharing the longest prefix with `prompt`, if it shares more
    /// than `better_than` tokens (what the live sequence already shares).
    pub fn take_best(&mut self, prompt: &[i32], better_than: usize) -> Option<Hit<S>> {
        let (index, shared) = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, entry)| (i, shared_prefix(&entry.tokens, prompt)))
            .max_by_key(|&(i, shared)| (shared, i))?;
        if shared <= better_than {
            return None;
        }
        let entry = self.entries.remove(index);
        Some(Hit {
            tokens: entry.tokens,
            state: entry.state,
            shared,
        })
    }

    /// Keeps a sequence as the most recently used one; the least recently used beyond the
    /// capacity are dropped. A sequence that is a prefix of (or equal to) the new one is
    /// replaced by it: it could never serve better.
    pub fn put(&mut self, tokens: Vec<i32>, state: S) {
        if self.capacity == 0 || tokens.is_empty() {
            return;
        }
        self.entries
            .retain(|entry| shared_prefix(&entry.tokens, &tokens) < entry.tokens.len());
        self.entries.push(Entry { tokens, state });
        while self.entries.len() > self.capacity {
            self.entries.remove(0);
        }
    }
}

/// How many leading tokens two sequences have in common.
pub fn shared_prefix(a: &[i32], b: &[i32]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_shared_prefix_wins() {
        let mut cache = PrefixCache::new(4);
        cache.put(vec![1, 2, 3], "short");
        cache.put(vec![1, 2, 3, 4, 5, 6], "long");
        cache.put(vec![9, 9], "other");
        cache.put(vec![1, 2, 7, 7], "branch");
        let hit = cache.take_best(&[1, 2, 3, 4, 5, 6, 7, 8], 0).unwrap();
        assert_eq!((hit.state, hit.shared), ("long", 6));
        // Taken out; "short" went when "long" (which extends it) came: the next best is left.
        let hit = cache.take_best(&[1, 2, 3, 4], 0).unwrap();
        assert_eq!((hit.state, hit.shared), ("branch", 2));
    }

    #[test]
    fn nothing_is_taken_unless_it_beats_the_live_sequence() {
        let mut cache = PrefixCache::new(4);
        cache.put(vec![1, 2, 3], "a");
        assert!(cache.take_best(&[1, 2, 3, 4], 3).is_none());
        assert!(cache.take_best(&[7, 8], 0).is_none());
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn the_least_recently_used_goes_first_and_prefixes_are_replaced() {
        let mut cache = PrefixCache::new(2);
        cache.put(vec![1], "one");
        cache.put(vec![2], "two");
        cache.put(vec![3], "three");
        assert!(cache.take_best(&[1], 0).is_none(), "evicted");
        cache.put(vec![2, 5], "two longer");
        assert_eq!(cache.len(), 2);
        let hit = cache.take_best(&[2], 0).unwrap();
        assert_eq!(hit.state, "two longer");
    }

    #[test]
    fn a_cache_of_no_entries_keeps_nothing() {
        let mut cache = PrefixCache::new(0);
        cache.put(vec![1, 2], ());
        assert_eq!(cache.len(), 0);
    }
}
