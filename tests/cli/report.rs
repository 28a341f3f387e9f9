//! `driftprint report` end to end on the repo's data/: the run folder with report.json (schema,
//! verdict, every stage's result) and summary.md, the history line per run, exit codes, and a
//! failing stage that never loses the others' results.

use crate::common::*;
use assert_cmd::Command;
use serde_json::Value;

/// The demo report (`data/driftprint.toml`) written under `out`: exit code and output.
fn report(out: &std::path::Path, extra: &[&str]) -> (i32, String) {
    report_config(std::path::Path::new("data/driftprint.toml"), out, extra)
}

/// `driftprint report --config CONFIG --out OUT EXTRA...` from the repo root: exit code and
/// stdout followed by stderr.
fn report_config(config: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> (i32, String) {
    let o = Command::cargo_bin("driftprint")
        .unwrap()
        .current_dir(repo_root())
        .args(["report", "--config"])
        .arg(config)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr),
    )
}

/// A config file `name` in `dir` reading `input` with the demo's schema (`label` human|machine
/// as the source), then `extra` TOML.
fn labelled_config(
    dir: &std::path::Path,
    name: &str,
    input: &std::path::Path,
    extra: &str,
) -> std::path::PathBuf {
    write(
        dir,
        name,
        format!(
            "[ingest]\ninputs = [{:?}]\n[ingest.fields]\nsource = \"label\"\n[ingest.source_values]\nhuman = \"real\"\nmachine = \"synthetic\"\n{extra}",
            input.display().to_string()
        )
        .as_bytes(),
    )
}

