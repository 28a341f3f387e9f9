//! `driftprint fingerprint train|eval|score|explain` end to end on the demo corpus: a detector
//! trained on one part is measured on the other, model files round-trip and fail clearly when
//! damaged, and the synthetic-fraction estimate behaves on an all-human corpus.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::*;
use serde_json::Value;

fn driftprint() -> Command {
    let mut cmd = Command::cargo_bin("driftprint").unwrap();
    cmd.current_dir(repo_root());
    cmd
}

const SCHEMA: [&str; 4] = [
    "--source-field",
    "label",
    "--source-values",
    "human=real,machine=synthetic",
];

/// The demo corpus split in two by line (odd lines to test), and the human test lines alone.
fn split_demo(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let text = std::fs::read_to_string(demo_path()).unwrap();
    let (mut train, mut test, mut human) = (String::new(), String::new(), String::new());
    for (i, line) in text.lines().enumerate() {
        let target = if i % 2 == 1 { &mut test } else { &mut train };
        target.push_str(line);
        target.push('\n');
        if i % 2 == 1 && line.contains("\"label\": \"human\"") {
            human.push_str(line);
            human.push('\n');
        }
    }
    (
        write(dir, "train.jsonl", train.as_bytes()),
        write(dir, "test.jsonl", test.as_bytes()),
        write(dir, "human.jsonl", human.as_bytes()),
    )
}

fn train(dir: &Path, data: &Path) -> PathBuf {
    let model = dir.join("fp.model");
    driftprint()
        .args(["fingerprint", "train", "--data"])
        .arg(data)
        .args(SCHEMA)
        .arg("--model")
        .arg(&model)
        .assert()
        .success();
    model
}

fn json(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn trains_on_one_half_and_detects_the_other_well_above_chance() {
    let dir = tempfile::tempdir().unwrap();
    let (train_file, test_file, _) = split_demo(dir.path());
    let model = train(dir.path(), &train_file);
    let v = json(
        driftprint()
            .args(["fingerprint", "eval", "--model"])
            .arg(&model)
            .arg(&test_file)
            .args(SCHEMA)
            .args(["--json", "-"]),
    );
    let auroc = v["metrics"]["auroc"].as_f64().unwrap();
    assert!(auroc > 0.85, "AUROC {auroc}");
    assert!(v["metrics"]["brier"].as_f64().unwrap() < 0.2);
    let m = &v["metrics"];
    assert_eq!(
        m["n_real"].as_u64().unwrap() + m["n_synthetic"].as_u64().unwrap(),
        300
    );
    let groups = v["groups"].as_array().unwrap();
    for field in ["generator", "domain"] {
        assert!(
            groups
                .iter()
                .any(|g| g["field"] == field && g["value"] != "(none)"),
            "no {field} breakdown"
        );
    }
    let fpr = v["metrics"]["fpr"].as_f64().unwrap();
    assert!(fpr < 0.1, "FPR at the model's threshold {fpr}");
}

#[test]
fn saved_models_score_identically_and_damaged_files_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let (train_file, test_file, _) = split_demo(dir.path());
    let model = train(dir.path(), &train_file);
    let score = |out: &str| {
        driftprint()
            .args(["fingerprint", "score", "--model"])
            .arg(&model)
            .arg(&test_file)
            .args(SCHEMA)
            .arg("-o")
            .arg(dir.path().join(out))
            .assert()
            .success();
        std::fs::read_to_string(dir.path().join(out)).unwrap()
    };
    let first = score("a.jsonl");
    assert_eq!(first, score("b.jsonl"));
    assert_eq!(first.lines().count(), 300);
    let row: Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    for key in ["id", "probability", "synthetic", "decision"] {
        assert!(row.get(key).is_some(), "{key} missing from {row}");
    }
    let csv = score("c.csv");
    assert!(csv.starts_with("id,probability,synthetic,decision\n"));

    let good = std::fs::read(&model).unwrap();
    let damaged = dir.path().join("damaged.model");
    let mut other_version = good.clone();
    other_version[8] = 99;
    for (bytes, message) in [
        (other_version, "format version 99"),
        (good[..good.len() / 2].to_vec(), "truncated"),
    ] {
        std::fs::write(&damaged, bytes).unwrap();
        driftprint()
            .args(["fingerprint", "score", "--model"])
            .arg(&damaged)
            .arg(&test_file)
            .args(SCHEMA)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(message))
            .stderr(predicates::str::contains("damaged.model"));
    }
}

