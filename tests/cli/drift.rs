//! `driftprint drift` end to end: verdicts and exit codes, JSON, groups, vectors input.

use crate::common::*;
use crate::invoke::driftprint;
use driftprint::matrix::FeatureMatrix;
use driftprint::output::matrix_writer;
use ndarray::Array2;
use predicates::prelude::*;
use rand_distr::{Distribution, Normal};

/// Writes n seeded Gaussian vectors (first coordinate shifted) as .npy.
fn vectors(
    dir: &std::path::Path,
    name: &str,
    n: usize,
    shift: f32,
    seed: u64,
) -> std::path::PathBuf {
    let mut rng = driftprint::stats::rng::seeded(seed, 0);
    let normal = Normal::new(0.0f32, 1.0).unwrap();
    let values = Array2::from_shape_fn((n, 8), |(_, j)| {
        normal.sample(&mut rng) + if j == 0 { shift } else { 0.0 }
    });
    let m = FeatureMatrix {
        ids: (0..n).map(|i| format!("{name}{i}")).collect(),
        names: (0..8).map(|j| format!("emb_{j}")).collect(),
        values,
    };
    let path = dir.join(name);
    let mut w = matrix_writer(&path, &m.names).unwrap();
    w.write_block(&m).unwrap();
    w.finish().unwrap();
    path
}