fn runs(out: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn the_demo_report_runs_every_stage_and_keeps_a_history() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    let started = std::time::Instant::now();
    let (code, text) = report(&out, &[]);
    let seconds = started.elapsed().as_secs_f64();
    // The demo's LLM text differs from its human text, and its retraining generations lose
    // diversity: drift and collapse block the release. The fingerprint warns (a detector
    // trained on the run's documents tells its rewrites from their passages with AUROC ~0.86,
    // above the warning level), and so does policy (no prompt ids or temperatures recorded).
    assert_eq!(code, 1, "{text}");
    assert!(
        text.starts_with("BLOCKED: drift: drift in") && text.contains("; collapse: diversity"),
        "{text}"
    );
    // A debug build here; the README's "after the build, ≤ 10 s" is for the release build.
    assert!(seconds < 60.0, "the demo report took {seconds:.1} s");
    let dirs = runs(&out);
    assert_eq!(dirs.len(), 1);
    // Written in a hidden folder renamed at the end: nothing partial is left.
    assert_eq!(
        listing(&out),
        [
            dirs[0].file_name().unwrap().to_string_lossy().to_string(),
            "history.jsonl".to_string()
        ]
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dirs[0].join("report.json")).unwrap())
            .unwrap();
    assert_eq!(json["schema"], "driftprint-report");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["verdict"]["status"], "blocked");
    let stages: Vec<(&str, &str)> = json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["stage"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        stages,
        [
            ("drift", "blocked"),
            ("fingerprint", "warn"),
            ("collapse", "blocked"),
            ("policy", "warn")
        ]
    );
    assert!(json["stages"][0]["result"]["comparisons"][0]["outcomes"].is_array());
    // Read at a glance: per stage the number that decided it, then what to do next.
    let glance: Vec<&str> = json["glance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["decided_by"].as_str().unwrap())
        .collect();
    assert_eq!(glance.len(), 4);
    assert!(glance[0].contains("after Holm (α 0.05)"), "{glance:?}");
    assert!(glance[2].contains("metrics collapsing"), "{glance:?}");
    assert!(glance[3].contains("0 of 7 gates failed"), "{glance:?}");
    let next: Vec<&str> = json["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["stage"].as_str().unwrap())
        .collect();
    assert_eq!(next.first(), Some(&"drift"), "{next:?}");
    assert!(next.contains(&"collapse") && next.contains(&"policy"));
    // No model is configured: the built-in detector scored the inputs and the eval set, and
    // the stage measured both the strength (per generator) and the real side's contamination.
    let fingerprint = &json["stages"][1]["result"];
    assert_eq!(fingerprint["detector"]["built_in"], true);
    assert_eq!(fingerprint["scores"]["documents"], 1440);
    let strength = &fingerprint["strength"];
    assert!(
        strength["overall"]["auroc"].as_f64().unwrap() > 0.8,
        "{strength}"
    );
    let generators = strength["slices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "generator")
        .count();
    assert_eq!(generators, 4, "{strength}");
    let contamination = &fingerprint["contamination"];
    for scope in ["training", "eval"] {
        assert_eq!(contamination[scope]["status"], "pass", "{contamination}");
        assert!(contamination[scope]["estimate"]["low"].as_f64().unwrap() <= 0.05);
    }
    assert_eq!(contamination["eval"]["documents"], 240);
    assert_eq!(
        json["stages"][2]["result"]["tracks"][0]["generations"]
            .as_array()
            .map(|g| g.len()),
        Some(8)
    );
    let gates: Vec<&str> = json["stages"][3]["result"]["gates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["status"] == "fail")
        .map(|g| g["gate"].as_str().unwrap())
        .collect();
    assert!(gates.is_empty(), "{gates:?}");
    // One self-contained page: the verdict on top, the plots inline, no scripts or links out.
    let html = std::fs::read_to_string(dirs[0].join("report.html")).unwrap();
    assert!(
        html.contains("<header class=\"verdict blocked\"><h1>BLOCKED</h1>"),
        "{html}"
    );
    for section in ["glance", "drift", "fingerprint", "collapse", "policy"] {
        assert!(
            html.contains(&format!("<section id=\"{section}\">")),
            "{section}"
        );
    }
    assert!(html.contains("<h3>What to do next</h3>"));
    // Every plot says how to read it.
    assert_eq!(
        html.matches("<figure ").count(),
        html.matches("<figcaption>").count()
    );
    for plot in [
        "drift-tests",
        "fingerprint-strength",
        "fingerprint-scores",
        "collapse",
    ] {
        assert!(
            html.contains(&format!("data-plot=\"{plot}\"><svg")),
            "{plot}"
        );
        for ext in ["png", "svg"] {
            assert!(dirs[0].join(format!("plots/{plot}.{ext}")).exists());
        }
    }
    assert!(
        !html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http")
    );
    let md = std::fs::read_to_string(dirs[0].join("summary.md")).unwrap();
    assert!(md.starts_with("### ⛔ BLOCKED"), "{md}");
    assert!(md.contains("| mmd | MMD²"), "{md}");

    // A second run: its own folder, a second history line with the same numbers (seeded).
    report(&out, &[]);
    assert_eq!(runs(&out).len(), 2);
    let history: Vec<Value> = std::fs::read_to_string(out.join("history.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(history.len(), 2);
    assert_ne!(history[0]["run_id"], history[1]["run_id"]);
    assert_eq!(history[0]["values"], history[1]["values"]);
    assert!(history[0]["values"]["drift.mmd"].as_f64().unwrap() > 0.0);
    // From the second run on, the gated numbers are plotted over the runs.
    let second = &runs(&out)[1];
    assert!(second.join("plots/history.svg").exists());
    assert!(!dirs[0].join("plots/history.svg").exists());
    let html = std::fs::read_to_string(second.join("report.html")).unwrap();
    assert!(html.contains("data-plot=\"history\"><svg"));
}

#[test]
fn a_stage_that_cannot_run_is_reported_without_losing_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    // The demo corpus without the demo's generations: no `generation` field to follow. The
    // fingerprint stage scores with the built-in detector (no model configured).
    let config = labelled_config(tmp.path(), "report.toml", &demo_path(), "");
    let (code, text) = report_config(&config, &out, &["--stages", "collapse,drift,fingerprint"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.starts_with("INCOMPLETE: "), "{text}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(runs(&out)[0].join("report.json")).unwrap())
            .unwrap();
    let stages: Vec<&str> = json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["drift", "fingerprint", "collapse"]);
    assert_eq!(json["stages"][0]["status"], "blocked");
    assert!(json["stages"][0]["result"].is_object());
    let fingerprint = &json["stages"][1];
    assert_ne!(fingerprint["status"], "error", "{fingerprint}");
    assert_eq!(fingerprint["result"]["detector"]["built_in"], true);
    assert_eq!(json["stages"][2]["status"], "error");
    assert!(json["stages"][2].get("result").is_none());
    assert!(json["stages"][2]["line"]
        .as_str()
        .unwrap()
        .contains("generation"));

    let (code, text) = report_config(&config, &out, &["--stages", "drift,vibes"]);
    assert_eq!(code, 2);
    assert!(text.contains("unknown stage 'vibes'"), "{text}");
}

/// Documents without lineage say nothing of which are real: the fingerprint stage is
/// incomplete, and says which field is missing.
#[test]
fn a_corpus_without_lineage_leaves_the_fingerprint_stage_incomplete() {
    let tmp = tempfile::tempdir().unwrap();
    let rows: Vec<String> = demo_human_lines()
        .iter()
        .take(40)
        .map(|line| {
            let mut row: Value = serde_json::from_str(line).unwrap();
            let text = row["text"].take();
            serde_json::json!({"id": row["id"], "text": text}).to_string()
        })
        .collect();
    let corpus = write(
        tmp.path(),
        "plain.jsonl",
        (rows.join("\n") + "\n").as_bytes(),
    );
    let config = write(
        tmp.path(),
        "plain.toml",
        format!("[ingest]\ninputs = [{:?}]\n", corpus.display().to_string()).as_bytes(),
    );
    let out = tmp.path().join("reports");
    let (code, text) = report_config(&config, &out, &["--stages", "fingerprint"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.starts_with("INCOMPLETE: fingerprint: "), "{text}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(runs(&out)[0].join("report.json")).unwrap())
            .unwrap();
    assert_eq!(json["stages"][0]["status"], "error");
    assert_mentions(
        json["stages"][0]["line"].as_str().unwrap(),
        &["plain.jsonl", "source"],
    );
}

/// With `[fingerprint] train` and no model file the report trains its detector in the run and
/// keeps it with the report (the stage names it, not the built-in one).
#[test]
fn a_detector_trained_in_the_run_is_kept_with_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    let config = labelled_config(
        tmp.path(),
        "trains.toml",
        &demo_path(),
        &format!(
            "[fingerprint]\ntrain = [{:?}]\n",
            demo_path().display().to_string()
        ),
    );
    let (code, text) = report_config(&config, &out, &["--stages", "fingerprint"]);
    assert!(matches!(code, 0 | 1), "{text}");
    let run = &runs(&out)[0];
    assert!(run.join("fingerprint.model").is_file());
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap();
    let detector = &json["stages"][0]["result"]["detector"];
    assert_eq!(detector["built_in"], false);
    assert!(detector["model"]
        .as_str()
        .unwrap()
        .ends_with("fingerprint.model"));
}

/// With a [policy] manifest in the config the report runs the policy gates too: here the eval
/// set is copied from the training data, so the leakage gate blocks alongside drift.
#[test]
fn the_policy_stage_runs_from_the_config() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = demo_path();
    let human = demo_human_lines()[..20].to_vec();
    std::fs::write(tmp.path().join("eval.jsonl"), human.join("\n") + "\n").unwrap();
    let config = labelled_config(
        tmp.path(),
        "report.toml",
        &demo,
        &format!(
            "[policy]\ntrain = [{:?}]\neval = [\"eval.jsonl\"]\n",
            demo.display().to_string()
        ),
    );
    let out = tmp.path().join("reports");
    let (code, text) = report_config(&config, &out, &[]);
    assert_eq!(code, 1, "{text}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(runs(&out)[0].join("report.json")).unwrap())
            .unwrap();
    let policy = &json["stages"][2];
    assert_eq!(policy["stage"], "policy");
    assert_eq!(policy["status"], "blocked");
    let leakage = policy["result"]["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == "no-leakage")
        .unwrap();
    assert_eq!(leakage["status"], "fail");
    assert_eq!(leakage["evidence"].as_array().unwrap().len(), 20);
    assert!(json["verdict"]["line"]
        .as_str()
        .unwrap()
        .contains("policy:"));
    let html = std::fs::read_to_string(runs(&out)[0].join("report.html")).unwrap();
    assert!(html.contains("<section id=\"policy\">"));
}

/// Human text only, relabelled half "human" half "machine": nothing for the tests to find.
fn calm_corpus(dir: &std::path::Path) -> std::path::PathBuf {
    let relabelled: Vec<String> = demo_human_lines()
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v["label"] = Value::from(if i % 2 == 0 { "human" } else { "machine" });
            v.to_string()
        })
        .collect();
    write(dir, "calm.jsonl", (relabelled.join("\n") + "\n").as_bytes())
}

/// `compare` explains a regression: a run on human text split in two (no drift) against the
/// demo run (LLM text drifts) lists the tests that now block first, the features that moved
/// and the strongest witnesses, and writes compare.html.
#[test]
fn compare_explains_what_changed_between_two_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    let calm = calm_corpus(tmp.path());
    let config = labelled_config(tmp.path(), "calm.toml", &calm, "");
    let (code, text) = report_config(&config, &out, &[]);
    assert_eq!(code, 0, "{text}");
    let (code, _) = report(&out, &[]);
    assert_eq!(code, 1);
    let dirs = runs(&out);
    let ids: Vec<String> = dirs
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    let json = tmp.path().join("compare.json");
    let o = Command::cargo_bin("driftprint")
        .unwrap()
        .args(["compare", &ids[0], &ids[1], "--out"])
        .arg(&out)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text.contains("now blocks"), "{text}");
    let c: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let first = &c["tests"][0];
    assert_eq!(first["b_blocks"], true);
    assert_eq!(first["a_blocks"], false);
    assert!(!c["features"].as_array().unwrap().is_empty());
    assert!(!c["witnesses"].as_array().unwrap().is_empty());
    let html = std::fs::read_to_string(dirs[1].join("compare.html")).unwrap();
    assert!(html.contains("now blocks") && html.contains("Strongest witnesses"));

    let o = Command::cargo_bin("driftprint")
        .unwrap()
        .args(["compare", "nope", &ids[1], "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));

    // Outputs in folders that do not exist are errors before anything is printed or created.
    let missing = tmp.path().join("missing");
    for flag in ["-o", "--json"] {
        let o = Command::cargo_bin("driftprint")
            .unwrap()
            .args(["compare", &ids[0], &ids[1], "--out"])
            .arg(&out)
            .arg(flag)
            .arg(missing.join("compare.out"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{flag}");
        assert!(o.stdout.is_empty(), "{flag}: printed before failing");
        assert!(String::from_utf8_lossy(&o.stderr).contains("does not exist"));
        assert!(!missing.exists(), "{flag} created its folder");
    }

    // RUN_B's folder read-only: the HTML goes to the current folder, and says so.
    std::fs::remove_file(dirs[1].join("compare.html")).unwrap();
    let Some(_lock) = ReadOnly::folder(&dirs[1]) else {
        eprintln!("skipped the read-only case: cannot make a folder read-only here");
        return;
    };
    let here = tmp.path().join("here");
    std::fs::create_dir(&here).unwrap();
    let o = Command::cargo_bin("driftprint")
        .unwrap()
        .current_dir(&here)
        .args(["compare", &ids[0], &ids[1], "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("current folder"), "{stderr}");
    assert!(here.join("compare.html").is_file());
}

/// A folder nothing can be written into until this is dropped (`chattr +i` as root, whom
/// permissions do not stop); `None` when this machine cannot do either.
struct ReadOnly(std::path::PathBuf);

impl ReadOnly {
    fn folder(dir: &std::path::Path) -> Option<ReadOnly> {
        use std::os::unix::fs::PermissionsExt;
        let lock = ReadOnly(dir.to_path_buf());
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).ok()?;
        let _ = std::process::Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .stderr(std::process::Stdio::null())
            .status();
        let probe = dir.join(".probe");
        if std::fs::write(&probe, b"").is_ok() {
            let _ = std::fs::remove_file(&probe);
            return None;
        }
        Some(lock)
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .stderr(std::process::Stdio::null())
            .status();
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

/// A config over `input` (demo schema) with the detector as its fingerprint model.
fn config_with_model(
    dir: &std::path::Path,
    name: &str,
    input: &std::path::Path,
    model: &std::path::Path,
) -> std::path::PathBuf {
    labelled_config(
        dir,
        name,
        input,
        &format!("[fingerprint]\nmodel = {:?}\n", model.display().to_string()),
    )
}

fn report_with(config: &std::path::Path, out: &std::path::Path) -> i32 {
    report_config(config, out, &[]).0
}

/// The plots a person expects: the projection and top features of the drift stage, the
/// detector's score histograms and ROC; `compare` then lists the lexicon entries that moved.
#[test]
fn the_report_draws_projection_features_and_detector_scores() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    let model = demo_detector(tmp.path());
    // Run A: nothing to find.
    let calm = calm_corpus(tmp.path());
    report_with(
        &config_with_model(tmp.path(), "calm.toml", &calm, &model),
        &out,
    );
    // Run B: the demo corpus, human vs LLM text.
    let code = report_with(
        &config_with_model(tmp.path(), "demo.toml", &demo_path(), &model),
        &out,
    );
    assert_eq!(code, 1);
    let dirs = runs(&out);
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dirs[1].join("report.json")).unwrap())
            .unwrap();
    let drift = &json["stages"][0]["result"];
    let projection = &drift["projection"];
    assert_eq!(projection["reference"].as_array().unwrap().len(), 500);
    assert_eq!(projection["candidate"].as_array().unwrap().len(), 500);
    let ratio: f64 = projection["explained_variance_ratio"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert!(ratio > 0.0 && ratio <= 1.0, "{ratio}");
    let fingerprint = &json["stages"][1]["result"];
    assert_eq!(json["stages"][1]["stage"], "fingerprint");
    let distribution = &fingerprint["scores"]["distribution"];
    let count = |k: &str| -> u64 {
        distribution[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .sum()
    };
    assert_eq!((count("real"), count("synthetic")), (600, 600));
    // Trained on these very documents: it separates them.
    assert!(distribution["auroc"].as_f64().unwrap() > 0.95);
    assert!(distribution["roc"].as_array().unwrap().len() > 10);
    assert!(!fingerprint["scores"]["lexicon"]
        .as_array()
        .unwrap()
        .is_empty());
    let html = std::fs::read_to_string(dirs[1].join("report.html")).unwrap();
    for plot in [
        "drift-tests",
        "drift-projection",
        "drift-features",
        "fingerprint-strength",
        "fingerprint-scores",
    ] {
        assert!(
            html.contains(&format!("data-plot=\"{plot}\"><svg")),
            "{plot}"
        );
        for ext in ["png", "svg"] {
            assert!(
                dirs[1].join(format!("plots/{plot}.{ext}")).exists(),
                "{plot}.{ext}"
            );
        }
    }
    assert!(html.contains("markers of LLM text"));

    let c = tmp.path().join("compare.json");
    let o = Command::cargo_bin("driftprint")
        .unwrap()
        .arg("compare")
        .args(&dirs)
        .arg("--json")
        .arg(&c)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{text}");
    assert!(
        text.contains("detector lexicon entries that moved"),
        "{text}"
    );
    let c: Value = serde_json::from_str(&std::fs::read_to_string(&c).unwrap()).unwrap();
    let moved = c["lexicon"].as_array().unwrap();
    assert!(!moved.is_empty());
    // Largest move first; LLM markers are more common in the corpus with LLM text.
    let size = |m: &Value| (m["b"].as_f64().unwrap_or(0.0) - m["a"].as_f64().unwrap_or(0.0)).abs();
    assert!(moved.windows(2).all(|w| size(&w[0]) >= size(&w[1])));
    let top_synthetic = moved.iter().find(|m| m["toward"] == "synthetic").unwrap();
    assert!(top_synthetic["b"].as_f64().unwrap() > top_synthetic["a"].as_f64().unwrap());
    assert!(c["other"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["what"].as_str().unwrap().contains("AUROC")));
    let html = std::fs::read_to_string(dirs[1].join("compare.html")).unwrap();
    assert!(html.contains("Detector lexicon entries that moved"));
}

/// User data in a report cannot inject markup into summary.md (posted as a CI comment) nor
/// control sequences into the terminal; log lines carry no colour codes off a terminal.
#[test]
fn user_data_cannot_inject_markdown_html_or_terminal_sequences() {
    let tmp = tempfile::tempdir().unwrap();
    let generators = [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "# heading | a | b |\u{1b}]0;pwned\u{7}",
    ];
    let mut rows = Vec::new();
    for (i, line) in std::fs::read_to_string(demo_path())
        .unwrap()
        .lines()
        .take(120)
        .enumerate()
    {
        let mut v: Value = serde_json::from_str(line).unwrap();
        if v["label"] == "machine" {
            v["generator"] = Value::from(generators[i % generators.len()]);
            v["id"] = Value::from(format!("doc\u{1b}[2J{i}"));
        }
        rows.push(v.to_string());
    }
    let corpus = write(
        tmp.path(),
        "corpus.jsonl",
        (rows.join("\n") + "\n").as_bytes(),
    );
    let eval = demo_human_lines()[200..230].join("\n") + "\n";
    let eval = write(tmp.path(), "eval.jsonl", eval.as_bytes());
    let config = labelled_config(
        tmp.path(),
        "report.toml",
        &corpus,
        &format!(
            "[policy]\ntrain = [{:?}]\neval = [{:?}]\n",
            corpus.display().to_string(),
            eval.display().to_string()
        ),
    );
    let out = tmp.path().join("reports");
    let o = Command::cargo_bin("driftprint")
        .unwrap()
        .args(["report", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    for (name, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        assert!(
            !bytes.contains(&0x1b) && !bytes.contains(&0x07),
            "{name} carries raw control characters: {}",
            String::from_utf8_lossy(bytes)
        );
    }
    let md = std::fs::read_to_string(runs(&out)[0].join("summary.md")).unwrap();
    assert!(md.contains("generator-diversity"), "{md}");
    for raw in [
        "<script>",
        "[x](javascript:",
        "\n# heading",
        "\u{1b}",
        "\u{7}",
    ] {
        assert!(!md.contains(raw), "summary.md carries {raw:?}:\n{md}");
    }
    assert!(
        md.contains("&lt;script&gt;") && md.contains("\\[x\\]"),
        "{md}"
    );
    let html = std::fs::read_to_string(runs(&out)[0].join("report.html")).unwrap();
    assert!(!html.contains("<script") && !html.contains('\u{1b}'));
}

/// A run that stops between renaming its folder into place and appending its history line
/// (killed, or history.jsonl not writable) loses no history: the next run adds the line from
/// the run folder, and says so.
#[test]
fn a_run_folder_without_its_history_line_gets_it_back() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    report(&out, &["--stages", "drift"]);
    let first = runs(&out)[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    // The crash: the folder is there, its line is not.
    std::fs::write(out.join("history.jsonl"), "").unwrap();
    let (_, text) = report(&out, &["--stages", "drift"]);
    assert!(text.contains(&format!("run {first} had no line")), "{text}");
    let ids: Vec<String> = std::fs::read_to_string(out.join("history.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["run_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert_eq!(ids[0], first);
    // Nothing is added twice.
    report(&out, &["--stages", "drift"]);
    let lines = std::fs::read_to_string(out.join("history.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 3);
}
