//! The `driftprint` binary end to end: exit codes, messages, outputs, determinism.

use crate::common::*;
use crate::invoke::driftprint;
use predicates::prelude::*;

#[test]
fn help_exists_for_every_subcommand() {
    driftprint()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("inspect").and(predicate::str::contains("features")));
    for sub in ["inspect", "features"] {
        driftprint()
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(
                predicate::str::contains("--source-values")
                    .and(predicate::str::contains("--lineage")),
            );
    }
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let out = driftprint().arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "driftprint {} (commit ",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
    // In a git checkout the commit is HEAD's (a tarball build says "unknown").
    if let Ok(head) = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo_root())
        .output()
    {
        let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
        if !head.is_empty() {
            assert!(text.contains(&head), "{text} vs HEAD {head}");
        }
    }
}

#[test]
fn inspect_the_demo_with_its_config() {
    driftprint()
        .args(["inspect", "--config", "data/driftprint.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1440 documents: 840 real, 600 synthetic (41.7% synthetic)",
        ))
        .stdout(predicate::str::contains("gemini-1.5-pro"))
        .stdout(predicate::str::contains("LegalDocument"));
}

#[test]
fn inspect_json_has_counts_and_percentiles() {
    let out = driftprint()
        .args([
            "inspect",
            "data/demo.jsonl",
            "--source-field",
            "label",
            "--source-values",
            "human=real,machine=synthetic",
            "--json",
            "-",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["documents"], 1200);
    assert_eq!(v["synthetic_share"], 0.5);
    assert_eq!(v["by_generator"]["gpt-4o"]["synthetic"], 150);
    assert!(v["length_chars"]["median"].as_u64().unwrap() > 300);
}

#[test]
fn bad_input_exits_2_names_the_place_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", b"{\"id\":\"a\",\"text\":\"ok\",\"source\":\"real\"}\n{\"id\":\"b\",\"txt\":\"x\",\"source\":\"real\"}\n");
    for out in ["out.parquet", "out.csv", "out.npy"] {
        driftprint()
            .args(["features", input.to_str().unwrap(), "-o"])
            .arg(dir.path().join(out))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("in.jsonl: line 2: field 'text'"));
    }
    assert_eq!(
        listing(dir.path()),
        ["in.jsonl"],
        "no output or temporary file is left behind"
    );

    // The same when the error is only found on the second (writing) pass: a duplicate id after
    // the first batch. Batch size 1 forces several batches.
    let dup = write(dir.path(), "dup.jsonl", b"{\"id\":\"a\",\"text\":\"one\",\"source\":\"real\"}\n{\"id\":\"a\",\"text\":\"two\",\"source\":\"real\"}\n");
    driftprint()
        .args([
            "features",
            dup.to_str().unwrap(),
            "--features",
            "stylo",
            "--batch-size",
            "1",
            "-o",
        ])
        .arg(dir.path().join("f.parquet"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("duplicate id 'a'"));
    assert_eq!(listing(dir.path()), ["dup.jsonl", "in.jsonl"]);
}

#[test]
fn usage_errors_exit_2() {
    driftprint()
        .args([
            "features",
            "data/demo.jsonl",
            "-o",
            "x.xlsx",
            "--source-field",
            "label",
            "--source-values",
            "human=real,machine=synthetic",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(".parquet, .csv or .npy"));
    driftprint()
        .args([
            "features",
            "data/demo.jsonl",
            "--features",
            "stylo,vibes",
            "-o",
            "x.csv",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown feature set 'vibes'"));
    driftprint()
        .args(["inspect", "data/demo.jsonl", "--lineage", "source=human"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--lineage"));
    driftprint()
        .args(["inspect"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no corpus given"));
    driftprint()
        .args(["inspect", "--frobnicate"])
        .assert()
        .code(2);
    let dir = tempfile::tempdir().unwrap();
    let conf = write(
        dir.path(),
        "bad.toml",
        b"[ingest]\ninputs = [\"x.jsonl\"]\nbatchsize = 3\n",
    );
    driftprint()
        .args(["inspect", "--config"])
        .arg(&conf)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml").and(predicate::str::contains("batchsize")));
}

#[test]
fn features_are_identical_across_runs_and_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["parquet", "csv", "npy"] {
        let mut outputs = Vec::new();
        for (run, threads) in [(0, "1"), (1, "2"), (2, "2")] {
            let out = dir.path().join(format!("run{run}.{ext}"));
            driftprint()
                .args([
                    "--threads",
                    threads,
                    "features",
                    "--config",
                    "data/driftprint.toml",
                    "--batch-size",
                    "97",
                    "-o",
                ])
                .arg(&out)
                .assert()
                .success()
                .stderr(predicate::str::contains(
                    "wrote 1440 documents x 393 features",
                ));
            outputs.push(std::fs::read(&out).unwrap());
        }
        assert!(outputs[0].len() > 1000);
        assert_eq!(outputs[0], outputs[1], "{ext}: 1 thread vs 2 threads");
        assert_eq!(outputs[1], outputs[2], "{ext}: two runs");
    }
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("run0.columns.json")).unwrap())
            .unwrap();
    assert_eq!(sidecar["ids"].as_array().unwrap().len(), 1440);
    assert_eq!(sidecar["columns"][0], "stylo_chars");
    assert_eq!(sidecar["columns"][113], "format_lines");
    assert_eq!(sidecar["columns"][392], "ngram_proj_255");
}

/// Warnings quote file names and ids: their control characters are shown escaped, and a log
/// that is not a terminal gets no colour codes.
#[test]
fn warnings_show_control_characters_escaped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", b"A document.");
    let fifo = dir.path().join("\u{1b}]0;owned\u{7}\u{1b}[2J.txt");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let o = driftprint()
        .arg("inspect")
        .arg(dir.path())
        .args(["--lineage", "source=real"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("skipped, not a regular file"), "{stderr}");
    assert!(stderr.contains("\\u{1b}]0;owned\\u{7}"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{7}'),
        "{stderr:?}"
    );
}
