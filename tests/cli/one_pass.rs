//! The report's one pass: the corpus is read once whatever the stages, and the stages' states
//! of shards of a corpus, saved and merged in any order, give the report of one pass over it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::*;
use crate::invoke::save_shard_state;
use assert_cmd::Command;
use serde_json::Value;

/// The demo corpus with a `generation` field (line number mod 4), so that drift, fingerprint
/// and collapse all read the same documents.
fn demo_lines_with_generations() -> Vec<String> {
    std::fs::read_to_string(demo_path())
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let mut v: Value = serde_json::from_str(line).unwrap();
            v["generation"] = (i % 4).into();
            v.to_string()
        })
        .collect()
}

/// A config reading `input` (demo schema) with the detector, drift on at most 150 documents a
/// side (quicker, and a sample of a larger corpus), and the policy manifest training on `input`
/// with the demo's eval set.
fn config(dir: &Path, input: &Path, model: &Path) -> PathBuf {
    let input = format!("{:?}", input.display().to_string());
    let eval = repo_root().join("data/policy/eval.jsonl");
    write(
        dir,
        "driftprint.toml",
        format!(
            "[ingest]\ninputs = [{input}]\n[ingest.fields]\nsource = \"label\"\n[ingest.source_values]\nhuman = \"real\"\nmachine = \"synthetic\"\n[drift]\nmax_per_side = 150\n[fingerprint]\nmodel = {:?}\n[policy]\ntrain = [{input}]\neval = [{:?}]\n",
            model.display().to_string(),
            eval.display().to_string()
        )
        .as_bytes(),
    )
}

const STAGES: &str = "drift,fingerprint,collapse,policy";

fn driftprint(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::cargo_bin("driftprint")
        .unwrap()
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap()
}

/// report.json of the only run under `out`, without what differs between runs of the same
/// numbers (times, run id, paths) and what follows the input files by design (the
/// fingerprint's per-file contamination: a shard is its own file).
fn numbers(out: &Path) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for key in ["seconds", "docs_per_second", "run_id", "created", "config"] {
                    map.remove(key);
                }
                if let Some(c) = map.get_mut("contamination").and_then(Value::as_object_mut) {
                    c.remove("files");
                    if let Some(Value::Array(suspects)) = c.get_mut("suspects") {
                        suspects.iter_mut().for_each(|s| {
                            s.as_object_mut().map(|s| s.remove("file"));
                        });
                    }
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => {
                items.retain(|i| !i["text"].as_str().is_some_and(|t| t.contains("(file ")));
                items.iter_mut().for_each(strip)
            }
            _ => {}
        }
    }
    let runs: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let text = std::fs::read_to_string(runs[0].join("report.json")).unwrap();
    let mut json: Value = serde_json::from_str(&text).unwrap();
    strip(&mut json);
    json
}

fn report(config: &Path, out: &Path, extra: &[&std::ffi::OsStr]) {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "report".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--stages".as_ref(),
        STAGES.as_ref(),
    ];
    args.extend(extra);
    let o = driftprint(&args);
    // Exit 1: the demo's drift and collapse block the release (they are real findings).
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The demo with generations written to `dir`, its config, and the numbers of one pass over it.
fn one_pass(dir: &Path) -> (Vec<String>, PathBuf, Value) {
    let lines = demo_lines_with_generations();
    let corpus = write(dir, "corpus.jsonl", (lines.join("\n") + "\n").as_bytes());
    let model = demo_detector(dir);
    let config = config(dir, &corpus, &model);
    let whole_out = dir.join("whole");
    report(&config, &whole_out, &[]);
    let whole = numbers(&whole_out);
    (lines, config, whole)
}

