//! Leftovers of killed runs (unfinished run folders, temp files of outputs): each records the
//! process that writes it, and is removed at the start of a later run once it is over
//! [`STALE_AFTER`] old and that process is gone from this machine.

use std::path::Path;
use std::time::Duration;

/// How old a leftover must be before it is removed: longer than any run, so a live writer on
/// another machine sharing the folder is never touched.
pub const STALE_AFTER: Duration = Duration::from_secs(6 * 3600);

/// Whether a leftover modified at `path`'s time, written by `pid`, belongs to a killed run.
pub fn is_stale(path: &Path, pid: Option<u32>) -> bool {
    let alive = pid.is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
    let old = std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age >= STALE_AFTER);
    old && !alive
}