#[test]
fn an_all_human_corpus_has_a_synthetic_fraction_interval_containing_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (train_file, _, human_file) = split_demo(dir.path());
    let model = train(dir.path(), &train_file);
    let v = json(
        driftprint()
            .args(["fingerprint", "score", "--model"])
            .arg(&model)
            .arg(&human_file)
            .args(SCHEMA)
            .args(["--json", "-"]),
    );
    let f = &v["synthetic_fraction"];
    assert_eq!(f["low"].as_f64().unwrap(), 0.0, "{v}");
    assert!(f["high"].as_f64().unwrap() < 0.15, "{v}");
}

#[test]
fn explain_lists_the_lexicon_both_ways_with_snippets() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(dir.path(), &demo_path());
    let out = driftprint()
        .args(["fingerprint", "explain", "--top", "5", "--model"])
        .arg(&model)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    for part in [
        "toward SYNTHETIC",
        "toward REAL",
        "style features",
        "e.g. ...",
    ] {
        assert!(text.contains(part), "{part} missing:\n{text}");
    }
    let v = json(
        driftprint()
            .args(["fingerprint", "explain", "--json", "-", "--model"])
            .arg(&model),
    );
    let entries = v["lexicon"]["toward_synthetic"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e["weight"].as_f64().unwrap() > 0.0));
    let ngram = entries[0]["ngrams"][0]["ngram"].as_str().unwrap();
    assert!(entries[0]["snippet"]
        .as_str()
        .unwrap()
        .contains(&format!("[{ngram}]")));
}

#[test]
fn cross_validation_holds_out_each_generator() {
    let v = json(driftprint().args([
        "fingerprint",
        "eval",
        "--config",
        "data/driftprint.toml",
        "--cv",
        "generator",
        "--json",
        "-",
    ]));
    let folds = v["folds"].as_array().unwrap();
    assert!(folds.len() >= 3, "{} generators", folds.len());
    let mean = v["mean_fold_auroc"].as_f64().unwrap();
    assert!(mean > 0.75, "mean held-out-generator AUROC {mean}");
    let v = json(driftprint().args([
        "fingerprint",
        "eval",
        "--config",
        "data/driftprint.toml",
        "--cv",
        "random",
        "--folds",
        "3",
        "--json",
        "-",
    ]));
    assert_eq!(v["folds"].as_array().unwrap().len(), 3);
    assert!(v["metrics"]["auroc"].as_f64().unwrap() > 0.85);
}

#[test]
fn bad_training_data_and_outputs_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, human_file) = split_demo(dir.path());
    driftprint()
        .args(["fingerprint", "train", "--data"])
        .arg(&human_file)
        .args(SCHEMA)
        .arg("--model")
        .arg(dir.path().join("x.model"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("synthetic documents"));
    assert!(!dir.path().join("x.model").exists());
    let model = train(dir.path(), &demo_path());
    driftprint()
        .args(["fingerprint", "score", "--model"])
        .arg(&model)
        .arg(&human_file)
        .args(SCHEMA)
        .args(["-o", "scores.txt"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(".jsonl or .csv"));
    driftprint()
        .args(["fingerprint", "train", "--target-fpr", "1.5", "--data"])
        .arg(&human_file)
        .arg("--model")
        .arg(&model)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--target-fpr"));
}
