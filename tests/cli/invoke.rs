//! How the CLI tests start the binary: from the repository root, so relative paths in the
//! shipped configs resolve as they do for a user who cloned the repo.

use std::path::Path;
use std::time::Duration;

use crate::common::repo_root;
use assert_cmd::Command;

/// `driftprint` with the repository root as its working directory.
pub fn driftprint() -> Command {
    let mut cmd = Command::cargo_bin("driftprint").unwrap();
    cmd.current_dir(repo_root());
    cmd
}

/// Runs `cmd` and returns (exit code, stderr).
pub fn code_and_stderr(cmd: &mut Command) -> (Option<i32>, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `report --config config --stages stages --inputs input --save-state state` (a shard's pass),
/// asserting it succeeded.
pub fn save_shard_state(config: &Path, stages: &str, input: &Path, state: &Path) {
    let o = Command::cargo_bin("driftprint")
        .unwrap()
        .args(["report".as_ref(), "--config".as_ref(), config.as_os_str()])
        .args(["--stages", stages])
        .args(["--inputs".as_ref(), input.as_os_str()])
        .args(["--save-state".as_ref(), state.as_os_str()])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
