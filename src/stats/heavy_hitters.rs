//! The most frequent keys of a stream and their counts, in bounded memory: a Misra–Gries summary
//! of `capacity` counters, mergeable (Agarwal et al., "Mergeable summaries", 2012: add the
//! counters, subtract the (capacity + 1)-th largest from all, drop those not above zero).
//!
//! Every subtraction is added to `decrement`, the summary's error bound: a key's true count lies
//! in `[held, held + decrement]`, every key counted more than `decrement` times is held, and a
//! key held since the start of every part (the frequent ones) has exactly `held + decrement`.
//! Merging is commutative; it is associative only up to that bound (which keys near the bound
//! survive depends on the order), unlike the bottom-k sketches, which are exact.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// A Misra–Gries summary; serialised pruned to its capacity, keys sorted (equal summaries save
/// equal bytes).
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "Saved")]
pub struct HeavyHitters {
    capacity: usize,
    decrement: u64,
    /// Up to twice `capacity` between prunes (a prune costs a pass over the counters, so it runs
    /// once per `capacity` new keys, not once per key).
    counters: FxHashMap<String, u64>,
}

/// [`HeavyHitters`] as stored.
#[derive(Serialize, Deserialize)]
struct Saved {
    capacity: usize,
    decrement: u64,
    counters: BTreeMap<String, u64>,
}

impl From<Saved> for HeavyHitters {
    fn from(s: Saved) -> HeavyHitters {
        let mut h = HeavyHitters {
            capacity: s.capacity.max(1),
            decrement: s.decrement,
            counters: s.counters.into_iter().filter(|c| c.1 > 0).collect(),
        };
        // A hand-edited state cannot hold more than its capacity.
        h.prune();
        h
    }
}

impl Serialize for HeavyHitters {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut pruned = self.clone();
        pruned.prune();
        Saved {
            capacity: pruned.capacity,
            decrement: pruned.decrement,
            counters: pruned.counters.into_iter().collect(),
        }
        .serialize(serializer)
    }
}

impl PartialEq for HeavyHitters {
    /// Equal when they would save the same bytes.
    fn eq(&self, other: &Self) -> bool {
        let (mut a, mut b) = (self.clone(), other.clone());
        a.prune();
        b.prune();
        a.capacity == b.capacity && a.decrement == b.decrement && a.counters == b.counters
    }
}

impl HeavyHitters {
    /// A summary of `capacity` ≥ 1 counters.
    pub fn new(capacity: usize) -> HeavyHitters {
        HeavyHitters {
            capacity: capacity.max(1),
            decrement: 0,
            counters: FxHashMap::default(),
        }
    }

    /// The summary of exact counts (each key once): exact if there are at most `capacity` keys.
    pub fn of_counts<'a>(
        capacity: usize,
        counts: impl Iterator<Item = (&'a str, u64)>,
    ) -> HeavyHitters {
        let mut h = HeavyHitters::new(capacity);
        for (key, count) in counts.filter(|c| c.1 > 0) {
            *h.counters.entry(key.to_string()).or_insert(0) += count;
        }
        h.prune();
        h
    }

    /// Counts one occurrence of `key`.
    pub fn insert(&mut self, key: &str) {
        match self.counters.get_mut(key) {
            Some(c) => *c += 1,
            None => {
                self.counters.insert(key.to_string(), 1);
                if self.counters.len() > 2 * self.capacity {
                    self.prune();
                }
            }
        }
    }

    /// Adds the summary of another part of the stream (the same capacity).
    pub fn merge(&mut self, other: HeavyHitters) {
        self.decrement += other.decrement;
        for (key, count) in other.counters {
            *self.counters.entry(key).or_insert(0) += count;
        }
        self.prune();
    }

    /// Keeps at most `capacity` counters: subtracts the (capacity + 1)-th largest count from
    /// every counter and drops those it empties.
    fn prune(&mut self) {
        if self.counters.len() <= self.capacity {
            return;
        }
        let mut values: Vec<u64> = self.counters.values().copied().collect();
        let (_, &mut cut, _) = values.select_nth_unstable_by(self.capacity, |a, b| b.cmp(a));
        self.counters.retain(|_, c| {
            *c -= cut.min(*c);
            *c > 0
        });
        self.decrement += cut;
    }

