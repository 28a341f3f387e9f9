//! Formats agree: the same corpus as JSONL, Parquet or Arrow gives byte-identical features, and
//! a file of ../shared/data/dev loads with field remapping alone.

use std::path::Path;

use crate::common::*;
use driftprint::commands::features;
use driftprint::corpus::Source;
use driftprint::features::FeatureSettings;
use driftprint::output::{write_corpus_jsonl, write_corpus_parquet};

#[test]
fn jsonl_to_parquet_gives_the_same_features() {
    let dir = tempfile::tempdir().unwrap();
    let options = dev_schema();
    let corpus = load(&[demo_path()], &options).unwrap();
    let parquet = dir.path().join("demo.parquet");
    let jsonl = dir.path().join("demo.jsonl");
    write_corpus_parquet(&corpus.docs, &parquet).unwrap();
    write_corpus_jsonl(&corpus.docs, &jsonl).unwrap();

    // Re-read in our own schema: no remapping needed any more.
    let own = driftprint::corpus::IngestOptions::default();
    let from_parquet = load(std::slice::from_ref(&parquet), &own).unwrap();
    assert_eq!(from_parquet.docs, corpus.docs);
    assert_eq!(
        load(std::slice::from_ref(&jsonl), &own).unwrap().docs,
        corpus.docs
    );

    let settings = FeatureSettings::default();
    let run = |input: &Path, options: &driftprint::corpus::IngestOptions, out: &str| {
        let out = dir.path().join(out);
        features::run(
            &[input.to_path_buf()],
            options,
            &settings,
            &out,
            &|_, _, _| {},
        )
        .unwrap();
        std::fs::read(out).unwrap()
    };
    let original = run(&demo_path(), &options, "a.npy");
    assert_eq!(original, run(&parquet, &own, "b.npy"));
    assert_eq!(original, run(&jsonl, &own, "c.npy"));
}

#[test]
fn a_shared_dev_file_loads_with_remapped_fields() {
    // ../shared is there for developers and CI; a fresh clone elsewhere tests the shipped cut.
    let shared = repo_root().join("../shared/data/dev/outfox_valid.jsonl");
    let (path, real, synthetic) = if shared.exists() {
        (shared, 499, 1000)
    } else {
        (demo_path(), 600, 600)
    };
    let corpus = load(&[path], &dev_schema()).unwrap();
    let count = |s: Source| corpus.docs.iter().filter(|d| d.lineage.source == s).count();
    assert_eq!(
        (count(Source::Real), count(Source::Synthetic)),
        (real, synthetic)
    );
    // `label` became the source, so it is not also read as the class label.
    assert!(corpus.docs.iter().all(|d| d.lineage.label.is_none()));
    assert!(corpus
        .docs
        .iter()
        .filter(|d| d.lineage.source == Source::Synthetic)
        .all(|d| d.lineage.generator.is_some()));
}
