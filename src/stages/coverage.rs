//! Which documents of the inputs a state covers, so that merging shards' states counts each
//! document once. A pass keeps its document and text-byte counts (no count in a stage's state may
//! exceed them: `consistency`), an order-free digest of its id set, and the [`SAMPLE`] smallest
//! hashes of its ids. Merging refuses two states that share documents:
//!
//! - a state merged twice, or a copy of one, always: its passes' digests are already there;
//! - shards that overlap (built from overlapping inputs) when a shared id is among the smallest
//!   [`SAMPLE`] hashes of both: certainly while the merged states hold fewer than [`SAMPLE`]
//!   documents, else with probability ≈ 1 − exp(−[`SAMPLE`]·m/n) for m shared ids and n the larger
//!   side's documents: 98% when 0.1% of it is shared, 1 − 1e-18 at 1%.
//!
//! It stays small at any size: 16 bytes per pass (a 100 M-document run in 10,000 partitions:
//! ~0.5 MB with their names) and 12 bytes per sampled hash (~50 KB).

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::consistency::Covered;
use crate::corpus::Doc;

/// How many of the smallest id hashes a coverage keeps.
pub const SAMPLE: usize = 4096;

/// The longest pass name kept (a state's path, a profile's first batch).
const NAME_CHARS: usize = 120;

/// One pass over a shard: its name, documents and the digest of its ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassDigest {
    pub name: String,
    pub documents: u64,
    /// The wrapping sum of the ids' hashes: the same in any order, the same for the same set.
    pub digest: u64,
}

/// What states merged so far cover.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    documents: u64,
    text_bytes: u64,
    passes: Vec<PassDigest>,
    /// The smallest id hashes in increasing order, each with the pass it came from.
    ids: Vec<(u64, u32)>,
    /// The pass this coverage observes documents into (none before the first).
    #[serde(skip)]
    own: Option<u32>,
}

/// Two states that share documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlap {
    /// A pass of the incoming state equals one merged already.
    SamePass {
        merged: String,
        incoming: String,
        documents: u64,
    },
    /// An id is in both.
    SharedIds { merged: String, incoming: String },
}

impl std::fmt::Display for Overlap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Overlap::SamePass {
                merged,
                incoming,
                documents,
            } => write!(
                f,
                "its documents ({incoming}: {documents}) are those of {merged}, merged already: a state given twice, or a copy of one; each shard's state must be merged once"
            ),
            Overlap::SharedIds { merged, incoming } => write!(
                f,
                "{incoming} and {merged} (merged already) share documents (at least one id is in both): the shards overlap; split the inputs so each document is in one shard (a single pass over the same files stops at the duplicate id)"
            ),
        }
    }
}

impl Coverage {
    /// What was read: every count of a stage's state is at most these.
    pub fn covered(&self) -> Covered {
        Covered {
            documents: self.documents,
            text_bytes: self.text_bytes,
        }
    }

