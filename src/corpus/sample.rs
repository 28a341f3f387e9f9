//! Bottom-k sampling: a document is in the sample when its seeded id hash is among the `cap`
//! smallest. Uniform (ids are unique, the hash is independent of the text), bounded memory, and
//! the same set however the corpus is split into shards and in whatever order they are read:
//! samples of shards merge into the sample of the whole. The sample is listed in hash order, so
//! it does not depend on the order shards were read or merged in either.

use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::Doc;

/// A document held by the sample, ordered by its hash (then id and text, for documents that
/// share an id).
#[derive(Serialize, Deserialize)]
struct Held {
    hash: u64,
    doc: Doc,
}

impl Held {
    fn key(&self) -> (u64, &str, &str) {
        (self.hash, &self.doc.id, &self.doc.text)
    }
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Held {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// A bottom-k sample; serialised with its documents in hash order.
#[derive(Deserialize)]
#[serde(from = "Saved<Held>")]
pub struct BottomK {
    cap: usize,
    seen: u64,
    hash_seed: u64,
    /// Max-heap: the largest kept hash is the one a smaller newcomer evicts.
    kept: BinaryHeap<Held>,
}

/// [`BottomK`] as stored in a shard's state (`H`: the documents, owned or borrowed).
#[derive(Serialize, Deserialize)]
struct Saved<H> {
    cap: usize,
    seen: u64,
    hash_seed: u64,
    kept: Vec<H>,
}

impl Serialize for BottomK {
    /// Documents in hash order: the same state whatever order they came in.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut kept: Vec<&Held> = self.kept.iter().collect();
        kept.sort_unstable();
        Saved {
            cap: self.cap,
            seen: self.seen,
            hash_seed: self.hash_seed,
            kept,
        }
        .serialize(serializer)
    }
}

impl From<Saved<Held>> for BottomK {
    fn from(s: Saved<Held>) -> BottomK {
        let mut b = BottomK {
            cap: s.cap,
            seen: s.seen,
            hash_seed: s.hash_seed,
            kept: BinaryHeap::new(),
        };
        // Through `keep`, so a hand-edited state cannot hold more than its cap.
        s.kept.into_iter().for_each(|h| b.keep(h));
        b
    }
}

impl BottomK {
    /// `stream` separates samples drawn with one seed (each side, each group).
    pub fn new(cap: usize, seed: u64, stream: u64) -> BottomK {
        BottomK {
            cap,
            seen: 0,
            hash_seed: xxh3_64_with_seed(&stream.to_le_bytes(), seed),
            kept: BinaryHeap::new(),
        }
    }

    /// Offers a document: copied only when the sample keeps it.
    pub fn offer(&mut self, doc: &Doc) {
        let hash = xxh3_64_with_seed(doc.id.as_bytes(), self.hash_seed);
        self.seen += 1;
        let full = self.kept.len() >= self.cap;
        if full
            && self
                .kept
                .peek()
                .is_none_or(|top| (hash, &*doc.id) > (top.hash, &*top.doc.id))
        {
            return;
        }
        self.keep(Held {
            hash,
            doc: doc.clone(),
        });
    }

    fn keep(&mut self, held: Held) {
        if self.kept.len() < self.cap {
            self.kept.push(held);
        } else if self.kept.peek().is_some_and(|top| held < *top) {
            self.kept.pop();
            self.kept.push(held);
        }
    }

    /// Adds the sample of other documents drawn with the same seed and stream (another shard).
    pub fn merge(&mut self, other: BottomK) {
        debug_assert_eq!(self.hash_seed, other.hash_seed, "samples of one stream");
        self.seen += other.seen;
        other.kept.into_iter().for_each(|h| self.keep(h));
    }

    /// Documents offered so far.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The sample in hash order: the same list whatever order the documents came in.
    pub fn into_docs(self) -> Vec<Doc> {
        self.kept
            .into_sorted_vec()
            .into_iter()
            .map(|h| h.doc)
            .collect()
    }
}

impl crate::consistency::Consistent for BottomK {
    /// At most its cap and its `seen` documents, each held under the hash of its id with this
    /// run's seed (a hand-edited hash would sort a document in or out of the sample).
    fn check(&self, like: &Self, covered: crate::consistency::Covered) -> Result<(), String> {
        use crate::consistency::{at_most, same};
        same("cap", &self.cap, &like.cap)?;
        same("hash_seed", &self.hash_seed, &like.hash_seed)?;
        at_most(
            "seen",
            self.seen,
            covered.documents,
            "the documents its pass read",
        )?;
        at_most("kept", self.kept.len() as u64, self.seen, "seen")?;
        match self
            .kept
            .iter()
            .find(|h| h.hash != xxh3_64_with_seed(h.doc.id.as_bytes(), self.hash_seed))
        {
            Some(h) => Err(format!(
                "kept: document '{}' is held under a hash that is not its id's",
                h.doc.id
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Lineage, Source};

    fn doc(i: usize) -> Doc {
        Doc {
            id: i.to_string(),
            text: "x".into(),
            lineage: Lineage::new(Source::Real),
        }
    }

    #[test]
    fn keeps_everything_under_the_cap_and_samples_uniformly_above_it() {
        let mut r = BottomK::new(10, 1, 0);
        (0..5).for_each(|i| r.offer(&doc(i)));
        assert_eq!(r.into_docs().len(), 5);
        // Each of 100 items should land in a 10-item sample ~10% of the time.
        let mut hits = vec![0u32; 100];
        for seed in 0..2000 {
            let mut r = BottomK::new(10, seed, 0);
            (0..100).for_each(|i| r.offer(&doc(i)));
            let docs = r.into_docs();
            assert_eq!(docs.len(), 10);
            for d in docs {
                hits[d.id.parse::<usize>().unwrap()] += 1;
            }
        }
        assert!(hits.iter().all(|&h| (140..=260).contains(&h)), "{hits:?}");
    }

    /// Any split into shards, merged in any order (through a saved state), gives the one-pass
    /// sample in the same order.
    #[test]
    fn shards_merge_into_the_sample_of_the_whole() {
        let ids = |docs: Vec<Doc>| docs.into_iter().map(|d| d.id).collect::<Vec<_>>();
        let mut whole = BottomK::new(25, 7, 3);
        (0..500).for_each(|i| whole.offer(&doc(i)));
        let expected = ids(whole.into_docs());
        for shards in [2, 3, 8] {
            let bounds: Vec<usize> = (0..=shards).map(|s| s * 500 / shards).collect();
            let mut parts: Vec<BottomK> = bounds
                .windows(2)
                .map(|w| {
                    let mut part = BottomK::new(25, 7, 3);
                    (w[0]..w[1]).for_each(|i| part.offer(&doc(i)));
                    part
                })
                .collect();
            // Saved and loaded, then merged pairwise from the right, last shard first.
            let mut parts: Vec<BottomK> = parts
                .drain(..)
                .rev()
                .map(|p| serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap())
                .collect();
            while parts.len() > 1 {
                let last = parts.pop().unwrap();
                let before = parts.last_mut().unwrap();
                before.merge(last);
            }
            let merged = parts.pop().unwrap();
            assert_eq!(merged.seen(), 500);
            assert_eq!(ids(merged.into_docs()), expected, "{shards} shards");
        }
    }
}
