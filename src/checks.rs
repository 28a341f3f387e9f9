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

/// The message of a whole number outside `range`: one wording wherever a range is checked, so
/// the config check and a constructor checking again never disagree on the range.
pub fn whole_number_outside(
    key: &str,
    range: &std::ops::RangeInclusive<usize>,
    value: impl std::fmt::Display,
) -> String {
    format!(
        "{key}: must be a whole number from {} to {}, not {value}",
        range.start(),
        range.end()
    )
}

/// A dimension must be at least 1 and at most `max`.
pub fn check_dim(d: usize, max: usize) -> Result<(), String> {
    if d == 0 || d > max {
        Err(format!("must be between 1 and {max}, not {d}"))
    } else {
        Ok(())
    }
}

/// Widest n-gram projection (`projection_dim`) a run may ask for. Not the projection's own
/// limit (2^15, `features::projection::MAX_OUTPUT_DIM`) but what the drift suite can afford:
/// the Fréchet test fits a d × d covariance per side and takes three d × d eigendecompositions,
/// so time grows as d³ and memory as d². The 600-document demo report on 2 cores: 256 in 4 s
/// and 0.17 GB, 1024 in 15 s, 2048 in 56 s and 0.44 GB, 4096 in 338 s and 1.4 GB, 16384 over
/// 8 GB (docs/configuration.md).
pub const MAX_PROJECTION_DIM: usize = 2048;
const _: () = assert!(MAX_PROJECTION_DIM <= crate::features::projection::MAX_OUTPUT_DIM);

/// A projection width within 1 ..= [`MAX_PROJECTION_DIM`], refused with the reason.
pub fn check_projection_dim(d: usize) -> Result<(), String> {
    check_dim(d, MAX_PROJECTION_DIM).map_err(|m| {
        format!(
            "{m}: the drift suite's Fréchet test grows as the cube of this width \
             (2048 takes about a minute on 2 cores, 4096 over five, 16384 needs over 8 GB)"
        )
    })
}

/// Most worker threads on a machine of up to this many cores (a larger one may use its cores).
/// Results never depend on the count, and more threads than cores only wait on each other:
/// the demo report on 2 cores takes 4 s with 2 threads, 9 s with 256, 39 s with 512 and 173 s
/// with 1024; 100,000 are more threads than Linux hands one process by default (pid_max
/// 32768), and their stacks alone reserve 200 GB.
pub const MAX_THREADS: usize = 256;

/// The largest `--threads` this machine accepts: [`MAX_THREADS`], or its cores when more.
pub fn max_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    MAX_THREADS.max(cores)
}

/// A worker-thread count within 1 ..= [`max_threads`], refused with the reason.
pub fn check_threads(n: usize) -> Result<usize, String> {
    let max = max_threads();
    if (1..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "must be between 1 and {max} ({MAX_THREADS}, or the machine's cores when more), \
             not {n}: results never depend on it, and threads beyond the cores only wait on \
             each other (1024 on 2 cores is 40 times slower)"
        ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_widths_past_the_bound_are_refused_with_the_reason() {
        assert!(check_projection_dim(1).is_ok());
        assert!(check_projection_dim(MAX_PROJECTION_DIM).is_ok());
        for d in [0, MAX_PROJECTION_DIM + 1, 4096, 32768] {
            let e = check_projection_dim(d).unwrap_err();
            assert!(
                e.contains("between 1 and 2048")
                    && e.contains("Fréchet")
                    && e.contains(&d.to_string()),
                "{e}"
            );
        }
    }

    #[test]
    fn thread_counts_past_the_bound_are_refused_with_the_reason() {
        assert_eq!(check_threads(1), Ok(1));
        assert_eq!(check_threads(MAX_THREADS), Ok(MAX_THREADS));
        assert!(max_threads() >= MAX_THREADS);
        for n in [0, max_threads() + 1, 100_000] {
            let e = check_threads(n).unwrap_err();
            assert!(
                e.contains("between 1 and") && e.contains("never depend"),
                "{e}"
            );
        }
    }
}
