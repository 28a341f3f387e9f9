//! A report that cannot be what it claims is refused, and one that fails midway leaves nothing
//! behind: `--inputs` is not recorded for a merge that reads none of them, and a run that
//! cannot write its report (a full disk) removes its own `.RUNID.partial` folder.

use crate::common::*;
use assert_cmd::Command;

/// The demo with its schema and one quick drift test.
fn quick_config(dir: &std::path::Path) -> std::path::PathBuf {
    write(
        dir,
        "quick.toml",
        format!(
            "[ingest]\ninputs = [{:?}]\n[ingest.fields]\nsource = \"label\"\n\
             [ingest.source_values]\nhuman = \"real\"\nmachine = \"synthetic\"\n\
             [drift]\ntests = [\"univariate\"]\n",
            demo_path().display().to_string()
        )
        .as_bytes(),
    )
}

fn report(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let out = Command::cargo_bin("driftprint")
        .unwrap()
        .current_dir(repo_root())
        .arg("report")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn inputs_with_merged_states_is_a_usage_error_saying_where_documents_come_from() {
    let dir = tempfile::tempdir().unwrap();
    let config = quick_config(dir.path());
    let state = dir.path().join("shard.state");
    let (code, err) = report(&[
        "--config".as_ref(),
        config.as_os_str(),
        "--stages".as_ref(),
        "drift".as_ref(),
        "--save-state".as_ref(),
        state.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let out = dir.path().join("reports");
    let (code, err) = report(&[
        "--config".as_ref(),
        config.as_os_str(),
        "--stages".as_ref(),
        "drift".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--merge-states".as_ref(),
        state.as_os_str(),
        "--inputs".as_ref(),
        demo_path().as_os_str(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert_mentions(
        &err,
        &["--inputs cannot be used with --merge-states", "saved from"],
    );
    assert!(!out.exists(), "nothing written");
}

/// A disk that fills while the report is written: here a file-size limit (RLIMIT_FSIZE, with
/// SIGXFSZ ignored so that a write over it fails instead of killing the process).
#[cfg(unix)]
#[test]
fn a_run_that_cannot_write_its_report_removes_its_partial_folder() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let config = quick_config(dir.path());
    let out = dir.path().join("reports");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("driftprint"));
    cmd.args(["report", "--stages", "drift", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out);
    // SAFETY: signal and setrlimit are async-signal-safe; nothing else runs in the child.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 4096,
                rlim_max: 4096,
            };
            match libc::setrlimit(libc::RLIMIT_FSIZE, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
    let result = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(2), "{err}");
    assert_mentions(&err, &["could not write", "report.json"]);
    assert_eq!(listing(&out), Vec::<String>::new(), "{err}");
}