#[test]
fn shards_saved_and_merged_in_any_order_give_the_report_of_one_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let (lines, config, whole) = one_pass(tmp.path());
    assert_eq!(
        whole["stages"][1]["result"]["scores"]["documents"], 1200,
        "{whole}"
    );
    assert_eq!(
        whole["stages"][2]["result"]["tracks"][0]["sizes"][0]["documents"],
        300
    );
    for shards in [2usize, 3, 8] {
        let mut states = Vec::new();
        for s in 0..shards {
            let part = &lines[s * lines.len() / shards..(s + 1) * lines.len() / shards];
            let input = write(
                tmp.path(),
                &format!("shard{shards}-{s}.jsonl"),
                (part.join("\n") + "\n").as_bytes(),
            );
            let state = tmp.path().join(format!("shard{shards}-{s}.state.json"));
            save_shard_state(&config, STAGES, &input, &state);
            states.push(state);
        }
        // Merged in shard order, and in reverse with the middle shard first.
        let mut reordered = states.clone();
        reordered.reverse();
        reordered.rotate_left(shards / 2);
        for (k, order) in [states.clone(), reordered].iter().enumerate() {
            let out = tmp.path().join(format!("merged{shards}-{k}"));
            let mut extra: Vec<&std::ffi::OsStr> = vec!["--merge-states".as_ref()];
            extra.extend(order.iter().map(|p| p.as_os_str()));
            report(&config, &out, &extra);
            assert_eq!(
                numbers(&out),
                whole,
                "{shards} shards merged in order {order:?} differ from one pass"
            );
        }
    }
    // States of other settings do not merge.
    let other = write(
        tmp.path(),
        "other.toml",
        std::fs::read_to_string(&config)
            .unwrap()
            .replace("max_per_side = 150", "max_per_side = 151")
            .as_bytes(),
    );
    let state = tmp.path().join("shard2-0.state.json");
    let o = driftprint(&[
        "report".as_ref(),
        "--config".as_ref(),
        other.as_os_str(),
        "--out".as_ref(),
        tmp.path().join("bad").as_os_str(),
        "--stages".as_ref(),
        STAGES.as_ref(),
        "--merge-states".as_ref(),
        state.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_mentions(
        &String::from_utf8_lossy(&o.stderr),
        &["shard2-0.state.json", "other settings"],
    );
    // Nothing is left of the run that did not start: no run folder, no partial one.
    let left: Vec<_> = std::fs::read_dir(tmp.path().join("bad"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "history.jsonl")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// The corpus comes through a named pipe, which can be read once: a stage reading it again
/// would wait for a writer that never comes (and the test would time out).
#[test]
fn the_report_reads_the_corpus_once_for_every_stage() {
    let tmp = tempfile::tempdir().unwrap();
    let lines = demo_lines_with_generations();
    let model = demo_detector(tmp.path());
    let fifo = tmp.path().join("corpus.jsonl");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let config = config(tmp.path(), &fifo, &model);
    let writer = {
        let fifo = fifo.clone();
        let text = lines.join("\n") + "\n";
        std::thread::spawn(move || std::fs::write(&fifo, text).unwrap())
    };
    let out = tmp.path().join("reports");
    report(&config, &out, &[]);
    writer.join().unwrap();
    let json = numbers(&out);
    let stages: Vec<&str> = json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert!(!stages.contains(&"error"), "{json}");
    assert_eq!(json["stages"][0]["result"]["reference"]["documents"], 600);
    assert_eq!(json["stages"][1]["result"]["scores"]["documents"], 1200);
    let sizes = &json["stages"][2]["result"]["tracks"][0]["sizes"];
    assert_eq!(sizes.as_array().unwrap().len(), 4, "{sizes}");
    // The policy stage's training documents: the corpus's 1,200, generations 0-3.
    let trained: u64 = json["stages"][3]["result"]["lineage"]["by_generation"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["group"] != "(none)")
        .map(|g| g["documents"].as_u64().unwrap())
        .sum();
    assert_eq!(trained, 1200, "{json}");
}

/// The corpus as Arrow record batches of `rows` rows, every field a string column but
/// `generation` (an integer), as a Parquet dataset of it would hold.
fn record_batches(lines: &[String], rows: usize) -> Vec<arrow::array::RecordBatch> {
    use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let values: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut keys: Vec<String> = values
        .iter()
        .flat_map(|v| v.as_object().unwrap().keys().cloned())
        .collect();
    keys.sort();
    keys.dedup();
    values
        .chunks(rows)
        .map(|chunk| {
            let columns = keys.iter().map(|key| {
                let column: ArrayRef = if key == "generation" {
                    Arc::new(Int64Array::from_iter(chunk.iter().map(|v| v[key].as_i64())))
                } else {
                    Arc::new(StringArray::from_iter(chunk.iter().map(|v| {
                        match &v[key] {
                            Value::Null => None,
                            Value::String(s) => Some(s.clone()),
                            other => Some(other.to_string()),
                        }
                    })))
                };
                (key.as_str(), column)
            });
            RecordBatch::try_from_iter(columns).unwrap()
        })
        .collect()
}

/// What the Python package and Spark do: profiles observe record batches in memory, travel as
/// bytes, merge in any grouping, and finish into the report of one pass over the file.
#[test]
fn profiles_of_record_batches_through_bytes_give_the_report_of_one_pass() {
    use driftprint::report::profile::{ConfigSource, Profile};
    let tmp = tempfile::tempdir().unwrap();
    let (lines, config, whole) = one_pass(tmp.path());
    let source = ConfigSource::read(Some(&config)).unwrap();
    let stages: Vec<String> = STAGES.split(',').map(String::from).collect();
    // 7 partitions of batches of 40 rows (the last ones short), observed on their own.
    let batches = record_batches(&lines, 40);
    let partitions: Vec<Vec<u8>> = batches
        .chunks(batches.len().div_ceil(7))
        .enumerate()
        .map(|(p, part)| {
            let mut profile = Profile::new(source.clone(), Some(&stages)).unwrap();
            for batch in part {
                profile.observe(batch, &format!("partition {p}")).unwrap();
            }
            let bytes = profile.to_bytes().unwrap();
            // Canonical bytes: what is read back saves the same bytes.
            assert_eq!(
                Profile::from_bytes(&bytes).unwrap().to_bytes().unwrap(),
                bytes
            );
            bytes
        })
        .collect();
    // A tree of merges, leaves in reverse order.
    let mut level: Vec<Profile> = partitions
        .iter()
        .rev()
        .map(|b| Profile::from_bytes(b).unwrap())
        .collect();
    while level.len() > 1 {
        let mut next = Vec::new();
        let mut items = level.into_iter();
        while let Some(mut a) = items.next() {
            if let Some(b) = items.next() {
                a.merge(&b).unwrap();
            }
            next.push(Profile::from_bytes(&a.to_bytes().unwrap()).unwrap());
        }
        level = next;
    }
    let merged = level.pop().unwrap();
    assert_eq!(merged.rows(), 1200);
    let out = tmp.path().join("profiled");
    merged.report(&out, &|_| {}).unwrap();
    assert_eq!(numbers(&out), whole);

    // A bad row names its partition, row and field; nothing of the batch is observed.
    let mut profile = Profile::new(source.clone(), Some(&stages)).unwrap();
    let bad = record_batches(&lines[..3], 3).pop().unwrap();
    let label = bad.schema().index_of("label").unwrap();
    let mut columns = bad.columns().to_vec();
    columns[label] = std::sync::Arc::new(arrow::array::StringArray::from(vec![
        "human", "robot", "human",
    ]));
    let bad = arrow::array::RecordBatch::try_new(bad.schema(), columns).unwrap();
    let e = profile.observe(&bad, "part-00003").unwrap_err().to_string();
    assert_mentions(&e, &["part-00003", "row 2", "label", "robot"]);
    assert_eq!(profile.rows(), 0);
    // Bytes that are not a profile's are an error, not a panic.
    assert!(Profile::from_bytes(b"not a profile").is_err());
}
