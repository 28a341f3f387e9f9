//! The standard normal distribution, to double precision (erfc from `libm`, a port of musl).

/// P(Z ≤ z).
pub fn cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// P(Z > z), accurate far into the upper tail.
pub fn sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// The z with P(Z ≤ z) = p, by bisection on [`cdf`] (to ~1e-15; p in (0, 1)).
pub fn quantile(p: f64) -> f64 {
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-15 {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert!((cdf(0.0) - 0.5).abs() < 1e-16);
        assert!((sf(1.959_963_984_540_054) - 0.025).abs() < 1e-15);
        assert!((sf(8.0) - 6.220_960_574_271_785e-16).abs() < 1e-28);
        assert!((quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-12);
        assert!((quantile(0.5)).abs() < 1e-12);
    }
}
