//! `driftprint collapse --metrics-table` end to end: the published CollapseTracker metrics
//! (data/collapse/collapse_metrics.csv) raise the alarm, a trendless table does not, and bad
//! tables are errors that name the file, line and column.

mod common;

use assert_cmd::Command;
use common::*;
use serde_json::Value;

fn driftprint() -> Command {
    let mut cmd = Command::cargo_bin("driftprint").unwrap();
    cmd.current_dir(repo_root());
    cmd
}

#[test]
fn published_recursive_training_metrics_raise_the_collapse_alarm() {
    let out = driftprint()
        .args([
            "collapse",
            "--metrics-table",
            "data/collapse/collapse_metrics.csv",
            "--by",
            "track",
            "--json",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let tracks = v["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 24);
    for t in tracks
        .iter()
        .filter(|t| t["track"].as_str().unwrap().ends_with("_100pct"))
    {
        assert_eq!(t["alarm"], true, "{}", t["track"]);
        let metric = |name: &str| {
            t["metrics"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["metric"] == name)
                .unwrap()
                .clone()
        };
        for name in ["distinct_2gram", "rare_token_survival"] {
            let m = metric(name);
            assert_eq!(m["collapsing"], true, "{} {name}", t["track"]);
            assert!(m["theil_sen"]["slope"].as_f64().unwrap() < 0.0);
        }
        assert_eq!(metric("self_bleu")["direction"], "rises");
        // Settings and unmeasured columns are constant within a track: not tested.
        assert!(t["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["metric"] != "mixing_ratio"));
    }
}

#[test]
fn a_trendless_table_passes_and_bad_tables_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let flat = write(
        dir.path(),
        "flat.csv",
        b"generation,distinct_2,self_bleu\n0,0.61,0.10\n1,0.63,0.12\n2,0.60,0.09\n3,0.62,0.11\n4,0.61,0.10\n",
    );
    let out = driftprint()
        .args(["collapse", "--metrics-table"])
        .arg(&flat)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("PASS"));

    for (body, fragments) in [
        (
            &b"gen,distinct_2\n0,0.5\n"[..],
            vec!["no 'generation' column"],
        ),
        (
            &b"generation,distinct_2\n0,0.5\n0,0.4\n"[..],
            vec!["line 3", "generation 0 appears twice"],
        ),
        (
            &b"generation,distinct_2\n0,0.5\n-1,0.4\n"[..],
            vec!["line 3", "generation"],
        ),
    ] {
        let bad = write(dir.path(), "bad.csv", body);
        let out = driftprint()
            .args(["collapse", "--metrics-table"])
            .arg(&bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_mentions(&stderr, &fragments);
        assert!(stderr.contains("bad.csv"), "{stderr}");
    }
}
