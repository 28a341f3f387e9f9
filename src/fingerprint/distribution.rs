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
    /// AUROC of the decision values against the labels; None unless both labels occur.
    pub auroc: Option<f64>,
    /// (FPR, TPR) from the strictest threshold to the loosest, thinned to at most ~400 points.
    pub roc: Vec<[f64; 2]>,
}

/// Gathers scores batch by batch; tallies of shards merge into the tally of the whole.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ScoreTally {
    decisions: Vec<f64>,
    synthetic: Vec<bool>,
    bins: [[u64; BINS]; 2],
}

impl ScoreTally {
    pub fn add(&mut self, score: &Scored, synthetic: bool) {
        let bin = ((score.probability * BINS as f64) as usize).min(BINS - 1);
        self.bins[usize::from(synthetic)][bin] += 1;
        self.decisions.push(score.decision);
        self.synthetic.push(synthetic);
    }

    pub fn merge(&mut self, other: ScoreTally) {
        self.decisions.extend(other.decisions);
        self.synthetic.extend(other.synthetic);
        for (mine, theirs) in self.bins.iter_mut().zip(other.bins) {
            mine.iter_mut().zip(theirs).for_each(|(m, t)| *m += t);
        }
    }

    /// The same whatever order the scores came in: AUROC and ROC walk sorted tie groups.
    pub fn finish(self) -> ScoreDistribution {
        let auroc = auroc(&self.decisions, &self.synthetic);
        let roc = if auroc.is_some() {
            let curve = roc_curve(&self.decisions, &self.synthetic);
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
        for d in [-3.0, -2.0, -1.0, 0.5] {
            t.add(&scored(d), false);
        }
        for d in [0.0, 2.0, 2.5, 40.0] {
            t.add(&scored(d), true);
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
        t.add(&scored(1.0), false);
        let dist = t.finish();
        assert_eq!((dist.auroc, dist.roc.len()), (None, 0));
    }

    #[test]
    fn long_curves_are_thinned() {
        let mut t = ScoreTally::default();
        for i in 0..5_000 {
            t.add(&scored(i as f64 / 1_000.0), i % 3 == 0);
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
}
