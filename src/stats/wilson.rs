//! Wilson score interval for a binomial proportion (statsmodels' `proportion_confint(k, n,
//! alpha, method='wilson')`): well-behaved at 0 and n errors, where the normal interval
//! collapses to a point — exactly the case of a clean expert audit.

use super::normal::quantile;

/// Two-sided `1 − alpha` interval for `k` successes in `n` trials, clipped to [0, 1];
/// None when `n` is 0.
pub fn wilson_interval(k: u64, n: u64, alpha: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let z = quantile(1.0 - alpha / 2.0);
    let (kf, nf, z2) = (k as f64, n as f64, z * z);
    let p = kf / nf;
    let centre = (kf + z2 / 2.0) / (nf + z2);
    let half = z * nf.sqrt() / (nf + z2) * (p * (1.0 - p) + z2 / (4.0 * nf)).sqrt();
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_audits_still_have_an_upper_bound() {
        let (lo, hi) = wilson_interval(0, 100, 0.05).unwrap();
        assert_eq!(lo, 0.0);
        assert!(hi > 0.03 && hi < 0.04, "{hi}");
        assert!(wilson_interval(0, 0, 0.05).is_none());
    }
}
