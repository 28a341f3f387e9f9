//! The Jonckheere–Terpstra test for an ordered trend across groups (generations), on every
//! document's value rather than one summary per generation, so 3–4 generations with many
//! documents still have power. Tie-corrected variance (Hollander & Wolfe), normal
//! approximation without continuity correction.

use serde::Serialize;

use super::normal;
use super::trend::tie_groups;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Jonckheere {
    /// J = Σ_{i<j} Σ_{a∈G_i, b∈G_j} ([a<b] + ½[a=b]).
    pub j: f64,
    pub mean: f64,
    pub variance: f64,
    pub z: f64,
    /// P-value against an increasing trend over the groups' order.
    pub p_increasing: f64,
    pub p_decreasing: f64,
    pub p_two_sided: f64,
}

/// Count of pooled values below (and equal to) `v` in a sorted slice.
fn below_and_equal(sorted: &[f64], v: f64) -> (usize, usize) {
    let lo = sorted.partition_point(|&x| x < v);
    let hi = sorted.partition_point(|&x| x <= v);
    (lo, hi - lo)
}

/// `groups` in their hypothesised order (generation 0, 1, ...).
pub fn jonckheere(groups: &[Vec<f64>]) -> Jonckheere {
    // J by sorting: for each later group's value, the earlier groups' values below it (plus half
    // the equal ones); O(N log N) instead of comparing every pair.
    let mut earlier: Vec<f64> = Vec::new();
    let mut j = 0.0;
    for g in groups {
        earlier.sort_by(f64::total_cmp);
        for &v in g {
            let (below, equal) = below_and_equal(&earlier, v);
            j += below as f64 + 0.5 * equal as f64;
        }
        earlier.extend_from_slice(g);
    }
    let sizes: Vec<f64> = groups.iter().map(|g| g.len() as f64).collect();
    let n: f64 = sizes.iter().sum();
    let mean = (n * n - sizes.iter().map(|s| s * s).sum::<f64>()) / 4.0;
    let ties: Vec<f64> = tie_groups(&earlier).into_iter().map(|t| t as f64).collect();
    let sum = |f: &dyn Fn(f64) -> f64, xs: &[f64]| xs.iter().map(|&x| f(x)).sum::<f64>();
    let v1 = n * (n - 1.0) * (2.0 * n + 5.0)
        - sum(&|s| s * (s - 1.0) * (2.0 * s + 5.0), &sizes)
        - sum(&|t| t * (t - 1.0) * (2.0 * t + 5.0), &ties);
    let v2 =
        sum(&|s| s * (s - 1.0) * (s - 2.0), &sizes) * sum(&|t| t * (t - 1.0) * (t - 2.0), &ties);
    let v3 = sum(&|s| s * (s - 1.0), &sizes) * sum(&|t| t * (t - 1.0), &ties);
    let variance = v1 / 72.0
        + if n > 2.0 {
            v2 / (36.0 * n * (n - 1.0) * (n - 2.0))
        } else {
            0.0
        }
        + if n > 1.0 {
            v3 / (8.0 * n * (n - 1.0))
        } else {
            0.0
        };
    let z = if variance > 0.0 {
        (j - mean) / variance.sqrt()
    } else {
        0.0
    };
    let (p_increasing, p_decreasing) = (normal::sf(z), normal::cdf(z));
    Jonckheere {
        j,
        mean,
        variance,
        z,
        p_increasing,
        p_decreasing,
        p_two_sided: (2.0 * p_increasing.min(p_decreasing)).min(1.0),
    }
}
