//! `driftprint policy` end to end on a manifest built from the demo corpus: a healthy manifest
//! passes (with the warnings a missing lock and audit deserve), and each gate fails on the
//! problem it exists for, naming the documents; bad manifests exit 2 naming file and row.

use std::path::{Path, PathBuf};

use crate::common::*;
use crate::invoke::driftprint;
use serde_json::{json, Value};

/// Demo rows: (id, text, label human|machine, generator, domain).
fn demo() -> Vec<Value> {
    std::fs::read_to_string(demo_path())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn write_jsonl(path: &Path, rows: &[Value]) -> PathBuf {
    let text: Vec<String> = rows.iter().map(Value::to_string).collect();
    std::fs::write(path, text.join("\n") + "\n").unwrap();
    path.to_path_buf()
}

/// Train: two in three human documents of each class (real) and every machine document
/// (synthetic, 4 generators, 3 prompts, 2 temperatures), classed by domain; eval: the other
/// human documents (every third of a class, from its second, so a class with one human
/// document keeps it in training).
fn manifest(dir: &Path) -> (Vec<Value>, Vec<Value>) {
    let rows = demo();
    let humans: Vec<&Value> = rows.iter().filter(|r| r["label"] == "human").collect();
    let machines: Vec<&Value> = rows.iter().filter(|r| r["label"] == "machine").collect();
    let mut seen = std::collections::HashMap::new();
    let in_eval: Vec<bool> = humans
        .iter()
        .map(|r| {
            let k = seen.entry(r["domain"].to_string()).or_insert(0usize);
            *k += 1;
            *k % 3 == 2
        })
        .collect();
    let mut train: Vec<Value> = humans
        .iter()
        .zip(&in_eval)
        .filter(|(_, e)| !**e)
        .map(|(r, _)| r)
        .map(|r| json!({"id": r["id"], "text": r["text"], "source": "real", "label": r["domain"]}))
        .collect();
    train.extend(machines.iter().enumerate().map(|(i, r)| {
        json!({"id": r["id"], "text": r["text"], "source": "synthetic", "label": r["domain"],
               "generator": r["generator"], "prompt_id": format!("p{}", i % 3),
               "temperature": if i % 2 == 0 { 0.7 } else { 1.0 }})
    }));
    let eval: Vec<Value> = humans
        .iter()
        .zip(&in_eval)
        .filter(|(_, e)| **e)
        .map(|(r, _)| r)
        .map(|r| json!({"id": r["id"], "text": r["text"], "source": "real", "label": r["domain"]}))
        .collect();
    write_jsonl(&dir.join("train.jsonl"), &train);
    write_jsonl(&dir.join("eval.jsonl"), &eval);
    (train, eval)
}

/// Runs `policy check` with extra arguments; returns the exit code and the JSON result.
fn check(dir: &Path, train: &str, eval: &str, extra: &[&str]) -> (i32, Value, String) {
    let json = dir.join("result.json");
    let out = driftprint()
        .args(["policy", "check", "--train"])
        .arg(dir.join(train))
        .arg("--eval")
        .arg(dir.join(eval))
        .arg("--json")
        .arg(&json)
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let code = out.status.code().unwrap();
    let value = if code == 2 {
        Value::Null
    } else {
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
    };
    (code, value, stdout + &stderr)
}

fn gate<'a>(result: &'a Value, name: &str) -> &'a Value {
    result["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == name)
        .unwrap_or_else(|| panic!("no gate {name} in {result}"))
}

