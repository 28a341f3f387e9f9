//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use driftprint::corpus::{Corpus, IngestOptions, LineageDefaults, SourceValues};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The demo corpus shipped in data/ (a cut of ../shared/data/dev, upstream schema).
pub fn demo_path() -> PathBuf {
    repo_root().join("data/demo.jsonl")
}

/// Options for files in the upstream dev schema: `label: human|machine` is the provenance.
pub fn dev_schema() -> IngestOptions {
    let mut o = IngestOptions::default();
    o.fields.remap("source", "label").unwrap();
    o.source_values = SourceValues::parse_pairs("human=real,machine=synthetic").unwrap();
    o
}

pub fn with_defaults(spec: &str) -> IngestOptions {
    IngestOptions {
        defaults: LineageDefaults::parse_pairs(spec).unwrap(),
        ..IngestOptions::default()
    }
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

pub fn load(paths: &[PathBuf], options: &IngestOptions) -> Result<Corpus, String> {
    Corpus::load(paths, options).map_err(|e| e.to_string())
}

/// Loads and returns the error text, failing the test if loading succeeded.
pub fn load_err(path: &Path, options: &IngestOptions) -> String {
    match load(&[path.to_path_buf()], options) {
        Ok(c) => panic!(
            "expected an error for {}, loaded {} docs",
            path.display(),
            c.len()
        ),
        Err(e) => e,
    }
}

/// Asserts that every fragment appears in the message.
pub fn assert_mentions(message: &str, fragments: &[&str]) {
    for f in fragments {
        assert!(message.contains(f), "message {message:?} lacks {f:?}");
    }
}

/// Files in a directory (to check that no output or temp file was left behind).
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub mod reference;

/// The MiniLM model folder for the embedding tests: `$DRIFTPRINT_MODEL_DIR`, else
/// ../shared/models/all-MiniLM-L6-v2, else models/all-MiniLM-L6-v2 (scripts/fetch_minilm.sh).
/// None skips a test, unless `DRIFTPRINT_REQUIRE_MODEL` is set (CI sets it, after fetching the
/// model), where a missing model fails it.
pub fn minilm_dir() -> Option<PathBuf> {
    let found = std::env::var_os("DRIFTPRINT_MODEL_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            repo_root().join("../shared/models/all-MiniLM-L6-v2"),
            repo_root().join("models/all-MiniLM-L6-v2"),
        ])
        .find(|d| d.join("model.safetensors").is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("DRIFTPRINT_REQUIRE_MODEL").is_none(),
            "DRIFTPRINT_REQUIRE_MODEL is set but no MiniLM model was found (run scripts/fetch_minilm.sh)"
        );
        eprintln!("skipped: no MiniLM model (run scripts/fetch_minilm.sh)");
    }
    found
}

/// The SmolLM2 folder (`$DRIFTPRINT_LM_DIR` or models/smollm2-135m), or None with a message;
/// with DRIFTPRINT_REQUIRE_LM set (as .ci/run does) a missing model fails the test instead.
pub fn smollm2_dir() -> Option<PathBuf> {
    let found = std::env::var_os("DRIFTPRINT_LM_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain([repo_root().join("models/smollm2-135m")])
        .find(|d| d.join(driftprint::features::lm::LM_FILE).is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("DRIFTPRINT_REQUIRE_LM").is_none(),
            "DRIFTPRINT_REQUIRE_LM is set but no SmolLM2 model was found (run scripts/fetch_smollm2.sh)"
        );
        eprintln!("skipped: no SmolLM2 model (run scripts/fetch_smollm2.sh)");
    }
    found
}

/// The demo corpus's human-written rows (JSON lines, as in the file).
pub fn demo_human_lines() -> Vec<String> {
    std::fs::read_to_string(demo_path())
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"label\": \"human\""))
        .map(String::from)
        .collect()
}

/// Trains a detector on the demo corpus; returns its path.
pub fn demo_detector(dir: &Path) -> PathBuf {
    let model = dir.join("demo.model");
    let o = assert_cmd::Command::cargo_bin("driftprint")
        .unwrap()
        .args(["fingerprint", "train", "--data"])
        .arg(demo_path())
        .args([
            "--source-field",
            "label",
            "--source-values",
            "human=real,machine=synthetic",
        ])
        .arg("--model")
        .arg(&model)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    model
}
