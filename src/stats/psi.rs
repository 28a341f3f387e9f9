//! Population Stability Index of one feature, with bins at the reference deciles.
//!
//! Interior edges are `np.quantile(reference, [0.1, …, 0.9], method='linear')`, de-duplicated
//! (discrete features put several deciles on one value); a value x falls in bin
//! `searchsorted(edges, x, 'right')`, i.e. bins (−∞, e1), [e1, e2), …, [e_last, +∞). In the
//! sum an empty bin's proportion becomes [`PSI_EPSILON`] (no renormalisation, so a shift into
//! empty bins stays large instead of infinite) and
//! PSI = Σ (a − e)·ln(a / e) over bins, e = reference share, a = current share.

use crate::error::{Error, Result};

/// Proportion used in place of an empty bin's 0.
pub const PSI_EPSILON: f64 = 1e-4;

/// The industry's rule-of-thumb reading of a PSI value: < 0.1 stable, 0.1–0.25 moderate
/// shift, > 0.25 major shift.
pub fn psi_band(psi: f64) -> &'static str {
    if psi > 0.25 {
        "major shift"
    } else if psi >= 0.1 {
        "moderate shift"
    } else {
        "stable"
    }
}

/// PSI and how it breaks down per bin.
#[derive(Debug, Clone, PartialEq)]
pub struct PsiBreakdown {
    pub psi: f64,
    /// Interior bin edges (ascending, distinct); there are `edges.len() + 1` bins.
    pub edges: Vec<f64>,
    /// Reference share per bin (raw: an empty bin shows 0).
    pub expected: Vec<f64>,
    /// Current share per bin (raw: an empty bin shows 0).
    pub actual: Vec<f64>,
    /// (a − e)·ln(a / e) per bin with empty shares floored at [`PSI_EPSILON`]; they sum to `psi`.
    pub terms: Vec<f64>,
}

/// The deciles 0.1, …, 0.9 exactly as `np.linspace(0.1, 0.9, 9)` spells them.
fn decile_levels() -> [f64; 9] {
    let step = (0.9 - 0.1) / 8.0;
    let mut q = [0.0; 9];
    for (i, level) in q.iter_mut().enumerate() {
        *level = i as f64 * step + 0.1;
    }
    q[8] = 0.9;
    q
}

/// `np.quantile(sorted, q, method='linear')` on ascending, non-empty data (numpy's lerp,
/// which interpolates from the upper end when the weight is at least one half).
fn quantile_linear(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let virtual_index = (n - 1) as f64 * q;
    if virtual_index >= (n - 1) as f64 {
        return sorted[n - 1];
    }
    if virtual_index < 0.0 {
        return sorted[0];
    }
    let below = virtual_index.floor();
    let gamma = virtual_index - below;
    let (a, b) = (sorted[below as usize], sorted[below as usize + 1]);
    let diff = b - a;
    if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    }
}

/// Distinct interior decile edges of a reference sample (ascending, non-empty, no NaN).
pub fn decile_edges(sorted_reference: &[f64]) -> Vec<f64> {
    let mut edges: Vec<f64> = decile_levels()
        .iter()
        .map(|&q| quantile_linear(sorted_reference, q))
        .collect();
    edges.sort_by(f64::total_cmp);
    edges.dedup();
    edges
}

/// Shares of `values` per bin of `edges`.
fn shares(values: &[f64], edges: &[f64]) -> Vec<f64> {
    let mut counts = vec![0u64; edges.len() + 1];
    for &x in values {
        counts[edges.partition_point(|&e| e <= x)] += 1;
    }
    let n = values.len() as f64;
    counts.iter().map(|&c| c as f64 / n).collect()
}

fn floored(share: f64) -> f64 {
    if share == 0.0 {
        PSI_EPSILON
    } else {
        share
    }
}

/// PSI of `current` against the given interior `edges`.
pub fn psi_with_edges(reference: &[f64], current: &[f64], edges: &[f64]) -> PsiBreakdown {
    let expected = shares(reference, edges);
    let actual = shares(current, edges);
    let terms: Vec<f64> = expected
        .iter()
        .zip(&actual)
        .map(|(&e, &a)| {
            let (e, a) = (floored(e), floored(a));
            (a - e) * (a / e).ln()
        })
        .collect();
    PsiBreakdown {
        psi: terms.iter().sum(),
        edges: edges.to_vec(),
        expected,
        actual,
        terms,
    }
}

/// PSI of `current` against `reference` with bins at the reference deciles.
pub fn psi(reference: &[f64], current: &[f64]) -> Result<PsiBreakdown> {
    if reference.is_empty() || current.is_empty() {
        return Err(Error::Data(
            "PSI needs at least one value in each sample".into(),
        ));
    }
    if reference.iter().chain(current).any(|v| v.is_nan()) {
        return Err(Error::Data("PSI got a NaN value".into()));
    }
    let mut sorted = reference.to_vec();
    sorted.sort_by(f64::total_cmp);
    Ok(psi_with_edges(reference, current, &decile_edges(&sorted)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deciles_of_0_to_10_match_numpy_bit_for_bit() {
        // np.quantile(np.arange(11.), np.linspace(.1, .9, 9)): linspace's 0.30000000000000004
        // and 0.7000000000000001 show through.
        let r: Vec<f64> = (0..=10).map(f64::from).collect();
        assert_eq!(
            decile_edges(&r),
            vec![
                1.0,
                2.0,
                3.0000000000000004,
                4.0,
                5.0,
                6.0,
                7.000000000000001,
                8.0,
                9.0
            ]
        );
    }

    #[test]
    fn same_sample_gives_zero_and_shift_gives_hand_value() {
        let r: Vec<f64> = (0..100).map(f64::from).collect();
        let same = psi(&r, &r).unwrap();
        assert_eq!(same.psi, 0.0);
        assert_eq!(same.expected, vec![0.1; 10]);
        // Everything in the top bin: 9 bins at 1e-4, one at 1.
        let top = psi(&r, &[1000.0; 7]).unwrap();
        let want = 9.0 * (1e-4 - 0.1) * (1e-4f64 / 0.1).ln() + (1.0 - 0.1) * (1.0f64 / 0.1).ln();
        assert!((top.psi - want).abs() < 1e-12, "{} vs {want}", top.psi);
        assert_eq!(
            top.actual,
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
        );
    }

    #[test]
    fn discrete_reference_collapses_edges_and_values_on_an_edge_go_right() {
        let r = [1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0];
        let b = psi(&r, &[2.0, 2.0]).unwrap();
        assert_eq!(b.edges, vec![1.0, 1.5, 2.0]);
        assert_eq!(b.actual, vec![0.0, 0.0, 0.0, 1.0]);
        assert_eq!(b.expected, vec![0.0, 0.5, 0.0, 0.5]);
        // Bin 1 empties (0.5 → 1e-4), bin 3 doubles; empty-in-both bins add nothing.
        let want = (PSI_EPSILON - 0.5) * (PSI_EPSILON / 0.5).ln() + 0.5 * 2f64.ln();
        assert!((b.psi - want).abs() < 1e-15);
        assert_eq!(b.terms[0], 0.0);
    }

    #[test]
    fn empty_or_nan_is_a_data_error() {
        assert!(matches!(psi(&[], &[1.0]), Err(Error::Data(_))));
        assert!(matches!(psi(&[1.0], &[f64::NAN]), Err(Error::Data(_))));
    }
}