fn evidence(result: &Value, name: &str) -> Vec<String> {
    gate(result, name)["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_healthy_manifest_passes_with_warnings_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (train, eval) = manifest(dir.path());
    let (code, result, text) = check(dir.path(), "train.jsonl", "eval.jsonl", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("PASS with"), "{text}");
    for name in ["mix-ratio", "generator-diversity", "no-leakage"] {
        assert_eq!(gate(&result, name)["status"], "pass", "{name}: {text}");
    }
    // No lock, no audit, no downstream model named: warnings, not failures.
    for name in ["eval-locked", "expert-audit", "no-recursion"] {
        assert_eq!(gate(&result, name)["status"], "warn", "{name}: {text}");
    }
    // Without a model the built-in detector screens the eval set and the gate says so, with
    // the interval that carries its error rates.
    let screened = gate(&result, "eval-is-real");
    assert_eq!(screened["status"], "pass", "{text}");
    assert_mentions(
        screened["message"].as_str().unwrap(),
        &[
            "built-in detector",
            &format!("of {} flagged", eval.len()),
            "95% CI",
        ],
    );
    // On 40 documents the interval is too wide to rule out 5%: a warning (inconclusive),
    // never a pass or a failure.
    write_jsonl(&dir.path().join("eval40.jsonl"), &eval[..40]);
    let (code, small, small_text) = check(dir.path(), "train.jsonl", "eval40.jsonl", &[]);
    assert_eq!(code, 0, "{small_text}");
    let screened = gate(&small, "eval-is-real");
    assert_eq!(screened["status"], "warn", "{small_text}");
    assert_mentions(screened["message"].as_str().unwrap(), &["inconclusive"]);
    let mix = gate(&result, "mix-ratio");
    let real = (train.len() - 600) as f64;
    assert!((mix["measured"].as_f64().unwrap() - real / train.len() as f64).abs() < 1e-12);
    assert_eq!(mix["threshold"], 0.1);
    let splits = result["lineage"]["by_split"].as_array().unwrap();
    let train = splits.iter().find(|s| s["group"] == "train").unwrap();
    assert_eq!(train["synthetic"], 600);
    assert!(text.contains("lineage: synthetic share"), "{text}");
}

#[test]
fn the_eval_set_must_be_real_and_match_its_lock() {
    let dir = tempfile::tempdir().unwrap();
    let (train, mut eval) = manifest(dir.path());
    driftprint()
        .args(["policy", "lock"])
        .arg(dir.path().join("eval.jsonl"))
        .arg("-o")
        .arg(dir.path().join("eval.lock"))
        .assert()
        .success();
    let lock = dir.path().join("eval.lock");
    let lock_arg = lock.to_str().unwrap();
    let (code, result, _) = check(
        dir.path(),
        "train.jsonl",
        "eval.jsonl",
        &["--lock", lock_arg],
    );
    assert_eq!(code, 0);
    assert_eq!(gate(&result, "eval-locked")["status"], "pass");

    // Edit one document, drop another, add a synthetic one.
    let edited = eval[0]["id"].as_str().unwrap().to_string();
    let removed = eval[1]["id"].as_str().unwrap().to_string();
    eval[0]["text"] = json!("an edited text");
    eval.remove(1);
    let mut added = train
        .iter()
        .find(|r| r["source"] == "synthetic")
        .unwrap()
        .clone();
    added["id"] = json!("sneaked-in");
    eval.push(added);
    write_jsonl(&dir.path().join("eval2.jsonl"), &eval);
    let (code, result, text) = check(
        dir.path(),
        "train.jsonl",
        "eval2.jsonl",
        &["--lock", lock_arg],
    );
    assert_eq!(code, 1, "{text}");
    assert!(text.starts_with("FAIL:"), "{text}");
    assert_eq!(evidence(&result, "eval-is-real"), vec!["sneaked-in"]);
    let diff = evidence(&result, "eval-locked");
    assert!(diff.contains(&"added: sneaked-in".to_string()), "{diff:?}");
    assert!(diff.contains(&format!("removed: {removed}")), "{diff:?}");
    assert!(diff.contains(&format!("changed: {edited}")), "{diff:?}");

    // A lock of another schema is refused by name.
    std::fs::write(
        &lock,
        r#"{"format": "driftprint-eval-lock", "version": 0, "schema": ["id"]}"#,
    )
    .unwrap();
    let (code, _, text) = check(
        dir.path(),
        "train.jsonl",
        "eval.jsonl",
        &["--lock", lock_arg],
    );
    assert_eq!(code, 2);
    assert!(
        text.contains("eval.lock") && text.contains("another version or schema"),
        "{text}"
    );
}

#[test]
fn mix_ratio_follows_the_phase_and_every_class() {
    let dir = tempfile::tempdir().unwrap();
    let (mut train, _) = manifest(dir.path());
    let (code, result, text) = check(dir.path(), "train.jsonl", "eval.jsonl", &["--phase", "2"]);
    assert_eq!(code, 1, "{text}");
    let mix = gate(&result, "mix-ratio");
    assert_eq!(mix["status"], "fail");
    assert_eq!(mix["threshold"], 0.8);
    let real = 100.0 * (train.len() - 600) as f64 / train.len() as f64;
    assert!(
        evidence(&result, "mix-ratio")[0].starts_with(&format!("overall: {real:.1}% real")),
        "{:?}",
        evidence(&result, "mix-ratio")
    );
    let (code, _, _) = check(dir.path(), "train.jsonl", "eval.jsonl", &["--phase", "0"]);
    assert_eq!(code, 0);

    // One class made entirely of synthetic documents fails although the total passes.
    for row in train
        .iter_mut()
        .filter(|r| r["source"] == "synthetic")
        .take(20)
    {
        row["label"] = json!("rare_class");
    }
    write_jsonl(&dir.path().join("train2.jsonl"), &train);
    let (code, result, _) = check(dir.path(), "train2.jsonl", "eval.jsonl", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        evidence(&result, "mix-ratio"),
        vec!["class 'rare_class': 0.0% real (0 of 20)"]
    );

    let (code, _, text) = check(dir.path(), "train.jsonl", "eval.jsonl", &["--phase", "7"]);
    assert_eq!(code, 2);
    assert!(text.contains("unknown phase 7"), "{text}");
}

#[test]
fn one_generator_fails_diversity_and_recursion_prints_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (mut train, _) = manifest(dir.path());
    for row in train.iter_mut().filter(|r| r["source"] == "synthetic") {
        row["generator"] = json!("support-bot-v1");
        row["parent_model"] = json!("llama-base");
    }
    write_jsonl(&dir.path().join("train2.jsonl"), &train);
    std::fs::write(
        dir.path().join("models.toml"),
        "[derived_from]\n\"support-bot-v2\" = \"support-bot-v1\"\n",
    )
    .unwrap();
    let ancestry = dir.path().join("models.toml");
    let (code, result, text) = check(
        dir.path(),
        "train2.jsonl",
        "eval.jsonl",
        &[
            "--model",
            "support-bot-v2",
            "--ancestry",
            ancestry.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{text}");
    assert_eq!(gate(&result, "generator-diversity")["status"], "fail");
    assert!(evidence(&result, "generator-diversity")
        .iter()
        .any(|e| e == "generators: 1 distinct, at least 2 required"));
    let chain = evidence(&result, "no-recursion");
    assert!(
        chain[0].contains("support-bot-v2 -> support-bot-v1") && chain[0].contains("600 document"),
        "{chain:?}"
    );
    // Data from the base model the generator came from is not recursive for an unrelated model.
    let (code, result, _) = check(
        dir.path(),
        "train.jsonl",
        "eval.jsonl",
        &["--model", "other-model"],
    );
    assert_eq!(code, 0);
    assert_eq!(gate(&result, "no-recursion")["status"], "pass");
}

/// Fills the audit sheet: the first `wrong` random rows are wrong, the rest of the first
/// `reviewed` random rows correct.
fn review(sheet: &Path, reviewed: usize, wrong: usize) -> PathBuf {
    let mut reader = csv::Reader::from_path(sheet).unwrap();
    let headers = reader.headers().unwrap().clone();
    let out = sheet.with_file_name(format!("reviewed-{reviewed}-{wrong}.csv"));
    let mut writer = csv::Writer::from_path(&out).unwrap();
    writer.write_record(&headers).unwrap();
    let verdict = headers.iter().position(|h| h == "verdict").unwrap();
    for (i, row) in reader.records().enumerate() {
        let mut row: Vec<String> = row.unwrap().iter().map(String::from).collect();
        if row[1] == "random" && i < reviewed {
            row[verdict] = if i < wrong { "wrong" } else { "correct" }.into();
        }
        writer.write_record(&row).unwrap();
    }
    writer.flush().unwrap();
    out
}

#[test]
fn the_audit_sample_comes_back_as_a_noise_floor() {
    let dir = tempfile::tempdir().unwrap();
    manifest(dir.path());
    let sheet = dir.path().join("audit.csv");
    driftprint()
        .args([
            "policy",
            "audit-sample",
            "--n",
            "60",
            "--suspects",
            "5",
            "--train",
        ])
        .arg(dir.path().join("train.jsonl"))
        .arg("-o")
        .arg(&sheet)
        .assert()
        .success();
    let text = std::fs::read_to_string(&sheet).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        "id,sample,generator,label,text,verdict,comment"
    );
    let mut reader = csv::Reader::from_path(&sheet).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.iter().filter(|r| &r[1] == "random").count(), 60);
    assert_eq!(rows.iter().filter(|r| &r[1] == "suspect").count(), 5);

    // 60 reviewed, 1 wrong: Wilson upper bound 8.9% < 10%.
    let ok = review(&sheet, 60, 1);
    let (code, result, text) = check(
        dir.path(),
        "train.jsonl",
        "eval.jsonl",
        &["--audit", ok.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{text}");
    let audit = gate(&result, "expert-audit");
    assert_eq!(audit["status"], "pass");
    assert!(
        (audit["measured"].as_f64().unwrap() - 0.0889).abs() < 0.001,
        "{audit}"
    );
    // 8 wrong of 60: over the limit; 30 reviewed: too few.
    for (reviewed, wrong) in [(60, 8), (30, 0)] {
        let file = review(&sheet, reviewed, wrong);
        let (code, result, _) = check(
            dir.path(),
            "train.jsonl",
            "eval.jsonl",
            &["--audit", file.to_str().unwrap()],
        );
        assert_eq!(code, 1);
        assert_eq!(gate(&result, "expert-audit")["status"], "fail");
    }
    // A malformed verdict is named by file, line and field.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "id,sample,verdict\nx,random,perhaps\n").unwrap();
    let (code, _, text) = check(
        dir.path(),
        "train.jsonl",
        "eval.jsonl",
        &["--audit", bad.to_str().unwrap()],
    );
    assert_eq!(code, 2);
    assert!(
        text.contains("bad.csv") && text.contains("line 2") && text.contains("verdict"),
        "{text}"
    );
}

#[test]
fn paraphrased_eval_documents_in_training_are_leakage() {
    let dir = tempfile::tempdir().unwrap();
    let (mut train, eval) = manifest(dir.path());
    // A synthetic near-copy that changes one word in 100, and an exact copy.
    let source = eval[5]["text"].as_str().unwrap();
    let words: Vec<&str> = source.split_whitespace().collect();
    let paraphrase: Vec<&str> = words
        .iter()
        .enumerate()
        .map(|(i, w)| if i % 100 == 50 { "indeed" } else { w })
        .collect();
    train.push(
        json!({"id": "leaked", "text": paraphrase.join(" "), "source": "synthetic",
                      "label": "x", "generator": "gpt2-xl", "prompt_id": "p0", "temperature": 0.7}),
    );
    train.push(json!({"id": "copied", "text": eval[7]["text"], "source": "real", "label": "x"}));
    write_jsonl(&dir.path().join("train2.jsonl"), &train);
    let (code, result, text) = check(dir.path(), "train2.jsonl", "eval.jsonl", &[]);
    assert_eq!(code, 1, "{text}");
    let found = evidence(&result, "no-leakage");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("exact duplicate: train 'copied'"),
        "{found:?}"
    );
    assert!(found[1].contains("synthetic train 'leaked'"), "{found:?}");
}

#[test]
fn a_manifest_without_provenance_is_an_error_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    manifest(dir.path());
    write_jsonl(
        &dir.path().join("train2.jsonl"),
        &[
            json!({"id": "a", "text": "fine", "source": "real"}),
            json!({"id": "b", "text": "no source"}),
        ],
    );
    let (code, _, text) = check(dir.path(), "train2.jsonl", "eval.jsonl", &[]);
    assert_eq!(code, 2);
    assert!(
        text.contains("train2.jsonl") && text.contains("line 2") && text.contains("source"),
        "{text}"
    );
}

