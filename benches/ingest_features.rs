//! Throughput of the features path: ingest (JSONL parse + lineage mapping) + stylometry +
//! hashed n-gram TF-IDF (both passes) + projection, in MB of document text per second.
//!
//! Runs over ../shared/data/dev when present (the benchmark corpus, ~33 MB of text),
//! else over data/demo.jsonl. `benches/peers/compare_ingest.sh` runs the same measurement
//! side by side with scikit-learn.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use driftprint::corpus::{CorpusStream, IngestOptions, SourceValues};
use driftprint::features::{FeatureKind, FeatureSet, FeatureSettings};

fn corpus_files() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/data/dev");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&shared)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if files.is_empty() {
        files.push(root.join("data/demo.jsonl"));
    }
    files
}

fn options() -> IngestOptions {
    let mut o = IngestOptions::default();
    o.fields.remap("source", "label").expect("valid field");
    o.source_values =
        SourceValues::parse_pairs("human=real,machine=synthetic").expect("valid spec");
    o
}

/// Streams the files through the feature set exactly as `driftprint features` does, minus the file write.
fn featurize(files: &[PathBuf], options: &IngestOptions, kinds: &[FeatureKind]) -> usize {
    let settings = FeatureSettings {
        kinds: kinds.to_vec(),
        ..FeatureSettings::default()
    };
    let mut set = FeatureSet::new(&settings).unwrap();
    if set.needs_fit() {
        let mut stream = CorpusStream::open(files, options).expect("readable corpus");
        while let Some(batch) = stream.next_batch().expect("valid corpus") {
            set.observe(&batch);
        }
    }
    let mut stream = CorpusStream::open(files, options).expect("readable corpus");
    let mut rows = 0;
    while let Some(batch) = stream.next_batch().expect("valid corpus") {
        rows += set.transform(&batch).unwrap().values.nrows();
    }
    rows
}

fn bench(c: &mut Criterion) {
    let files = corpus_files();
    let options = options();
    let text_bytes: u64 = {
        let mut stream = CorpusStream::open(&files, &options).expect("readable corpus");
        while stream.next_batch().expect("valid corpus").is_some() {}
        stream.finish().expect("non-empty corpus").text_bytes
    };
    let mut group = c.benchmark_group("features");
    group
        .sample_size(10)
        .throughput(Throughput::Bytes(text_bytes));
    group.bench_function("ingest_only", |b| {
        b.iter(|| {
            let mut stream = CorpusStream::open(&files, &options).expect("readable corpus");
            let mut n = 0;
            while let Some(batch) = stream.next_batch().expect("valid corpus") {
                n += batch.len();
            }
            n
        })
    });
    group.bench_function("stylo", |b| {
        b.iter(|| featurize(&files, &options, &[FeatureKind::Stylo]))
    });
    group.bench_function("ngram", |b| {
        b.iter(|| featurize(&files, &options, &[FeatureKind::Ngram]))
    });
    group.bench_function("stylo+ngram", |b| {
        b.iter(|| featurize(&files, &options, &[FeatureKind::Stylo, FeatureKind::Ngram]))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
