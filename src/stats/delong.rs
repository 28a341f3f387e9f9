//! AUROC with its standard error (DeLong, DeLong & Clarke-Pearson 1988, through placement
//! values computed from midranks as in Sun & Xu 2014), and the AUROC of several strata pooled
//! over the pairs within each stratum (positives are compared with negatives of their own
//! stratum only: a class that is common on one side cannot make the sides look apart).

use serde::{Deserialize, Serialize};

/// An AUROC with its variance and how many scores it compares.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AurocEstimate {
    pub auroc: f64,
    pub variance: f64,
    pub positives: usize,
    pub negatives: usize,
}

impl AurocEstimate {
    pub fn standard_error(&self) -> f64 {
        self.variance.max(0.0).sqrt()
    }

    /// The two-sided interval at `level` (e.g. 0.95), clipped to [0, 1].
    pub fn interval(&self, level: f64) -> (f64, f64) {
        let z = super::normal::quantile(0.5 + level / 2.0);
        let half = z * self.standard_error();
        (
            (self.auroc - half).clamp(0.0, 1.0),
            (self.auroc + half).clamp(0.0, 1.0),
        )
    }
}

/// Midranks (1-based, ties share their mean rank) of `values` among themselves.
fn midranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Sample variance (n − 1 in the denominator); 0 for fewer than two values.
fn sample_variance(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64
}

/// Hanley & McNeil's (1982) variance of an AUROC `a` from `m` positives and `n` negatives:
/// the floor used when the sample separates perfectly (DeLong's variance is then 0, which
/// would claim certainty from a finite sample).
fn hanley_mcneil(a: f64, m: usize, n: usize) -> f64 {
    let (mf, nf) = (m as f64, n as f64);
    // Shrunk off 0 and 1 by half a pair, so a perfect sample still has a spread.
    let a = (a * mf * nf + 0.5) / (mf * nf + 1.0);
    let q1 = a / (2.0 - a);
    let q2 = 2.0 * a * a / (1.0 + a);
    (a * (1.0 - a) + (mf - 1.0) * (q1 - a * a) + (nf - 1.0) * (q2 - a * a)) / (mf * nf)
}

/// AUROC of `positive` scores against `negative` ones (ties count one half) with DeLong's
/// variance; None when either side is empty.
pub fn delong(positive: &[f64], negative: &[f64]) -> Option<AurocEstimate> {
    let (m, n) = (positive.len(), negative.len());
    if m == 0 || n == 0 {
        return None;
    }
    let pooled: Vec<f64> = positive.iter().chain(negative).copied().collect();
    let all = midranks(&pooled);
    let within_positive = midranks(positive);
    let within_negative = midranks(negative);
    // Placement values: the share of the other side each score beats (ties one half).
    let v10: Vec<f64> = (0..m)
        .map(|i| (all[i] - within_positive[i]) / n as f64)
        .collect();
    let v01: Vec<f64> = (0..n)
        .map(|j| 1.0 - (all[m + j] - within_negative[j]) / m as f64)
        .collect();
    let auroc = v10.iter().sum::<f64>() / m as f64;
    let variance = sample_variance(&v10) / m as f64 + sample_variance(&v01) / n as f64;
    let variance = if variance > 0.0 {
        variance
    } else {
        hanley_mcneil(auroc, m, n)
    };
    Some(AurocEstimate {
        auroc,
        variance,
        positives: m,
        negatives: n,
    })
}