    /// Adds a batch of documents to this coverage's own pass (named `name` when the batch is
    /// its first). An id already in the sample is an error naming it, and nothing is added.
    pub fn observe(&mut self, docs: &[Doc], name: &str) -> Result<(), String> {
        let mut hashes: Vec<(u64, usize)> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (xxh3_64(d.id.as_bytes()), i))
            .collect();
        hashes.sort_unstable();
        let twice = hashes.windows(2).find(|w| w[0].0 == w[1].0).map(|w| w[1]);
        let seen = || {
            hashes
                .iter()
                .find(|(h, _)| self.ids.binary_search_by_key(h, |x| x.0).is_ok())
                .copied()
        };
        if let Some((_, i)) = twice.or_else(seen) {
            return Err(format!(
                "document id '{}' is observed twice: ids must be unique across all batches",
                docs[i].id
            ));
        }
        let own = match self.own {
            Some(own) => own,
            None => {
                self.passes.push(PassDigest {
                    name: name.chars().take(NAME_CHARS).collect(),
                    documents: 0,
                    digest: 0,
                });
                let own = (self.passes.len() - 1) as u32;
                self.own = Some(own);
                own
            }
        };
        let pass = &mut self.passes[own as usize];
        for &(h, _) in &hashes {
            pass.documents += 1;
            pass.digest = pass.digest.wrapping_add(h);
        }
        self.documents += docs.len() as u64;
        self.text_bytes += docs.iter().map(|d| d.text.len() as u64).sum::<u64>();
        let mine: Vec<(u64, u32)> = hashes.iter().map(|&(h, _)| (h, own)).collect();
        self.ids = sorted_union(&self.ids, &mine);
        Ok(())
    }

    /// Names this coverage's own pass (a shard's pass by the state file it is saved to).
    pub fn name_own(&mut self, name: &str) {
        if let Some(pass) = self.own.and_then(|own| self.passes.get_mut(own as usize)) {
            pass.name = name.chars().take(NAME_CHARS).collect();
        }
    }

    /// Adds another state's coverage; an error (and nothing added) when the two share
    /// documents, or when their counts would overflow.
    pub fn merge(&mut self, other: Coverage) -> Result<(), String> {
        if let Some(overlap) = self.overlap(&other) {
            return Err(overlap.to_string());
        }
        let (Some(documents), Some(text_bytes)) = (
            self.documents.checked_add(other.documents),
            self.text_bytes.checked_add(other.text_bytes),
        ) else {
            return Err("its document or byte counts overflow with the others'".into());
        };
        let offset = self.passes.len() as u32;
        let theirs: Vec<(u64, u32)> = other
            .ids
            .iter()
            .map(|&(h, p)| (h, p.saturating_add(offset)))
            .collect();
        self.ids = sorted_union(&self.ids, &theirs);
        self.passes.extend(other.passes);
        (self.documents, self.text_bytes) = (documents, text_bytes);
        Ok(())
    }

    /// How `other` overlaps this coverage, if it does.
    pub fn overlap(&self, other: &Coverage) -> Option<Overlap> {
        for theirs in &other.passes {
            let same = self
                .passes
                .iter()
                .find(|p| p.documents == theirs.documents && p.digest == theirs.digest);
            if let Some(mine) = same {
                return Some(Overlap::SamePass {
                    merged: mine.name.clone(),
                    incoming: theirs.name.clone(),
                    documents: theirs.documents,
                });
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < self.ids.len() && j < other.ids.len() {
            let ((a, pa), (b, pb)) = (self.ids[i], other.ids[j]);
            match a.cmp(&b) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let name = |c: &Coverage, p: u32| {
                        c.passes
                            .get(p as usize)
                            .map_or_else(|| "?".to_string(), |p| p.name.clone())
                    };
                    return Some(Overlap::SharedIds {
                        merged: name(self, pa),
                        incoming: name(other, pb),
                    });
                }
            }
        }
        None
    }

    /// Checks a coverage read back from bytes: passes adding up to its documents, its sample
    /// sorted, within [`SAMPLE`] and naming its passes.
    pub fn check(&self) -> Result<(), String> {
        let in_passes = self
            .passes
            .iter()
            .try_fold(0u64, |sum, p| sum.checked_add(p.documents));
        if in_passes != Some(self.documents) {
            return Err(format!(
                "its passes do not add up to its {} documents",
                self.documents
            ));
        }
        let sorted = self.ids.windows(2).all(|w| w[0].0 < w[1].0);
        let named = self
            .ids
            .iter()
            .all(|&(_, p)| (p as usize) < self.passes.len());
        if self.ids.len() > SAMPLE || !sorted || !named {
            return Err("its id sample is not one driftprint wrote".into());
        }
        let expected = (self.documents as usize).min(SAMPLE);
        if self.ids.len() != expected {
            return Err(format!(
                "its id sample holds {} hashes for {} documents",
                self.ids.len(),
                self.documents
            ));
        }
        Ok(())
    }
}

