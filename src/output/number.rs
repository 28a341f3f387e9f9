//! Numbers as tables and reports print them.

/// A statistic for a table: 4 decimals, or scientific when that would print 0.0000 for a
/// value that is not 0 (a p-value used as the statistic).
pub fn number(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:.2e}")
    } else {
        format!("{v:.4}")
    }
}
