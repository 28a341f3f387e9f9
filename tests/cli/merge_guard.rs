//! Merging shards' states counts each document once and trusts nothing it cannot check: a state
//! given twice (or a copy), shards that overlap, a state scored by another detector under the
//! same path, and a hand-edited state are refused (exit 2, naming the files) and leave no run.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::*;
use crate::invoke::save_shard_state;
use assert_cmd::Command;
use serde_json::Value;

const STAGES: &str = "drift,fingerprint,policy";

fn driftprint(args: &[&OsStr]) -> std::process::Output {
    Command::cargo_bin("driftprint")
        .unwrap()
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap()
}

/// A config for the demo scoring with the detector at `model`, drift on a small sample, the
/// policy manifest training on the inputs (each shard's, given by `--inputs`).
fn config(dir: &Path, model: &Path) -> PathBuf {
    let demo = demo_path().display().to_string();
    write(
        dir,
        "driftprint.toml",
        format!(
            "[ingest]\ninputs = [{demo:?}]\n[ingest.fields]\nsource = \"label\"\n[ingest.source_values]\nhuman = \"real\"\nmachine = \"synthetic\"\n[drift]\nmax_per_side = 100\ntests = [\"mmd\"]\n[fingerprint]\nmodel = {:?}\n[policy]\ntrain = [{demo:?}]\neval = [{:?}]\n",
            model.display().to_string(),
            repo_root().join("data/policy/eval.jsonl").display().to_string()
        )
        .as_bytes(),
    )
}

/// Saves the state of the demo's lines `range` to `<name>.state`.
fn save(dir: &Path, config: &Path, name: &str, range: std::ops::Range<usize>) -> PathBuf {
    let demo = std::fs::read_to_string(demo_path()).unwrap();
    let lines: Vec<&str> = demo.lines().collect();
    let input = write(
        dir,
        &format!("{name}.jsonl"),
        (lines[range].join("\n") + "\n").as_bytes(),
    );
    let state = dir.join(format!("{name}.state"));
    save_shard_state(config, STAGES, &input, &state);
    state
}

/// `report --merge-states` of `states`: its exit code and stderr; asserts a refused merge left
/// no run behind.
fn merge(dir: &Path, config: &Path, states: &[&Path]) -> (Option<i32>, String) {
    let out = tempfile::tempdir_in(dir).unwrap().keep();
    let mut args: Vec<&OsStr> = vec![
        "report".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--stages".as_ref(),
        STAGES.as_ref(),
        "--merge-states".as_ref(),
    ];
    args.extend(states.iter().map(|s| s.as_os_str()));
    let o = driftprint(&args);
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    if o.status.code() == Some(2) {
        let runs: Vec<_> = std::fs::read_dir(&out)
            .into_iter()
            .flatten()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != "history.jsonl")
            .collect();
        assert!(runs.is_empty(), "a refused merge left {runs:?}");
    }
    (o.status.code(), stderr)
}

fn built_in_model(dir: &Path) -> PathBuf {
    let model = dir.join("detector.fpmodel");
    std::fs::copy(
        repo_root().join("assets/detector/driftprint-default.fpmodel"),
        &model,
    )
    .unwrap();
    model
}

#[test]
fn a_state_given_twice_a_copy_or_overlapping_shards_are_refused_naming_both_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = config(dir, &built_in_model(dir));
    let first = save(dir, &config, "first", 0..300);
    let second = save(dir, &config, "second", 300..600);
    let (code, stderr) = merge(dir, &config, &[&first, &second]);
    assert!(matches!(code, Some(0 | 1)), "{stderr}");

    let (code, stderr) = merge(dir, &config, &[&first, &first, &second]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_mentions(&stderr, &["first.state", "merged already", "twice"]);

    let copy = dir.join("copy.state");
    std::fs::copy(&first, &copy).unwrap();
    let (code, stderr) = merge(dir, &config, &[&first, &second, &copy]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_mentions(&stderr, &["copy.state", "first.state", "merged already"]);

    // Lines 1–400 and 201–600 of the demo: 200 documents in both.
    let low = save(dir, &config, "low", 0..400);
    let high = save(dir, &config, "high", 200..600);
    let (code, stderr) = merge(dir, &config, &[&low, &high]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_mentions(&stderr, &["high.state", "low.state", "share documents"]);
}

#[test]
fn a_state_scored_by_another_detector_under_the_same_path_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let model = built_in_model(dir);
    let config = config(dir, &model);
    let first = save(dir, &config, "first", 0..300);
    // The detector replaced by another one trained on the demo, under the same path.
    let other = demo_detector(dir);
    std::fs::copy(&other, &model).unwrap();
    let second = save(dir, &config, "second", 300..600);
    let (code, stderr) = merge(dir, &config, &[&first, &second]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_mentions(&stderr, &["first.state", "other settings"]);
}

/// The state file at `path` as JSON (states are zstd-compressed; plain JSON is read back too).
fn state_json(path: &Path) -> Value {
    driftprint::stages::pass::decode(&std::fs::read(path).unwrap(), "test").unwrap()
}

#[test]
fn hand_edited_states_are_refused_with_the_field_that_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = config(dir, &built_in_model(dir));
    let state = save(dir, &config, "shard", 0..200);
    let stage = |v: &mut Value, name: &str| -> usize {
        let stages = v["stages"].as_array().unwrap();
        stages.iter().position(|s| s["stage"] == name).unwrap()
    };
    // (what is edited, the words the error must carry)
    type Edit = (
        &'static str,
        fn(&mut Value, usize, usize),
        &'static [&'static str],
    );
    let edits: [Edit; 4] = [
        (
            "fingerprint flagged above its documents",
            |v, fp, _| v["stages"][fp]["state"]["scores"]["flagged"] = 1_000_000.into(),
            &["fingerprint", "flagged", "1000000"],
        ),
        (
            "policy synthetic above its documents",
            |v, _, policy| {
                let all = &mut v["stages"][policy]["state"]["all"];
                all["synthetic"] = (all["documents"].as_u64().unwrap() + 1).into();
            },
            &["policy", "all.synthetic"],
        ),
        (
            "a share outside 0..1",
            |v, fp, _| {
                let kept = &mut v["stages"][fp]["state"]["contamination"]["suspects"]["kept"];
                kept[0]["probability"] = 7.5.into();
            },
            &["fingerprint", "probability", "7.5"],
        ),
        (
            "more documents than the pass read",
            |v, _, _| v["coverage"]["documents"] = 10_000_000.into(),
            &["coverage", "inconsistent"],
        ),
    ];
    for (what, edit, words) in edits {
        let mut v = state_json(&state);
        let (fp, policy) = (stage(&mut v, "fingerprint"), stage(&mut v, "policy"));
        edit(&mut v, fp, policy);
        let edited = write(dir, "edited.state", v.to_string().as_bytes());
        let (code, stderr) = merge(dir, &config, &[&edited]);
        assert_eq!(code, Some(2), "{what}: {stderr}");
        assert_mentions(&stderr, words);
        assert!(stderr.contains("edited.state"), "{what}: {stderr}");
    }
}