    /// The error bound: a key's true count is at most its held count plus this.
    pub fn decrement(&self) -> u64 {
        self.decrement
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The keys held and their held counts (lower bounds of the true counts), in no set order.
    pub fn held(&self) -> impl Iterator<Item = (&str, u64)> {
        self.counters.iter().map(|(k, &c)| (k.as_str(), c))
    }

    /// Checks a summary read back from bytes: the same capacity as `like`, counts and error
    /// bound within `total` (the occurrences its stream had).
    pub fn check(&self, like: &HeavyHitters, total: u64) -> Result<(), String> {
        crate::consistency::same("capacity", &self.capacity, &like.capacity)?;
        crate::consistency::at_most("decrement", self.decrement, total, "its tokens")?;
        let held = self
            .counters
            .values()
            .try_fold(0u64, |sum, &c| sum.checked_add(c))
            .unwrap_or(u64::MAX);
        crate::consistency::at_most("counters' sum", held, total, "its tokens")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A skewed stream: key i occurs 1000 / (i + 1) times, interleaved.
    fn stream(keys: usize) -> Vec<String> {
        let mut out = Vec::new();
        for round in 0..1000 {
            for i in 0..keys {
                if round % (i + 1) == 0 {
                    out.push(format!("k{i}"));
                }
            }
        }
        out
    }

    #[test]
    fn exact_within_capacity_and_bounded_beyond() {
        let words = stream(50);
        let mut small = HeavyHitters::new(64);
        words.iter().for_each(|w| small.insert(w));
        assert_eq!(small.decrement(), 0);
        assert_eq!(small.counters["k0"], 1000);
        assert_eq!(small.counters["k9"], 100);

        let words = stream(2000);
        let mut h = HeavyHitters::new(100);
        words.iter().for_each(|w| h.insert(w));
        let total = words.len() as u64;
        assert!(h.decrement() <= total / 101, "{}", h.decrement());
        // True counts lie within [held, held + decrement].
        for (key, truth) in [("k0", 1000), ("k3", 250)] {
            let held = h.counters[key];
            assert!(
                held <= truth && truth <= held + h.decrement(),
                "{key}: {held}"
            );
        }
        // A key held throughout (the first, in a stream that starts with it) is exact.
        let mut first = HeavyHitters::new(100);
        std::iter::repeat_n("top", 500)
            .chain(words.iter().map(String::as_str))
            .for_each(|w| first.insert(w));
        assert_eq!(first.counters["top"] + first.decrement(), 500);
    }

    #[test]
    fn merge_is_commutative_and_keeps_the_bound() {
        let words = stream(3000);
        let parts: Vec<HeavyHitters> = words
            .chunks(words.len() / 3 + 1)
            .map(|c| {
                let mut h = HeavyHitters::new(200);
                c.iter().for_each(|w| h.insert(w));
                h
            })
            .collect();
        let (mut ab, mut ba) = (parts[0].clone(), parts[1].clone());
        ab.merge(parts[1].clone());
        ba.merge(parts[0].clone());
        assert_eq!(
            serde_json::to_string(&ab).unwrap(),
            serde_json::to_string(&ba).unwrap()
        );
        ab.merge(parts[2].clone());
        assert!(ab.decrement() <= words.len() as u64 / 201);
        let held = ab.counters["k0"];
        assert!(held <= 1000 && 1000 <= held + ab.decrement(), "{held}");
        assert!(ab.counters.len() <= 200);
    }

    #[test]
    fn a_saved_summary_reads_back_equal_and_pruned() {
        let mut h = HeavyHitters::new(10);
        stream(300).iter().for_each(|w| h.insert(w));
        let json = serde_json::to_string(&h).unwrap();
        let back: HeavyHitters = serde_json::from_str(&json).unwrap();
        assert_eq!(back, h);
        assert!(back.counters.len() <= 10);
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }
}