/// The AUROC over the pairs within each stratum, (positive scores, negative scores) per
/// stratum: the strata's AUROCs weighed by their pairs, with their variances combined as
/// independent. Strata missing a side carry no pairs; None when no stratum has both.
pub fn stratified(strata: &[(&[f64], &[f64])]) -> Option<AurocEstimate> {
    let estimates: Vec<AurocEstimate> = strata.iter().filter_map(|(p, n)| delong(p, n)).collect();
    let pairs: f64 = estimates
        .iter()
        .map(|e| e.positives as f64 * e.negatives as f64)
        .sum();
    if estimates.is_empty() {
        return None;
    }
    let weight = |e: &AurocEstimate| e.positives as f64 * e.negatives as f64 / pairs;
    Some(AurocEstimate {
        auroc: estimates.iter().map(|e| weight(e) * e.auroc).sum(),
        variance: estimates
            .iter()
            .map(|e| weight(e).powi(2) * e.variance)
            .sum(),
        positives: estimates.iter().map(|e| e.positives).sum(),
        negatives: estimates.iter().map(|e| e.negatives).sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::rng::seeded;
    use rand::Rng;

    /// The placement values straight from their definition, O(m·n).
    fn naive(positive: &[f64], negative: &[f64]) -> (f64, f64) {
        let psi = |x: f64, y: f64| {
            if x > y {
                1.0
            } else if x == y {
                0.5
            } else {
                0.0
            }
        };
        let (m, n) = (positive.len() as f64, negative.len() as f64);
        let v10: Vec<f64> = positive
            .iter()
            .map(|&x| negative.iter().map(|&y| psi(x, y)).sum::<f64>() / n)
            .collect();
        let v01: Vec<f64> = negative
            .iter()
            .map(|&y| positive.iter().map(|&x| psi(x, y)).sum::<f64>() / m)
            .collect();
        let auc = v10.iter().sum::<f64>() / m;
        (auc, sample_variance(&v10) / m + sample_variance(&v01) / n)
    }

    #[test]
    fn matches_the_definition_with_ties() {
        let mut rng = seeded(3, 0);
        let positive: Vec<f64> = (0..37)
            .map(|_| (rng.random::<f64>() * 10.0).round() + 1.0)
            .collect();
        let negative: Vec<f64> = (0..23)
            .map(|_| (rng.random::<f64>() * 10.0).round())
            .collect();
        let e = delong(&positive, &negative).unwrap();
        let (auc, var) = naive(&positive, &negative);
        assert!((e.auroc - auc).abs() < 1e-12, "{} vs {auc}", e.auroc);
        assert!((e.variance - var).abs() < 1e-12, "{} vs {var}", e.variance);
        let scores: Vec<f64> = positive.iter().chain(&negative).copied().collect();
        let labels: Vec<bool> = (0..60).map(|i| i < 37).collect();
        let sklearn_like = crate::stats::roc::auroc(&scores, &labels).unwrap();
        assert!((e.auroc - sklearn_like).abs() < 1e-12);
    }

    /// A hand-worked case: positives {3, 2}, negatives {1, 2}: pairs 1, ½, 1, 1 → 0.875;
    /// V10 = (1, 0.75), V01 = (1, 0.75): each sample variance 1/32, over 2 → 1/32 total.
    #[test]
    fn a_small_case_by_hand() {
        let e = delong(&[3.0, 2.0], &[1.0, 2.0]).unwrap();
        assert!((e.auroc - 0.875).abs() < 1e-15);
        assert!((e.variance - 1.0 / 32.0).abs() < 1e-15);
        assert!(delong(&[], &[1.0]).is_none());
    }

    #[test]
    fn perfect_separation_keeps_a_spread() {
        let e = delong(&[5.0, 6.0, 7.0], &[1.0, 2.0]).unwrap();
        assert_eq!(e.auroc, 1.0);
        let (low, high) = e.interval(0.95);
        assert!(low < 1.0 && low > 0.5 && high == 1.0, "{low} {high}");
    }

    /// Under no signal, the 95% interval covers 0.5 in about 95% of samples.
    #[test]
    fn interval_covers_one_half_under_no_signal() {
        let mut rng = seeded(11, 0);
        let mut covered = 0;
        for _ in 0..400 {
            let a: Vec<f64> = (0..60).map(|_| rng.random()).collect();
            let b: Vec<f64> = (0..40).map(|_| rng.random()).collect();
            let (low, high) = delong(&a, &b).unwrap().interval(0.95);
            covered += usize::from(low <= 0.5 && 0.5 <= high);
        }
        assert!((368..=392).contains(&covered), "{covered} of 400");
    }

    #[test]
    fn strata_compare_within_themselves() {
        // Stratum A: positives all above negatives; stratum B: all below. Pooled over strata
        // the sides would mix; within strata the AUROC is the pair-weighted mean.
        let (pa, na) = (vec![10.0, 11.0], vec![0.0, 1.0, 2.0]);
        let (pb, nb) = (vec![-5.0], vec![20.0, 21.0]);
        let e = stratified(&[(&pa, &na), (&pb, &nb)]).unwrap();
        assert!((e.auroc - 6.0 / 8.0).abs() < 1e-12, "{}", e.auroc);
        assert_eq!((e.positives, e.negatives), (3, 5));
        let one = stratified(&[(&pa, &na), (&[], &nb)]).unwrap();
        assert_eq!(one.auroc, 1.0);
        assert!(stratified(&[(&[], &na)]).is_none());
    }
}
