//! How much of a corpus is synthetic, from how many documents a detector flags, corrected for
//! the detector's own error rates (Rogan & Gladen 1978): π = (q − FPR) / (TPR − FPR), with a
//! delta-method interval that carries the sampling error of q and of the TPR/FPR measured at
//! training time.

use serde::Serialize;

/// A rate measured on a labelled sample: `hits` of `trials`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Rate {
    pub hits: u64,
    pub trials: u64,
}

impl Rate {
    pub fn value(&self) -> f64 {
        self.hits as f64 / self.trials.max(1) as f64
    }

    fn variance(&self) -> f64 {
        let p = self.value();
        p * (1.0 - p) / self.trials.max(1) as f64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FractionEstimate {
    /// Share of documents flagged by the detector.
    pub flagged: f64,
    /// Estimated synthetic share, clipped to [0, 1].
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    /// Confidence level of [low, high].
    pub level: f64,
}

/// Estimates the synthetic share of a corpus where `flagged` of `n` documents were flagged, for
/// a detector with true-positive rate `tpr` and false-positive rate `fpr`; `z` is the normal
/// quantile of the interval (1.96 for 95%). None when the detector does not separate
/// (TPR ≤ FPR) or the corpus is empty.
pub fn synthetic_fraction(
    flagged: u64,
    n: u64,
    tpr: Rate,
    fpr: Rate,
    z: f64,
    level: f64,
) -> Option<FractionEstimate> {
    let (t, f) = (tpr.value(), fpr.value());
    if n == 0 || t <= f {
        return None;
    }
    let observed = Rate {
        hits: flagged,
        trials: n,
    };
    let q = observed.value();
    let pi = (q - f) / (t - f);
    let variance =
        (observed.variance() + pi * pi * tpr.variance() + (1.0 - pi) * (1.0 - pi) * fpr.variance())
            / ((t - f) * (t - f));
    let half = z * variance.sqrt();
    Some(FractionEstimate {
        flagged: q,
        estimate: pi.clamp(0.0, 1.0),
        low: (pi - half).clamp(0.0, 1.0),
        high: (pi + half).clamp(0.0, 1.0),
        level,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TPR: Rate = Rate {
        hits: 900,
        trials: 1000,
    };
    const FPR: Rate = Rate {
        hits: 10,
        trials: 1000,
    };

    #[test]
    fn all_human_corpus_interval_contains_zero() {
        // 1% flagged is exactly the false-positive rate: nothing synthetic.
        let e = synthetic_fraction(20, 2000, TPR, FPR, 1.96, 0.95).unwrap();
        assert_eq!(e.estimate, 0.0);
        assert!(e.low == 0.0 && e.high > 0.0 && e.high < 0.05, "{e:?}");
    }

    #[test]
    fn corrects_for_the_detector_error_rates() {
        // Half synthetic: flagged = 0.5·0.9 + 0.5·0.01 = 0.455.
        let e = synthetic_fraction(910, 2000, TPR, FPR, 1.96, 0.95).unwrap();
        assert!((e.estimate - 0.5).abs() < 1e-9, "{e:?}");
        assert!(e.low < 0.5 && e.high > 0.5 && e.high - e.low < 0.1);
        assert!(synthetic_fraction(1, 10, FPR, TPR, 1.96, 0.95).is_none());
    }
}
