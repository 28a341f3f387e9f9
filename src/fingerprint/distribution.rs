//! How a detector's scores fall on a corpus: probability histograms of the documents labelled
//! real and synthetic and, with both present, the ROC curve and AUROC on this corpus — the
//! report's picture of whether the detector still separates them here.

use serde::{Deserialize, Serialize};

use super::evaluation::Scored;
use crate::stats::roc::{auroc, roc_curve};

/// Equal-width probability bins over [0, 1].
pub const BINS: usize = 20;
/// Least step in FPR or TPR between kept ROC points (the curve has one point per distinct
/// score; this keeps its shape, low-FPR corner included, in at most ~400 points).
const ROC_STEP: f64 = 0.005;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreDistribution {
    /// Documents per probability bin [k/BINS, (k+1)/BINS) (the last bin includes 1), by label;
    /// documents without a source count as real.
    pub real: Vec<u64>,
    pub synthetic: Vec<u64>,
    /// AUROC of the decision values against the labels (on the [`ROC_SAMPLE`] documents of the
    /// smallest id hashes); None unless both labels occur.
    pub auroc: Option<f64>,
    /// (FPR, TPR) from the strictest threshold to the loosest, thinned to at most ~400 points.
    pub roc: Vec<[f64; 2]>,
}

/// Documents whose decisions the ROC curve and AUROC are computed from, at most: those with the
/// smallest id hashes (every document up to this many; AUROC's standard error on a 20,000
/// sample is ~0.003 at worst). Keeps a shard's state bounded whatever its size.
pub const ROC_SAMPLE: usize = 20_000;

/// Gathers scores batch by batch; tallies of shards merge into the tally of the whole.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ScoreTally {
    /// (id hash, decision, synthetic) of the [`ROC_SAMPLE`] smallest id hashes (more between
    /// trims; saved trimmed, so equal tallies save the same bytes).
    #[serde(serialize_with = "trimmed")]
    sample: Vec<(u64, f64, bool)>,
    bins: [[u64; BINS]; 2],
}

impl ScoreTally {
    /// Adds a document's score; `key` is the hash of its id (which documents the ROC sample
    /// keeps).
    pub fn add(&mut self, score: &Scored, synthetic: bool, key: u64) {
        let bin = ((score.probability * BINS as f64) as usize).min(BINS - 1);
        self.bins[usize::from(synthetic)][bin] += 1;
        self.sample.push((key, score.decision, synthetic));
        if self.sample.len() >= 2 * ROC_SAMPLE {
            self.trim();
        }
    }

    pub fn merge(&mut self, other: ScoreTally) {
        self.sample.extend(other.sample);
        self.trim();
        for (mine, theirs) in self.bins.iter_mut().zip(other.bins) {
            mine.iter_mut().zip(theirs).for_each(|(m, t)| *m += t);
        }
    }

    /// Checks a tally read back from bytes: its bins hold `documents` documents, its ROC sample
    /// at most as many, each decision a finite number.
    pub fn check(&self, documents: u64) -> Result<(), String> {
        use crate::consistency::{at_most, finite};
        let binned = self
            .bins
            .iter()
            .flatten()
            .try_fold(0u64, |sum, &c| sum.checked_add(c))
            .unwrap_or(u64::MAX);
        if binned != documents {
            return Err(format!(
                "bins hold {binned} documents, not the {documents} scored"
            ));
        }
        at_most(
            "sample",
            self.sample.len() as u64,
            documents,
            "the documents scored",
        )?;
        self.sample
            .iter()
            .try_for_each(|s| finite("sample decision", s.1))
    }

    /// Keeps the smallest keys, in key order (ties by value): the same whatever the order of
    /// the scores and merges.
    fn trim(&mut self) {
        self.sample
            .sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        self.sample.truncate(ROC_SAMPLE);
    }

