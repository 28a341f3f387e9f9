//! How often the detector's lexicon entries occur in a scored corpus: the share of documents
//! containing each entry, next to its share in the training class it points to. Between two
//! runs this shows which markers a regression brought in ("delve" in 3% of documents, then 30%).

use serde::{Deserialize, Serialize};

use super::lexicon::{Lexicon, LexiconEntry};
use crate::matrix::SparseMatrix;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LexiconUse {
    /// "synthetic" or "real": the class the entry's weight pushes toward.
    pub toward: String,
    /// The entry's most frequent n-grams at training time (hash collisions put several in one
    /// bucket).
    pub ngrams: Vec<String>,
    pub weight: f32,
    /// Share of the training documents of the class it points to that contain it.
    pub training_share: f64,
    /// Share of the scored documents that contain it.
    pub share: f64,
}

/// Per lexicon entry, the documents whose design rows have its bucket: what a scoring pass
/// keeps. Counts of shards add up to the counts of the whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageCounts {
    counts: Vec<u64>,
    documents: u64,
}

impl UsageCounts {
    /// Checks counts read back from bytes: `documents` documents, no entry in more of them.
    pub fn check(&self, documents: u64) -> Result<(), String> {
        use crate::consistency::{at_most, same};
        same("documents", &self.documents, &documents)?;
        self.counts
            .iter()
            .try_for_each(|&c| at_most("counts", c, documents, "documents"))
    }

    pub fn merge(&mut self, other: UsageCounts) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
        self.documents += other.documents;
    }
}

/// Counts, batch by batch, the documents whose design rows have each entry's bucket.
pub struct UsageTally {
    lexicon: Lexicon,
    /// Design column (= n-gram bucket) → entry position, `NONE` for columns of no entry: a
    /// dense table, since every non-zero of every scored row is looked up.
    entry_of: Vec<u32>,
    entries: usize,
}

const NONE: u32 = u32::MAX;

impl UsageTally {
    pub fn new(lexicon: &Lexicon) -> Self {
        let listed: Vec<&LexiconEntry> = entries(lexicon).map(|(_, e)| e).collect();
        let width = listed
            .iter()
            .map(|e| e.bucket as usize + 1)
            .max()
            .unwrap_or(0);
        let mut entry_of = vec![NONE; width];
        // A bucket has one weight, so one direction and one entry.
        for (k, e) in listed.iter().enumerate() {
            entry_of[e.bucket as usize] = k as u32;
        }
        UsageTally {
            lexicon: lexicon.clone(),
            entry_of,
            entries: listed.len(),
        }
    }

    /// Adds every row of a batch's design matrix (n-gram buckets are its first columns).
    pub fn add(&self, counts: &mut UsageCounts, x: &SparseMatrix) {
        counts.counts.resize(self.entries, 0);
        for (&j, &v) in x.indices.iter().zip(&x.values) {
            match self.entry_of.get(j as usize) {
                Some(&k) if k != NONE && v != 0.0 => counts.counts[k as usize] += 1,
                _ => {}
            }
        }
        counts.documents += x.nrows() as u64;
    }

    /// One row per entry, synthetic-ward entries first, each list in lexicon order.
    pub fn finish(&self, counts: &UsageCounts) -> Vec<LexiconUse> {
        let n = counts.documents.max(1) as f64;
        let zero = std::iter::repeat(&0);
        entries(&self.lexicon)
            .zip(counts.counts.iter().chain(zero))
            .map(|((toward, e), &count)| LexiconUse {
                toward: toward.to_string(),
                ngrams: e.ngrams.iter().map(|g| g.ngram.clone()).collect(),
                weight: e.weight,
                training_share: if toward == "synthetic" {
                    e.share_synthetic
                } else {
                    e.share_real
                },
                share: count as f64 / n,
            })
            .collect()
    }
}

/// N-grams for people: each quoted, since their spaces matter ("s t" is not "st").
pub fn quoted(ngrams: &[String]) -> String {
    ngrams
        .iter()
        .map(|g| format!("{g:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn entries(lexicon: &Lexicon) -> impl Iterator<Item = (&'static str, &LexiconEntry)> {
    lexicon
        .toward_synthetic
        .iter()
        .map(|e| ("synthetic", e))
        .chain(lexicon.toward_real.iter().map(|e| ("real", e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::lexicon::NgramCount;

    fn entry(bucket: u32, weight: f32, ngram: &str) -> LexiconEntry {
        LexiconEntry {
            bucket,
            weight,
            ngrams: vec![NgramCount {
                ngram: ngram.into(),
                count: 3,
            }],
            share_synthetic: 0.4,
            share_real: 0.1,
            snippet: None,
        }
    }

    #[test]
    fn shares_count_documents_with_the_bucket() {
        let lexicon = Lexicon {
            toward_synthetic: vec![entry(2, 1.5, "delve")],
            toward_real: vec![entry(5, -0.7, "gonna")],
            style: Vec::new(),
        };
        let mut x = SparseMatrix::new(8);
        x.push_row("a".into(), &[1, 2], &[0.3, 0.2]);
        x.push_row("b".into(), &[2, 5], &[0.1, 0.0]);
        x.push_row("c".into(), &[0], &[1.0]);
        let tally = UsageTally::new(&lexicon);
        let mut counts = UsageCounts::default();
        tally.add(&mut counts, &x);
        let mut y = SparseMatrix::new(8);
        y.push_row("d".into(), &[5], &[0.9]);
        // Another shard's counts, merged.
        let mut other = UsageCounts::default();
        tally.add(&mut other, &y);
        counts.merge(other);
        let uses = tally.finish(&counts);
        assert_eq!(uses.len(), 2);
        assert_eq!(uses[0].toward, "synthetic");
        assert_eq!(quoted(&uses[0].ngrams), "\"delve\"");
        assert_eq!(uses[0].share, 0.5); // a and b of 4
        assert_eq!(uses[0].training_share, 0.4);
        assert_eq!(uses[1].share, 0.25); // d only: b's explicit zero does not count
        assert_eq!(uses[1].training_share, 0.1);
    }
}