/// The union of two increasing lists of (hash, pass), at most [`SAMPLE`] long. A hash in both
/// (an id twice) is kept once.
fn sorted_union(a: &[(u64, u32)], b: &[(u64, u32)]) -> Vec<(u64, u32)> {
    let mut out = Vec::with_capacity((a.len() + b.len()).min(SAMPLE));
    let (mut i, mut j) = (0, 0);
    while out.len() < SAMPLE && (i < a.len() || j < b.len()) {
        let next = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                i += 1;
                j += 1;
                *x
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                i += 1;
                *x
            }
            (Some(x), None) => {
                i += 1;
                *x
            }
            (_, Some(y)) => {
                j += 1;
                *y
            }
            (None, None) => break,
        };
        out.push(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Lineage, Source};

    fn docs(range: std::ops::Range<usize>) -> Vec<Doc> {
        range
            .map(|i| Doc {
                id: format!("doc-{i}"),
                text: "some text".into(),
                lineage: Lineage::new(Source::Real),
            })
            .collect()
    }

    fn pass(name: &str, range: std::ops::Range<usize>) -> Coverage {
        let mut c = Coverage::default();
        // In two batches: the digest does not depend on how the documents came.
        let all = docs(range);
        let (a, b) = all.split_at(all.len() / 3);
        c.observe(b, name).unwrap();
        c.observe(a, name).unwrap();
        c
    }

    #[test]
    fn disjoint_shards_merge_and_count_every_document_once() {
        let mut merged = pass("0.json", 0..300);
        merged.merge(pass("1.json", 300..600)).unwrap();
        merged.merge(pass("2.json", 600..10_000)).unwrap();
        assert_eq!(merged.covered().documents, 10_000);
        assert_eq!(merged.covered().text_bytes, 90_000);
        assert_eq!(merged.ids.len(), SAMPLE);
        merged.check().unwrap();
        // Merged in another order: the same sample.
        let mut other = pass("2.json", 600..10_000);
        other.merge(pass("0.json", 0..300)).unwrap();
        other.merge(pass("1.json", 300..600)).unwrap();
        let hashes = |c: &Coverage| c.ids.iter().map(|x| x.0).collect::<Vec<_>>();
        assert_eq!(hashes(&merged), hashes(&other));
    }

    #[test]
    fn a_state_merged_twice_or_copied_is_refused_naming_both() {
        let mut merged = pass("states/0.json", 0..20_000);
        merged.merge(pass("states/1.json", 20_000..40_000)).unwrap();
        let before = merged.clone();
        // The same documents read in another order under another name: still the same pass.
        let copy = pass("states/copy.json", 0..20_000);
        let err = merged.merge(copy).unwrap_err();
        assert!(
            err.contains("states/copy.json") && err.contains("states/0.json"),
            "{err}"
        );
        assert_eq!(merged, before, "nothing merged");
        // A merged state (two passes) merged into one holding either of them.
        let mut again = pass("states/1.json", 20_000..40_000);
        assert!(again.merge(before).unwrap_err().contains("merged already"));
    }

    #[test]
    fn overlapping_shards_are_refused_exactly_when_small_and_mostly_when_large() {
        // Lines 1–400 and 201–600 of a 600-document corpus.
        let mut merged = pass("a", 0..400);
        let err = merged.merge(pass("b", 200..600)).unwrap_err();
        assert!(err.contains("share documents") && err.contains('a') && err.contains('b'));
        // 1% of 200,000 documents shared between two large shards: found.
        let mut big = pass("left", 0..200_000);
        assert!(big.merge(pass("right", 198_000..400_000)).is_err());
    }

    #[test]
    fn an_id_observed_twice_is_an_error_and_nothing_is_added() {
        let mut c = pass("p", 0..100);
        let before = c.clone();
        let err = c.observe(&docs(99..101), "p").unwrap_err();
        assert!(err.contains("'doc-99'"), "{err}");
        assert_eq!(c, before);
        let mut twice = docs(0..2);
        twice.push(twice[0].clone());
        assert!(Coverage::default().observe(&twice, "p").is_err());
    }

    #[test]
    fn a_coverage_that_was_edited_is_refused() {
        let good = pass("0.json", 0..5_000);
        good.check().unwrap();
        let mut more = good.clone();
        more.documents += 1;
        assert!(more.check().is_err());
        let mut unsorted = good.clone();
        unsorted.ids.swap(0, 1);
        assert!(unsorted.check().is_err());
        let mut fewer = good;
        fewer.ids.pop();
        assert!(fewer.check().is_err());
    }
}