    /// The same whatever order the scores came in: AUROC and ROC walk sorted tie groups.
    pub fn finish(mut self) -> ScoreDistribution {
        self.trim();
        let decisions: Vec<f64> = self.sample.iter().map(|s| s.1).collect();
        let synthetic: Vec<bool> = self.sample.iter().map(|s| s.2).collect();
        let auroc = auroc(&decisions, &synthetic);
        let roc = if auroc.is_some() {
            let curve = roc_curve(&decisions, &synthetic);
            let mut roc: Vec<[f64; 2]> = Vec::new();
            for (k, p) in curve.iter().enumerate() {
                let far = roc.last().is_none_or(|q: &[f64; 2]| {
                    (p.fpr - q[0]).abs().max((p.tpr - q[1]).abs()) >= ROC_STEP
                });
                if far || k + 1 == curve.len() {
                    roc.push([p.fpr, p.tpr]);
                }
            }
            roc
        } else {
            Vec::new()
        };
        ScoreDistribution {
            real: self.bins[0].to_vec(),
            synthetic: self.bins[1].to_vec(),
            auroc,
            roc,
        }
    }
}

fn trim(sample: &mut Vec<(u64, f64, bool)>) {
    sample.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    sample.truncate(ROC_SAMPLE);
}

fn trimmed<S: serde::Serializer>(sample: &[(u64, f64, bool)], s: S) -> Result<S::Ok, S::Error> {
    let mut sample = sample.to_vec();
    trim(&mut sample);
    sample.serialize(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(decision: f64) -> Scored {
        Scored {
            decision,
            probability: 1.0 / (1.0 + (-decision).exp()),
        }
    }

    #[test]
    fn bins_by_label_and_measures_separation() {
        let mut t = ScoreTally::default();
        for (k, d) in [-3.0, -2.0, -1.0, 0.5].into_iter().enumerate() {
            t.add(&scored(d), false, k as u64);
        }
        for (k, d) in [0.0, 2.0, 2.5, 40.0].into_iter().enumerate() {
            t.add(&scored(d), true, 10 + k as u64);
        }
        let dist = t.finish();
        assert_eq!(dist.real.iter().sum::<u64>(), 4);
        assert_eq!(dist.synthetic.iter().sum::<u64>(), 4);
        // Probability 1 (decision 40) lands in the last bin, not past it.
        assert_eq!(dist.synthetic[BINS - 1], 1);
        // 15 of the 16 pairs ordered right (0.5 real above 0.0 synthetic).
        assert_eq!(dist.auroc, Some(15.0 / 16.0));
        assert_eq!(dist.roc.first(), Some(&[0.0, 0.0]));
        assert_eq!(dist.roc.last(), Some(&[1.0, 1.0]));
    }

    #[test]
    fn one_label_gives_no_roc() {
        let mut t = ScoreTally::default();
        t.add(&scored(1.0), false, 0);
        let dist = t.finish();
        assert_eq!((dist.auroc, dist.roc.len()), (None, 0));
    }

    #[test]
    fn long_curves_are_thinned() {
        let mut t = ScoreTally::default();
        for i in 0..5_000 {
            t.add(&scored(i as f64 / 1_000.0), i % 3 == 0, i);
        }
        let roc = t.finish().roc;
        assert!(
            roc.len() <= 2 * (1.0 / ROC_STEP) as usize + 1,
            "{}",
            roc.len()
        );
        assert!(roc.len() > 100, "{}", roc.len());
        assert_eq!(roc.last(), Some(&[1.0, 1.0]));
    }

    #[test]
    fn the_roc_sample_is_bounded_and_the_same_for_any_split_and_order() {
        let score = |i: u64| {
            let key = xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes());
            (scored((i % 997) as f64 / 100.0 - 4.0), i % 3 == 0, key)
        };
        let n = 3 * ROC_SAMPLE as u64;
        let mut whole = ScoreTally::default();
        for i in 0..n {
            let (s, y, k) = score(i);
            whole.add(&s, y, k);
        }
        let parts: Vec<ScoreTally> = (0..5u64)
            .map(|p| {
                let mut t = ScoreTally::default();
                for i in (0..n).filter(|i| i % 5 == p) {
                    let (s, y, k) = score(i);
                    t.add(&s, y, k);
                }
                t
            })
            .collect();
        let mut merged = ScoreTally::default();
        for t in parts.into_iter().rev() {
            merged.merge(t);
        }
        assert!(merged.sample.len() <= ROC_SAMPLE);
        let (a, b) = (whole.finish(), merged.finish());
        assert_eq!(a, b);
        assert_eq!(a.real.iter().chain(&a.synthetic).sum::<u64>(), n);
    }
}
