//! Values inside a documented range must be usable: `projection_dim` and `--threads` stop where
//! a run still fits 2 cores and 8 GB, and say why; a range is stated the same way by every check.

use crate::common::*;
use crate::invoke::{code_and_stderr, driftprint};

/// 4096 ran the demo report for over 5 minutes, 32768 was killed for memory: refused at once,
/// from the flag and from the key (naming the file's line).
#[test]
fn a_projection_wider_than_the_drift_suite_affords_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.npy");
    let (code, err) = code_and_stderr(
        driftprint()
            .args([
                "features",
                "data/demo.jsonl",
                "--projection-dim",
                "4096",
                "-o",
            ])
            .arg(&out),
    );
    assert_eq!(code, Some(2), "{err}");
    assert_mentions(
        &err,
        &[
            "--projection-dim",
            "between 1 and 2048, not 4096",
            "Fréchet",
        ],
    );
    assert!(!out.exists());
    let config = write(
        dir.path(),
        "wide.toml",
        format!(
            "[ingest]\ninputs = [{:?}]\n\n[features]\nprojection_dim = 32768\n",
            demo_path().display().to_string()
        )
        .as_bytes(),
    );
    let started = std::time::Instant::now();
    let (code, err) = code_and_stderr(
        driftprint()
            .args(["report", "--config"])
            .arg(&config)
            .arg("--out")
            .arg(dir.path().join("reports")),
    );
    assert_eq!(code, Some(2), "{err}");
    assert_mentions(
        &err,
        &[
            "wide.toml:5:1: features.projection_dim: must be between 1 and 2048, not 32768",
            "Fréchet",
        ],
    );
    assert!(started.elapsed().as_secs() < 60, "refused before any work");
}

/// A pool far wider than the cores only waits on itself (1024 threads ran the demo report 40
/// times slower on 2 cores; 100,000 ran for minutes, then aborted).
#[test]
fn thread_counts_beyond_the_bound_are_a_usage_error_saying_why() {
    let too_many = driftprint::checks::max_threads() + 1;
    for n in ["0".to_string(), too_many.to_string()] {
        let (code, err) =
            code_and_stderr(driftprint().args(["--threads", &n, "inspect", "data/demo.jsonl"]));
        assert_eq!(code, Some(2), "{n}: {err}");
        assert_mentions(
            &err,
            &[
                "--threads",
                "must be between 1 and",
                &format!("not {n}"),
                "never depend",
            ],
        );
    }
    let (code, err) = code_and_stderr(driftprint().args([
        "--threads",
        "256",
        "inspect",
        "--config",
        "data/driftprint.toml",
    ]));
    assert_eq!(code, Some(0), "{err}");
}

/// The config check and the test's own constructor state one range for `permutations`.
#[test]
fn permutations_out_of_range_read_the_same_at_either_end() {
    let dir = tempfile::tempdir().unwrap();
    for n in ["0", "100001"] {
        let config = write(
            dir.path(),
            "c.toml",
            format!("[drift.mmd]\npermutations = {n}\n").as_bytes(),
        );
        let (code, err) = code_and_stderr(
            driftprint()
                .args(["drift", "data/demo.jsonl", "--config"])
                .arg(&config),
        );
        assert_eq!(code, Some(2), "{err}");
        assert_mentions(
            &err,
            &[
                "c.toml:1:",
                "drift.mmd",
                &format!("permutations: must be a whole number from 1 to 100000, not {n}"),
            ],
        );
    }
}
