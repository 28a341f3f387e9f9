//! The standard normal distribution, to double precision (erfc from `libm`, a port of musl).

/// P(Z ≤ z).
pub fn cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// P(Z > z), accurate far into the upper tail.
pub fn sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert!((cdf(0.0) - 0.5).abs() < 1e-16);
        assert!((sf(1.959_963_984_540_054) - 0.025).abs() < 1e-15);
        assert!((sf(8.0) - 6.220_960_574_271_785e-16).abs() < 1e-28);
    }
}
