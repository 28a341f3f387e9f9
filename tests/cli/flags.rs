//! Flags are a layer of the config: laid over the file before the one check, so a flag and its
//! key are refused by the same code (the error naming the flag), and a flag wins over the file.

use crate::common::*;
use crate::invoke::{code_and_stderr, driftprint};

/// The command, its flag and value, the same value in the file, the key, the flag's name.
type Case<'a> = (&'a [&'a str], &'a [&'a str], &'a str, &'a str, &'a str);

#[test]
fn a_flag_and_its_key_are_refused_by_the_same_check_naming_each() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [Case; 8] = [
        (
            &["drift", "data/demo.jsonl"],
            &["--max-per-side", "0"],
            "[drift]\nmax_per_side = 0\n",
            "drift.max_per_side",
            "--max-per-side",
        ),
        (
            &["drift", "data/demo.jsonl"],
            &["--tests", "mmd,mmdd"],
            "[drift]\ntests = [\"mmd\", \"mmdd\"]\n",
            "drift.tests",
            "--tests",
        ),
        (
            &["drift", "data/demo.jsonl"],
            &["--max-tokens", "4096"],
            "[features.embed]\nmax_tokens = 4096\n",
            "features.embed.max_tokens",
            "--max-tokens",
        ),
        (
            &["features", "data/demo.jsonl", "-o", "x.npy"],
            &["--ngram-dim", "0"],
            "[features]\nngram_dim = 0\n",
            "features.ngram_dim",
            "--ngram-dim",
        ),
        (
            &[
                "fingerprint",
                "train",
                "--data",
                "data/demo.jsonl",
                "--model",
                "m",
            ],
            &["--c=-1"],
            "[fingerprint]\nc = -1.0\n",
            "fingerprint.c",
            "--c",
        ),
        (
            &["collapse", "data/demo.jsonl"],
            &["--alpha", "1.5"],
            "[collapse]\nalpha = 1.5\n",
            "collapse.alpha",
            "--alpha",
        ),
        (
            &["policy", "check", "--train", "t.jsonl"],
            &["--phase", "4"],
            "[policy]\nphase = 4\n",
            "policy.phase",
            "--phase",
        ),
        (
            &["inspect", "data/demo.jsonl"],
            &["--source-values", "human=people"],
            "[ingest.source_values]\nhuman = \"people\"\n",
            "ingest.source_values.human",
            "--source-values",
        ),
    ];
    for (args, flag_args, toml, key, flag) in cases {
        let config = dir.path().join("c.toml");
        std::fs::write(&config, toml).unwrap();
        let (code, by_file) = code_and_stderr(driftprint().args(args).arg("--config").arg(&config));
        assert_eq!(code, Some(2), "{args:?} with {toml}: {by_file}");
        let (code, by_flag) = code_and_stderr(driftprint().args(args).args(flag_args));
        assert_eq!(code, Some(2), "{args:?} {flag_args:?}: {by_flag}");
        let file_message = by_file
            .split_once(&format!("{key}: "))
            .unwrap_or_else(|| panic!("{key} not named: {by_file}"))
            .1;
        let flag_message = by_flag
            .split_once(&format!("command line: {flag}: "))
            .unwrap_or_else(|| panic!("{flag} not named: {by_flag}"))
            .1;
        assert_eq!(file_message, flag_message, "{args:?}");
    }
}

#[test]
fn a_flag_wins_over_the_file_and_the_default_gate_gates_only_what_runs() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    let demo = repo_root().join("data/demo.jsonl");
    std::fs::write(
        &config,
        format!(
            "[ingest]\ninputs = [{:?}]\n[ingest.fields]\nsource = \"label\"\n\
             [ingest.source_values]\nhuman = \"real\"\nmachine = \"synthetic\"\n\
             [features]\nsets = [\"stylo\"]\n[drift]\ntests = [\"mmd\"]\nmax_per_side = 30\n",
            demo.display().to_string()
        ),
    )
    .unwrap();
    let tests_run = |extra: &[&str]| -> (Vec<String>, Vec<String>) {
        let out = driftprint()
            .args(["drift", "--json", "-", "--config"])
            .arg(&config)
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.code().is_some_and(|c| c < 2), "{out:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let outcomes = v["comparisons"][0]["outcomes"].as_array().unwrap().clone();
        let names = |pick: &dyn Fn(&serde_json::Value) -> bool| {
            outcomes
                .iter()
                .filter(|o| pick(o))
                .map(|o| o["test"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        (names(&|_| true), names(&|o| o["gated"] == true))
    };
    assert_eq!(tests_run(&[]), (vec!["mmd".into()], vec!["mmd".into()]));
    assert_eq!(
        tests_run(&["--tests", "univariate"]),
        (vec!["univariate".into()], vec!["univariate".into()])
    );
    // An explicit gate adds its tests to those that run.
    assert_eq!(
        tests_run(&["--tests", "univariate", "--gate", "mmd"]),
        (vec!["univariate".into(), "mmd".into()], vec!["mmd".into()])
    );
}
