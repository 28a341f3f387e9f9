//! Times driftprint's MinHash + LSH near-duplicate search on two JSONL files (`text` field),
//! for `benches/peers/compare_leakage.sh`: prints one JSON line with the seconds (signatures,
//! index and queries, reading excluded) and the pairs found.
//!   cargo run --release --example leakage_bench -- train.jsonl eval.jsonl [threshold]

use std::time::Instant;

use rayon::prelude::*;

use driftprint::policy::leakage::EvalIndex;

fn texts(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSONL");
            v["text"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (train, eval) = (texts(&args[1]), texts(&args[2]));
    let threshold: f64 = args.get(3).map_or(0.8, |t| t.parse().expect("threshold"));
    let eval_refs: Vec<Option<&str>> = eval.iter().map(|t| Some(t.as_str())).collect();
    let start = Instant::now();
    let index = EvalIndex::new(&eval_refs, threshold, 1);
    let pairs: usize = train.par_iter().map(|t| index.near(t).len()).sum();
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({"seconds": seconds, "pairs": pairs, "train": train.len(), "eval": eval.len()})
    );
}
