//! MiniLM sentence embeddings: sentences/s at batch 32, max 128 tokens, on the first N texts of
//! ../shared/data/dev/outfox_valid.jsonl (the texts `benches/peers/minilm_peer.sh` embeds), cold
//! (no cache) and as a cached re-run (a fresh `Embedder` on a filled cache, model hash included).
//!
//! `EMBED_N` (default 256) sets N; `DRIFTPRINT_MODEL_DIR` or ../shared/models/all-MiniLM-L6-v2
//! names the model. Skipped (with a message) when either is missing.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use driftprint::corpus::{Doc, Lineage, Source};
use driftprint::features::embed::{EmbedConfig, Embedder};
use driftprint::features::Featurizer;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn model_dir() -> Option<PathBuf> {
    std::env::var_os("DRIFTPRINT_MODEL_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            root().join("../shared/models/all-MiniLM-L6-v2"),
            root().join("models/all-MiniLM-L6-v2"),
        ])
        .find(|d| d.join("model.safetensors").is_file())
}

fn texts(path: &Path, n: usize) -> Option<Vec<Doc>> {
    let file = std::fs::File::open(path).ok()?;
    let mut docs = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let value: serde_json::Value = serde_json::from_str(&line.ok()?).ok()?;
        docs.push(Doc {
            id: i.to_string(),
            text: value["text"].as_str()?.to_string(),
            lineage: Lineage::new(Source::Real),
        });
        if docs.len() == n {
            break;
        }
    }
    Some(docs)
}

fn config(model: &Path, cache: Option<&Path>) -> EmbedConfig {
    EmbedConfig {
        model_dir: Some(model.to_path_buf()),
        max_tokens: 128,
        batch_size: 32,
        cache: cache.is_some(),
        cache_dir: cache.map(Path::to_path_buf),
        ..EmbedConfig::default()
    }
}

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("EMBED_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let corpus = root().join("../shared/data/dev/outfox_valid.jsonl");
    let (Some(model), Some(docs)) = (model_dir(), texts(&corpus, n)) else {
        eprintln!(
            "embed bench skipped: needs a MiniLM model and {}",
            corpus.display()
        );
        return;
    };
    let mut group = c.benchmark_group("minilm");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60))
        .throughput(Throughput::Elements(docs.len() as u64));

    // One model load outside the timing, as sentence-transformers' peer loads it once.
    let cold = Embedder::new(&config(&model, None)).expect("model");
    group.bench_function(format!("cold_{n}_batch32_max128"), |b| {
        b.iter(|| {
            // A fresh in-memory layer each time: clone the docs' texts so nothing is remembered.
            let fresh: Vec<Doc> = docs
                .iter()
                .map(|d| Doc {
                    text: format!("{} ", d.text),
                    ..d.clone()
                })
                .collect();
            cold.transform(&fresh).expect("embed")
        })
    });

    let cache = tempfile::tempdir().expect("temp dir");
    let start = Instant::now();
    Embedder::new(&config(&model, Some(cache.path())))
        .and_then(|e| e.transform(&docs))
        .expect("fill the cache");
    let cold_seconds = start.elapsed().as_secs_f64();
    group.bench_function(format!("cached_rerun_{n}"), |b| {
        b.iter(|| {
            let warm = Embedder::new(&config(&model, Some(cache.path()))).expect("model");
            warm.transform(&docs).expect("embed")
        })
    });
    group.finish();

    let start = Instant::now();
    let warm = Embedder::new(&config(&model, Some(cache.path()))).expect("model");
    warm.transform(&docs).expect("embed");
    let warm_seconds = start.elapsed().as_secs_f64();
    println!(
        "cold run with cache write (model load included): {cold_seconds:.2} s = {:.1} sentences/s; cached re-run: {warm_seconds:.4} s; ratio {:.0}x",
        n as f64 / cold_seconds,
        cold_seconds / warm_seconds
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
