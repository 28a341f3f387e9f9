//! `driftprint collapse --metrics-table` end to end: the published CollapseTracker metrics
//! (data/collapse/collapse_metrics.csv) raise the alarm, a trendless table does not, and bad
//! tables are errors that name the file, line and column.

use crate::common::*;
use crate::invoke::driftprint;
use serde_json::Value;

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

/// The demo's human texts as generation 0, then generations whose vocabulary shrinks 4x each
/// time (words outside the kept head replaced by a frequent word, deterministically).
fn shrinking_generations(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let text = std::fs::read_to_string(demo_path()).unwrap();
    let docs: Vec<String> = text
        .lines()
        .filter(|l| l.contains("\"label\": \"human\""))
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["text"].as_str().unwrap().to_lowercase()
        })
        .collect();
    let mut freq: std::collections::HashMap<&str, usize> = Default::default();
    for d in &docs {
        for w in d.split_whitespace() {
            *freq.entry(w).or_default() += 1;
        }
    }
    let mut ranked: Vec<(&str, usize)> = freq.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    (0..4)
        .map(|g| {
            let keep = (ranked.len() >> (2 * g)).max(50);
            let head: std::collections::HashSet<&str> =
                ranked[..keep].iter().map(|r| r.0).collect();
            let mut body = String::new();
            for (i, d) in docs.iter().enumerate() {
                let words: Vec<&str> = d
                    .split_whitespace()
                    .enumerate()
                    .map(|(k, w)| {
                        if head.contains(w) {
                            w
                        } else {
                            ranked[k % 20].0
                        }
                    })
                    .collect();
                let row = serde_json::json!({"id": format!("g{g}-{i}"), "text": words.join(" ")});
                body.push_str(&format!("{row}\n"));
            }
            write(dir, &format!("g{g}.jsonl"), body.as_bytes())
        })
        .collect()
}

#[test]
fn shrinking_vocabulary_across_generation_files_raises_the_alarm() {
    let dir = tempfile::tempdir().unwrap();
    let files = shrinking_generations(dir.path());
    let out = driftprint()
        .args(["collapse", "--json", "-", "--generations"])
        .args(&files)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let track = &v["tracks"][0];
    let doc = track["document_metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "doc_type_token_ratio_100")
        .unwrap();
    assert_eq!(doc["collapsing"], true, "{doc}");
    let distinct = track["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "distinct_2")
        .unwrap();
    // Four tie-free falling points: the exact Mann-Kendall p is 2/24.
    assert!((distinct["mann_kendall"]["p"].as_f64().unwrap() - 2.0 / 24.0).abs() < 1e-12);
    assert!(distinct["theil_sen"]["slope"].as_f64().unwrap() < 0.0);
}

/// `[collapse]` in the config sets alpha and thresholds for the command (flags override it)
/// and for the report's collapse stage; a threshold for a metric that is not measured is an
/// error, not a silent never-alarm.
#[test]
fn the_collapse_config_section_sets_alpha_and_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    let files = shrinking_generations(dir.path());
    let config = write(
        dir.path(),
        "c.toml",
        b"[collapse]\nalpha = 0.2\n[collapse.thresholds]\ndistinct_2 = 0.123\n",
    );
    let run = |extra: &[&str]| {
        driftprint()
            .args(["collapse", "--json", "-", "--config"])
            .arg(&config)
            .args(extra)
            .arg("--generations")
            .args(&files)
            .output()
            .unwrap()
    };
    let threshold = |out: &std::process::Output| -> (f64, f64) {
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let distinct = v["tracks"][0]["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric"] == "distinct_2")
            .unwrap()
            .clone();
        (
            v["alpha"].as_f64().unwrap(),
            distinct["threshold"].as_f64().unwrap(),
        )
    };
    assert_eq!(threshold(&run(&[])), (0.2, 0.123));
    assert_eq!(
        threshold(&run(&["--alpha", "0.01", "--threshold", "distinct_2=0.2"])),
        (0.01, 0.2)
    );

    let out = run(&["--threshold", "distinct_22=0.2"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_mentions(&err, &["distinct_22", "not measured", "distinct_2,"]);
    let out = run(&["--alpha", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert_mentions(&String::from_utf8_lossy(&out.stderr), &["--alpha"]);

    // The report's collapse stage reads the same section.
    let mut corpus = String::new();
    for (g, f) in files.iter().enumerate() {
        for line in std::fs::read_to_string(f).unwrap().lines() {
            let mut v: Value = serde_json::from_str(line).unwrap();
            v["generation"] = Value::from(g);
            corpus.push_str(&format!("{v}\n"));
        }
    }
    write(dir.path(), "gens.jsonl", corpus.as_bytes());
    let report_config = write(
        dir.path(),
        "report.toml",
        b"[ingest]\ninputs = [\"gens.jsonl\"]\n[collapse]\nalpha = 0.2\n[collapse.thresholds]\ndistinct_2 = 0.123\n",
    );
    let reports = dir.path().join("reports");
    let out = driftprint()
        .args(["report", "--stages", "collapse", "--config"])
        .arg(&report_config)
        .arg("--out")
        .arg(&reports)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let run_dir = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap();
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("report.json")).unwrap())
            .unwrap();
    let collapse = &v["stages"][0]["result"];
    assert_eq!(collapse["alpha"], 0.2);
    assert!(collapse["tracks"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["metric"] == "distinct_2" && m["threshold"] == 0.123));
}

#[test]
fn real_documents_shuffled_into_generations_pass_and_bad_corpora_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(demo_path()).unwrap();
    let mut body = String::new();
    let mut rng = driftprint::stats::rng::seeded(7, 0);
    let mut lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("\"label\": \"human\""))
        .collect();
    rand::seq::SliceRandom::shuffle(&mut lines[..], &mut rng);
    for (i, l) in lines.iter().enumerate() {
        let mut v: Value = serde_json::from_str(l).unwrap();
        v["generation"] = (i % 5).into();
        body.push_str(&format!("{v}\n"));
    }
    let shuffled = write(dir.path(), "shuffled.jsonl", body.as_bytes());
    let out = driftprint()
        .arg("collapse")
        .arg(&shuffled)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let two = write(
        dir.path(),
        "two.jsonl",
        b"{\"id\":\"a\",\"text\":\"one two\",\"generation\":0}\n{\"id\":\"b\",\"text\":\"three\",\"generation\":1}\n",
    );
    let out = driftprint().arg("collapse").arg(&two).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_mentions(
        &String::from_utf8_lossy(&out.stderr),
        &["at least 3 generations"],
    );
    let none = write(
        dir.path(),
        "none.jsonl",
        b"{\"id\":\"a\",\"text\":\"one two\"}\n",
    );
    let out = driftprint().arg("collapse").arg(&none).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_mentions(
        &String::from_utf8_lossy(&out.stderr),
        &["'a' has no generation"],
    );
}