/// Mutated profile bytes (a state as Spark carries it) are read back or refused, never a panic:
/// numbers replaced by extreme ones, bytes flipped.
mod fuzz {
    use super::*;
    use arrow::array::{RecordBatch, StringArray};
    use driftprint::report::profile::{ConfigSource, Profile};
    use proptest::prelude::*;
    use std::sync::{Arc, OnceLock};

    /// A profile of 60 demo documents, as the JSON text of its bytes.
    fn profile_json() -> &'static str {
        static JSON: OnceLock<String> = OnceLock::new();
        JSON.get_or_init(|| {
            let demo = std::fs::read_to_string(demo_path()).unwrap();
            let rows: Vec<Value> = demo
                .lines()
                .take(60)
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            let column = |key: &str| {
                Arc::new(StringArray::from_iter_values(
                    rows.iter().map(|r| r[key].as_str().unwrap().to_string()),
                )) as arrow::array::ArrayRef
            };
            let batch = RecordBatch::try_from_iter(
                ["id", "text", "label", "generator"].map(|k| (k, column(k))),
            )
            .unwrap();
            let mut profile = Profile::new(source(), Some(&stages())).unwrap();
            profile.observe(&batch, "partition 0").unwrap();
            let value: Value =
                driftprint::stages::pass::decode(&profile.to_bytes().unwrap(), "test").unwrap();
            value.to_string()
        })
    }

    fn source() -> ConfigSource {
        ConfigSource {
            path: None,
            text: "[ingest.fields]\nsource = \"label\"\n[ingest.source_values]\nhuman = \"real\"\nmachine = \"synthetic\"\n[drift]\nmax_per_side = 50\n".into(),
        }
    }

    fn stages() -> Vec<String> {
        vec!["drift".into(), "fingerprint".into()]
    }

    /// The byte offsets of the JSON's number tokens.
    fn numbers(json: &str) -> Vec<(usize, usize)> {
        let bytes = json.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let starts = bytes[i].is_ascii_digit() && (i == 0 || b":,[".contains(&bytes[i - 1]));
            if starts {
                let end = (i..bytes.len())
                    .find(|&j| !(bytes[j].is_ascii_digit() || b".eE+-".contains(&bytes[j])))
                    .unwrap_or(bytes.len());
                out.push((i, end));
                i = end;
            } else {
                i += 1;
            }
        }
        out
    }

    #[test]
    fn the_profile_reads_back() {
        Profile::from_bytes(profile_json().as_bytes()).unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn mutated_numbers_are_refused_or_read_never_a_panic(
            picks in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..8), 1..4)
        ) {
            let json = profile_json();
            let spots = numbers(json);
            let replacements = ["18446744073709551615", "0", "1e308", "-1", "4294967296", "0.5", "7", "99999999999"];
            let mut edits: Vec<((usize, usize), &str)> = picks
                .iter()
                .map(|(at, r)| (spots[at.index(spots.len())], replacements[*r]))
                .collect();
            edits.sort_by_key(|e| std::cmp::Reverse(e.0 .0));
            edits.dedup_by_key(|e| e.0 .0);
            let mut mutated = json.to_string();
            for ((start, end), with) in edits {
                mutated.replace_range(start..end, with);
            }
            let _ = Profile::from_bytes(mutated.as_bytes());
        }

        #[test]
        fn flipped_bytes_are_refused_or_read_never_a_panic(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)
        ) {
            let mut bytes = profile_json().as_bytes().to_vec();
            for (at, b) in flips {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
            let _ = Profile::from_bytes(&bytes);
        }
    }
}
