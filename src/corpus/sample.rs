//! Bottom-k sampling: a document is in the sample when its seeded id hash is among the `cap`
//! smallest. Uniform (ids are unique, the hash is independent of the text), bounded memory, and
//! the same set however the corpus is split into shards and in whatever order they are read:
//! samples of shards merge into the sample of the whole.

use std::collections::BinaryHeap;

use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::Doc;

/// A document held by the sample, ordered by its hash (then its position, for the heap).
struct Held {
    hash: u64,
    position: u64,
    doc: Doc,
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        (self.hash, self.position) == (other.hash, other.position)
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
        (self.hash, self.position).cmp(&(other.hash, other.position))
    }
}

pub struct BottomK {
    cap: usize,
    seen: u64,
    hash_seed: u64,
    /// Max-heap: the largest kept hash is the one a smaller newcomer evicts.
    kept: BinaryHeap<Held>,
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

    pub fn offer(&mut self, doc: Doc) {
        let hash = xxh3_64_with_seed(doc.id.as_bytes(), self.hash_seed);
        let position = self.seen;
        self.seen += 1;
        self.keep(Held {
            hash,
            position,
            doc,
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

    /// Adds the sample of the documents read after this one's (their positions follow).
    pub fn merge(&mut self, other: BottomK) {
        let offset = self.seen;
        self.seen += other.seen;
        for mut held in other.kept {
            held.position += offset;
            self.keep(held);
        }
    }

    /// Documents offered so far.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The sample in input order.
    pub fn into_docs(self) -> Vec<Doc> {
        let mut held = self.kept.into_vec();
        held.sort_by_key(|h| h.position);
        held.into_iter().map(|h| h.doc).collect()
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
        (0..5).for_each(|i| r.offer(doc(i)));
        assert_eq!(r.into_docs().len(), 5);
        // Each of 100 items should land in a 10-item sample ~10% of the time.
        let mut hits = vec![0u32; 100];
        for seed in 0..2000 {
            let mut r = BottomK::new(10, seed, 0);
            (0..100).for_each(|i| r.offer(doc(i)));
            let docs = r.into_docs();
            assert_eq!(docs.len(), 10);
            assert!(docs
                .windows(2)
                .all(|w| w[0].id.parse::<u32>().unwrap() < w[1].id.parse::<u32>().unwrap()));
            for d in docs {
                hits[d.id.parse::<usize>().unwrap()] += 1;
            }
        }
        assert!(hits.iter().all(|&h| (140..=260).contains(&h)), "{hits:?}");
    }

    /// Any split into shards, merged in input order, gives the one-pass sample, in input order.
    #[test]
    fn shards_merge_into_the_sample_of_the_whole() {
        let ids = |docs: Vec<Doc>| docs.into_iter().map(|d| d.id).collect::<Vec<_>>();
        let mut whole = BottomK::new(25, 7, 3);
        (0..500).for_each(|i| whole.offer(doc(i)));
        let expected = ids(whole.into_docs());
        for shards in [2, 3, 8] {
            let bounds: Vec<usize> = (0..=shards).map(|s| s * 500 / shards).collect();
            let mut parts: Vec<BottomK> = bounds
                .windows(2)
                .map(|w| {
                    let mut part = BottomK::new(25, 7, 3);
                    (w[0]..w[1]).for_each(|i| part.offer(doc(i)));
                    part
                })
                .collect();
            // Merge pairwise from the right (a tree, not a fold from the left).
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
