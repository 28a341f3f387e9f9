//! No command writes over one of its own inputs: an output path that is an input (by any
//! name: the same path, a symbolic or a hard link) is refused with exit 2 before anything is
//! read or written, and the input is left as it was.

use std::path::{Path, PathBuf};

use crate::common::*;
use crate::invoke::driftprint;

const DOCS: &[u8] =
    br#"{"id": "a", "text": "a short real document", "source": "real", "generation": 0}
{"id": "b", "text": "another short document", "source": "synthetic", "generation": 1}
"#;

/// Runs `args` and checks the refusal names `input` and leaves it unchanged.
fn assert_refused(args: &[&dyn AsRef<std::ffi::OsStr>], input: &Path) {
    let before = std::fs::read(input).unwrap();
    let mut cmd = driftprint();
    for a in args {
        cmd.arg(a);
    }
    let args: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy()).collect();
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_mentions(
        &stderr,
        &[
            "refusing to write",
            "it is one of this command's inputs",
            &input.display().to_string(),
        ],
    );
    assert_eq!(std::fs::read(input).unwrap(), before, "{args:?} changed it");
}

struct Files {
    corpus: PathBuf,
    csv: PathBuf,
    config: PathBuf,
    table: PathBuf,
    model: PathBuf,
}

fn files(dir: &Path) -> Files {
    Files {
        corpus: write(dir, "good.jsonl", DOCS),
        csv: write(
            dir,
            "good.csv",
            b"id,text,source\na,a short real document,real\n",
        ),
        config: write(dir, "driftprint.toml", b"seed = 7\n"),
        table: write(dir, "metrics.csv", b"generation,distinct_2\n0,0.5\n1,0.4\n"),
        // Never loaded: the refusal comes first.
        model: write(dir, "fp.model", b"not read"),
    }
}

#[test]
fn every_command_refuses_to_write_over_one_of_its_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let (corpus, csv, config, table, model) = (&f.corpus, &f.csv, &f.config, &f.table, &f.model);
    let cases: Vec<(Vec<&dyn AsRef<std::ffi::OsStr>>, &PathBuf)> = vec![
        (vec![&"policy", &"lock", corpus, &"-o", corpus], corpus),
        (
            vec![
                &"policy",
                &"audit-sample",
                &"--train",
                corpus,
                &"-o",
                corpus,
            ],
            corpus,
        ),
        (
            vec![
                &"policy", &"check", &"--train", corpus, &"--eval", csv, &"--json", csv,
            ],
            csv,
        ),
        (
            vec![
                &"policy", &"check", &"--train", corpus, &"--eval", corpus, &"--lock", model,
                &"--json", model,
            ],
            model,
        ),
        (vec![&"inspect", csv, &"--json", csv], csv),
        (
            vec![&"inspect", csv, &"--config", config, &"--json", config],
            config,
        ),
        (vec![&"features", csv, &"-o", csv], csv),
        (
            vec![
                &"drift",
                &"--reference",
                corpus,
                &"--candidate",
                csv,
                &"--json",
                csv,
            ],
            csv,
        ),
        (
            vec![&"calibrate", corpus, &"--config", config, &"-o", config],
            config,
        ),
        (
            vec![&"collapse", &"--metrics-table", table, &"--json", table],
            table,
        ),
        (vec![&"collapse", corpus, &"--json", corpus], corpus),
        (
            vec![&"simulate", &"--corpus", corpus, &"-o", corpus],
            corpus,
        ),
        (
            vec![
                &"fingerprint",
                &"train",
                &"--data",
                corpus,
                &"--model",
                corpus,
            ],
            corpus,
        ),
        (
            vec![
                &"fingerprint",
                &"train",
                &"--data",
                corpus,
                &"--model",
                &"new.model",
                &"--json",
                corpus,
            ],
            corpus,
        ),
        (
            vec![
                &"fingerprint",
                &"eval",
                corpus,
                &"--model",
                model,
                &"--json",
                model,
            ],
            model,
        ),
        (
            vec![&"fingerprint", &"score", corpus, &"-o", corpus],
            corpus,
        ),
        (
            vec![
                &"fingerprint",
                &"score",
                corpus,
                &"--model",
                model,
                &"--json",
                model,
            ],
            model,
        ),
        (
            vec![
                &"fingerprint",
                &"explain",
                &"--model",
                model,
                &"--json",
                model,
            ],
            model,
        ),
    ];
    for (args, input) in cases {
        assert_refused(&args, input);
    }
    // Nothing else appeared beside the inputs.
    assert_eq!(
        listing(dir.path()),
        [
            "driftprint.toml",
            "fp.model",
            "good.csv",
            "good.jsonl",
            "metrics.csv"
        ]
    );
}

#[cfg(unix)]
#[test]
fn an_input_reached_through_a_link_is_refused_too() {
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let symbolic = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&f.csv, &symbolic).unwrap();
    let hard = dir.path().join("hard.jsonl");
    std::fs::hard_link(&f.corpus, &hard).unwrap();
    assert_refused(&[&"inspect", &f.csv, &"--json", &symbolic], &f.csv);
    assert_refused(&[&"policy", &"lock", &f.corpus, &"-o", &hard], &f.corpus);
    // Another spelling of the same path.
    let dotted = dir.path().join(".").join("good.jsonl");
    assert_refused(
        &[&"simulate", &"--corpus", &f.corpus, &"-o", &dotted],
        &f.corpus,
    );
}

#[test]
fn compare_refuses_to_overwrite_a_runs_report() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("R");
    // Refused before it is read: its contents do not matter.
    let report = write(&run, "report.json", b"{\"schema\": \"not read\"}");
    assert_refused(&[&"compare", &run, &run, &"-o", &report], &report);
    assert_refused(&[&"compare", &run, &report, &"--json", &report], &report);
}

#[test]
fn the_report_refuses_a_state_or_history_over_its_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let config = write(
        dir.path(),
        "report.toml",
        format!(
            "[ingest]\ninputs = [{:?}]\n[collapse]\ninputs = [{:?}]\n",
            f.corpus.display().to_string(),
            f.csv.display().to_string()
        )
        .as_bytes(),
    );
    assert_refused(
        &[&"report", &"--config", &config, &"--save-state", &f.corpus],
        &f.corpus,
    );
    assert_refused(
        &[&"report", &"--config", &config, &"--save-state", &config],
        &config,
    );
    // A history that is one of the corpora would have the run's line appended to it.
    let history = write(&dir.path().join("runs"), "history.jsonl", DOCS);
    assert_refused(
        &[
            &"report",
            &"--config",
            &config,
            &"--inputs",
            &history,
            &"--out",
            &dir.path().join("runs"),
        ],
        &history,
    );
}
