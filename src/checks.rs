//! Checks of values shared by the config sections and the flags that override them, and how a
//! section names the key of a bad value.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// Turns a bad value's message into the error naming its key (`drift.alpha`) and the file.
pub type KeyError<'a> = &'a dyn Fn(&str, String) -> Error;

/// A positive, finite number (C, a tolerance).
pub fn check_positive(c: f64) -> std::result::Result<f64, String> {
    if c > 0.0 && c.is_finite() {
        Ok(c)
    } else {
        Err(format!("must be a positive number, not {c}"))
    }
}

/// A rate strictly between 0 and 1 (alpha, target FPR, calibration share).
pub fn check_open_unit(v: f64) -> std::result::Result<f64, String> {
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(format!("must be between 0 and 1 (exclusive), not {v}"))
    }
}

/// A dimension must be at least 1 and at most `max`.
pub fn check_dim(d: usize, max: usize) -> Result<(), String> {
    if d == 0 || d > max {
        Err(format!("must be between 1 and {max}, not {d}"))
    } else {
        Ok(())
    }
}

/// Paths of a config key, relative to the config file's directory.
pub fn relative_to(base: &Path, paths: Option<Vec<PathBuf>>) -> Vec<PathBuf> {
    paths
        .unwrap_or_default()
        .iter()
        .map(|p| base.join(p))
        .collect()
}
