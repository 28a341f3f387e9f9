//! Side files (fingerprint models, eval locks, ancestry files, audit sheets, states, configs,
//! metrics tables) are read whole, so each kind has a size limit checked before reading: a
//! huge file or an endless stream named by mistake is an error naming the file, its size and
//! the limit (exit 2), never memory grown until the kernel kills the run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::*;
use assert_cmd::Command;
use driftprint::corpus::side_file::SideFile;

fn driftprint() -> Command {
    let mut cmd = Command::cargo_bin("driftprint").unwrap();
    cmd.current_dir(repo_root());
    // An unbounded read of a huge file would take far longer (or be killed).
    cmd.timeout(Duration::from_secs(120));
    cmd
}

/// A file one byte over `kind`'s limit, sparse: it costs no disk and, refused by its length,
/// no reading.
fn over_limit(dir: &Path, name: &str, kind: SideFile) -> PathBuf {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(kind.limit() + 1).unwrap();
    path
}

/// The exit code is 2 and stderr names the file, its size (or that it goes on) and the
/// kind's limit.
fn assert_refused(cmd: &mut Command, path: &Path, kind: SideFile, size: &str) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let limit = kind.limit();
    assert_mentions(
        &stderr,
        &[
            &path.display().to_string(),
            size,
            &format!("bytes) limit of {} ({})", kind.noun(), kind.set_by()),
            &format!("({limit} bytes)"),
            "is it the right file?",
        ],
    );
}

fn size_of(kind: SideFile) -> String {
    format!("({} bytes) is over the", kind.limit() + 1)
}

const ENDLESS: &str = "more than";

/// A tiny manifest: policy check reads the eval set before its side files.
fn manifest(dir: &Path) -> (PathBuf, PathBuf) {
    let doc = br#"{"id": "a", "text": "a short real document", "source": "real", "label": "x"}
"#;
    (
        write(dir, "train.jsonl", doc),
        write(dir, "eval.jsonl", doc),
    )
}

fn policy_check(train: &Path, eval: &Path, flag: &str, path: &Path) -> Command {
    let mut cmd = driftprint();
    cmd.args(["policy", "check", "--train"])
        .arg(train)
        .arg("--eval")
        .arg(eval)
        .arg(flag)
        .arg(path);
    cmd
}

#[test]
fn policy_side_files_over_their_limits_are_refused_naming_file_size_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (train, eval) = manifest(dir.path());
    for (flag, kind) in [
        ("--lock", SideFile::Lock),
        ("--audit", SideFile::Audit),
        ("--ancestry", SideFile::Ancestry),
        ("--fingerprint", SideFile::Model),
    ] {
        let big = over_limit(dir.path(), "big", kind);
        assert_refused(
            &mut policy_check(&train, &eval, flag, &big),
            &big,
            kind,
            &size_of(kind),
        );
    }
}

#[cfg(unix)]
#[test]
fn endless_streams_as_side_files_stop_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (train, eval) = manifest(dir.path());
    let zero = Path::new("/dev/zero");
    // The kinds with the smaller limits: each read stops one byte past it.
    for (flag, kind) in [
        ("--audit", SideFile::Audit),
        ("--ancestry", SideFile::Ancestry),
    ] {
        assert_refused(
            &mut policy_check(&train, &eval, flag, zero),
            zero,
            kind,
            ENDLESS,
        );
    }
    assert_refused(
        driftprint().args(["collapse", "--metrics-table", "/dev/zero"]),
        zero,
        SideFile::MetricsTable,
        ENDLESS,
    );
}

#[test]
fn a_metrics_table_and_a_detector_over_their_limits_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let table = over_limit(dir.path(), "metrics.csv", SideFile::MetricsTable);
    let kind = SideFile::MetricsTable;
    assert_refused(
        driftprint()
            .args(["collapse", "--metrics-table"])
            .arg(&table),
        &table,
        kind,
        &size_of(kind),
    );
    let (corpus, _) = manifest(dir.path());
    let model = over_limit(dir.path(), "big.fpmodel", SideFile::Model);
    let kind = SideFile::Model;
    assert_refused(
        driftprint()
            .args(["fingerprint", "score"])
            .arg(&corpus)
            .arg("--model")
            .arg(&model),
        &model,
        kind,
        &size_of(kind),
    );
    assert_refused(
        driftprint()
            .args(["fingerprint", "explain", "--model"])
            .arg(&model),
        &model,
        kind,
        &size_of(kind),
    );
}

#[test]
fn a_state_over_the_limit_is_refused_before_merging() {
    let dir = tempfile::tempdir().unwrap();
    let (corpus, _) = manifest(dir.path());
    let config = write(
        dir.path(),
        "driftprint.toml",
        format!("[ingest]\ninputs = [{:?}]\n", corpus.display().to_string()).as_bytes(),
    );
    let state = over_limit(dir.path(), "shard.state", SideFile::State);
    let kind = SideFile::State;
    assert_refused(
        driftprint()
            .args(["report", "--stages", "drift", "--config"])
            .arg(&config)
            .arg("--out")
            .arg(dir.path().join("reports"))
            .arg("--merge-states")
            .arg(&state),
        &state,
        kind,
        &size_of(kind),
    );
}

#[test]
fn the_report_names_a_configured_side_file_over_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (train, eval) = manifest(dir.path());
    let lock = over_limit(dir.path(), "eval.lock", SideFile::Lock);
    let config = write(
        dir.path(),
        "driftprint.toml",
        format!(
            "[ingest]\ninputs = [{0:?}]\n[policy]\ntrain = [{0:?}]\neval = [{1:?}]\nlock = {2:?}\n",
            train.display().to_string(),
            eval.display().to_string(),
            lock.display().to_string()
        )
        .as_bytes(),
    );
    let out = driftprint()
        .args(["report", "--stages", "policy", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(dir.path().join("reports"))
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    // The policy stage could not run: the run is incomplete.
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert_mentions(
        &text,
        &[
            "eval.lock",
            &size_of(SideFile::Lock),
            "limit of an eval lock",
        ],
    );
}

/// Needs `Config::resolve` (src/config.rs) to read through `read_side_text(path,
/// SideFile::Config)`.
#[cfg(unix)]
#[test]
fn a_config_from_an_endless_stream_is_refused() {
    let zero = Path::new("/dev/zero");
    assert_refused(
        driftprint().args(["inspect", "--config", "/dev/zero", "data/demo.jsonl"]),
        zero,
        SideFile::Config,
        ENDLESS,
    );
}
