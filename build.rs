//! Records the git commit the binary is built from, for `driftprint --version`.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !s.is_empty()).then_some(s)
}

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=DRIFTPRINT_BUILD_COMMIT={commit}");
    // Rebuilt when HEAD moves (a commit or a checkout), not on every file change.
    // (A path that does not exist would rerun this on every build: packed refs have no file.)
    // `--git-path` finds each file where git keeps it: in a worktree HEAD is the worktree's own
    // and the branch ref is in the main repository's folder.
    let reference = git(&["symbolic-ref", "-q", "HEAD"]);
    for name in std::iter::once("HEAD".to_string()).chain(reference) {
        if let Some(path) = git(&["rev-parse", "--git-path", &name]) {
            if std::path::Path::new(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
}
