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
    if let Some(git_dir) = git(&["rev-parse", "--git-dir"]) {
        let reference = git(&["symbolic-ref", "-q", "HEAD"]);
        for path in std::iter::once("HEAD".to_string()).chain(reference) {
            let path = format!("{git_dir}/{path}");
            if std::path::Path::new(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
}
