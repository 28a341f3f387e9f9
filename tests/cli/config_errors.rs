//! A bad config is exit 2 with an error naming the file, the line and column, and the key —
//! the right key: a duplicate table is named, not the table above it — and a list that would
//! gate nothing is refused rather than passing with "0 gated".

use crate::common::*;
use assert_cmd::Command;

/// `driftprint ARGS` from the repo root: (exit code, stderr).
fn run(args: &[&str], config: &std::path::Path) -> (Option<i32>, String) {
    let out = Command::cargo_bin("driftprint")
        .unwrap()
        .current_dir(repo_root())
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn toml_errors_name_file_line_column_and_the_table_at_fault() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[ingest]\nbatch_size = 100\n\n[policy]\nper_class = true\n[ingest]\n",
            "c.toml:6:1: ingest: ",
            "duplicate key `ingest`",
        ),
        (
            "seed = 1\n[ingest]\nbatch_size = \"big\"\n",
            "c.toml:3:14: ingest.batch_size: ",
            "invalid type",
        ),
        (
            "[features]\nngram_dim = 0\n",
            "c.toml:2:1: features.ngram_dim: ",
            "must be between 1 and",
        ),
    ];
    for (text, location, what) in cases {
        let config = write(dir.path(), "c.toml", text.as_bytes());
        let (code, err) = run(&["inspect", "data/demo.jsonl"], &config);
        assert_eq!(code, Some(2), "{text}: {err}");
        assert_mentions(&err, &[location, what]);
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    }
}

#[test]
fn an_empty_test_list_is_refused_and_an_empty_gate_warns_instead_of_passing() {
    let dir = tempfile::tempdir().unwrap();
    let demo = [
        "drift",
        "data/demo.jsonl",
        "--source-field",
        "label",
        "--source-values",
        "human=real,machine=synthetic",
        "--tests",
        "univariate",
    ];
    let config = write(dir.path(), "c.toml", b"[drift]\ntests = []\n");
    let (code, err) = run(&demo[..6], &config);
    assert_eq!(code, Some(2), "{err}");
    assert_mentions(
        &err,
        &[
            "c.toml:2:1: drift.tests: is empty",
            "no drift test would run",
        ],
    );
    let config = write(dir.path(), "c.toml", b"");
    let (code, err) = run(&["drift", "data/demo.jsonl", "--tests", ""], &config);
    assert_eq!(code, Some(2), "{err}");
    assert_mentions(&err, &["--tests: is empty"]);
    // Gating nothing is a report-only run: exit 0, and the verdict says it cannot block.
    let config = write(dir.path(), "c.toml", b"[drift]\ngate = []\n");
    let out = Command::cargo_bin("driftprint")
        .unwrap()
        .args(demo)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_mentions(
        &String::from_utf8_lossy(&out.stdout),
        &["WARN: no test gates the release (report only)"],
    );
}
