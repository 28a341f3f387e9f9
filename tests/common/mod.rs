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