#[test]
fn the_demo_drifts_and_blocks_with_every_default_test_reported() {
    let out = driftprint()
        .args(["drift", "--config", "data/driftprint.toml", "--json", "-"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert!(v["verdict"]["line"]
        .as_str()
        .unwrap()
        .starts_with("BLOCKED"));
    let outcomes = v["comparisons"][0]["outcomes"].as_array().unwrap();
    let names: Vec<&str> = outcomes
        .iter()
        .map(|o| o["test"].as_str().unwrap())
        .collect();
    for test in [
        "mmd",
        "c2st",
        "frechet",
        "prdc",
        "improved_pr",
        "vendi",
        "univariate",
        "psi",
        "jensen_shannon",
        "sliced_wasserstein",
    ] {
        assert!(names.contains(&test), "{test} missing from {names:?}");
    }
    let mmd = &outcomes[names.iter().position(|n| *n == "mmd").unwrap()];
    assert!(mmd["result"]["p_value"].as_f64().unwrap() < 0.01);
    assert!(mmd["blocks"].as_bool().unwrap());
    assert_eq!(
        mmd["result"]["details"]["witnesses"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
}

#[test]
fn the_table_leads_with_the_verdict_and_runs_are_repeatable() {
    let run = || {
        driftprint()
            .args([
                "drift",
                "--config",
                "data/driftprint.toml",
                "--tests",
                "mmd,univariate",
            ])
            .output()
            .unwrap()
    };
    let (a, b) = (run(), run());
    assert_eq!(a.status.code(), Some(1));
    let text = String::from_utf8_lossy(&a.stdout);
    assert!(text.starts_with("BLOCKED: drift in mmd"), "{text}");
    assert_eq!(
        a.stdout, b.stdout,
        "same inputs and seed give the same report"
    );
}

#[test]
fn groups_run_per_value_of_a_lineage_field() {
    let out = driftprint()
        .args([
            "drift",
            "--config",
            "data/driftprint.toml",
            "--tests",
            "univariate",
            // The demo config reads the class label from the `domain` field.
            "--by",
            "label",
            "--json",
            "-",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups: Vec<&str> = v["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["group"].as_str())
        .collect();
    // Every class with documents on both sides (the demo's domains).
    assert_eq!(groups.len(), 17, "{groups:?}");
    assert_eq!(groups[0], "AcademicResearch");
    assert!(groups.contains(&"LegalDocument") && groups.contains(&"TechnicalWriting"));
    assert!(groups.windows(2).all(|w| w[0] < w[1]), "sorted: {groups:?}");
}

#[test]
fn vectors_from_one_distribution_pass_and_shifted_vectors_block() {
    let dir = tempfile::tempdir().unwrap();
    let a = vectors(dir.path(), "a.npy", 300, 0.0, 1);
    let b = vectors(dir.path(), "b.npy", 300, 0.0, 2);
    let c = vectors(dir.path(), "c.npy", 300, 1.0, 3);
    driftprint()
        .args([
            "drift",
            "--tests",
            "mmd,c2st,univariate,frechet",
            "--reference",
        ])
        .arg(&a)
        .arg("--candidate")
        .arg(&b)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("PASS: no gated test drifted"));
    driftprint()
        .args(["drift", "--tests", "mmd,c2st,univariate", "--reference"])
        .arg(&a)
        .arg("--candidate")
        .arg(&c)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("emb_0"));
}

#[test]
fn bad_requests_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let a = vectors(dir.path(), "a.npy", 50, 0.0, 1);
    driftprint()
        .args(["drift", "--reference"])
        .arg(&a)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--candidate"));
    driftprint()
        .args([
            "drift",
            "--config",
            "data/driftprint.toml",
            "--tests",
            "mmd,vibes",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown test 'vibes'"));
    let narrow = dir.path().join("narrow.csv");
    std::fs::write(&narrow, "x\n1\n2\n3\n").unwrap();
    driftprint()
        .args(["drift", "--reference"])
        .arg(&a)
        .arg("--candidate")
        .arg(&narrow)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "8 columns but candidate vectors 1",
        ));
    driftprint()
        .args([
            "drift",
            "--config",
            "data/driftprint.toml",
            "--split-by",
            "colour",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a lineage field"));
    let conf = dir.path().join("d.toml");
    std::fs::write(&conf, "[drift.mmd]\npermutations = 0\n").unwrap();
    driftprint()
        .args(["drift", "--config"])
        .arg(&conf)
        .arg("data/demo.jsonl")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("drift.mmd").and(predicate::str::contains("permutations")),
        );
}

#[test]
fn calibrate_writes_thresholds_that_drift_then_gates_with() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("calibrated.toml");
    driftprint()
        .args([
            "calibrate",
            "--config",
            "data/driftprint.toml",
            "--splits",
            "4",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "calibrated on 4 real-vs-real splits, n = 420 per side",
        ));
    let text = std::fs::read_to_string(&out).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(doc["drift"]["calibrated_n"].as_integer(), Some(420));
    for test in ["frechet", "prdc", "vendi", "psi", "sliced_wasserstein"] {
        assert!(
            doc["drift"]["thresholds"][test]
                .as_float()
                .unwrap()
                .is_finite(),
            "{test}"
        );
    }
    // The written config runs as it is, from another folder, and the calibrated tests can gate.
    driftprint()
        .args([
            "drift",
            "--tests",
            "frechet,vendi",
            "--gate",
            "frechet,vendi",
            "--config",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("BLOCKED: drift in vendi"));
}

#[test]
fn a_drift_that_comes_only_from_layout_says_so() {
    // The same kind of human text on both sides; the candidate's split into paragraphs and
    // ending in a newline, as a different export would leave it.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(demo_path()).unwrap();
    let (mut reference, mut candidate) = (String::new(), String::new());
    for (i, line) in text
        .lines()
        .filter(|l| l.contains("\"label\": \"human\""))
        .enumerate()
    {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let plain = row["text"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let (side, text) = if i % 2 == 0 {
            (&mut reference, plain)
        } else {
            (&mut candidate, plain.replace(". ", ".\n\n") + "\n")
        };
        side.push_str(&serde_json::json!({"id": row["id"], "text": text}).to_string());
        side.push('\n');
    }
    let reference = write(dir.path(), "reference.jsonl", reference.as_bytes());
    let candidate = write(dir.path(), "candidate.jsonl", candidate.as_bytes());
    let out = driftprint()
        .args(["drift", "--tests", "univariate,c2st", "--reference"])
        .arg(&reference)
        .arg("--candidate")
        .arg(&candidate)
        .args(["--lineage", "source=real", "--json", "-"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let audit = &v["audit"];
    assert_eq!(audit["only"], "layout", "{audit}");
    let features = audit["features"].as_array().unwrap();
    assert!(features.iter().all(|f| f["family"] == "format"));
    assert!(features.iter().any(|f| f["feature"] == "format_lines"));
    assert!(audit["shortcuts"]["shortcuts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["feature"] == "format_ends_with_whitespace"));
    let text = driftprint()
        .args(["drift", "--tests", "univariate", "--reference"])
        .arg(&reference)
        .arg("--candidate")
        .arg(&candidate)
        .args(["--lineage", "source=real"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("are all layout features"), "{text}");
}
