//! How often the detector's lexicon entries occur in a scored corpus: the share of documents
//! containing each entry, next to its share in the training class it points to. Between two
//! runs this shows which markers a regression brought in ("delve" in 3% of documents, then 30%).

use serde::Serialize;

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

/// Counts, batch by batch, the documents whose design rows have each entry's bucket.
pub struct UsageTally<'a> {
    lexicon: &'a Lexicon,
    /// Design column (= n-gram bucket) → entry position, `NONE` for columns of no entry: a
    /// dense table, since every non-zero of every scored row is looked up.
    entry_of: Vec<u32>,
    counts: Vec<u64>,
    documents: u64,
}

const NONE: u32 = u32::MAX;

impl<'a> UsageTally<'a> {
    pub fn new(lexicon: &'a Lexicon) -> Self {
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
            lexicon,
            entry_of,
            counts: vec![0; listed.len()],
            documents: 0,
        }
    }

    /// Adds every row of a batch's design matrix (n-gram buckets are its first columns).
    pub fn add(&mut self, x: &SparseMatrix) {
        for (&j, &v) in x.indices.iter().zip(&x.values) {
            match self.entry_of.get(j as usize) {
                Some(&k) if k != NONE && v != 0.0 => self.counts[k as usize] += 1,
                _ => {}
            }
        }
        self.documents += x.nrows() as u64;
    }

    /// One row per entry, synthetic-ward entries first, each list in lexicon order.
    pub fn finish(self) -> Vec<LexiconUse> {
        let n = self.documents.max(1) as f64;
        entries(self.lexicon)
            .zip(&self.counts)
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
        let mut tally = UsageTally::new(&lexicon);
        tally.add(&x);
        let mut y = SparseMatrix::new(8);
        y.push_row("d".into(), &[5], &[0.9]);
        tally.add(&y);
        let uses = tally.finish();
        assert_eq!(uses.len(), 2);
        assert_eq!(uses[0].toward, "synthetic");
        assert_eq!(quoted(&uses[0].ngrams), "\"delve\"");
        assert_eq!(uses[0].share, 0.5); // a and b of 4
        assert_eq!(uses[0].training_share, 0.4);
        assert_eq!(uses[1].share, 0.25); // d only: b's explicit zero does not count
        assert_eq!(uses[1].training_share, 0.1);
    }
}