/// With a detector, unlabelled LLM text in the eval set is caught by its estimated share.
#[test]
fn a_detector_catches_unlabelled_synthetic_text_in_the_eval_set() {
    let dir = tempfile::tempdir().unwrap();
    let (train, eval) = manifest(dir.path());
    let model = dir.path().join("fp.model");
    // The gate is under test, not the detector: on the demo's few hundred documents the text
    // alone separates weakly (their eval humans continue into training machine texts), so the
    // detector also reads the layout, which tells the demo's two sides apart.
    driftprint()
        .args([
            "fingerprint",
            "train",
            "--features",
            "ngram,stylo,format",
            "--data",
        ])
        .arg(dir.path().join("train.jsonl"))
        .arg("--model")
        .arg(&model)
        .assert()
        .success();
    let model_arg = model.to_str().unwrap();
    // Human text the team trusts (the eval humans the contaminated set below leaves out): the
    // detector's false-positive rates are measured on it, so the gate can read it at a looser
    // point than its strict threshold, where it finds most LLM text.
    write_jsonl(&dir.path().join("trusted.jsonl"), &eval[50..]);
    let config = dir.path().join("trusted.toml");
    std::fs::write(
        &config,
        "[fingerprint]\ntrusted_real = [\"trusted.jsonl\"]\n",
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();
    // Real human eval text: the estimate stays low.
    let (code, result, text) = check(
        dir.path(),
        "train.jsonl",
        "eval.jsonl",
        &["--fingerprint", model_arg, "--config", config_arg],
    );
    assert_eq!(code, 0, "{text}");
    assert!(gate(&result, "eval-is-real")["message"]
        .as_str()
        .unwrap()
        .contains("estimated LLM share"));
    // Half the eval set replaced by machine text that claims to be real.
    let mut contaminated = eval[..50].to_vec();
    contaminated.extend(train.iter().filter(|r| r["source"] == "synthetic").take(50).map(|r| {
        json!({"id": format!("posing-{}", r["id"].as_str().unwrap()), "text": r["text"], "source": "real", "label": r["label"]})
    }));
    write_jsonl(&dir.path().join("eval2.jsonl"), &contaminated);
    let (code, result, text) = check(
        dir.path(),
        "train.jsonl",
        "eval2.jsonl",
        &["--fingerprint", model_arg, "--config", config_arg],
    );
    assert_eq!(code, 1, "{text}");
    let g = gate(&result, "eval-is-real");
    assert_eq!(g["status"], "fail", "{g}");
    assert!(g["measured"].as_f64().unwrap() > 0.3, "{g}");
    assert!(evidence(&result, "eval-is-real")
        .iter()
        .any(|e| e.starts_with("posing-")));
}