#[test]
fn simulate_writes_generations_with_lineage_that_collapse_reads() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("gens.jsonl");
    driftprint()
        .args([
            "simulate",
            "--corpus",
            "data/demo.jsonl",
            "--source-field",
            "label",
            "--source-values",
            "human=real,machine=synthetic",
            "--generations",
            "3",
            "--real-fraction",
            "0.1",
            "-o",
        ])
        .arg(&out_path)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out_path).unwrap();
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4 * 1200);
    let gen3: Vec<&Value> = rows.iter().filter(|r| r["generation"] == 3).collect();
    assert_eq!(gen3.iter().filter(|r| r["source"] == "real").count(), 120);
    assert!(gen3.iter().any(|r| r["parent_model"] == "bigram-lm-gen1"));
    let out = driftprint()
        .arg("collapse")
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    driftprint()
        .args([
            "simulate",
            "--corpus",
            "data/demo.jsonl",
            "--real-fraction",
            "1.5",
            "-o",
        ])
        .arg(&out_path)
        .assert()
        .code(2);
}

/// Several real fractions: one corpus each, a comparison in JSON and a plot; more fresh real
/// data keeps more distinct bigrams and more of the real tail by the last generation.
#[test]
fn simulate_compares_real_fractions_and_collapse_plots() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("runs")).unwrap();
    let json = dir.path().join("compare.json");
    driftprint()
        .args([
            "simulate",
            "--corpus",
            "data/demo.jsonl",
            "--generations",
            "5",
            "--real-fraction",
            "0,0.1,0.5",
            "--self-bleu-sample",
            "50",
            "-o",
        ])
        .arg(dir.path().join("runs/gens.jsonl"))
        .arg("--plot")
        .arg(dir.path().join("compare"))
        .arg("--json")
        .arg(&json)
        .assert()
        .success();
    for pct in ["0", "10", "50"] {
        assert!(dir
            .path()
            .join(format!("runs/gens.real{pct}.jsonl"))
            .exists());
    }
    assert!(dir.path().join("compare.png").exists() && dir.path().join("compare.svg").exists());
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let last = |run: usize, metric: &str| -> f64 {
        let metrics = report["runs"][run]["metrics"].as_array().unwrap();
        let series = metrics.iter().find(|m| m["metric"] == metric).unwrap();
        series["values"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .as_f64()
            .unwrap()
    };
    for metric in ["distinct_2", "tail_mass"] {
        let (none, some, half) = (last(0, metric), last(1, metric), last(2, metric));
        assert!(none < some && some < half, "{metric}: {none} {some} {half}");
    }
    // The purely recursive run alarms, and its plot is drawn.
    driftprint()
        .arg("collapse")
        .arg(dir.path().join("runs/gens.real0.jsonl"))
        .arg("--plot")
        .arg(dir.path().join("collapse"))
        .assert()
        .code(1);
    assert!(dir.path().join("collapse.png").exists());
}
