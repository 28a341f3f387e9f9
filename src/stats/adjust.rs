//! Multiple-testing adjustment of p-values: Benjamini–Hochberg (false discovery rate) and Holm
//! (family-wise error rate), computed exactly as statsmodels' `multipletests(p, alpha,
//! method='fdr_bh' | 'holm')` does, so adjusted values match it to the last bits.

use std::cmp::Ordering;

/// Adjusted p-values and reject flags, both in the order of the input p-values.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjusted {
    /// Adjusted p-values, capped at 1.
    pub adjusted: Vec<f64>,
    /// Whether each hypothesis is rejected at the given α.
    pub reject: Vec<bool>,
}

/// Indices that sort `p` ascending (NaN last, ties in input order).
fn ascending(p: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| {
        p[a].partial_cmp(&p[b])
            .unwrap_or_else(|| nan_last(p[a], p[b]))
    });
    order
}

fn nan_last(a: f64, b: f64) -> Ordering {
    a.is_nan().cmp(&b.is_nan())
}

/// Puts values computed in sorted order back into input order.
fn unsort(order: &[usize], adjusted: Vec<f64>, reject: Vec<bool>) -> Adjusted {
    let mut out = Adjusted {
        adjusted: vec![0.0; order.len()],
        reject: vec![false; order.len()],
    };
    for (rank, &i) in order.iter().enumerate() {
        out.adjusted[i] = adjusted[rank];
        out.reject[i] = reject[rank];
    }
    out
}

/// Benjamini–Hochberg step-up adjustment: controls the false discovery rate at `alpha` when
/// the tests are independent or positively correlated (statsmodels `fdr_bh`).
pub fn benjamini_hochberg(p: &[f64], alpha: f64) -> Adjusted {
    let order = ascending(p);
    let m = p.len() as f64;
    let sorted: Vec<f64> = order.iter().map(|&i| p[i]).collect();
    // statsmodels divides by the empirical-CDF factor k/m (as a float), not multiplies by m/k.
    let factor: Vec<f64> = (1..=sorted.len()).map(|k| k as f64 / m).collect();
    let mut reject: Vec<bool> = sorted
        .iter()
        .zip(&factor)
        .map(|(&p, &f)| p <= f * alpha)
        .collect();
    // Step-up: everything ranked below the last rejection is rejected too.
    if let Some(last) = reject.iter().rposition(|&r| r) {
        reject[..last].iter_mut().for_each(|r| *r = true);
    }
    let mut adjusted: Vec<f64> = sorted.iter().zip(&factor).map(|(&p, &f)| p / f).collect();
    // Monotone from the largest p-value down: adjusted_k = min over j >= k of raw_j.
    for k in (0..adjusted.len().saturating_sub(1)).rev() {
        adjusted[k] = adjusted[k].min(adjusted[k + 1]);
    }
    adjusted
        .iter_mut()
        .filter(|a| **a > 1.0)
        .for_each(|a| *a = 1.0);
    unsort(&order, adjusted, reject)
}

