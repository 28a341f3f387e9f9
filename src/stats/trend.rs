//! Monotone-trend tests for short series (one value per retraining generation): Mann–Kendall
//! with the tie-corrected normal approximation (as pymannkendall's `original_test`) and, for
//! series without ties, the exact null distribution of S; and the Theil–Sen slope with Sen's
//! (1968) confidence interval (as scipy's `theilslopes`, method "separate").

use serde::Serialize;

use super::normal;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MannKendall {
    pub n: usize,
    /// S = Σ_{i<j} sign(x_j − x_i).
    pub s: f64,
    /// Var(S) with the tie correction.
    pub var_s: f64,
    /// (S ∓ 1)/√Var(S), continuity-corrected.
    pub z: f64,
    /// Two-sided p-value of the normal approximation.
    pub p_normal: f64,
    /// Two-sided exact p-value (series up to [`EXACT_MAX_N`] values without ties).
    pub p_exact: Option<f64>,
    /// The p-value used: exact when available.
    pub p: f64,
    /// Kendall's tau-a: S / (n(n−1)/2).
    pub tau: f64,
}

/// Longest series whose exact distribution is computed (the DP is O(n³), trivial here; beyond
/// this the normal approximation is accurate anyway).
pub const EXACT_MAX_N: usize = 60;

/// Sizes of the groups of equal values (groups of one left out).
pub(crate) fn tie_groups(x: &[f64]) -> Vec<usize> {
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut groups = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i + 1;
        while j < sorted.len() && sorted[j] == sorted[i] {
            j += 1;
        }
        if j - i > 1 {
            groups.push(j - i);
        }
        i = j;
    }
    groups
}

/// Var(S) of Mann–Kendall's S (also Sen's σ² for the slope interval), tie-corrected.
fn s_variance(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let tie_term: f64 = tie_groups(x)
        .iter()
        .map(|&t| {
            let t = t as f64;
            t * (t - 1.0) * (2.0 * t + 5.0)
        })
        .sum();
    (n * (n - 1.0) * (2.0 * n + 5.0) - tie_term) / 18.0
}

/// P(|S| ≥ |s|) for n distinct values under no trend: the number of permutations of n items
/// with k inversions (Mahonian numbers), built by one DP row per item, as probabilities.
fn exact_two_sided(n: usize, s: f64) -> f64 {
    let max_inv = n * (n - 1) / 2;
    let mut dist = vec![1.0f64];
    for m in 1..n {
        // Adding item m+1 adds 0..=m inversions, each equally likely.
        let mut next = vec![0.0f64; dist.len() + m];
        for (k, &p) in dist.iter().enumerate() {
            for extra in 0..=m {
                next[k + extra] += p / (m + 1) as f64;
            }
        }
        dist = next;
    }
    // S = max_inv − 2·inversions (concordant minus discordant pairs).
    let target = s.abs();
    dist.iter()
        .enumerate()
        .filter(|(k, _)| (max_inv as f64 - 2.0 * *k as f64).abs() >= target - 1e-9)
        .map(|(_, p)| p)
        .sum::<f64>()
        .min(1.0)
}

pub fn mann_kendall(x: &[f64]) -> MannKendall {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n {
        for j in i + 1..n {
            s += (x[j] - x[i]).signum() * f64::from(u8::from(x[j] != x[i]));
        }
    }
    let nf = n as f64;
    let ties = tie_groups(x);
    let var_s = s_variance(x);
    let z = if var_s <= 0.0 {
        0.0
    } else if s > 0.0 {
        (s - 1.0) / var_s.sqrt()
    } else if s < 0.0 {
        (s + 1.0) / var_s.sqrt()
    } else {
        0.0
    };
    let p_normal = (2.0 * normal::sf(z.abs())).min(1.0);
    let p_exact =
        (ties.is_empty() && (2..=EXACT_MAX_N).contains(&n)).then(|| exact_two_sided(n, s));
    MannKendall {
        n,
        s,
        var_s,
        z,
        p_normal,
        p_exact,
        p: p_exact.unwrap_or(p_normal),
        tau: if n > 1 {
            s / (nf * (nf - 1.0) / 2.0)
        } else {
            0.0
        },
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TheilSen {
    /// Median of the pairwise slopes, per step of the series.
    pub slope: f64,
    /// median(x) − slope · median(t).
    pub intercept: f64,
    /// Sen's confidence interval of the slope at `level`.
    pub low: f64,
    pub high: f64,
    pub level: f64,
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
    }
}

/// Theil–Sen slope of `x` against its index 0, 1, 2, ....
pub fn theil_sen(x: &[f64], level: f64) -> TheilSen {
    let n = x.len();
    let mut slopes = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            slopes.push((x[j] - x[i]) / (j - i) as f64);
        }
    }
    slopes.sort_by(f64::total_cmp);
    let slope = median(&slopes);
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let t_median = (n as f64 - 1.0) / 2.0;
    let intercept = median(&sorted) - slope * t_median;
    // Sen (1968) eq. 2.6; the index arithmetic (and round-half-even) as scipy's theilslopes.
    let sigma = s_variance(x).sqrt();
    let z = normal::quantile((1.0 - level) / 2.0);
    let nt = slopes.len() as f64;
    let (low, high) = if slopes.is_empty() {
        (f64::NAN, f64::NAN)
    } else {
        let upper =
            (((nt - z * sigma) / 2.0).round_ties_even() as i64).min(slopes.len() as i64 - 1);
        let lower = ((((nt + z * sigma) / 2.0).round_ties_even() as i64) - 1).max(0);
        (
            slopes[lower.clamp(0, slopes.len() as i64 - 1) as usize],
            slopes[upper.clamp(0, slopes.len() as i64 - 1) as usize],
        )
    };
    TheilSen {
        slope,
        intercept,
        low,
        high,
        level,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_distribution_matches_enumeration_for_small_n() {
        // n = 4: 24 permutations; S = 6 only for the sorted order -> P(|S| >= 6) = 2/24.
        assert!((exact_two_sided(4, 6.0) - 2.0 / 24.0).abs() < 1e-12);
        // Every permutation has |S| >= 0.
        assert!((exact_two_sided(5, 0.0) - 1.0).abs() < 1e-12);
        let mk = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(mk.s, 10.0);
        assert!((mk.p_exact.unwrap() - 2.0 / 120.0).abs() < 1e-12);
        assert!(mann_kendall(&[1.0, 1.0, 2.0]).p_exact.is_none());
    }
}