/// Holm step-down adjustment: controls the family-wise error rate at `alpha` under any
/// dependence (statsmodels `holm`).
pub fn holm(p: &[f64], alpha: f64) -> Adjusted {
    let order = ascending(p);
    let m = p.len();
    let sorted: Vec<f64> = order.iter().map(|&i| p[i]).collect();
    // Step-down: reject in order until the first p-value above alpha / (m - k).
    let first_kept = sorted
        .iter()
        .enumerate()
        .position(|(k, &p)| p > alpha / (m - k) as f64)
        .unwrap_or(m);
    let reject: Vec<bool> = (0..m).map(|k| k < first_kept).collect();
    let mut adjusted: Vec<f64> = sorted
        .iter()
        .enumerate()
        .map(|(k, &p)| p * (m - k) as f64)
        .collect();
    for k in 1..adjusted.len() {
        adjusted[k] = adjusted[k].max(adjusted[k - 1]);
    }
    adjusted
        .iter_mut()
        .filter(|a| **a > 1.0)
        .for_each(|a| *a = 1.0);
    unsort(&order, adjusted, reject)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bh_matches_hand_computation_on_unsorted_input() {
        // Sorted: 0.01, 0.02, 0.03, 0.5 (m = 4): raw 0.04, 0.04, 0.04, 0.5.
        let a = benjamini_hochberg(&[0.5, 0.03, 0.01, 0.02], 0.05);
        let expected = [0.5, 0.04, 0.04, 0.04];
        for (got, want) in a.adjusted.iter().zip(expected) {
            assert!((got - want).abs() < 1e-15, "{got} vs {want}");
        }
        assert_eq!(a.reject, vec![false, true, true, true]);
    }

    #[test]
    fn bh_step_up_rejects_below_the_last_rejection() {
        // Sorted 0.02 > 0.05/3 alone, but 0.03 <= 2/3·0.05 → both rejected; 0.9 not.
        // Raw 0.06, 0.045, 0.9 → monotone 0.045, 0.045, 0.9.
        let a = benjamini_hochberg(&[0.03, 0.9, 0.02], 0.05);
        assert_eq!(a.reject, vec![true, false, true]);
        assert!((a.adjusted[0] - 0.045).abs() < 1e-15);
        assert!((a.adjusted[2] - 0.045).abs() < 1e-15);
        assert_eq!(a.adjusted[1], 0.9);
    }

    #[test]
    fn holm_matches_hand_computation_on_unsorted_input() {
        // Sorted 0.01·4 = 0.04, 0.02·3 = 0.06, 0.03·2 = 0.06, 0.5·1 → max-accumulated.
        let a = holm(&[0.5, 0.03, 0.01, 0.02], 0.05);
        let expected = [0.5, 0.06, 0.04, 0.06];
        for (got, want) in a.adjusted.iter().zip(expected) {
            assert!((got - want).abs() < 1e-15, "{got} vs {want}");
        }
        // 0.01 <= 0.05/4 rejected; 0.02 > 0.05/3 stops the procedure.
        assert_eq!(a.reject, vec![false, false, true, false]);
    }

    #[test]
    fn all_ones_stay_one_and_nothing_is_rejected() {
        for a in [benjamini_hochberg(&[1.0; 5], 0.05), holm(&[1.0; 5], 0.05)] {
            assert_eq!(a.adjusted, vec![1.0; 5]);
            assert_eq!(a.reject, vec![false; 5]);
        }
    }

    #[test]
    fn ties_get_equal_adjusted_values() {
        let p = [0.02, 0.01, 0.02, 0.02];
        let bh = benjamini_hochberg(&p, 0.05);
        assert_eq!(bh.adjusted[0], bh.adjusted[2]);
        assert_eq!(bh.adjusted[0], bh.adjusted[3]);
        assert!((bh.adjusted[0] - 0.02).abs() < 1e-15);
        assert!((bh.adjusted[1] - 0.02).abs() < 1e-15);
        let h = holm(&p, 0.05);
        assert_eq!(h.adjusted[0], h.adjusted[2]);
        assert_eq!(h.adjusted[0], h.adjusted[3]);
        assert!((h.adjusted[0] - 0.06).abs() < 1e-15);
        assert!((h.adjusted[1] - 0.04).abs() < 1e-15);
    }

    #[test]
    fn large_products_are_capped_at_one_and_empty_input_is_empty() {
        // Sorted 0.1·3, 0.6·2 = 1.2 → 1, then max-accumulated 1.
        let h = holm(&[0.7, 0.6, 0.1], 0.05);
        assert_eq!(&h.adjusted[..2], &[1.0, 1.0]);
        assert!((h.adjusted[2] - 0.3).abs() < 1e-15);
        assert!(benjamini_hochberg(&[], 0.05).adjusted.is_empty());
        assert!(holm(&[], 0.05).reject.is_empty());
    }
}
